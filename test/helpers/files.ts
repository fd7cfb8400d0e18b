import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

/** A temporary folder removed after the callback. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftwatch-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Uint8Array) => {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
};

/**
 * A valid-looking PNG whose header claims width×height pixels (CRCs correct) but carries the data of
 * one row only: a "pixel bomb" header.
 */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.alloc(1 + 3 * Math.min(width, 16));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(row)),
    chunk('IEND', new Uint8Array()),
  ]);
}

/**
 * An iPhone-style HEIC container (brand `heic`, item type `hvc1`, an `hvcC` decoder record) built
 * from a sharp AVIF by swapping its AV1 decoder box for an HEVC one. The payload stays AV1, but a
 * decoder without HEVC support refuses it before reading a byte of it, as it would a real HEIC.
 * Layout per ISO/IEC 14496-12 (boxes, iloc) and 23008-12 (HEIF); the hvcC record per 14496-15 §8.3.3.
 */
export function heicFromAvif(avif: Uint8Array): Buffer {
  const hvcC = Buffer.alloc(23);
  hvcC[0] = 1; // configurationVersion
  hvcC[1] = 0x01; // general_profile_idc: Main
  hvcC.writeUInt32BE(0x60000000, 2); // profile compatibility flags
  hvcC[12] = 90; // general_level_idc: 3.0
  hvcC.writeUInt16BE(0xf000, 13);
  hvcC.set([0xfc, 0xfd, 0xf8, 0xf8], 15); // 4:2:0, 8-bit
  hvcC[21] = 0x0f; // lengthSizeMinusOne = 3; numOfArrays (byte 22) = 0
  const source = Buffer.from(avif);
  const at = source.indexOf('av1C') - 4;
  const box = Buffer.concat([Buffer.alloc(8), hvcC]);
  box.writeUInt32BE(box.length, 0);
  box.write('hvcC', 4, 'latin1');
  const grow = box.length - source.readUInt32BE(at);
  const out = Buffer.concat([
    source.subarray(0, at),
    box,
    source.subarray(at + source.readUInt32BE(at)),
  ]);
  for (const parent of ['meta', 'iprp', 'ipco']) {
    const p = out.indexOf(parent) - 4;
    out.writeUInt32BE(out.readUInt32BE(p) + grow, p);
  }
  shiftItemOffsets(out, out.indexOf('iloc') - 4, grow);
  for (const [from, to] of [
    ['avif', 'heic'],
    ['av01', 'hvc1'],
  ] as const)
    for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, i + 1))
      out.write(to, i, 'latin1');
  return out;
}

/** Moves every item location in an `iloc` box by `delta` bytes (the media data moved). */
function shiftItemOffsets(out: Buffer, iloc: number, delta: number): void {
  let p = iloc + 8;
  const version = out[p] as number;
  p += 4;
  const offsetSize = (out[p] as number) >> 4;
  const lengthSize = (out[p] as number) & 15;
  const baseSize = (out[p + 1] as number) >> 4;
  const indexSize = version > 0 ? (out[p + 1] as number) & 15 : 0;
  p += 2;
  const items = version < 2 ? out.readUInt16BE(p) : out.readUInt32BE(p);
  p += version < 2 ? 2 : 4;
  const shift = (size: number) => {
    if (size === 4) out.writeUInt32BE(out.readUInt32BE(p) + delta, p);
    if (size === 8) out.writeBigUInt64BE(out.readBigUInt64BE(p) + BigInt(delta), p);
    p += size;
  };
  for (let i = 0; i < items; i++) {
    p += (version < 2 ? 2 : 4) + (version > 0 ? 2 : 0) + 2; // item_ID, construction_method, data_reference_index
    shift(baseSize);
    const extents = out.readUInt16BE(p);
    p += 2;
    for (let e = 0; e < extents; e++) {
      p += indexSize;
      if (baseSize === 0) shift(offsetSize);
      else p += offsetSize;
      p += lengthSize;
    }
  }
}
