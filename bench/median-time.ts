/**
 * Median ms per call of an async `fn`: one warm-up call first (shader compile, first upload), then calls
 * until `budgetMs` is spent, at least 3 and at most `maxReps`.
 */
export async function medianTime(
  fn: () => Promise<unknown>,
  budgetMs: number,
  maxReps: number,
): Promise<{ ms: number; reps: number }> {
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < budgetMs && times.length < maxReps)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1]!, reps: times.length };
}
