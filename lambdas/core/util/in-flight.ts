/**
 * Runs task(0) … task(count − 1) with at most `limit` in flight (at least one). Tasks start in
 * index order; a task should handle its own errors unless one failure should fail the whole run.
 */
export async function runInFlight(
  count: number,
  limit: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
}
