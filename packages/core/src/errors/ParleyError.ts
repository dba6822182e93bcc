import type { Delivery, ErrorCode, Issue } from './codes.js';

const BRAND = Symbol.for('parley.error');
const MAX_BODY = 2048;
/** What ends a body cut at `MAX_BODY`. */
export const TRUNCATED = '…[truncated]';

export interface ParleyErrorOptions {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable?: boolean;
  readonly delivery?: Delivery;
  readonly provider?: string;
  readonly httpStatus?: number;
  readonly providerCode?: string | number;
  readonly issues?: readonly Issue[];
  /** Milliseconds the server asked us to wait before trying again (`Retry-After`). */
  readonly retryAfterMs?: number;
  /** The raw response body where it explains the failure; truncated to 2 KiB. */
  readonly body?: string;
  /**
   * For a send whose delivery is `unknown`: the Parley id the message would have had. If the
   * provider did accept it, its status events carry this id.
   */
  readonly messageId?: string;
  readonly cause?: unknown;
}

/**
 * The one error class of Parley. Every failure the library reports is a `ParleyError`;
 * tell failures apart by `code`, and decide what to do next with `retryable` and `delivery`.
 *
 * Build them with the factories in `errors/factories.ts` rather than with `new`.
 *
 * @example
 * try {
 *   await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'Hi' });
 * } catch (err) {
 *   if (err instanceof ParleyError && err.delivery === 'not_sent' && err.retryable) {
 *     // safe to try again later
 *   }
 * }
 */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly delivery: Delivery | undefined;
  readonly provider: string | undefined;
  readonly httpStatus: number | undefined;
  readonly providerCode: string | number | undefined;
  readonly issues: readonly Issue[] | undefined;
  readonly retryAfterMs: number | undefined;
  readonly body: string | undefined;
  readonly messageId: string | undefined;

  constructor(options: ParleyErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.delivery = options.delivery;
    this.provider = options.provider;
    this.httpStatus = options.httpStatus;
    this.providerCode = options.providerCode;
    this.issues = options.issues === undefined ? undefined : Object.freeze([...options.issues]);
    this.retryAfterMs = options.retryAfterMs;
    this.body =
      options.body === undefined || options.body.length <= MAX_BODY
        ? options.body
        : `${options.body.slice(0, MAX_BODY)}${TRUNCATED}`;
    this.messageId = options.messageId;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** `instanceof` holds for errors made by any copy of `@parley/core` in the process. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** A copy with some fields replaced (used to add `provider` or `delivery` at a boundary). */
  with(changes: Partial<ParleyErrorOptions>): ParleyError {
    const next = new ParleyError({ ...this.toOptions(), ...changes });
    // Keep where the failure happened, under the new message (the old one may be unredacted).
    const head = `${this.name}: ${this.message}`;
    if (this.stack?.startsWith(head)) next.stack = `${next.name}: ${next.message}${this.stack.slice(head.length)}`;
    return next;
  }

  toJSON(): Record<string, unknown> {
    const { cause: _cause, ...rest } = this.toOptions();
    return { name: this.name, ...rest };
  }

  private toOptions(): ParleyErrorOptions {
    const o: { -readonly [K in keyof ParleyErrorOptions]: ParleyErrorOptions[K] } = {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.delivery !== undefined) o.delivery = this.delivery;
    if (this.provider !== undefined) o.provider = this.provider;
    if (this.httpStatus !== undefined) o.httpStatus = this.httpStatus;
    if (this.providerCode !== undefined) o.providerCode = this.providerCode;
    if (this.issues !== undefined) o.issues = this.issues;
    if (this.retryAfterMs !== undefined) o.retryAfterMs = this.retryAfterMs;
    if (this.body !== undefined) o.body = this.body;
    if (this.messageId !== undefined) o.messageId = this.messageId;
    if (this.cause !== undefined) o.cause = this.cause;
    return o;
  }
}

/** Whether `value` is a `ParleyError` from any copy of the package. */
export function isParleyError(value: unknown): value is ParleyError {
  return value instanceof ParleyError;
}
