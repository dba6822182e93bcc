import type * as v from 'valibot';
import type { Logger } from './logger.js';
import type { MessageType, ValidatedMessage } from './messages/schemas.js';
import type { CallbackStatus, ProviderStatus } from './status.js';
import type { TransportRequest, TransportResponse } from './transport/types.js';
import type { DriverWebhook } from './webhook/messenger-webhook.js';

/** What a provider (or a configured messenger) can do. */
export interface Capabilities {
  readonly text: boolean;
  readonly image: boolean;
  readonly template: boolean;
  /** How statuses beyond `accepted` arrive: polled, called back, or not at all. */
  readonly statusTracking: 'poll' | 'webhook' | 'none';
  /** Whether `getStatus` can ask the provider. */
  readonly statusQuery: boolean;
  /** Whether `messenger.webhook` exists: the provider calls back and the config says where. */
  readonly webhook: boolean;
  /** Whether customers' messages arrive as `message` events (through `messenger.webhook`). */
  readonly inbound: boolean;
}

export type { CallbackStatus, ProviderStatus, StatusError } from './status.js';

/** A request as an adapter builds it; core adds the timeout and the signal. */
export type ProviderRequest = Omit<TransportRequest, 'signal' | 'timeoutMs'>;

/** What the adapter needs to build one send request. */
export interface SendContext {
  /** Parley's id for this message. */
  readonly id: string;
  /** The callback URL for this message (carrying its credential), where callbacks are configured. */
  readonly callbackUrl?: string;
}

/**
 * A configured provider: a thin translator between unified messages and one provider's
 * HTTP API. It opens no sockets and starts no timers: core does the HTTP (through the
 * `Transport`), the retries, the limits, the tracking and the events.
 */
export interface ProviderDriver {
  readonly capabilities: Capabilities;
  /** Raw secret values of the config, redacted from anything that leaves the library. */
  readonly secrets: readonly string[];
  /** Scope of this account's messages in the store (provider name plus a credential hash). */
  readonly scope: string;
  /**
   * A concurrency limit the provider imposes on one credential. With `holdUntilSettledMs`, a
   * request the caller abandons (its signal, `close()`, a shorter `timeoutMs`) is not cut off: the
   * caller's promise settles at once, but the request keeps its slot until its answer arrives or
   * this long after it was sent (the provider may still be at work on it).
   */
  readonly concurrency?: { readonly key: string; readonly max: number; readonly holdUntilSettledMs?: number };
  /** A daily request quota the user asked core to enforce for one credential. */
  readonly dailyQuota?: { readonly key: string; readonly limit: number };
  /** Per-request time limit (ms). */
  readonly timeoutMs?: number;
  /** Maximum attempts per call, retries included. */
  readonly maxAttempts?: number;
  /** Status polling settings; absent where the messenger does not poll. */
  readonly tracking?: TrackingOptions;
  /** The public URL where `messenger.webhook` is mounted, and the secret that signs callback URLs. */
  readonly callbacks?: { readonly url: string; readonly secret: string };
  /**
   * The provider's webhook where it is not per-message signed callback URLs (`callbacks`): how
   * calls are authenticated (a body signature, a handshake) and read (statuses, inbound messages).
   */
  readonly webhook?: DriverWebhook;

  /** Builds the HTTP request for a send. May throw `VALIDATION` for provider-specific rules. */
  buildSend(message: ValidatedMessage, context: SendContext): ProviderRequest;
  /** Reads a send response (of `request`, the one `buildSend` made): the provider's id, or a thrown `ParleyError`. */
  parseSend(response: TransportResponse, request?: ProviderRequest): { providerMessageId?: string };
  buildStatus?(providerMessageId: string): ProviderRequest;
  /** Reads a status answer to the query about `providerMessageId` (an answer about another id is `PROTOCOL`). */
  parseStatus?(response: TransportResponse, providerMessageId?: string): ProviderStatus;
  /** Reads a callback's fields (JSON body, form body or query string, merged). */
  parseCallback?(fields: Readonly<Record<string, unknown>>): CallbackStatus;
  /** Whether a string the user passes to `getStatus` can be the provider's own message id. */
  isProviderMessageId?(value: string): boolean;
}

/** Status polling settings (all in milliseconds). */
export interface TrackingOptions {
  /** Delay before the first poll. Default 2 000. */
  readonly firstPollMs?: number;
  /** Longest interval between polls, reached by backoff. Default 300 000. */
  readonly maxIntervalMs?: number;
  /** Stop tracking a message this long after it was accepted. Default 24 h. */
  readonly maxAgeMs?: number;
}

/** What core hands a provider's `create`. */
export interface ProviderContext {
  readonly logger: Logger;
  /** A stable, non-reversible key for a credential (for limiter keys and store scopes). */
  hashKey(...parts: string[]): string;
}

/**
 * A provider is a value, registered by passing it to `createMessenger({ providers })`.
 *
 * @example
 * const messenger = createMessenger(config, { providers: [decisionTelecom, wolkvox] });
 */
export interface ProviderDefinition<TConfig = any> {
  /** The `provider` value of a config, and the DSN scheme. */
  readonly name: string;
  /** Validates the config fields (without `provider`). Must accept strings for numbers, for DSNs and env vars. */
  readonly configSchema: v.GenericSchema<unknown, TConfig>;
  /** Config fields that hold secrets. The first one is the DSN's user part. */
  readonly secretFields: readonly string[];
  /** DSN query names that stand for config fields (e.g. `connector` for `connectorId`). */
  readonly dsnAliases?: Readonly<Record<string, string>>;
  /** The message types and status features of the provider. */
  readonly capabilities: Capabilities;
  create(config: TConfig, context: ProviderContext): ProviderDriver;
}

/** The capability flag of a message type. */
export function supportsType(capabilities: Capabilities, type: MessageType): boolean {
  return capabilities[type];
}
