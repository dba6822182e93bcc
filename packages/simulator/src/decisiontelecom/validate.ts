import { isRecord } from '../http.js';
import { type DtErrorBody, INVALID_FILE_EXTENSION, invalidParameter } from './errors.js';

/** What the simulator keeps of a valid send. */
export interface ValidSend {
  readonly destination: string;
  readonly messageType: 1 | 2 | 4;
  readonly callbackUrl: string | undefined;
}

export type SendCheck =
  | { readonly ok: true; readonly send: ValidSend }
  | { readonly ok: false; readonly error: DtErrorBody };

const chars = (text: string) => [...text].length;
const absent = (value: unknown) => value === undefined || value === null || value === '';

function httpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Digits only, at most 20, given as a JSON number or a string. */
function destinationOf(value: unknown): string | undefined {
  const text =
    typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' ? value : '';
  return /^\d{1,20}$/.test(text) ? text : undefined;
}

function messageTypeOf(value: unknown): 1 | 2 | 4 | undefined {
  const n = typeof value === 'string' && /^\d$/.test(value) ? Number(value) : value;
  return n === 1 || n === 2 || n === 4 ? n : undefined;
}

/**
 * `template_params` must be a JSON string holding a Meta template object whose `name` is
 * `template_name` and whose `to`, when given, is the recipient.
 */
function templateParamsOk(params: unknown, templateName: string, destination: string): boolean {
  if (typeof params !== 'string') return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(params);
  } catch {
    return false;
  }
  if (!isRecord(parsed) || parsed.type !== 'template' || !isRecord(parsed.template)) return false;
  if (parsed.template.name !== templateName) return false;
  const to = parsed.to;
  if (to === undefined) return true;
  return (typeof to === 'string' || typeof to === 'number') && String(to).replace(/^\+/, '') === destination;
}

/**
 * Checks a `send-whatsapp` body against providers.md's field table, in the table's order, and
 * names the first bad field as the provider does.
 *
 * @example
 * validateSend({ source_addr: 'Acme', destination_addr: 573001234567, message_type: 1, text: 'hi' }).ok; // true
 */
export function validateSend(body: unknown): SendCheck {
  const fail = (field: string): SendCheck => ({ ok: false, error: invalidParameter(field) });
  const b = isRecord(body) ? body : {};

  const source = b.source_addr;
  if (typeof source !== 'string' || source.trim() === '' || chars(source) > 20) return fail('source_addr');
  const destination = destinationOf(b.destination_addr);
  if (destination === undefined) return fail('destination_addr');
  const messageType = messageTypeOf(b.message_type);
  if (messageType === undefined) return fail('message_type');

  const text = b.text;
  if (messageType === 1 && (typeof text !== 'string' || chars(text) < 1 || chars(text) > 4096)) return fail('text');
  if (messageType === 2 && !absent(text) && (typeof text !== 'string' || chars(text) > 4096)) return fail('text');

  if (messageType === 2) {
    const url = httpUrl(b.file_url);
    if (url === undefined) return fail('file_url');
    if (!/\.(jpe?g|png)$/i.test(url.pathname)) return { ok: false, error: INVALID_FILE_EXTENSION };
  }

  let callbackUrl: string | undefined;
  if (!absent(b.callback_url)) {
    if (httpUrl(b.callback_url) === undefined) return fail('callback_url');
    callbackUrl = b.callback_url as string;
  }

  if (messageType === 4) {
    const name = b.template_name;
    if (typeof name !== 'string' || name.trim() === '' || chars(name) > 512) return fail('template_name');
    if (!templateParamsOk(b.template_params, name, destination)) return fail('template_params');
  }

  return { ok: true, send: { destination, messageType, callbackUrl } };
}
