/** Small statistics helpers for the benchmarks. */

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds to `digits` significant decimals (for JSON and the table). */
export function round(value, digits = 3) {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Runs `task` `total` times with at most `concurrency` in flight; resolves when all settled. */
export async function runPool(total, concurrency, task) {
  let started = 0;
  let failed = 0;
  let firstError;
  const worker = async () => {
    while (started < total) {
      started++;
      try {
        await task();
      } catch (error) {
        failed++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  if (failed > 0) throw new Error(`${failed} of ${total} tasks failed; first: ${firstError?.stack ?? firstError}`);
}

/**
 * Keeps `concurrency` calls of `task` in flight until `ms` have passed, then lets the last ones
 * settle. Resolves with how many completed and how long that took (ms).
 */
export async function runFor(ms, concurrency, task) {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(ms * 1e6));
  let completed = 0;
  const worker = async () => {
    while (process.hrtime.bigint() < deadline) {
      await task();
      completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { completed, ms: msSince(start) };
}

/** Milliseconds since `start` (a `process.hrtime.bigint()` value). */
export function msSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Logs progress to stderr (stdout stays free). */
export function log(...parts) {
  process.stderr.write(`${parts.join(' ')}\n`);
}
