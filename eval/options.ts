/**
 * `--name value` options of the evaluation and bench scripts, read from `process.argv.slice(2)`.
 * A name given without a value reads as its fallback (a number option as NaN, as `Number` does).
 */
export function stringOption(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}

export function numberOption(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** The value after `--name`, or undefined when the option is absent. */
export function optionalOption(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `--size WxH` (e.g. 640x480) as pixel dimensions; a malformed value is an error, not NaN. */
export function sizeOption(
  args: readonly string[],
  fallback: string,
): { width: number; height: number } {
  const value = stringOption(args, 'size', fallback);
  const match = /^(\d+)x(\d+)$/.exec(value);
  if (!match) throw new Error(`--size takes WIDTHxHEIGHT, e.g. 640x480, not "${value}"`);
  return { width: Number(match[1]), height: Number(match[2]) };
}
