import type { IncomingMessage, ServerResponse } from 'node:http';
import { type SimulatorContext, secretList } from '../context.js';
import { Exchange, type ExchangeContext } from '../exchange.js';
import { FailQueue } from '../fail-queue.js';
import type { Rolls } from '../faults.js';
import { fingerprint } from '../fingerprint.js';
import { header } from '../http.js';
import { Inspector } from '../inspect.js';
import { checkBasicAuth } from './auth.js';
import {
  BAD_JSON,
  BALANCE_EMPTY,
  type DtErrorBody,
  INVALID_MIME_TYPE,
  internalError,
  invalidParameter,
  METHOD_NOT_ALLOWED,
  NOT_FOUND,
  RATE_LIMITED,
  SESSION_WINDOW_CLOSED,
  UNAUTHORIZED,
} from './errors.js';
import { messageIdOf, toId } from './ids.js';
import { Ledger } from './ledger.js';
import { RateLimiter } from './rate-limit.js';
import type {
  DecisionTelecomEndpoint,
  DecisionTelecomFailure,
  DecisionTelecomOptions,
  DecisionTelecomSimulator,
} from './types.js';
import { validateSend } from './validate.js';

const DAY = 86_400_000;
const ENDPOINTS: Record<string, DecisionTelecomEndpoint> = { '/send-whatsapp': 'send', '/receive-whatsapp': 'status' };
/** Errors a client causes by what it sent: the ones the real service sometimes returns under HTTP 200. */
const VALIDATION_CODES = new Set([1, 8, 9]);

/** The DecisionTelecom side: request handling plus its inspection API. */
export interface DecisionTelecomSide {
  readonly api: DecisionTelecomSimulator;
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  close(): void;
  /**
   * The status code of a message now, and when it next changes by itself (`undefined`: never),
   * or `undefined` when it is not kept (the dev phone).
   */
  statusOf(id: string): { readonly code: number; readonly nextChangeAt: number | undefined } | undefined;
  /** Forced failures not used up yet (the dev phone). */
  pendingFailures(): { kind: DecisionTelecomFailure; endpoint: string; times: number }[];
}

function firstIdOf(value: bigint | number | undefined): bigint {
  const id = toId(value ?? 1000);
  if (id === undefined) throw new RangeError('simulator: decisionTelecom.firstMessageId must be an integer >= 0');
  return id;
}

/**
 * Builds the DecisionTelecom stand-in that `startSimulator` mounts under `/decisiontelecom/v1/api`.
 *
 * @example
 * const side = createDecisionTelecom(ctx, { apiKey: 'k' }, 'http://127.0.0.1:4010/decisiontelecom/v1/api');
 */
export function createDecisionTelecom(
  ctx: SimulatorContext,
  options: DecisionTelecomOptions,
  baseUrl: string,
): DecisionTelecomSide {
  const apiKeys = secretList('decisionTelecom.apiKey', options.apiKey);
  const apiKeyEncoding = options.apiKeyEncoding ?? 'encode';
  if (!['encode', 'encode-with-colon', 'already-encoded'].includes(apiKeyEncoding)) {
    throw new RangeError(
      'simulator: decisionTelecom.apiKeyEncoding must be encode, encode-with-colon or already-encoded',
    );
  }
  const under200 = options.errorUnder200Rate ?? 0;
  if (!(under200 >= 0 && under200 <= 1))
    throw new RangeError('simulator: decisionTelecom.errorUnder200Rate must be 0..1');
  const retentionMs = options.retentionMs ?? 5 * DAY;
  const inspector = new Inspector(ctx.maxRecorded);
  const exchange: ExchangeContext = { inspector, now: ctx.now, nextSeq: ctx.nextSeq, observe: ctx.observe };
  const failures = new FailQueue<DecisionTelecomFailure, DecisionTelecomEndpoint>();
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit) : undefined;
  const ledger = new Ledger({
    now: ctx.now,
    seed: ctx.seed,
    firstId: firstIdOf(options.firstMessageId),
    progression: options.progression,
    callbacks: options.callbacks ?? true,
    maxRecorded: ctx.maxRecorded,
  });

  function reject(ex: Exchange, body: DtErrorBody, rolls: Rolls, headers: Record<string, string> = {}): void {
    const masked = VALIDATION_CODES.has(body.code) || body === BAD_JSON ? rolls.extra < under200 : false;
    ex.json(masked ? 200 : body.status, body, 'rejected', headers);
  }

  function send(ex: Exchange, body: unknown, rolls: Rolls): void {
    const check = validateSend(body);
    if (!check.ok) {
      reject(ex, check.error, rolls);
      return;
    }
    const id = ledger.accept(check.send.callbackUrl);
    // Written by hand so an id past 2^53 keeps every digit.
    ex.json(200, `{"message_id":${id}}`, 'accepted');
  }

  function status(ex: Exchange, body: unknown, raw: string, rolls: Rolls): void {
    const id = messageIdOf(body, raw);
    const index = id === undefined ? undefined : ledger.store.indexOf(id);
    const now = ctx.now();
    if (index === undefined || now - ledger.store.createdAt(index) > retentionMs) {
      reject(ex, invalidParameter('message_id'), rolls);
      return;
    }
    ex.json(200, `{"message_id":${id},"status":${ledger.statusOf(index, now)}}`, 'accepted');
  }

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const auth = checkBasicAuth(header(req, 'authorization'), apiKeys, apiKeyEncoding);
    const ex = new Exchange(exchange, 'decisiontelecom', req, res, path, auth.credential);
    const body = await ex.readBody();
    if (body === undefined) return;
    const rolls = ctx.faults.roll();
    if (!(await ctx.timers.sleep(rolls.latencyMs)) || ex.gone) return;

    const endpoint = ENDPOINTS[path.split('?')[0] ?? ''];
    if (endpoint === undefined) return reject(ex, NOT_FOUND, rolls);
    const forced = failures.take(endpoint);
    if (rolls.drop || forced === 'drop') return ex.drop();
    if (forced === 'hang') return ex.hang();
    if (forced === 'drop_after') ex.dropInsteadOfAnswer = true;
    if (rolls.error || forced === 'server_error') return ex.json(500, internalError(), 'faulted');
    if (req.method !== 'POST') return reject(ex, METHOD_NOT_ALLOWED, rolls, { allow: 'POST' });
    if (!auth.ok || forced === 'auth') {
      return reject(ex, UNAUTHORIZED, rolls, { 'www-authenticate': 'Basic realm="api"' });
    }
    if (forced === 'rate_limit') return reject(ex, RATE_LIMITED, rolls, { 'retry-after': '1' });
    const taken = limiter?.take(auth.credential ?? '', ctx.now());
    if (taken && !taken.ok) {
      return reject(ex, RATE_LIMITED, rolls, {
        'retry-after': String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))),
      });
    }
    if (forced === 'balance') return reject(ex, BALANCE_EMPTY, rolls);
    if (forced === 'session_window') return reject(ex, SESSION_WINDOW_CLOSED, rolls);
    if (forced === 'mime_type') return reject(ex, INVALID_MIME_TYPE, rolls);

    const { parsed, raw } = body;
    if (!parsed.ok) return reject(ex, BAD_JSON, rolls);
    if (endpoint === 'send') send(ex, parsed.value, rolls);
    else status(ex, parsed.value, raw, rolls);
  }

  function indexOf(id: bigint | number | string): number | undefined {
    const big = toId(id);
    return big === undefined ? undefined : ledger.store.indexOf(big);
  }

  const api: DecisionTelecomSimulator = {
    baseUrl,
    get requests() {
      return inspector.requests;
    },
    get counts() {
      return inspector.counts;
    },
    get inFlight() {
      return inspector.inFlight;
    },
    get maxConcurrentPerToken() {
      return inspector.maxInFlightPerToken();
    },
    concurrency: (apiKey) => inspector.concurrency(fingerprint(apiKey)),
    messages: {
      get: (id) => {
        const index = indexOf(id);
        return index === undefined ? undefined : ledger.describe(index);
      },
      get size() {
        return ledger.store.size;
      },
      get lastId() {
        return ledger.store.size === 0 ? undefined : String(ledger.store.nextId - 1n);
      },
    },
    get callbacksSent() {
      return ledger.dispatcher.counts.sent;
    },
    get callbacks() {
      return ledger.dispatcher.counts;
    },
    get callbackLog() {
      return ledger.dispatcher.log;
    },
    setStatus(id, code) {
      const index = indexOf(id);
      if (index === undefined) throw new RangeError(`simulator: no DecisionTelecom message ${String(id)}`);
      if (!(Number.isInteger(code) && code >= 0 && code <= 32_767)) {
        throw new RangeError('simulator: a status code must be an integer from 0 to 32767');
      }
      ledger.setStatus(index, code);
      ctx.events?.dtStatusSet(String(ledger.store.idOf(index)));
    },
    failNext(kind, failOptions = {}) {
      failures.add(kind, failOptions.endpoint ?? 'send', failOptions.times ?? 1);
    },
    flushCallbacks: () => ledger.flush(),
    reset() {
      inspector.reset();
      ledger.reset();
      limiter?.clear();
      failures.clear();
      ctx.events?.reset('decisiontelecom');
    },
  };

  return {
    api,
    handle,
    close: () => ledger.close(),
    statusOf(id) {
      const index = indexOf(id);
      if (index === undefined) return undefined;
      const now = ctx.now();
      return { code: ledger.statusOf(index, now), nextChangeAt: ledger.nextChangeAt(index, now) };
    },
    pendingFailures: () => failures.list(),
  };
}
