/**
 * How a label file names an image, normalised for matching: an S3 key when the reference carries
 * one (s3:// URL, S3 object URL, a key or relative path), and always the bare file name.
 */
export interface ItemRef {
  readonly key?: string | undefined;
  readonly fileName: string;
}

const S3_VIRTUAL_HOST = /^([^.]+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/;
const S3_PATH_HOST = /^s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/;

export function parseItemRef(ref: string): ItemRef {
  const trimmed = ref.trim();
  let key: string | undefined;
  if (trimmed.startsWith('s3://')) {
    key = trimmed.slice(5).split('/').slice(1).join('/');
  } else if (/^https?:\/\//i.test(trimmed)) {
    try {
      const url = new URL(trimmed);
      const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
      key = S3_PATH_HOST.test(url.hostname) ? path.split('/').slice(1).join('/') : path;
      if (!S3_VIRTUAL_HOST.test(url.hostname) && !S3_PATH_HOST.test(url.hostname)) key = path;
    } catch {
      key = undefined;
    }
  } else if (trimmed.includes('/')) {
    key = trimmed.replace(/^\.\//, '');
  }
  const fileName = (key ?? trimmed).split('/').pop() ?? trimmed;
  return { key: key || undefined, fileName };
}
