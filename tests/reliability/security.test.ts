// Security (issue 8, item 5, part): redaction proven with random secrets, and the webhook's
// refusals (401 forged / missing / tampered, 413 oversize read only up to the limit, 408 slow body).
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { inspect } from 'node:util';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { wolkvox } from '@parley/adapter-wolkvox';
import {
  createMessenger,
  createWebhookHandler,
  hashKey,
  type Logger,
  type Messenger,
  memoryLimiter,
  memoryStore,
  ParleyError,
  resolveConfig,
  signCallbackUrl,
  silentLogger,
  type WebhookHandler,
} from '@parley/core';
import { startSimulator } from '@parley/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from './chaos-server.js';

const providers = [decisionTelecom, wolkvox];
const TO = '+57 300 123 4567';
const SEED = Number(process.env.PARLEY_SECURITY_SEED ?? Date.now() % 1_000_000);
const random = mulberry32(SEED);

// ------------------------------------------------------------------ secrets ----

const HEADER_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=:@!$&*()[]{}|;,?<>#%^`\'"\\';
const ANY = `${HEADER_SAFE} ñé€😀`;

/** A random secret of `length` characters from `alphabet` (as code points). */
function secret(length: number, alphabet: string): string {
  const chars = [...alphabet];
  let out = '';
  for (let i = 0; i < length; i++) out += chars[Math.floor(random() * chars.length)];
  return out;
}

/**
 * The forms of a secret that must never appear: as it is, and base64 (of the key, and of `key:`,
 * which is the Basic token). The JSON-escaped forms are the known bug further down.
 */
function forms(value: string): string[] {
  const list = [value, Buffer.from(value).toString('base64'), Buffer.from(`${value}:`).toString('base64')];
  return [...new Set(list)].filter((f) => f.length >= 8);
}

/** The forms a JSON writer gives a secret: escaped `"`, `\\`, control characters, and `\/` the PHP way. */
function escapedForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  return [...new Set([json, json.replaceAll('/', '\\/')])].filter((f) => f !== value);
}

/** Everything the library lets out of an error, as text. */
function errorText(error: unknown): string {
  if (!(error instanceof ParleyError)) return `${String(error)} ${inspect(error, { depth: 10 })}`;
  const properties = Object.getOwnPropertyNames(error).map((name) => {
    const value = (error as unknown as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : inspect(value, { depth: 10 });
  });
  return [
    String(error),
    error.message,
    error.stack ?? '',
    error.body ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
    ...properties,
  ].join('\n');
}

function expectNoSecret(text: string, secrets: readonly string[], where: string): void {
  for (const s of secrets) {
    for (const form of forms(s)) {
      if (text.includes(form)) throw new Error(`${where}: a secret leaked (form ${JSON.stringify(form)})`);
    }
  }
}

/** A logger that keeps every line it is given, with its fields. */
function capturingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const keep =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push(`${level} ${message} ${fields === undefined ? '' : inspect(fields, { depth: 10 })}`);
    };
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

// ------------------------------------------------- a provider that echoes secrets ----

type Echo = (
  req: http.IncomingMessage,
  body: string,
) => { status: number; body: string; headers?: http.OutgoingHttpHeaders };

/** A loopback server whose answer is made by the current `echo` from what it received. */
class EchoServer {
  echo: Echo = () => ({ status: 200, body: '{}' });
  readonly received: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  readonly #server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      this.received.push({ url: req.url ?? '', headers: req.headers, body });
      const answer = this.echo(req, body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

/** What DecisionTelecom's request carried: the key (decoded from Basic) and the token. */
function dtCredentials(req: http.IncomingMessage): { token: string; key: string } {
  const token = (req.headers.authorization ?? '').replace(/^Basic /, '');
  return { token, key: Buffer.from(token, 'base64').toString('utf8') };
}

const DT_ECHOES: Record<string, Echo> = {
  '401 naming the key and the header': (req) => {
    const { token, key } = dtCredentials(req);
    return {
      status: 401,
      body: JSON.stringify({
        name: 'Unauthorized',
        message: `Invalid key ${key} (Basic ${token})`,
        code: 0,
        status: 401,
      }),
    };
  },
  '200 code 1 naming the key as the parameter': (req) => ({
    status: 200,
    body: JSON.stringify({
      name: `Invalid Parameter: [${dtCredentials(req).key}]`,
      message: `${dtCredentials(req).key} is wrong`,
      code: 1,
      status: 400,
    }),
  }),
  '500 HTML dumping the request headers and body': (req, body) => ({
    status: 500,
    headers: { 'content-type': 'text/html' },
    body: `<html><pre>${JSON.stringify(req.headers)}\n${body}\nkey=${dtCredentials(req).key}</pre></html>`,
  }),
  '429 storm echoing the key (retried, logged)': (req) => ({
    status: 429,
    headers: { 'retry-after': '0' },
    body: JSON.stringify({
      name: 'Too Many Requests',
      message: `slow down ${dtCredentials(req).key}`,
      code: 0,
      status: 429,
    }),
  }),
  '200 without an id, echoing the key in an unknown shape': (req) => ({
    status: 200,
    body: JSON.stringify({ ok: false, auth: req.headers.authorization, key: dtCredentials(req).key }),
  }),
};

const WV_ECHOES: Record<string, Echo> = {
  '403 PLEASE VALIDATE TOKEN <token>': (req) => ({
    status: 403,
    body: JSON.stringify({
      code: 403,
      error: 'FORBIDDEN',
      msg: `PLEASE VALIDATE TOKEN ${req.headers['wolkvox-token']}`,
    }),
  }),
  '502 HTML dumping the request headers': (req) => ({
    status: 502,
    headers: { 'content-type': 'text/html' },
    body: `<html>${JSON.stringify(req.headers)}</html>`,
  }),
  '200 with an error naming the token': (req) => ({
    status: 200,
    body: JSON.stringify({
      code: 500,
      error: `${req.headers['wolkvox-token']}`,
      msg: `token ${req.headers['wolkvox-token']}`,
    }),
  }),
  '403 concurrency echoing the token (retried, logged)': (req) => ({
    status: 403,
    body: JSON.stringify({
      code: 403,
      error: 'FORBIDDEN',
      msg: `EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2) ${req.headers['wolkvox-token']}`,
    }),
  }),
};

let echo: EchoServer;
beforeAll(async () => {
  echo = await new EchoServer().start();
});
afterAll(async () => {
  await echo.close();
});

const ROUNDS = 6;

describe(`redaction with random secrets (seed ${SEED})`, () => {
  const encodings = ['encode', 'encode-with-colon', 'already-encoded'] as const;

  it.each(Object.keys(DT_ECHOES))('DecisionTelecom: %s', async (name) => {
    echo.echo = DT_ECHOES[name]!;
    for (let round = 0; round < ROUNDS; round++) {
      const encoding = encodings[round % encodings.length]!;
      const apiKey =
        encoding === 'already-encoded'
          ? Buffer.from(secret(24, ANY)).toString('base64')
          : secret(12 + Math.floor(random() * 40), ANY);
      const webhookSecret = secret(16 + Math.floor(random() * 32), ANY);
      const secrets = [apiKey, webhookSecret];
      const logger = capturingLogger();
      const config = {
        provider: 'decisiontelecom',
        apiKey,
        apiKeyEncoding: encoding,
        sender: 'Acme',
        baseUrl: `${echo.url}/v1/api`,
        callbackUrl: 'https://hooks.example.com/whatsapp?tenant=7',
        webhookSecret,
        tracking: false,
        timeoutMs: 2_000,
      };
      const messenger = createMessenger(config, { providers, store: memoryStore(), logger });
      try {
        const error = await messenger.send({ type: 'text', to: TO, text: 'hello' }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ParleyError);
        expectNoSecret(errorText(error), secrets, `error (${name}, ${encoding})`);
        expectNoSecret(logger.lines.join('\n'), secrets, 'logger');
        expectNoSecret(
          `${inspect(messenger, { depth: 10 })} ${JSON.stringify(messenger)} ${inspect(resolveConfig(config, providers), { depth: 10 })}`,
          secrets,
          'messenger/config',
        );
        // The provider got no secret in the body (the callback URL carries only an id and its HMAC).
        const last = echo.received.at(-1)!;
        expectNoSecret(last.body, secrets, 'request body');
        expect(JSON.parse(last.body).callback_url).toMatch(/[?&]parley_id=[^&]+&parley_sig=[\w-]{43}$/);
      } finally {
        await messenger.close();
      }
    }
  });

  it.each(Object.keys(WV_ECHOES))('Wolkvox: %s', async (name) => {
    echo.echo = WV_ECHOES[name]!;
    for (let round = 0; round < ROUNDS; round++) {
      const token = secret(12 + Math.floor(random() * 40), HEADER_SAFE);
      const logger = capturingLogger();
      const config = {
        provider: 'wolkvox',
        token,
        server: '0042',
        connectorId: '1',
        baseUrl: `${echo.url}/api/v2`,
        timeoutMs: 2_000,
      };
      const messenger = createMessenger(config, { providers, store: memoryStore(), limiter: memoryLimiter(), logger });
      try {
        const error = await messenger.send({ type: 'text', to: TO, text: 'hello' }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ParleyError);
        expectNoSecret(errorText(error), [token], `error (${name})`);
        expectNoSecret(logger.lines.join('\n'), [token], 'logger');
        expectNoSecret(
          `${inspect(messenger, { depth: 10 })} ${JSON.stringify(messenger)} ${inspect(resolveConfig(config, providers), { depth: 10 })}`,
          [token],
          'messenger/config',
        );
      } finally {
        await messenger.close();
      }
    }
  });

  it('status polls that keep failing with the key echoed: error events and warn logs carry no secret', async () => {
    const apiKey = secret(32, ANY);
    const logger = capturingLogger();
    echo.echo = (req) =>
      req.url?.endsWith('/send-whatsapp')
        ? { status: 200, body: '{"message_id": 77}' }
        : {
            status: 500,
            body: JSON.stringify({
              name: 'Internal server error',
              message: dtCredentials(req).key,
              code: 2,
              status: 500,
            }),
          };
    const messenger = createMessenger(
      {
        provider: 'decisiontelecom',
        apiKey,
        sender: 'Acme',
        baseUrl: `${echo.url}/v1/api`,
        tracking: { firstPollMs: 1, maxIntervalMs: 2 },
        retry: { maxAttempts: 1 },
      },
      { providers, store: memoryStore(), logger },
    );
    const errors: unknown[] = [];
    messenger.on('error', (e) => errors.push(e));
    try {
      await messenger.send({ type: 'text', to: TO, text: 'hello' });
      for (let i = 0; i < 100 && errors.length === 0; i++) await delay(10);
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) expectNoSecret(errorText(e), [apiKey], 'error event');
      expect(logger.lines.some((l) => l.startsWith('warn'))).toBe(true);
      expectNoSecret(logger.lines.join('\n'), [apiKey], 'logger');
    } finally {
      await messenger.close();
    }
  });

  // KNOWN BUG (reported): ParleyError truncates `body` to 2 KiB when it is made, and the messenger
  // redacts it afterwards (messenger/redact-error.ts `finalizeError`), so a secret that straddles
  // the cut is no longer a whole match and its first characters stay in `error.body`. Fix: redact
  // before truncating (e.g. have the adapters, which know their secrets, or ParleyError.with,
  // redact the full body first; or truncate in finalizeError after redacting). Flip to `it` then.
  it('a secret cut by the 2 KiB truncation of error.body leaves no part of itself', async () => {
    const apiKey = `K${secret(31, HEADER_SAFE.slice(0, 62))}`;
    const prefix = JSON.stringify({ name: 'Unauthorized', message: '' }).length - 2;
    echo.echo = () => ({
      status: 401,
      // The key starts 10 characters before the 2048th: the cut keeps "name…message" and 10 of its characters.
      body: JSON.stringify({
        name: 'Unauthorized',
        message: `${'x'.repeat(2048 - 10 - prefix)}${apiKey}`,
        code: 0,
        status: 401,
      }),
    });
    const messenger = createMessenger(
      { provider: 'decisiontelecom', apiKey, sender: 'Acme', baseUrl: `${echo.url}/v1/api`, tracking: false },
      { providers, store: memoryStore() },
    );
    try {
      const error = (await messenger.send({ type: 'text', to: TO, text: 'x' }).catch((e: unknown) => e)) as ParleyError;
      expect(error.body).toContain('[truncated]');
      expect(errorText(error)).not.toContain(apiKey.slice(0, 10));
    } finally {
      await messenger.close();
    }
  });

  // KNOWN BUG (reported): redactText (packages/core/src/secret.ts) looks for a secret as it is and
  // in base64, but a provider's JSON body carries it JSON-escaped: a key or token with `"`, `\\` or a
  // control character, and any base64 Basic token with `/` when the provider escapes slashes the
  // PHP way (`json_encode`, as DecisionTelecom's Yii stack does). `error.message` is safe (it is
  // built from the parsed fields, then redacted); `error.body` (the raw text) keeps the escaped
  // secret. Fix: in redactText, also replace each form's JSON-escaped text
  // (`JSON.stringify(form).slice(1, -1)`) and its `\/` variant. Flip `it.fails` to `it` then.
  it('a secret echoed JSON-escaped (quotes, backslashes, PHP slashes) is redacted from error.body', async () => {
    const samples = [
      { apiKey: '??>>??>>??>>??>>', escapeToken: (t: string) => t.replaceAll('/', '\\/') }, // token Pz8+Pj8/Pj4/…: PHP escapes its "/"
      { apiKey: `k"ey\\${secret(16, HEADER_SAFE.slice(0, 62))}`, escapeToken: (t: string) => t },
    ];
    for (const { apiKey, escapeToken } of samples) {
      const token = Buffer.from(apiKey).toString('base64');
      echo.echo = () => ({
        status: 401,
        body: `{"name":"Unauthorized","message":"bad key ${JSON.stringify(apiKey).slice(1, -1)} (Basic ${escapeToken(token)})","code":0,"status":401}`,
      });
      const messenger = createMessenger(
        { provider: 'decisiontelecom', apiKey, sender: 'Acme', baseUrl: `${echo.url}/v1/api`, tracking: false },
        { providers, store: memoryStore() },
      );
      try {
        const error = (await messenger
          .send({ type: 'text', to: TO, text: 'x' })
          .catch((e: unknown) => e)) as ParleyError;
        expectNoSecret(error.message, [apiKey, token], 'message'); // holds: built from the parsed fields
        const leaked = [...escapedForms(apiKey), ...escapedForms(token), escapeToken(token)].filter((f) =>
          errorText(error).includes(f),
        );
        expect(leaked).toEqual([]);
      } finally {
        await messenger.close();
      }
    }
  });
});

// ------------------------------------------------------------ the callback URL ----

describe('the callback URL sent to the provider', () => {
  it('carries parley_id and an HMAC, never the webhook secret or the key, and the callback it brings is accepted', async () => {
    const sim = await startSimulator({ decisionTelecom: { progression: { stepMs: 0 } } });
    const apiKey = secret(24, ANY);
    const webhookSecret = secret(40, ANY);
    let statuses = 0;
    const hooks = http.createServer((req, res) => messengerRef.webhook!(req, res));
    hooks.listen(0, '127.0.0.1');
    await once(hooks, 'listening');
    const hookUrl = `http://127.0.0.1:${(hooks.address() as net.AddressInfo).port}/hooks/whatsapp?tenant=7`;
    const messengerRef = createMessenger(
      {
        provider: 'decisiontelecom',
        apiKey,
        sender: 'Acme',
        baseUrl: sim.decisionTelecom.baseUrl,
        callbackUrl: hookUrl,
        webhookSecret,
        tracking: false,
      },
      { providers, store: memoryStore() },
    ) as Messenger & { webhook?: WebhookHandler };
    messengerRef.on('status', () => {
      statuses++;
    });
    try {
      const sent = await Promise.all([1, 2, 3].map(() => messengerRef.send({ type: 'text', to: TO, text: 'hello' })));
      const bodies = sim.decisionTelecom.requests.map((r) => JSON.stringify(r.body));
      expect(bodies).toHaveLength(3);
      for (const body of bodies) expectNoSecret(body, [webhookSecret, apiKey], 'send body');
      for (const r of sim.decisionTelecom.requests) {
        const url = new URL((r.body as { callback_url: string }).callback_url);
        expect([...url.searchParams.keys()].sort()).toEqual(['parley_id', 'parley_sig', 'tenant']);
        expectNoSecret(decodeURIComponent(url.href), [webhookSecret, apiKey], 'callback URL');
        expect(sent.map((s) => s.id)).toContain(url.searchParams.get('parley_id'));
      }
      await sim.decisionTelecom.flushCallbacks();
      expect(sim.decisionTelecom.callbacks.failed).toBe(0);
      expect(sim.decisionTelecom.callbacks.sent).toBeGreaterThan(0);
      expect(statuses).toBeGreaterThan(3);
    } finally {
      await messengerRef.close();
      hooks.closeAllConnections();
      hooks.close();
      await sim.close();
    }
  });
});

// -------------------------------------------------------------------- the webhook ----

describe('the webhook refuses forged, missing and tampered credentials with 401', () => {
  const webhookSecret = secret(32, ANY);
  let messenger: Messenger & { webhook?: WebhookHandler };
  let server: http.Server;
  let base: string;
  const errors: ParleyError[] = [];

  beforeAll(async () => {
    messenger = createMessenger(
      {
        provider: 'decisiontelecom',
        apiKey: 'hook-test-key-0001',
        sender: 'Acme',
        callbackUrl: 'https://hooks.example.com/whatsapp',
        webhookSecret,
        tracking: false,
      },
      { providers, store: memoryStore() },
    );
    messenger.on('error', (e) => errors.push(e));
    server = http.createServer((req, res) => messenger.webhook!(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hooks/whatsapp`;
  });

  afterAll(async () => {
    await messenger.close();
    server.closeAllConnections();
    server.close();
  });

  const signed = (id: string, secretUsed = webhookSecret) => new URL(signCallbackUrl(base, id, secretUsed));
  const sigOf = (id: string) => signed(id).searchParams.get('parley_sig')!;

  const cases: [string, () => string][] = [
    ['missing: no parley_id, no parley_sig', () => base],
    ['missing: no parley_sig', () => `${base}?parley_id=msg_1`],
    ['missing: no parley_id', () => `${base}?parley_sig=${sigOf('msg_1')}`],
    ['missing: empty values', () => `${base}?parley_id=&parley_sig=`],
    [
      'forged: a random signature',
      () => `${base}?parley_id=msg_1&parley_sig=${secret(43, 'abcdefghijklmnopqrstuvwxyz0123456789-_')}`,
    ],
    ['forged: signed with another secret', () => signed('msg_1', `${webhookSecret}x`).href],
    [
      'forged: the secret itself as the signature',
      () => `${base}?parley_id=msg_1&parley_sig=${encodeURIComponent(webhookSecret)}`,
    ],
    ['tampered: id changed', () => signed('msg_1').href.replace('parley_id=msg_1', 'parley_id=msg_2')],
    [
      'tampered: one character of the signature changed',
      () => {
        const u = signed('msg_1');
        const sig = u.searchParams.get('parley_sig')!;
        u.searchParams.set('parley_sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
        return u.href;
      },
    ],
    ['tampered: the signature of another id', () => `${base}?parley_id=msg_1&parley_sig=${sigOf('msg_2')}`],
    ['tampered: signature truncated', () => `${base}?parley_id=msg_1&parley_sig=${sigOf('msg_1').slice(0, -1)}`],
    ['tampered: a second parley_id', () => `${signed('msg_1').href}&parley_id=msg_2`],
    ['tampered: a second parley_sig', () => `${signed('msg_1').href}&parley_sig=${sigOf('msg_2')}`],
  ];

  async function post(url: string, form: 'node' | 'fetch'): Promise<number> {
    const body = JSON.stringify({ message_id: 5, status: 1 });
    if (form === 'fetch') {
      const response = await messenger.webhook!(
        new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
      );
      return response.status;
    }
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.arrayBuffer();
    return response.status;
  }

  it('a genuine call (control) is answered 200 in both forms', async () => {
    expect(await post(signed('msg_ok').href, 'node')).toBe(200);
    expect(await post(signed('msg_ok').href, 'fetch')).toBe(200);
  });

  it.each(cases)('%s → 401 (Node and Fetch forms), reported without the secret', async (_name, make) => {
    const before = errors.length;
    const url = make();
    expect(await post(url, 'node')).toBe(401);
    expect(await post(url, 'fetch')).toBe(401);
    const reported = errors.slice(before);
    expect(reported.map((e) => [e.code, e.httpStatus])).toEqual([
      ['AUTH', 401],
      ['AUTH', 401],
    ]);
    for (const e of reported) expectNoSecret(errorText(e), [webhookSecret], 'webhook error');
  });
});

describe('the webhook bounds the body it reads', () => {
  const SECRET = 'bounds-test-secret-0123456789';
  const KiB = 1024;
  const { config } = resolveConfig(
    {
      provider: 'decisiontelecom',
      apiKey: 'k-0001',
      sender: 'A',
      callbackUrl: 'https://h.example.com/',
      webhookSecret: SECRET,
    },
    providers,
  );
  const driver = decisionTelecom.create(config as never, { logger: silentLogger, hashKey });
  const handler = (bodyTimeoutMs?: number) =>
    createWebhookHandler({
      secret: SECRET,
      provider: 'decisiontelecom',
      parse: (fields) => driver.parseCallback!(fields),
      onStatus: () => {},
      ...(bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs }),
    });
  const path = () => {
    const u = new URL(signCallbackUrl('http://x/hooks', `msg_${Math.random()}`, SECRET));
    return u.pathname + u.search;
  };

  /** A server that mounts `webhook` and counts the body bytes it took off each request. */
  async function serve(webhook: WebhookHandler) {
    const read: number[] = [];
    const server = http.createServer((req, res) => {
      let n = 0;
      webhook(req, res);
      req.on('data', (chunk: Buffer) => {
        n += chunk.length;
      });
      res.once('finish', () => read.push(n));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    return {
      port,
      read,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }

  it('Node form: a chunked 8 MiB body is answered 413 after at most 64 KiB + one chunk was read', async () => {
    const s = await serve(messengerless());
    try {
      const socket = net.connect(s.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        `POST ${path()} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`,
      );
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        answer += d;
      });
      socket.on('error', () => {});
      const chunk = Buffer.alloc(16 * KiB, 'a');
      let written = 0;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      while (written < 8 * 1024 * KiB && !socket.destroyed && answer === '') {
        const ok = socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n');
        written += chunk.length;
        if (!ok) {
          await Promise.race([
            new Promise<void>((resolve) => socket.once('drain', () => resolve())),
            closed,
            delay(200),
          ]);
        }
      }
      await Promise.race([closed, delay(2_000)]);
      socket.destroy();
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(s.read).toHaveLength(1);
      expect(s.read[0]).toBeLessThanOrEqual(64 * KiB + 64 * KiB);
      expect(written).toBeLessThan(8 * 1024 * KiB);
    } finally {
      s.close();
    }
  });

  it('Node form: a declared Content-Length over 64 KiB is answered 413 before reading any of it', async () => {
    const s = await serve(messengerless());
    try {
      const socket = net.connect(s.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.on('error', () => {});
      socket.write(
        `POST ${path()} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10485760\r\n\r\n`,
      );
      socket.write(Buffer.alloc(1024, 'a'));
      const [data] = (await once(socket, 'data')) as [Buffer];
      expect(data.toString()).toMatch(/^HTTP\/1\.1 413 /);
      socket.destroy();
      expect(s.read[0] ?? 0).toBeLessThanOrEqual(1024);
    } finally {
      s.close();
    }
  });

  it('Fetch form: a streamed 8 MiB body is answered 413 after at most 64 KiB + one chunk was pulled', async () => {
    let pulled = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 16 * KiB;
        if (pulled > 8 * 1024 * KiB) controller.close();
        else controller.enqueue(new Uint8Array(16 * KiB));
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = await handler()(
      new Request(`http://x${path()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(64 * KiB + 2 * 16 * KiB);
    expect(cancelled).toBe(true);
  });

  it('Node form: a slow body is answered 408 within the configured timeout', async () => {
    const s = await serve(handler(300));
    try {
      const socket = net.connect(s.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.on('error', () => {});
      const started = Date.now();
      socket.write(
        `POST ${path()} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"status":`,
      );
      const [data] = (await once(socket, 'data')) as [Buffer];
      const elapsed = Date.now() - started;
      socket.destroy();
      expect(data.toString()).toMatch(/^HTTP\/1\.1 408 /);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(300 + 700);
    } finally {
      s.close();
    }
  });

  it('Fetch form: a body that never ends is answered 408 within the configured timeout', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"status":'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const started = Date.now();
    const response = await handler(300)(
      new Request(`http://x${path()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    const elapsed = Date.now() - started;
    expect(response.status).toBe(408);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 700);
    expect(cancelled).toBe(true);
  });

  /** The default handler, as `messenger.webhook` makes it (64 KiB, 10 s). */
  function messengerless(): WebhookHandler {
    return handler();
  }
});
