export type { RetryDecision, RetryInput, RetryPolicy } from './policy.js';
export { DEFAULT_RETRY_POLICY, decideRetry, parseRetryAfter } from './policy.js';
export type { RunWithRetryOptions } from './run.js';
export { runWithRetry, sleep } from './run.js';
