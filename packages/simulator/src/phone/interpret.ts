import { isRecord } from '../http.js';
import type { RecordedRequest } from '../inspect.js';
import type { PhoneError, PhoneStatus, PhoneTemplate } from './types.js';

/** DecisionTelecom's status codes as Parley's unified statuses (the adapter's mapping). */
const DT_UNIFIED: Record<number, PhoneStatus> = {
  0: 'sent',
  1: 'delivered',
  2: 'rejected',
  3: 'failed',
  4: 'failed',
  5: 'deleted',
  6: 'pending',
  7: 'read',
};

export function dtUnified(code: number): PhoneStatus {
  return DT_UNIFIED[code] ?? 'unknown';
}

/** What the phone reads from one send request. */
export interface Reading {
  readonly account: string;
  readonly digits: string;
  readonly kind: 'text' | 'image' | 'template' | 'other';
  readonly text?: string;
  readonly imageUrl?: string;
  readonly template?: PhoneTemplate;
  readonly accepted: boolean;
  readonly providerMessageId?: string;
  readonly error?: PhoneError;
  readonly providerStatus: string | undefined;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
const digitsOf = (value: unknown): string => (str(value) ?? '').replace(/\D/g, '').slice(0, 20);

function errorOf(record: RecordedRequest): PhoneError {
  if (record.outcome === 'dropped') {
    return { httpStatus: undefined, message: 'connection reset: no answer', body: undefined };
  }
  const body = record.responseBody;
  let message = `HTTP ${record.status ?? '?'}`;
  if (body !== undefined) {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (isRecord(parsed) && isRecord(parsed.error)) {
        // A Graph error: `error.message`, `error_data.details`, `error.code`.
        const e = parsed.error;
        const details = isRecord(e.error_data) ? str(e.error_data.details) : undefined;
        message += `: ${[str(e.message), details].filter(Boolean).join(' — ')}`;
        if (e.code !== undefined) message += ` (code ${str(e.code) ?? '?'})`;
      } else if (isRecord(parsed)) {
        const name = str(parsed.name) ?? str(parsed.error);
        const detail = str(parsed.message) ?? str(parsed.msg);
        message += `: ${[name, detail].filter(Boolean).join(' — ')}`;
        if (parsed.code !== undefined) message += ` (code ${str(parsed.code) ?? '?'})`;
      }
    } catch {
      const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1];
      if (title) message += `: ${title}`;
    }
  }
  return { httpStatus: record.status, message, body: body?.slice(0, 2000) };
}

/** The Meta template object inside `template_params`: language and body variables. */
function dtTemplate(name: string, params: unknown): PhoneTemplate {
  let parsed: unknown;
  try {
    parsed = typeof params === 'string' ? JSON.parse(params) : params;
  } catch {
    return { name, variables: [] };
  }
  return metaTemplate(name, isRecord(parsed) && isRecord(parsed.template) ? parsed.template : {});
}

/** A Meta template object (`language.code`, `components[].parameters[]`) as the phone shows it. */
function metaTemplate(name: string, template: Record<string, unknown>): PhoneTemplate {
  const language = isRecord(template.language) ? str(template.language.code) : undefined;
  const variables: string[] = [];
  if (Array.isArray(template.components)) {
    for (const component of template.components) {
      if (!isRecord(component) || !Array.isArray(component.parameters)) continue;
      for (const p of component.parameters) {
        if (!isRecord(p)) continue;
        const value = str(p.text) ?? (isRecord(p.image) ? str(p.image.link) : undefined) ?? str(p.type);
        if (value !== undefined) variables.push(value);
      }
    }
  }
  return language === undefined ? { name, variables } : { name, language, variables };
}

/** DecisionTelecom `POST /send-whatsapp`: `undefined` for anything else (status polls, 404s). */
export function readDecisionTelecom(record: RecordedRequest): Reading | undefined {
  if (!record.path.startsWith('/send-whatsapp')) return undefined;
  const b = isRecord(record.body) ? record.body : {};
  const type = Number(b.message_type);
  const accepted =
    record.outcome === 'answered' && record.status === 200 && /"message_id"/.test(record.responseBody ?? '');
  const id = accepted ? /"message_id":\s*"?(\d+)/.exec(record.responseBody ?? '')?.[1] : undefined;
  const base = {
    account: str(b.source_addr) ?? '',
    digits: digitsOf(b.destination_addr),
    accepted,
    ...(id === undefined ? {} : { providerMessageId: id }),
    ...(accepted ? {} : { error: errorOf(record) }),
    providerStatus: accepted ? '6' : record.status === undefined ? undefined : String(record.status),
  };
  const text = str(b.text);
  if (type === 4) {
    const name = str(b.template_name) ?? '';
    return { ...base, kind: 'template', template: dtTemplate(name, b.template_params) };
  }
  if (type === 2) {
    return { ...base, kind: 'image', imageUrl: str(b.file_url) ?? '', ...(text ? { text } : {}) };
  }
  if (type === 1) return { ...base, kind: 'text', text: text ?? '' };
  return { ...base, kind: 'other', ...(text ? { text } : {}) };
}

/** Wolkvox `POST /whatsapp.php?api=…`. */
export function readWolkvox(record: RecordedRequest): Reading | undefined {
  if (!record.path.startsWith('/whatsapp.php')) return undefined;
  const b = isRecord(record.body) ? record.body : {};
  const accepted = record.outcome === 'answered' && record.status === 200;
  const base = {
    account: str(b.connector_id) ?? '',
    digits: digitsOf(b.telephone),
    accepted,
    ...(accepted ? {} : { error: errorOf(record) }),
    providerStatus: accepted ? '201' : record.status === undefined ? undefined : String(record.status),
  };
  if (record.path.includes('api=send_template_official')) {
    const vars = str(b.template_vars) ?? '';
    const url = str(b.url_attach);
    return {
      ...base,
      kind: 'template',
      template: { name: str(b.template_name) ?? '', variables: vars === '' ? [] : vars.split(';') },
      ...(url ? { imageUrl: url } : {}),
    };
  }
  return { ...base, kind: 'text', text: str(b.message) ?? '' };
}

/** WhatsApp Cloud API `POST /{vNN.0}/{phone-number-id}/messages`. */
export function readWhatsAppCloud(record: RecordedRequest): Reading | undefined {
  const route = /^\/v\d{1,3}\.0\/(\d{1,32})\/messages(\?|$)/.exec(record.path);
  if (!route) return undefined;
  const b = isRecord(record.body) ? record.body : {};
  const accepted = record.outcome === 'answered' && record.status === 200;
  const id = accepted ? /"messages":\s*\[\s*\{\s*"id":\s*"([^"]+)"/.exec(record.responseBody ?? '')?.[1] : undefined;
  const base = {
    account: route[1] as string,
    digits: digitsOf(b.to),
    accepted,
    ...(id === undefined ? {} : { providerMessageId: id }),
    ...(accepted ? {} : { error: errorOf(record) }),
    providerStatus: accepted ? 'accepted' : record.status === undefined ? undefined : String(record.status),
  };
  if (b.type === 'template' && isRecord(b.template)) {
    return { ...base, kind: 'template', template: metaTemplate(str(b.template.name) ?? '', b.template) };
  }
  if (b.type === 'image') {
    const image = isRecord(b.image) ? b.image : {};
    const caption = str(image.caption);
    return { ...base, kind: 'image', imageUrl: str(image.link) ?? '', ...(caption ? { text: caption } : {}) };
  }
  if (b.type === 'text') return { ...base, kind: 'text', text: isRecord(b.text) ? (str(b.text.body) ?? '') : '' };
  return { ...base, kind: 'other' };
}
