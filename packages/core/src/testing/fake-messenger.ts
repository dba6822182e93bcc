import { randomBytes } from 'node:crypto';
import type { ParleyError } from '../errors/ParleyError.js';
import type { ValidatedMessage } from '../messages/schemas.js';
import { createMessenger } from '../messenger/create.js';
import type { Messenger } from '../messenger/types.js';
import type { Capabilities } from '../provider.js';
import type { DeliveryStatus } from '../status.js';
import { memoryStore } from '../store/memory.js';
import { signCallbackUrl } from '../webhook/sign.js';
import { FAKE_BASE_URL, fakeProvider } from './fake-provider.js';
import { createFakeTransport, type FakeTransport, jsonResponse } from './fake-transport.js';

/** One message the fake messenger accepted. */
export interface SentMessage {
  readonly id: string;
  readonly providerMessageId: string;
  readonly message: ValidatedMessage;
}

export interface FakeMessenger extends Messenger {
  /** Every message accepted so far, in order. */
  readonly sent: readonly SentMessage[];
  /** The fake transport under it (requests seen, closed or not). */
  readonly transport: FakeTransport;
  /** Delivers a status for message `id` through the real webhook path (so it is deduplicated and ordered). */
  pushStatus(id: string, status: DeliveryStatus): Promise<void>;
  /** Makes the next send fail with `error` (thrown by the provider side, so retries and `delivery` apply). */
  failNextSend(error: ParleyError): void;
}

export interface FakeMessengerOptions {
  readonly capabilities?: Partial<Capabilities>;
  readonly provider?: string;
  /** The fake credential (random by default); it must never show in output. */
  readonly apiKey?: string;
}

const WEBHOOK_URL = `${FAKE_BASE_URL}/hook`;

/**
 * A messenger that validates, emits events and fails exactly like a real one, but sends
 * nothing: it records what it would have sent and lets a test push statuses.
 *
 * @example
 * const messenger = createFakeMessenger();
 * const { id } = await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'Hi' });
 * await messenger.pushStatus(id, 'delivered');
 * expect(messenger.sent).toHaveLength(1);
 */
export function createFakeMessenger(options: FakeMessengerOptions = {}): FakeMessenger {
  const capabilities: Capabilities = {
    text: true,
    image: true,
    template: true,
    statusTracking: 'webhook',
    statusQuery: true,
    webhook: true,
    inbound: false,
    ...options.capabilities,
  };
  const provider = options.provider ?? 'fake';
  const sent: SentMessage[] = [];
  const statuses = new Map<string, DeliveryStatus>();
  const failures: ParleyError[] = [];
  const webhookSecret = randomBytes(16).toString('hex');
  let nextId = 1;

  const transport = createFakeTransport((request) => {
    const body = JSON.parse(request.body ?? '{}') as { id: string; message: ValidatedMessage };
    if (request.url.endsWith('/send')) {
      const failure = failures.shift();
      if (failure) throw failure;
      const providerMessageId = String(nextId++);
      sent.push({ id: body.id, providerMessageId, message: body.message });
      statuses.set(providerMessageId, 'accepted');
      return jsonResponse(200, { id: providerMessageId });
    }
    return jsonResponse(200, { status: statuses.get(body.id) ?? 'unknown' });
  });

  const messenger = createMessenger(
    {
      provider,
      apiKey: options.apiKey ?? randomBytes(16).toString('hex'),
      ...(capabilities.webhook ? { callbackUrl: WEBHOOK_URL, webhookSecret } : {}),
      retry: { maxAttempts: 1 },
    },
    { providers: [fakeProvider(capabilities, provider)], transport, store: memoryStore() },
  );

  return Object.assign(messenger, {
    sent,
    transport,
    async pushStatus(id: string, status: DeliveryStatus): Promise<void> {
      const pm = sent.find((s) => s.id === id)?.providerMessageId;
      if (pm !== undefined) statuses.set(pm, status);
      if (!messenger.webhook) return;
      const response = await messenger.webhook(
        new Request(signCallbackUrl(WEBHOOK_URL, id, webhookSecret), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ status }),
        }),
      );
      if (!response.ok) throw new Error(`the fake webhook answered ${response.status}`);
    },
    failNextSend(error: ParleyError): void {
      failures.push(error);
    },
  });
}
