import type { EventEmitter } from 'eventemitter3';
import type { ParleyError } from '../errors/ParleyError.js';
import type { OutboundMessage, TemplateMessage } from '../messages/schemas.js';
import type { Capabilities } from '../provider.js';
import type { StatusUpdate } from '../status.js';
import type { InboundMessage } from '../webhook/events.js';
import type { WebhookHandler } from '../webhook/types.js';

/** What `send` resolves with once the provider accepted a message. */
export interface SendResult {
  /** Parley's stable id of the message, used in events and `getStatus`. */
  readonly id: string;
  readonly provider: string;
  /** The provider's own id, as a string, where it gives one. */
  readonly providerMessageId?: string;
  readonly status: 'accepted';
  readonly acceptedAt: Date;
  /** `true` when the session window was closed and `options.fallback` (a template) went out instead. */
  readonly usedFallback?: boolean;
}

export interface SendOptions {
  readonly signal?: AbortSignal;
  /** Sends with the same key return the first result instead of sending again. */
  readonly idempotencyKey?: string;
  /**
   * A template message to the same recipient, sent instead (once) when the provider answers that
   * the 24-hour session window is closed (`SESSION_WINDOW_CLOSED`). The result then has
   * `usedFallback: true`.
   */
  readonly fallback?: TemplateMessage;
}

/** The events of a messenger. */
export interface MessengerEvents {
  /** Every change of a message's unified status: monotonic, never repeated. */
  status: (update: StatusUpdate) => void;
  /** A background failure (a status poll that kept failing, a bad webhook call). */
  error: (error: ParleyError) => void;
  /** A customer's message, where the provider delivers them (`capabilities.inbound`). */
  message: (message: InboundMessage) => void;
}

type Listener<E extends keyof MessengerEvents> = EventEmitter.EventListener<MessengerEvents, E>;

/**
 * One provider account behind a provider-neutral interface.
 *
 * @example
 * const messenger = createMessenger('decisiontelecom://KEY@default?sender=Acme', { providers: [decisionTelecom] });
 * messenger.on('status', (u) => console.log(u.id, u.status));
 * const { id } = await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'Hola' });
 */
export interface Messenger {
  readonly provider: string;
  readonly capabilities: Capabilities;
  send(message: OutboundMessage, options?: SendOptions): Promise<SendResult>;
  /**
   * Sends many messages through every limit of `send`, reading `messages` lazily (bounded memory),
   * and yields one outcome per input as each settles. See `SendManyOptions`.
   */
  sendMany(
    messages: Iterable<OutboundMessage> | AsyncIterable<OutboundMessage>,
    options?: SendManyOptions,
  ): AsyncIterable<SendManyOutcome>;
  getStatus(id: string, options?: { signal?: AbortSignal }): Promise<StatusUpdate>;
  on<E extends keyof MessengerEvents>(event: E, listener: Listener<E>): this;
  once<E extends keyof MessengerEvents>(event: E, listener: Listener<E>): this;
  off<E extends keyof MessengerEvents>(event: E, listener?: Listener<E>): this;
  /** The callback handler, where the provider calls back and `callbackUrl` is configured. */
  readonly webhook?: WebhookHandler;
  /** Stops tracking, lets in-flight work settle, frees sockets. */
  close(): Promise<void>;
}

/** One settled message of a `sendMany`: its position in the input and what became of it. */
export type SendManyOutcome =
  | { readonly index: number; readonly ok: true; readonly result: SendResult }
  | { readonly index: number; readonly ok: false; readonly error: ParleyError };

/** Counts `sendMany` reports after each message settles. */
export interface SendManyProgress {
  /** Accepted by the provider. */
  readonly sent: number;
  /** Failed (refused, invalid, aborted…). */
  readonly failed: number;
  /** Read from the input and not settled yet. */
  readonly pending: number;
}

export interface SendManyOptions {
  /** Stops the batch: messages not sent yet settle as `ABORTED` with `delivery: 'not_sent'`. */
  readonly signal?: AbortSignal;
  /**
   * A key per message, so that a re-run of the same batch (after a crash, say) returns the first
   * result for what was already accepted instead of sending it again. Needs a store that outlives
   * the process (`@parley/redis`) to survive one.
   */
  readonly idempotencyKey?: (message: OutboundMessage, index: number) => string;
  /** Called after each message settles. */
  readonly onProgress?: (counts: SendManyProgress) => void;
  /**
   * Messages read ahead of the outcomes taken at most (sending, waiting for a limit, or settled
   * and not yet taken). Bounds memory whatever the size of the input. Default 64. The provider's
   * limits (concurrency slots, rates) still decide how many are on the wire.
   */
  readonly concurrency?: number;
}
