import type { FailNextOptions } from '../fail-queue.js';
import type { RecordedRequest, RequestCounts, TokenConcurrency } from '../inspect.js';
import type { WolkvoxApi, WolkvoxSentMessage } from './validate.js';

/** The Wolkvox side's options. */
export interface WolkvoxOptions {
  /** The accepted token (or tokens). Default: any non-empty token. */
  readonly token?: string | readonly string[];
  /** Simultaneous requests per token before the documented 403. Default 2 (seed 003). */
  readonly maxConcurrent?: number;
  /** Requests per token per UTC day before "TOKEN LIMIT EXCEEDED". Default 1000 (one licence). */
  readonly dailyLimit?: number;
  /** Refuse free-form text outside the 24-hour window. Default true. */
  readonly enforceWindow?: boolean;
  /** Have every customer reply some time after each template (for demos). `true` = after 2000 ms. Default false. */
  readonly simulateReplies?: boolean | { readonly afterMs?: number };
}

/** A failure `failNext` can force. `drop_after` accepts the request, then destroys the socket unanswered. */
export type WolkvoxFailure =
  | 'server_error'
  | 'maintenance'
  | 'concurrency'
  | 'daily_limit'
  | 'auth'
  | 'window'
  | 'drop'
  | 'drop_after'
  | 'hang';

/** The Wolkvox side of a running simulator: its URL and what tests need to inspect or steer it. */
export interface WolkvoxSimulator {
  /** `${url}/wolkvox/api/v2`: the adapter's `baseUrl`. */
  readonly baseUrl: string;
  /** Requests received, oldest first (the newest `maxRecordedRequests`). */
  readonly requests: RecordedRequest[];
  readonly counts: RequestCounts;
  /** Requests in flight now. */
  readonly inFlight: number;
  /** Most requests in flight at once per token `fingerprint()`, refused ones included: what clients attempted. */
  readonly maxConcurrentPerToken: ReadonlyMap<string, number>;
  /** Most requests admitted at once per token `fingerprint()`: never above `maxConcurrent`. */
  readonly maxAdmittedPerToken: ReadonlyMap<string, number>;
  /** Concurrency figures for one token. */
  concurrency(token: string): TokenConcurrency;
  /** Requests counted against `token`'s quota today. */
  dailyUsage(token: string): number;
  /** Accepted sends, oldest first (the newest `maxRecordedRequests`). */
  readonly sent: WolkvoxSentMessage[];
  /** Records that the customer at `telephone` replied (at `at`, default `now()`), opening the 24-hour window. */
  markReplied(telephone: string, at?: number): void;
  /** Whether free-form text to `telephone` would be accepted now. */
  isWindowOpen(telephone: string): boolean;
  /** Makes the next matching request (default: any api) fail as `kind`. */
  failNext(kind: WolkvoxFailure, options?: FailNextOptions<WolkvoxApi>): void;
  /** Forgets requests, figures, sends, quotas, windows and forced failures. */
  reset(): void;
}
