import type { IncomingMessage } from 'node:http';
import { webhookError } from '../errors/factories.js';
import type { ParleyError } from '../errors/index.js';
import { isParleyError } from '../errors/index.js';
import { ID_PARAM, SIG_PARAM } from './sign.js';

/** How much of a callback's body the webhook reads, and for how long. */
export interface BodyLimits {
  /** Largest body accepted, in bytes (answered 413 beyond). Default 65 536. */
  readonly maxBodyBytes: number;
  /** Longest time to wait for the whole body, in ms (answered 408 beyond). Default 10 000. */
  readonly bodyTimeoutMs: number;
}

/** The default limits: 64 KiB within 10 seconds. */
export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBodyBytes: 65_536, bodyTimeoutMs: 10_000 };

const tooLarge = (limits: BodyLimits): ParleyError =>
  webhookError({ code: 'PROTOCOL', status: 413, detail: `body larger than ${limits.maxBodyBytes} bytes` });
const tooSlow = (limits: BodyLimits): ParleyError =>
  webhookError({ code: 'TIMEOUT', status: 408, detail: `body not received within ${limits.bodyTimeoutMs} ms` });
const unreadable = (detail: string, cause?: unknown): ParleyError =>
  webhookError({ code: 'PROTOCOL', status: 400, detail, cause });

function declaredTooLarge(contentLength: string | null | undefined, limits: BodyLimits): boolean {
  return contentLength != null && Number(contentLength) > limits.maxBodyBytes;
}

/**
 * Reads a Node request's body, at most `maxBodyBytes` within `bodyTimeoutMs`. Rejects with a
 * `ParleyError` whose `httpStatus` is the answer to give (413, 408, 400); on rejection the request
 * is paused and no more of it is consumed.
 *
 * @example
 * const bytes = await readNodeBody(req, DEFAULT_BODY_LIMITS);
 */
export function readNodeBody(req: IncomingMessage, limits: BodyLimits): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (declaredTooLarge(req.headers['content-length'], limits)) return reject(tooLarge(limits));
    if (req.readableEnded) return resolve(new Uint8Array(0));
    if (req.destroyed) return reject(unreadable('request closed before the body ended'));
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: ParleyError | undefined): void => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error === undefined) {
        resolve(Buffer.concat(chunks, size));
      } else {
        req.pause();
        reject(error);
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) finish(tooLarge(limits));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (cause: unknown): void => finish(unreadable('request failed while reading the body', cause));
    const onClose = (): void => finish(unreadable('request closed before the body ended'));
    const timer = setTimeout(() => finish(tooSlow(limits)), limits.bodyTimeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Reads a Fetch request's body stream, at most `maxBodyBytes` within `bodyTimeoutMs`; on failure
 * the stream is cancelled. Rejects like {@link readNodeBody}.
 *
 * @example
 * const bytes = await readFetchBody(request, DEFAULT_BODY_LIMITS);
 */
export async function readFetchBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  if (declaredTooLarge(request.headers.get('content-length'), limits)) throw tooLarge(limits);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(tooSlow(limits)), limits.bodyTimeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) return Buffer.concat(chunks, size);
      size += value.byteLength;
      if (size > limits.maxBodyBytes) throw tooLarge(limits);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw isParleyError(error) ? error : unreadable('request failed while reading the body', error);
  } finally {
    clearTimeout(timer);
  }
}

type Fields = Record<string, unknown>;

function formFields(text: string): Fields {
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(text)) if (!fields.has(key)) fields.set(key, value);
  return Object.fromEntries(fields);
}

function jsonFields(text: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw unreadable('body is not valid JSON', cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw unreadable('JSON body is not an object');
  }
  return value as Fields;
}

function bodyFields(bytes: Uint8Array, contentType: string | undefined): Fields {
  if (bytes.byteLength === 0) return {};
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw unreadable('body is not UTF-8', cause);
  }
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return jsonFields(text);
  if (type === 'application/x-www-form-urlencoded') return formFields(text);
  if (type !== '' && type !== 'text/plain') throw unreadable(`unsupported content type ${type}`);
  if (text.trim() === '') return {};
  return /^\s*[{[]/.test(text) ? jsonFields(text) : formFields(text);
}

/**
 * A callback's fields: the query string's and the body's (JSON object, form, or none; an
 * untyped or `text/plain` body is sniffed), merged with the body winning, without
 * `parley_id`/`parley_sig`. Throws a 400 `ParleyError` for a body it cannot read.
 *
 * @example
 * callbackFields(bytes, 'application/json', new URL(request.url).searchParams);
 * // { message_id: '123', status: 2 }
 */
export function callbackFields(bytes: Uint8Array, contentType: string | undefined, query: URLSearchParams): Fields {
  const merged = { ...formFields(query.toString()), ...bodyFields(bytes, contentType) };
  delete merged[ID_PARAM];
  delete merged[SIG_PARAM];
  return merged;
}
