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
