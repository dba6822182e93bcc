import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, isRecord, parseJson, readBody } from '../http.js';
import { PAGE_HTML } from '../page/html.js';
import type { Phone } from './phone.js';
import type { PhoneMessage } from './types.js';

/** Where the dev phone's HTTP API lives. */
export const PHONE_PREFIX = '/_sim';

/** A snapshot limited to the newest messages is rebuilt at most this often, however many pages ask. */
const SNAPSHOT_MAX_AGE_MS = 500;

export interface RouteDeps {
  readonly phone: Phone;
  readonly latencyMs: () => unknown;
  readonly setLatency: (latency: unknown) => void;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Whether a `GET /` comes from a browser (it asks for HTML before JSON). */
export function wantsHtml(req: IncomingMessage): boolean {
  const accept = header(req, 'accept') ?? '';
  return /text\/html/i.test(accept);
}

/**
 * The dev phone's routes: the page at `/` (for browsers) and the `/_sim/…` API. Answers
 * `false` for any other target so the server can carry on routing.
 */
export function createPhoneRoutes(deps: RouteDeps) {
  const { phone } = deps;
  const cache = new Map<number, { rev: number; epoch: number; at: number; text: string }>();

  function snapshot(limit: number | undefined, query: string | undefined): string {
    let messages: PhoneMessage[];
    if (query) {
      const keys = new Set(phone.conversations(query).map((c) => c.key));
      messages = phone.messages.filter((m) => keys.has(`${m.provider}:${m.account}:${m.to.replace(/\D/g, '')}`));
      if (limit !== undefined) messages = messages.slice(-limit);
    } else messages = limit === undefined ? phone.messages : phone.latest(limit);
    return JSON.stringify({
      epoch: phone.epoch,
      rev: phone.rev,
      messages,
      extra: { faults: phone.pendingFaults, latencyMs: deps.latencyMs() },
    });
  }

  /**
   * The snapshot pages load, shared: rebuilt only when something changed and the last build is
   * older than SNAPSHOT_MAX_AGE_MS, so 100 pages loading at once cost one build. A page never
   * loses a change by it: any later change reaches it by the event stream, with a higher `rev`.
   */
  function sharedSnapshot(limit: number | undefined): string {
    const now = Date.now();
    const hit = cache.get(limit ?? 0);
    if (hit && (hit.rev === phone.rev || now - hit.at < SNAPSHOT_MAX_AGE_MS) && hit.epoch === phone.epoch)
      return hit.text;
    const text = snapshot(limit, undefined);
    cache.set(limit ?? 0, { rev: phone.rev, epoch: phone.epoch, at: now, text });
    if (cache.size > 8) cache.delete(cache.keys().next().value as number);
    return text;
  }

  async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
    const text = await readBody(req, 64 * 1024);
    if (text === undefined || text === 'too_large') throw new TypeError('simulator: unreadable or too large body');
    const parsed = parseJson(text);
    if (!parsed.ok || !(parsed.value === undefined || isRecord(parsed.value))) {
      throw new TypeError('simulator: the body must be a JSON object');
    }
    return (parsed.value ?? {}) as Record<string, unknown>;
  }

  async function action(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const b = await body(req);
    switch (name) {
      case 'reply': {
        const provider = b.provider === undefined ? undefined : (b.provider as PhoneMessage['provider']);
        const { delivered } = phone.replyAndDeliver({
          to: String(b.to ?? ''),
          text: typeof b.text === 'string' ? b.text : '',
          ...(provider ? { provider } : {}),
          ...(typeof b.account === 'string' ? { account: b.account } : {}),
        });
        // A Cloud API reply answers once the app's webhook did (within the side's 5 s timeout).
        return json(res, 200, { message: await delivered });
      }
      case 'status':
        return json(res, 200, { message: phone.setStatus(String(b.id ?? ''), String(b.status ?? '')) });
      case 'faults': {
        const times = b.times === undefined ? 1 : Number(b.times);
        phone.fault({
          provider: b.provider as 'decisiontelecom',
          kind: String(b.kind ?? ''),
          times,
          ...(typeof b.endpoint === 'string' ? { endpoint: b.endpoint } : {}),
        });
        return json(res, 200, { faults: phone.pendingFaults });
      }
      case 'latency':
        deps.setLatency(b.latencyMs);
        phone.hub.touch();
        return json(res, 200, { latencyMs: deps.latencyMs() });
      case 'reset':
        phone.clear();
        return json(res, 200, { ok: true });
      default:
        return json(res, 404, { error: 'not found' });
    }
  }

  /** Handles `target` when it is the phone's; `false` otherwise. */
  return async function route(req: IncomingMessage, res: ServerResponse, target: string): Promise<boolean> {
    const url = new URL(target, 'http://simulator');
    const method = req.method ?? 'GET';
    if (url.pathname === '/' && method === 'GET' && wantsHtml(req)) {
      req.resume();
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': String(Buffer.byteLength(PAGE_HTML)),
        'cache-control': 'no-store',
      });
      res.end(PAGE_HTML);
      return true;
    }
    if (url.pathname === '/favicon.ico' && wantsHtml(req) === false && method === 'GET') {
      req.resume();
      res.writeHead(204).end();
      return true;
    }
    if (url.pathname !== PHONE_PREFIX && !url.pathname.startsWith(`${PHONE_PREFIX}/`)) return false;
    const name = url.pathname.slice(PHONE_PREFIX.length + 1);
    try {
      if (method === 'GET') {
        req.resume();
        if (name === 'events') {
          phone.hub.open(res);
          phone.pageOpened();
        } else if (name === 'messages') {
          const raw = url.searchParams.get('limit');
          const limit = raw === null ? undefined : Number(raw);
          if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
            throw new RangeError('simulator: limit must be an integer >= 1');
          }
          const q = url.searchParams.get('q') ?? undefined;
          json(res, 200, q ? snapshot(limit, q) : sharedSnapshot(limit));
        } else if (name === 'conversations') {
          json(res, 200, { conversations: phone.conversations(url.searchParams.get('q') ?? '') });
        } else if (name === 'faults') {
          json(res, 200, { faults: phone.pendingFaults, latencyMs: deps.latencyMs() });
        } else if (name === 'wait') {
          const to = url.searchParams.get('to') ?? undefined;
          const text = url.searchParams.get('text') ?? undefined;
          const timeoutMs = Number(url.searchParams.get('timeoutMs') ?? 5000);
          const message = await phone.waitForMessage({
            ...(to !== null && to !== undefined ? { to } : {}),
            ...(text !== null && text !== undefined ? { text } : {}),
            timeoutMs,
          });
          json(res, 200, { message });
        } else json(res, 404, { error: 'not found' });
        return true;
      }
      if (method === 'POST') {
        await action(req, res, name);
        return true;
      }
      req.resume();
      json(res, 405, { error: 'method not allowed' });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const timedOut = /timed out/.test(message);
      if (!res.headersSent) json(res, timedOut ? 408 : 400, { error: message });
    }
    return true;
  };
}
