import { createHmac } from 'node:crypto';
import {
  createMessenger,
  type InboundMessage,
  type Messenger,
  memoryStore,
  type ParleyError,
  type StatusUpdate,
  type Store,
  type TransportRequest,
  type TransportResponse,
} from '@parley/core';
import { createFakeTransport, type FakeTransport, jsonResponse } from '@parley/core/testing';
import { whatsappCloud } from '../provider.js';

export const TOKEN = 'EAAG-test-access-token-0123456789';
export const APP_SECRET = 'app-secret-0123456789abcdef';
export const VERIFY_TOKEN = 'verify-token-0123456789';
export const PHONE_NUMBER_ID = '106540352242922';
export const TO = '+57 300 123 4567';
export const TO_DIGITS = '573001234567';
/** A fixed clock: nothing here depends on today's date. */
export const NOW = Date.UTC(2030, 0, 15, 12, 0, 0);
export const HOOK = 'https://app.example.com/hooks/whatsapp';

export function sign(body: string | Uint8Array, secret = APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface Harness {
  readonly messenger: Messenger;
  readonly transport: FakeTransport;
  readonly store: Store;
  readonly statuses: StatusUpdate[];
  readonly errors: ParleyError[];
  readonly inbound: InboundMessage[];
  now: number;
  /** POSTs a signed notification body to `messenger.webhook` (Fetch form). */
  post(payload: unknown, init?: { signature?: string; raw?: string }): Promise<Response>;
  /** The JSON body of the n-th request the provider received. */
  body(n?: number): Record<string, unknown>;
}

let wamids = 0;
export const okSend = (): TransportResponse =>
  jsonResponse(200, {
    messaging_product: 'whatsapp',
    contacts: [{ input: TO_DIGITS, wa_id: TO_DIGITS }],
    messages: [{ id: `wamid.TEST${++wamids}` }],
  });

export function harness(
  config: Record<string, unknown> = {},
  answer: (request: TransportRequest) => TransportResponse = okSend,
): Harness {
  const transport = createFakeTransport(answer);
  const store = memoryStore();
  const h = {
    transport,
    store,
    statuses: [] as StatusUpdate[],
    errors: [] as ParleyError[],
    inbound: [] as InboundMessage[],
    now: NOW,
  } as Harness & { messenger: Messenger };
  const messenger = createMessenger(
    {
      provider: 'whatsapp-cloud',
      accessToken: TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
      retry: { maxAttempts: 1 },
      ...config,
    },
    { providers: [whatsappCloud], transport, store, now: () => h.now },
  );
  messenger.on('status', (u) => h.statuses.push(u));
  messenger.on('error', (e) => h.errors.push(e));
  messenger.on('message', (m) => h.inbound.push(m));
  Object.assign(h, {
    messenger,
    post: (payload: unknown, init: { signature?: string; raw?: string } = {}) => {
      const raw = init.raw ?? JSON.stringify(payload);
      return messenger.webhook!(
        new Request(HOOK, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': init.signature ?? sign(raw) },
          body: raw,
        }),
      );
    },
    body: (n = 0) => JSON.parse(String(transport.requests[n]?.body)) as Record<string, unknown>,
  });
  return h;
}

/** A `messages` notification with the given `value` fields, as Meta sends it. */
export function notification(value: Record<string, unknown>, phoneNumberId = PHONE_NUMBER_ID): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

/** One status object of a status webhook. */
export function statusOf(wamid: string, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: wamid,
    status,
    timestamp: String(Math.floor(NOW / 1000)),
    recipient_id: TO_DIGITS,
    ...extra,
  };
}
