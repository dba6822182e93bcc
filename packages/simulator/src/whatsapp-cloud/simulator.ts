import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { type SimulatorContext, secretList } from '../context.js';
import { Exchange, type ExchangeContext } from '../exchange.js';
import { fingerprint } from '../fingerprint.js';
import { header, isRecord } from '../http.js';
import { Inspector } from '../inspect.js';
import { RingLog } from '../log.js';
import { isLoopbackUrl } from '../loopback.js';
import type {
  InboundInput,
  InboundOptions,
  WhatsAppCloudFailure,
  WhatsAppCloudOptions,
  WhatsAppCloudSentMessage,
  WhatsAppCloudSimulator,
  WhatsAppCloudWebhookRecord,
} from './types.js';

const DAY = 86_400_000;
const DISPLAY_NUMBER = '15550783881';

/** The Cloud API side: request handling plus its inspection API. */
export interface WhatsAppCloudSide {
  readonly api: WhatsAppCloudSimulator;
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  /** Forced failures not used up yet, runs of the same kind merged (the dev phone). */
  pendingFailures(): { kind: WhatsAppCloudFailure; endpoint: string; times: number }[];
  close(): void;
}

/** A Graph error body, as `graph.facebook.com` answers it. */
function graphError(code: number, message: string, details?: string, type = 'OAuthException') {
  return {
    error: {
      message,
      type,
      code,
      ...(details !== undefined ? { error_data: { messaging_product: 'whatsapp', details } } : {}),
      fbtrace_id: 'SimFbTrace0123',
    },
  };
}

const FORCED: Record<Exclude<WhatsAppCloudFailure, 'drop' | 'hang'>, [number, ReturnType<typeof graphError>]> = {
  rate_limit: [429, graphError(130429, '(#130429) Rate limit hit', 'Cloud API message throughput has been reached.')],
  pair_rate_limit: [400, graphError(131056, '(#131056) (Business Account, Consumer Account) pair rate limit hit')],
  session_window: [
    400,
    graphError(
      131047,
      '(#131047) Re-engagement message',
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    ),
  ],
  auth: [401, graphError(190, 'Error validating access token: Session has expired')],
  template: [
    404,
    graphError(
      132001,
      '(#132001) Template name does not exist in the translation',
      'template name does not exist in the translation',
    ),
  ],
  server_error: [500, graphError(131000, '(#131000) Something went wrong', undefined, 'OAuthException')],
};

const invalid = (details: string) => graphError(100, '(#100) Invalid parameter', details);

/** Checks a send body as the Cloud API would; the problem's description, or `undefined`. */
function problemOf(body: unknown): string | undefined {
  if (!isRecord(body)) return 'the body must be a JSON object';
  if (body.messaging_product !== 'whatsapp') return 'messaging_product must be whatsapp';
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual')
    return 'recipient_type must be individual';
  if (typeof body.to !== 'string' || !/^\d{8,15}$/.test(body.to))
    return 'to must be a phone number in international digits';
  const type = body.type;
  if (type === 'text') {
    const text = isRecord(body.text) ? body.text.body : undefined;
    if (typeof text !== 'string' || text === '' || text.length > 4096) return 'text.body must be 1 to 4096 characters';
  } else if (type === 'image') {
    const link = isRecord(body.image) ? body.image.link : undefined;
    if (typeof link !== 'string' || !/^https?:\/\//.test(link)) return 'image.link must be an http(s) URL';
  } else if (type === 'template') {
    const t = isRecord(body.template) ? body.template : undefined;
    if (typeof t?.name !== 'string' || t.name === '') return 'template.name is required';
    if (!isRecord(t.language) || typeof t.language.code !== 'string') return 'template.language.code is required';
    if (t.components !== undefined && !Array.isArray(t.components)) return 'template.components must be an array';
  } else {
    return 'type must be text, image or template (in this simulator)';
  }
  return undefined;
}

/**
 * Builds the Graph-like stand-in that `startSimulator` mounts under `/whatsapp-cloud`:
 * `POST /{vNN.0}/{phone-number-id}/messages` with the Cloud API's checks and errors, statuses
 * and inbound messages POSTed to the app's webhook with a valid `X-Hub-Signature-256`.
 *
 * @example
 * const side = createWhatsAppCloud(ctx, { appSecret: 's', webhookUrl: 'http://127.0.0.1:8080/hooks' }, base);
 */
export function createWhatsAppCloud(
  ctx: SimulatorContext,
  options: WhatsAppCloudOptions,
  baseUrl: string,
): WhatsAppCloudSide {
  const tokens = secretList('whatsappCloud.accessToken', options.accessToken);
  const stepMs = options.stepMs ?? 1000;
  if (!(stepMs >= 0 && Number.isFinite(stepMs))) throw new RangeError('simulator: whatsappCloud.stepMs must be >= 0');
  if (options.webhookUrl !== undefined && !options.appSecret) {
    throw new TypeError('simulator: whatsappCloud.appSecret is required with webhookUrl');
  }
  const enforceWindow = options.enforceWindow ?? true;
  const inspector = new Inspector(ctx.maxRecorded);
  const exchange: ExchangeContext = { inspector, now: ctx.now, nextSeq: ctx.nextSeq, observe: ctx.observe };
  const sent = new RingLog<WhatsAppCloudSentMessage>(ctx.maxRecorded);
  const byId = new Map<string, WhatsAppCloudSentMessage>();
  const hooks = new RingLog<WhatsAppCloudWebhookRecord>(ctx.maxRecorded);
  const windows = new Map<string, number>();
  let failures: WhatsAppCloudFailure[] = [];
  let webhook =
    options.webhookUrl !== undefined ? { url: options.webhookUrl, secret: options.appSecret as string } : undefined;
  let lastPhoneNumberId = '0';
  const pending = new Set<Promise<unknown>>();
  let seq = 0;
  const wamid = (prefix: string) => `wamid.${Buffer.from(`${prefix}${++seq}.${ctx.seed}`).toString('base64url')}`;
  const seconds = () => String(Math.floor(ctx.now() / 1000));

  const track = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
    return promise;
  };

  function post(kind: 'status' | 'message', what: string, phoneNumberId: string, value: Record<string, unknown>) {
    const at = ctx.now();
    const target = webhook;
    if (target === undefined || !isLoopbackUrl(target.url) || ctx.timers.closed) {
      hooks.push({ kind, what, url: target?.url ?? '', at, outcome: 'refused', httpStatus: undefined });
      return Promise.resolve(undefined);
    }
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: DISPLAY_NUMBER, phone_number_id: phoneNumberId },
                ...value,
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`;
    return track(
      new Promise<number | undefined>((resolve) => {
        const req = httpRequest(
          new URL(target.url),
          {
            method: 'POST',
            agent: false,
            timeout: 5000,
            headers: {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
              'x-hub-signature-256': signature,
              'user-agent': 'facebookexternalua (parley-simulator)',
            },
          },
          (res) => {
            res.once('error', () => resolve(undefined));
            res.once('end', () => resolve(res.statusCode));
            res.resume();
          },
        );
        req.once('timeout', () => req.destroy(new Error('webhook timed out')));
        req.once('error', () => resolve(undefined));
        req.end(body);
      }).then((httpStatus) => {
        const ok = httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300;
        hooks.push({ kind, what, url: target.url, at, outcome: ok ? 'sent' : 'failed', httpStatus });
        return httpStatus;
      }),
    );
  }

  function postStatus(message: WhatsAppCloudSentMessage, status: string, error?: { code: number; title: string }) {
    ctx.events?.cloudStatus(message.id, status, error);
    return post('status', status, message.phoneNumberId, {
      statuses: [
        {
          id: message.id,
          status,
          timestamp: seconds(),
          recipient_id: message.to,
          ...(message.bizOpaqueCallbackData !== undefined
            ? { biz_opaque_callback_data: message.bizOpaqueCallbackData }
            : {}),
          ...(status === 'sent' || status === 'delivered'
            ? { pricing: { billable: true, pricing_model: 'PMP', category: 'utility' } }
            : {}),
          ...(error ? { errors: [{ code: error.code, title: error.title, message: error.title }] } : {}),
        },
      ],
    });
  }

  /** sent, delivered, read, one `stepMs` apart, one after another. */
  function progress(message: WhatsAppCloudSentMessage): void {
    void track(
      (async () => {
        for (const status of ['sent', 'delivered', 'read']) {
          if (!(await ctx.timers.sleep(stepMs))) return;
          await postStatus(message, status);
        }
      })(),
    );
  }

  const windowOpen = (to: string, now: number) => {
    const opened = windows.get(to);
    return opened !== undefined && opened <= now && now - opened < DAY;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const auth = header(req, 'authorization');
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
    const credential = token ? fingerprint(token) : undefined;
    const ex = new Exchange(exchange, 'whatsapp-cloud', req, res, path, credential);
    const body = await ex.readBody();
    if (body === undefined) return;
    const rolls = ctx.faults.roll();
    if (!(await ctx.timers.sleep(rolls.latencyMs)) || ex.gone) return;
    const route = /^\/(v\d{1,3}\.0)\/(\d{1,32})\/messages(\?.*)?$/.exec(path);
    if (!route || req.method !== 'POST') {
      return ex.json(400, graphError(100, 'Unsupported request - method type or path not supported'), 'rejected');
    }
    lastPhoneNumberId = route[2] as string;
    const forced = failures.shift();
    if (rolls.drop || forced === 'drop') return ex.drop();
    if (forced === 'hang') return ex.hang();
    if (rolls.error) return ex.json(500, FORCED.server_error[1], 'faulted');
    if (!token || (tokens !== undefined && !tokens.includes(token))) {
      return ex.json(401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'), 'rejected');
    }
    if (forced !== undefined) {
      const [status, answer] = FORCED[forced];
      return ex.json(status, answer, forced === 'server_error' ? 'faulted' : 'rejected');
    }
    const problem = body.parsed.ok ? problemOf(body.parsed.value) : 'the body is not JSON';
    if (problem !== undefined) return ex.json(400, invalid(problem), 'rejected');
    const value = (body.parsed as { value: Record<string, unknown> }).value;
    const to = value.to as string;
    const type = value.type as WhatsAppCloudSentMessage['type'];
    const now = ctx.now();
    if (enforceWindow && type !== 'template' && !windowOpen(to, now)) {
      const [status, answer] = FORCED.session_window;
      return ex.json(status, answer, 'rejected');
    }
    const phoneNumberId = route[2] as string;
    const opaque = value.biz_opaque_callback_data;
    const message: WhatsAppCloudSentMessage = {
      id: wamid('out'),
      phoneNumberId,
      to,
      type,
      body: value,
      bizOpaqueCallbackData: typeof opaque === 'string' ? opaque : undefined,
      acceptedAt: now,
    };
    sent.push(message);
    byId.set(message.id, message);
    ex.json(
      200,
      {
        messaging_product: 'whatsapp',
        contacts: [{ input: to, wa_id: to }],
        messages: [{ id: message.id, ...(type === 'template' ? { message_status: 'accepted' } : {}) }],
      },
      'accepted',
    );
    progress(message);
  }

  const api: WhatsAppCloudSimulator = {
    baseUrl,
    get requests() {
      return inspector.requests;
    },
    get counts() {
      return inspector.counts;
    },
    get sent() {
      return sent.toArray();
    },
    get webhookLog() {
      return hooks.toArray();
    },
    setWebhook(url, appSecret) {
      if (!appSecret) throw new TypeError('simulator: setWebhook needs the app secret');
      webhook = { url, secret: appSecret };
    },
    async inbound(from: string, input: InboundInput, inboundOptions: InboundOptions = {}) {
      const digits = from.replace(/\D/g, '');
      if (!/^\d{8,15}$/.test(digits)) throw new TypeError('simulator: inbound() needs a phone number');
      windows.set(digits, ctx.now());
      const id = wamid('in');
      const content =
        'text' in input
          ? { type: 'text', text: { body: input.text } }
          : {
              type: 'image',
              image: {
                id: input.image.id ?? String(1_000_000_000 + seq),
                mime_type: input.image.mimeType ?? 'image/jpeg',
                sha256: createHmac('sha256', 'sim').update(id).digest('hex'),
                ...(input.image.caption !== undefined ? { caption: input.image.caption } : {}),
              },
            };
      const httpStatus = await post('message', id, inboundOptions.phoneNumberId ?? lastPhoneNumberId, {
        contacts: [{ profile: { name: inboundOptions.name ?? 'Customer' }, wa_id: digits }],
        messages: [
          {
            from: digits,
            id,
            timestamp: seconds(),
            ...(inboundOptions.replyTo !== undefined
              ? { context: { from: DISPLAY_NUMBER, id: inboundOptions.replyTo } }
              : {}),
            ...content,
          },
        ],
      });
      return { id, httpStatus };
    },
    pushStatus(id, status, error) {
      const message = byId.get(id);
      if (message === undefined) throw new TypeError(`simulator: no message ${id} was sent`);
      return postStatus(message, status, error);
    },
    isWindowOpen: (to) => !enforceWindow || windowOpen(to.replace(/\D/g, ''), ctx.now()),
    failNext(kind, failOptions = {}) {
      for (let i = 0; i < (failOptions.times ?? 1); i++) failures.push(kind);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    reset() {
      inspector.reset();
      sent.clear();
      byId.clear();
      hooks.clear();
      windows.clear();
      failures = [];
      ctx.events?.reset('whatsapp-cloud');
    },
  };
  function pendingFailures() {
    const out: { kind: WhatsAppCloudFailure; endpoint: string; times: number }[] = [];
    for (const kind of failures) {
      const last = out[out.length - 1];
      if (last?.kind === kind) last.times++;
      else out.push({ kind, endpoint: 'any', times: 1 });
    }
    return out;
  }
  return { api, handle, pendingFailures, close: () => {} };
}
