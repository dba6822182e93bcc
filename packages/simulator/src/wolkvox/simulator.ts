import type { IncomingMessage, ServerResponse } from 'node:http';
import { type SimulatorContext, secretList } from '../context.js';
import { Exchange, type ExchangeContext } from '../exchange.js';
import { FailQueue } from '../fail-queue.js';
import { fingerprint } from '../fingerprint.js';
import { header } from '../http.js';
import { Inspector } from '../inspect.js';
import { RingLog } from '../log.js';
import {
  API_NOT_FOUND,
  BAD_GATEWAY_HTML,
  DAILY_LIMIT,
  MAINTENANCE,
  NOT_FOUND_HTML,
  PARAMETERS_REQUIRED,
  SENT,
  TOKEN_INVALID,
  TOKEN_MISSING,
  tooManySimultaneous,
  WINDOW_CLOSED,
  type WolkvoxBody,
} from './errors.js';
import { DailyQuota } from './quota.js';
import type { WolkvoxFailure, WolkvoxOptions, WolkvoxSimulator } from './types.js';
import { validateWolkvox, WOLKVOX_APIS, type WolkvoxApi, type WolkvoxSentMessage } from './validate.js';
import { ConversationWindows } from './window.js';

/** The Wolkvox side: request handling plus its inspection API. */
export interface WolkvoxSide {
  readonly api: WolkvoxSimulator;
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  /** Forced failures not used up yet (the dev phone). */
  pendingFailures(): { kind: WolkvoxFailure; endpoint: string; times: number }[];
}

function autoReplyOf(option: WolkvoxOptions['simulateReplies']): number | undefined {
  if (!option) return undefined;
  const afterMs = option === true ? 2000 : (option.afterMs ?? 2000);
  if (!(afterMs >= 0)) throw new RangeError('simulator: wolkvox.simulateReplies.afterMs must be >= 0');
  return afterMs;
}

/**
 * Builds the Wolkvox stand-in that `startSimulator` mounts under `/wolkvox/api/v2`.
 *
 * @example
 * const side = createWolkvox(ctx, { token: 't', maxConcurrent: 2 }, 'http://127.0.0.1:4010/wolkvox/api/v2');
 */
export function createWolkvox(ctx: SimulatorContext, options: WolkvoxOptions, baseUrl: string): WolkvoxSide {
  const tokens = secretList('wolkvox.token', options.token);
  const maxConcurrent = options.maxConcurrent ?? 2;
  if (!(Number.isInteger(maxConcurrent) && maxConcurrent >= 1)) {
    throw new RangeError('simulator: wolkvox.maxConcurrent must be an integer >= 1');
  }
  const enforceWindow = options.enforceWindow ?? true;
  const quota = new DailyQuota(options.dailyLimit ?? 1000);
  const windows = new ConversationWindows(undefined, autoReplyOf(options.simulateReplies));
  const inspector = new Inspector(ctx.maxRecorded);
  const exchange: ExchangeContext = { inspector, now: ctx.now, nextSeq: ctx.nextSeq, observe: ctx.observe };
  const failures = new FailQueue<WolkvoxFailure, WolkvoxApi>();
  const sent = new RingLog<WolkvoxSentMessage>(ctx.maxRecorded);

  const reject = (ex: Exchange, body: WolkvoxBody) => ex.json(body.code, body, 'rejected');

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const token = header(req, 'wolkvox-token');
    const credential = token ? fingerprint(token) : undefined;
    const valid = token ? tokens === undefined || tokens.includes(token) : false;
    const ex = new Exchange(exchange, 'wolkvox', req, res, path, credential);
    // Admission is decided on arrival: a request is simultaneous with those already in flight.
    let admitted = false;
    // The provider works on an admitted request for its whole processing time, whether or not the
    // client still waits: its slot is free only once that work is over and the response is done.
    let working: (() => void) | undefined;
    if (valid && credential !== undefined && inspector.admitted(credential) < maxConcurrent) {
      admitted = true;
      const leave = inspector.admit(credential);
      let pending = 2;
      const step = () => {
        if (--pending === 0) leave();
      };
      ex.onDone(step);
      working = step;
    }
    try {
      await serve(ex, req, path, token, credential, valid, admitted);
    } finally {
      working?.();
    }
  }

  async function serve(
    ex: Exchange,
    req: IncomingMessage,
    path: string,
    token: string | undefined,
    credential: string | undefined,
    valid: boolean,
    admitted: boolean,
  ): Promise<void> {
    const body = await ex.readBody();
    if (body === undefined) return;
    const rolls = ctx.faults.roll();
    if (!(await ctx.timers.sleep(rolls.latencyMs)) || ex.gone) return;

    const url = new URL(path, 'http://simulator');
    if (url.pathname !== '/whatsapp.php') return ex.text(404, 'text/html', NOT_FOUND_HTML, 'rejected');
    const apiName = url.searchParams.get('api') ?? '';
    const api = WOLKVOX_APIS.has(apiName) ? (apiName as WolkvoxApi) : undefined;
    const forced = failures.take(api);
    if (rolls.drop || forced === 'drop') return ex.drop();
    if (forced === 'hang') return ex.hang();
    if (forced === 'drop_after') ex.dropInsteadOfAnswer = true;
    if (rolls.error || forced === 'server_error') return ex.text(502, 'text/html', BAD_GATEWAY_HTML, 'faulted');
    if (forced === 'maintenance') return reject(ex, MAINTENANCE);
    if (!token) return reject(ex, TOKEN_MISSING);
    if (!valid || forced === 'auth' || credential === undefined) return reject(ex, TOKEN_INVALID);
    if (!admitted || forced === 'concurrency') return reject(ex, tooManySimultaneous(maxConcurrent));
    const now = ctx.now();
    if (forced === 'daily_limit' || !quota.take(credential, now)) return reject(ex, DAILY_LIMIT);
    if (api === undefined || req.method !== 'POST') return reject(ex, API_NOT_FOUND);

    const { parsed } = body;
    const message = parsed.ok ? validateWolkvox(api, parsed.value, now) : undefined;
    if (message === undefined) return reject(ex, PARAMETERS_REQUIRED);
    if (forced === 'window') return reject(ex, WINDOW_CLOSED);
    if (api === 'send_message_official' && enforceWindow && !windows.isOpen(message.telephone, now)) {
      return reject(ex, WINDOW_CLOSED);
    }
    if (api === 'send_template_official') windows.templateSent(message.telephone, now);
    sent.push(message);
    ex.json(200, SENT, 'accepted');
  }

  const api: WolkvoxSimulator = {
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
    get maxAdmittedPerToken() {
      return inspector.maxAdmittedPerToken();
    },
    concurrency: (token) => inspector.concurrency(fingerprint(token)),
    dailyUsage: (token) => quota.used(fingerprint(token), ctx.now()),
    get sent() {
      return sent.toArray();
    },
    markReplied: (telephone, at) => windows.markReplied(telephone, at ?? ctx.now()),
    isWindowOpen: (telephone) => !enforceWindow || windows.isOpen(telephone, ctx.now()),
    failNext(kind, failOptions = {}) {
      failures.add(kind, failOptions.endpoint ?? 'any', failOptions.times ?? 1);
    },
    reset() {
      inspector.reset();
      quota.clear();
      windows.clear();
      failures.clear();
      sent.clear();
      ctx.events?.reset('wolkvox');
    },
  };

  return { api, handle, pendingFailures: () => failures.list() };
}
