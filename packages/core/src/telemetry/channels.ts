import { channel, tracingChannel } from 'node:diagnostics_channel';
import type { DeliveryStatus } from '../status.js';

/** The name of the `TracingChannel` around every `send`. */
export const SEND_CHANNEL = 'parley:send';
/** The name of the channel that hears every status change (the messenger's `status` events). */
export const STATUS_CHANNEL = 'parley:status';
/** The name of the channel that hears every retry of a provider call. */
export const RETRY_CHANNEL = 'parley:retry';

/**
 * A failure as the channels show it: the `ParleyError`'s code and kind, never its message (a
 * provider's words may quote the message back), body or cause.
 */
export interface ChannelError {
  readonly name: 'ParleyError';
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly delivery?: 'not_sent' | 'unknown';
  readonly httpStatus?: number;
  readonly messageId?: string;
}

/**
 * The context object of `parley:send` (start, end, asyncStart, asyncEnd, error). It never holds
 * the message itself: no recipient, text, caption or template variable, and no credential.
 */
export interface SendChannelContext {
  readonly provider: string;
  /** `text`, `image`, `template`, or `unknown` for a message that is not one of them. */
  readonly messageType: string;
  /** Set on asyncStart/asyncEnd of an accepted send. */
  result?: {
    readonly id: string;
    readonly provider: string;
    readonly providerMessageId?: string;
    readonly status: 'accepted';
    readonly acceptedAt: Date;
  };
  /** Set on error. */
  error?: ChannelError;
}

/** What `parley:status` publishes. */
export interface StatusChannelMessage {
  readonly provider: string;
  readonly id: string;
  readonly status: DeliveryStatus;
  readonly final: boolean;
  readonly at: Date;
}

/** What `parley:retry` publishes, before each wait. */
export interface RetryChannelMessage {
  readonly provider: string;
  /** `send`, `getStatus` or `poll`. */
  readonly operation: string;
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  readonly delayMs: number;
  /** The failure's `ParleyError` code. */
  readonly code: string;
}

export const sendChannel = tracingChannel<SendChannelContext, SendChannelContext>(SEND_CHANNEL);
export const statusChannel = channel(STATUS_CHANNEL);
export const retryChannel = channel(RETRY_CHANNEL);
