export type { RetryDecision, RetryInput, RetryPolicy } from './policy.js';
export { DEFAULT_RETRY_POLICY, decideRetry } from './policy.js';
