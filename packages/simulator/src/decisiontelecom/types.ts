import type { FailNextOptions } from '../fail-queue.js';
import type { RecordedRequest, RequestCounts, TokenConcurrency } from '../inspect.js';
import type { CallbackCounts, CallbackRecord } from './dispatcher.js';
import type { ProgressionOptions } from './progression.js';
import type { RateLimitOptions } from './rate-limit.js';

/** The DecisionTelecom side's options. */
export interface DecisionTelecomOptions {
  /** The accepted key (or keys). Default: any non-empty credential. */
  readonly apiKey?: string | readonly string[];
  /**
   * How clients must put a configured `apiKey` into `Authorization: Basic …`, as the account was
   * set up: `encode` (base64 of the key, the official SDKs; default), `encode-with-colon` (base64 of
   * `key:`, curl's USERPWD) or `already-encoded` (the key is base64 and goes as it is). Only that one
   * is accepted, so a client configured with the wrong `apiKeyEncoding` fails with 401 as it would
   * against the real service.
   */
  readonly apiKeyEncoding?: 'encode' | 'encode-with-colon' | 'already-encoded';
  /** Answer 429 code 0 past `requests` per `perMs` per key, with `Retry-After`. Default: no limit. */
  readonly rateLimit?: RateLimitOptions;
  /** How statuses move and how messages end. */
  readonly progression?: ProgressionOptions;
  /** Share (0..1) of validation errors (codes 1, 8, 9 and bad JSON) answered under HTTP 200, as the real service sometimes does. Default 0. */
  readonly errorUnder200Rate?: number;
  /** POST status changes to each message's `callback_url`. Default true. */
  readonly callbacks?: boolean;
  /** The first `message_id`. Default 1000; a bigint past 2^53 tests a client's id handling. */
  readonly firstMessageId?: bigint | number;
  /** How long a message stays queryable, in ms. Default 5 days (the SDKs' figure). */
  readonly retentionMs?: number;
}

/** A failure `failNext` can force. `drop_after` accepts the request, then destroys the socket unanswered. */
export type DecisionTelecomFailure =
  | 'server_error'
  | 'rate_limit'
  | 'balance'
  | 'session_window'
  | 'mime_type'
  | 'auth'
  | 'drop'
  | 'drop_after'
  | 'hang';

export type DecisionTelecomEndpoint = 'send' | 'status';

/** A stored message as the inspection API shows it. */
export interface DecisionTelecomMessage {
  readonly id: string;
  /** The status code now (see `DT_STATUS`). */
  readonly status: number;
  readonly final: boolean;
  /** `now()` at acceptance. */
  readonly acceptedAt: number;
  readonly callbackUrl: string | undefined;
  /** Whether `setStatus` fixed the status. */
  readonly overridden: boolean;
}

/** The DecisionTelecom side of a running simulator: its URL and what tests need to inspect or steer it. */
export interface DecisionTelecomSimulator {
  /** `${url}/decisiontelecom/v1/api`: the adapter's `baseUrl`. */
  readonly baseUrl: string;
  /** Requests received, oldest first (the newest `maxRecordedRequests`). */
  readonly requests: RecordedRequest[];
  readonly counts: RequestCounts;
  /** Requests in flight now. */
  readonly inFlight: number;
  /** Most requests in flight at once, per key `fingerprint()`. */
  readonly maxConcurrentPerToken: ReadonlyMap<string, number>;
  /** Concurrency figures for one API key. */
  concurrency(apiKey: string): TokenConcurrency;
  /** Accepted messages by id, with their current status. */
  readonly messages: {
    get(id: bigint | number | string): DecisionTelecomMessage | undefined;
    readonly size: number;
    /** The id of the latest accepted message. */
    readonly lastId: string | undefined;
  };
  /** Status callbacks answered 2xx so far. */
  readonly callbacksSent: number;
  readonly callbacks: CallbackCounts;
  /** Callbacks made, oldest first (the newest `maxRecordedRequests`). */
  readonly callbackLog: CallbackRecord[];
  /** Fixes a message's status from now on (a callback reports the change); throws for an unknown id. */
  setStatus(id: bigint | number | string, code: number): void;
  /** Makes the next matching request (default: the next send) fail as `kind`. */
  failNext(kind: DecisionTelecomFailure, options?: FailNextOptions<DecisionTelecomEndpoint>): void;
  /** Makes every callback due by `now()` and waits until all queued callbacks were delivered. */
  flushCallbacks(): Promise<void>;
  /** Forgets requests, figures, messages (ids carry on), callbacks queued, rate windows and forced failures. */
  reset(): void;
}
