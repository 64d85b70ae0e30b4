/**
 * A bounded work pool: the one place the suite (and its tests) run independent jobs a few at a time.
 *
 * @module
 */

/**
 * Runs `work(0)` … `work(count - 1)` with at most `limit` of them under way at once, and resolves when all
 * are done. Indices are handed out in order; a rejection of `work` rejects the pool (others keep running).
 *
 * @param count how many jobs
 * @param limit how many at once (at least 1)
 * @param work the job for one index
 * @example
 * ```ts
 * const out: number[] = [];
 * await pool(5, 2, async (i) => void out.push(i * i));
 * ```
 */
export async function pool(count: number, limit: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
}
