import { timingSafeEqual } from 'node:crypto';
import {
  type CallbackStatus,
  type DeliveryStatus,
  type DriverWebhook,
  hmacBodyAuthenticator,
  type InboundType,
  type ParsedInbound,
  protocolError,
  type WebhookCall,
  type WebhookEvent,
  type WebhookReply,
} from '@parley/core/provider';

const PROVIDER = 'whatsapp-cloud';

/** Meta's message statuses and the unified ones; `deleted`, `warning` and others are not status changes. */
export const STATUS_TABLE: Readonly<Record<string, DeliveryStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

const INBOUND_TYPES: ReadonlySet<string> = new Set<InboundType>([
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'button',
  'interactive',
  'reaction',
]);
const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker']);

/** Keys whose values are ids, kinds or times, kept in `raw`; every other string is redacted. */
const SAFE_KEYS = new Set(['id', 'type', 'timestamp', 'mime_type', 'sha256', 'messaging_product', 'message_id']);

/** A copy of an inbound payload with texts, names and numbers replaced by `[redacted]`. */
export function redactPayload(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => redactPayload(v, key));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactPayload(v, k)]));
  }
  if (typeof value === 'string') return SAFE_KEYS.has(key) ? value : '[redacted]';
  return value;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Meta's subscription handshake: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`
 * is answered with the challenge as plain text when the token matches (compared in constant
 * time), 403 otherwise. Any other GET is refused 403 too: Meta only POSTs deliveries.
 */
export function handshake(verifyToken: string | undefined): (call: WebhookCall) => WebhookReply | undefined {
  return (call) => {
    if (call.method !== 'GET') return undefined;
    const q = call.url.searchParams;
    const token = q.get('hub.verify_token');
    const challenge = q.get('hub.challenge');
    const ok =
      verifyToken !== undefined &&
      q.get('hub.mode') === 'subscribe' &&
      token !== null &&
      challenge !== null &&
      sameSecret(token, verifyToken);
    return ok ? { status: 200, body: challenge } : { status: 403, body: 'Forbidden' };
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function timeOf(value: unknown): Date | undefined {
  const seconds = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : undefined;
  return seconds === undefined ? undefined : new Date(seconds * 1000);
}

function statusEvent(s: Json): WebhookEvent | undefined {
  const raw = str(s.status);
  const unified = raw === undefined ? undefined : STATUS_TABLE[raw];
  const wamid = str(s.id);
  if (unified === undefined || wamid === undefined) return undefined;
  const first = list(s.errors).find(isObject);
  const code = first && (typeof first.code === 'number' || typeof first.code === 'string') ? first.code : undefined;
  const details = first && isObject(first.error_data) ? str(first.error_data.details) : undefined;
  const title = first ? (str(first.title) ?? str(first.message)) : undefined;
  const status: CallbackStatus = {
    status: unified,
    providerStatus: raw as string,
    providerMessageId: wamid,
    ...(unified === 'failed' && code !== undefined
      ? { error: { code, message: [title, details].filter((p) => p !== undefined).join(': ') || 'failed' } }
      : {}),
  };
  const echoed = str(s.biz_opaque_callback_data);
  return { kind: 'status', status, ...(echoed !== undefined ? { id: echoed } : {}) };
}

function inboundEvent(m: Json): WebhookEvent | undefined {
  const id = str(m.id);
  const from = str(m.from);
  const at = timeOf(m.timestamp);
  if (id === undefined || from === undefined || !/^\d{6,15}$/.test(from) || at === undefined) return undefined;
  const rawType = str(m.type) ?? 'unknown';
  const type = (INBOUND_TYPES.has(rawType) ? rawType : 'unknown') as InboundType;
  const body = isObject(m[rawType]) ? (m[rawType] as Json) : {};
  let text: string | undefined;
  if (type === 'text') text = str(body.body);
  if (type === 'button') text = str(body.text);
  if (type === 'interactive') {
    const reply = isObject(body.button_reply) ? body.button_reply : isObject(body.list_reply) ? body.list_reply : {};
    text = str((reply as Json).title);
  }
  if (type === 'reaction') text = str(body.emoji);
  const mediaId = MEDIA_TYPES.has(type) ? str(body.id) : undefined;
  const media =
    mediaId === undefined
      ? undefined
      : {
          id: mediaId,
          ...(str(body.mime_type) !== undefined ? { mimeType: str(body.mime_type) as string } : {}),
          ...(str(body.sha256) !== undefined ? { sha256: str(body.sha256) as string } : {}),
          ...(str(body.caption) !== undefined ? { caption: str(body.caption) as string } : {}),
        };
  const context = isObject(m.context) ? m.context : undefined;
  const replyTo = str(context?.id) ?? (type === 'reaction' ? str(body.message_id) : undefined);
  const message: ParsedInbound = {
    id,
    from,
    type,
    at,
    ...(text !== undefined ? { text } : {}),
    ...(media !== undefined ? { media } : {}),
    ...(replyTo !== undefined ? { replyToProviderMessageId: replyTo } : {}),
    raw: redactPayload(m) as Readonly<Record<string, unknown>>,
  };
  return { kind: 'message', message };
}

/**
 * Reads a `messages` webhook body: `entry[].changes[].value.statuses[]` become status events
 * (sent, delivered, read, failed with its error; Parley's id from `biz_opaque_callback_data`),
 * `value.messages[]` inbound messages. Values of another phone number id are skipped; so are
 * statuses and messages Parley does not read. A body that is not a WhatsApp Business Account
 * notification throws `PROTOCOL` (answered 400).
 *
 * @example
 * parseNotification(JSON.parse(body), '106540352242922'); // [{ kind: 'status', id: 'pm_…', status: { status: 'delivered', … } }]
 */
export function parseNotification(payload: unknown, phoneNumberId: string): WebhookEvent[] {
  if (!isObject(payload) || payload.object !== 'whatsapp_business_account' || !Array.isArray(payload.entry)) {
    throw protocolError('webhook body is not a whatsapp_business_account notification', {}, PROVIDER);
  }
  const events: WebhookEvent[] = [];
  for (const entry of payload.entry.filter(isObject)) {
    for (const change of list(entry.changes).filter(isObject)) {
      const value = change.value;
      if (!isObject(value)) continue;
      const metadata = isObject(value.metadata) ? value.metadata : {};
      const number = str(metadata.phone_number_id);
      if (number !== undefined && number !== phoneNumberId) continue;
      for (const s of list(value.statuses).filter(isObject)) {
        const event = statusEvent(s);
        if (event) events.push(event);
      }
      for (const m of list(value.messages).filter(isObject)) {
        const event = inboundEvent(m);
        if (event) events.push(event);
      }
    }
  }
  return events;
}

/**
 * The Cloud API webhook of one phone number: Meta's handshake, `X-Hub-Signature-256`
 * (HMAC-SHA256 of the raw body keyed by the app secret, checked before parsing), then
 * {@link parseNotification}.
 */
export function cloudWebhook(appSecret: string, verifyToken: string | undefined, phoneNumberId: string): DriverWebhook {
  return {
    authenticator: hmacBodyAuthenticator({
      header: 'x-hub-signature-256',
      prefix: 'sha256=',
      secret: appSecret,
      field: 'appSecret',
      handshake: handshake(verifyToken),
    }),
    parse: ({ body }) => {
      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      } catch {
        throw protocolError('webhook body is not JSON', {}, PROVIDER);
      }
      return parseNotification(payload, phoneNumberId);
    },
  };
}
