import type { CallbackStatus } from '../status.js';
import type { Store } from '../store/types.js';
import { signedUrlAuthenticator, type WebhookAuthenticator } from './auth.js';
import type { InboundMessage, WebhookEvent } from './events.js';
import { createWebhookHandler, type WebhookParseInput } from './handler.js';
import type { WebhookHandler } from './types.js';

/** How long a customer's message lets a business send free-form messages to them: 24 hours. */
export const SESSION_WINDOW_MS = 86_400_000;

/** How long the index from a provider's message id to Parley's lives: 30 days (late reads, old quotes). */
export const PROVIDER_ID_TTL_MS = 30 * 86_400_000;

/**
 * A driver's webhook: how its calls are authenticated (the one seam: a signed callback URL, a
 * body signature, a handshake) and how a call's payload becomes events.
 */
export interface DriverWebhook {
  readonly authenticator: WebhookAuthenticator;
  /** Reads an authenticated call into its events. Throw a `ParleyError` to answer 400. */
  parse(input: WebhookParseInput): readonly WebhookEvent[];
}

/**
 * The store key under which the Parley id of a message is found from the provider's id, for
 * drivers whose webhooks name messages by the provider's id (and for `replyTo`).
 *
 * @example
 * await store.get(providerIdKey(scope, 'wamid.HBgL…')); // 'pm_…'
 */
export function providerIdKey(scope: string, providerMessageId: string): string {
  return `parley:pmid:${scope}:${providerMessageId}`;
}

/**
 * The store key of a number's customer-service window: its value is the time (ms since the
 * epoch) until which free-form messages may be sent to it. The number is hashed, never stored.
 *
 * @example
 * const until = Number(await store.get(sessionWindowKey(scope, hashKey('573001234567'))));
 */
export function sessionWindowKey(scope: string, numberHash: string): string {
  return `parley:window:${scope}:${numberHash}`;
}

/** What {@link messengerWebhook} needs from its messenger. */
export interface MessengerWebhookDeps {
  readonly provider: string;
  readonly scope: string;
  readonly store: Store;
  readonly now: () => number;
  readonly hashKey: (...parts: string[]) => string;
  /** The one status path of the messenger. */
  readonly onStatus: (id: string, status: CallbackStatus) => Promise<void>;
  readonly onMessage: (message: InboundMessage) => void;
  readonly onError: (error: unknown) => void;
}

const PARLEY_ID = /^pm_[A-Za-z0-9_-]{8,64}$/;

/**
 * The driver's webhook of a messenger: a legacy driver's `callbacks` + `parseCallback` (signed
 * callback URLs, one status per call) or its `webhook` (any authenticator, any events).
 */
export function driverWebhookOf(driver: {
  readonly callbacks?: { readonly url: string; readonly secret: string };
  readonly webhook?: DriverWebhook;
  parseCallback?(fields: Readonly<Record<string, unknown>>): CallbackStatus;
}): DriverWebhook | undefined {
  if (driver.webhook) return driver.webhook;
  const { callbacks } = driver;
  const parse = driver.parseCallback?.bind(driver);
  if (!callbacks || !parse) return undefined;
  return {
    authenticator: signedUrlAuthenticator(callbacks.secret),
    parse: (input) => [{ kind: 'status', status: parse(input.fields()) }],
  };
}

/**
 * `messenger.webhook` for a driver's webhook: statuses go to the messenger's one status path
 * under Parley's id (from the signed URL, the id the payload echoes, or the store's index of
 * provider ids; statuses of messages this store never knew are dropped), inbound messages open
 * the number's 24-hour window in the store and are emitted with `replyTo` resolved.
 */
export function messengerWebhook(hook: DriverWebhook, deps: MessengerWebhookDeps): WebhookHandler {
  const { store, scope } = deps;
  const byProviderId = async (providerMessageId: string | undefined): Promise<string | undefined> =>
    providerMessageId === undefined ? undefined : store.get(providerIdKey(scope, providerMessageId));
  const resolve = async (echoed: string | undefined, providerMessageId: string | undefined) => {
    if (echoed !== undefined && PARLEY_ID.test(echoed)) {
      const record = await store.getMessage(echoed);
      const mismatch =
        record !== undefined &&
        (record.scope !== scope ||
          (record.providerMessageId !== undefined &&
            providerMessageId !== undefined &&
            record.providerMessageId !== providerMessageId));
      if (!mismatch) return echoed;
    }
    return byProviderId(providerMessageId);
  };
  return createWebhookHandler({
    authenticator: hook.authenticator,
    parseEvents: (input) => hook.parse(input),
    provider: deps.provider,
    onError: deps.onError,
    onEvent: async (event, auth) => {
      if (event.kind === 'status') {
        const id = auth.id ?? (await resolve(event.id, event.status.providerMessageId));
        if (id !== undefined) await deps.onStatus(id, event.status);
        return;
      }
      const { replyToProviderMessageId, ...message } = event.message;
      const now = deps.now();
      // A provider redelivers what was not answered 200 in time: each message is emitted once.
      const first = await store.set(`parley:inbound:${scope}:${message.id}`, '1', SESSION_WINDOW_MS, {
        onlyIfAbsent: true,
      });
      if (!first) return;
      const until = Math.min(message.at.getTime(), now) + SESSION_WINDOW_MS;
      if (until > now) {
        await store.set(sessionWindowKey(scope, deps.hashKey(message.from)), String(until), until - now);
      }
      const replyTo = await byProviderId(replyToProviderMessageId);
      deps.onMessage({ ...message, provider: deps.provider, ...(replyTo !== undefined ? { replyTo } : {}) });
    },
  });
}
