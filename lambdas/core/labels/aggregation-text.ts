/** "dawid-skene, 284 iterations", "dawid-skene, not converged after 1000 iterations", "majority-vote". */
export function aggregationMethodText(summary: {
  readonly method: string;
  readonly iterations?: number | undefined;
  readonly converged?: boolean | undefined;
}): string {
  if (summary.iterations === undefined) return summary.method;
  return summary.converged === false
    ? `${summary.method}, not converged after ${summary.iterations} iterations`
    : `${summary.method}, ${summary.iterations} iterations`;
}
