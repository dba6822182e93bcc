import { randomBytes } from 'node:crypto';
import {
  createMessenger,
  type Messenger,
  memoryLimiter,
  memoryStore,
  type OutboundMessage,
  ParleyError,
  type Transport,
} from '@parley/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wolkvox } from './provider.js';
import { type Canned, type MockPath, mockAgentPath, nockPath } from './test-support/mock-paths.js';

const TEXT_API = 'send_message_official';
const TEMPLATE_API = 'send_template_official';
const SENT = { status: 200, body: { code: 201, error: null, msg: 'Message has been sent successfully' } };
const TO = '+57 300 123 4567';
const TELEPHONE = '573001234567';

interface RequestCase {
  readonly name: string;
  readonly message: OutboundMessage;
  readonly api: string;
  readonly body: Record<string, string>;
  readonly connectorId?: string | number;
}

const requestCases: RequestCase[] = [
  {
    name: 'template currency and date_time parameters go as their fallback_value',
    message: {
      type: 'template',
      to: TO,
      name: 'recibo',
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'currency', currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 } },
            { type: 'date_time', date_time: { fallback_value: '25/02/1977' } },
          ],
        },
      ],
    },
    api: TEMPLATE_API,
    body: { connector_id: '1', telephone: TELEPHONE, template_name: 'recibo', template_vars: '$100.99;25/02/1977' },
  },
  {
    name: 'text: connector_id, telephone digits and message',
    message: { type: 'text', to: TO, text: 'Hola, ¿cómo estás? 👋' },
    api: TEXT_API,
    body: { connector_id: '1', telephone: TELEPHONE, message: 'Hola, ¿cómo estás? 👋' },
  },
  {
    name: 'text with a numeric connectorId, sent as a string',
    message: { type: 'text', to: '573001234567', text: 'x' },
    connectorId: 77,
    api: TEXT_API,
    body: { connector_id: '77', telephone: TELEPHONE, message: 'x' },
  },
  {
    name: 'template with variables joined by ;',
    message: { type: 'template', to: TO, name: 'promo_junio', language: 'es', variables: ['Ana', '20%', '30/06'] },
    api: TEMPLATE_API,
    body: { connector_id: '1', telephone: TELEPHONE, template_name: 'promo_junio', template_vars: 'Ana;20%;30/06' },
  },
  {
    name: 'template variables taken from the body component, in order',
    message: {
      type: 'template',
      to: TO,
      name: 'cita',
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Luis' },
            { type: 'text', text: '10:30' },
          ],
        },
      ],
    },
    api: TEMPLATE_API,
    body: { connector_id: '1', telephone: TELEPHONE, template_name: 'cita', template_vars: 'Luis;10:30' },
  },
  {
    name: 'template with an image header: url_attach',
    message: {
      type: 'template',
      to: TO,
      name: 'catalogo',
      components: [
        { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/catalogo.png' } }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
      ],
    },
    api: TEMPLATE_API,
    body: {
      connector_id: '1',
      telephone: TELEPHONE,
      template_name: 'catalogo',
      template_vars: 'Ana',
      url_attach: 'https://cdn.example.com/catalogo.png',
    },
  },
  {
    name: 'template without variables: empty template_vars',
    message: { type: 'template', to: TO, name: 'hello' },
    api: TEMPLATE_API,
    body: { connector_id: '1', telephone: TELEPHONE, template_name: 'hello', template_vars: '' },
  },
];

interface RefusedCase {
  readonly name: string;
  readonly message: OutboundMessage;
  readonly code: string;
  readonly paths?: string[];
}

const refusedCases: RefusedCase[] = [
  {
    name: 'a variable holding ; (VALIDATION, variables.N)',
    message: { type: 'template', to: TO, name: 'promo', variables: ['ok', 'a;b'] },
    code: 'VALIDATION',
    paths: ['variables.1'],
  },
  {
    name: 'a body parameter holding ; (VALIDATION, its path)',
    message: {
      type: 'template',
      to: TO,
      name: 'promo',
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'x;y' }] }],
    },
    code: 'VALIDATION',
    paths: ['components.0.parameters.0.text'],
  },
  {
    name: 'parameters Wolkvox has no field for (VALIDATION)',
    message: {
      type: 'template',
      to: TO,
      name: 'promo',
      components: [
        { type: 'header', parameters: [{ type: 'text', text: 'title' }] },
        { type: 'button', sub_type: 'url', index: 0, parameters: [{ type: 'text', text: 'x' }] },
      ],
    },
    code: 'VALIDATION',
    paths: ['components.0.parameters.0', 'components.1.parameters.0'],
  },
  {
    name: 'a free-form image (UNSUPPORTED)',
    message: { type: 'image', to: TO, url: 'https://cdn.example.com/a.png' },
    code: 'UNSUPPORTED',
  },
];

interface ResponseCase {
  readonly name: string;
  readonly answer: Canned;
  /** Absent: the send succeeds. */
  readonly error?: {
    code: string;
    retryable: boolean;
    delivery: 'not_sent' | 'unknown';
    providerCode?: string | number;
  };
}

const forbidden = (msg: string) => ({ status: 403, body: { code: 403, error: 'FORBIDDEN', msg } });

const responseCases: ResponseCase[] = [
  { name: 'success: HTTP 200, code 201', answer: SENT },
  { name: 'success: HTTP 201, code 201', answer: { status: 201, body: SENT.body } },
  { name: 'success: code as the string "201"', answer: { status: 200, body: { ...SENT.body, code: '201' } } },
  { name: 'success: a 2xx without a body code', answer: { status: 200, body: { msg: 'ok' } } },
  {
    name: '400 THE API YOU WANT TO CONSULT DOES NOT EXIST',
    answer: {
      status: 400,
      body: { code: 400, error: 'BAD REQUEST', msg: 'THE API YOU WANT TO CONSULT DOES NOT EXIST' },
    },
    error: { code: 'PROVIDER_REJECTED', retryable: false, delivery: 'not_sent', providerCode: 400 },
  },
  {
    name: '400 SOME PARAMETERS ARE REQUIRED',
    answer: { status: 400, body: { code: 400, error: 'BAD REQUEST', msg: 'SOME PARAMETERS ARE REQUIRED' } },
    error: { code: 'PROVIDER_REJECTED', retryable: false, delivery: 'not_sent', providerCode: 400 },
  },
  {
    name: '401 PLEASE ENTER THE WOLKVOX-TOKEN',
    answer: { status: 401, body: { code: 401, error: 'UNAUTHORIZED', msg: 'PLEASE ENTER THE WOLKVOX-TOKEN' } },
    error: { code: 'AUTH', retryable: false, delivery: 'not_sent', providerCode: 401 },
  },
  {
    name: '403 PLEASE VALIDATE TOKEN',
    answer: forbidden('PLEASE VALIDATE TOKEN'),
    error: { code: 'AUTH', retryable: false, delivery: 'not_sent', providerCode: 403 },
  },
  {
    name: '403 TOKEN LIMIT EXCEEDED',
    answer: forbidden('TOKEN LIMIT EXCEEDED'),
    error: { code: 'QUOTA_EXCEEDED', retryable: false, delivery: 'not_sent', providerCode: 403 },
  },
  {
    name: '403 EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)',
    answer: forbidden('EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)'),
    error: { code: 'CONCURRENCY_LIMIT', retryable: true, delivery: 'not_sent', providerCode: 403 },
  },
  {
    name: '403 server maintenance',
    answer: forbidden('The server is under maintenance'),
    error: { code: 'PROVIDER_ERROR', retryable: true, delivery: 'not_sent', providerCode: 403 },
  },
  {
    name: '403 mantenimiento (Spanish)',
    answer: forbidden('SERVIDOR EN MANTENIMIENTO'),
    error: { code: 'PROVIDER_ERROR', retryable: true, delivery: 'not_sent', providerCode: 403 },
  },
  {
    name: '403 backup',
    answer: forbidden('BACKUP IN PROGRESS, TRY LATER'),
    error: { code: 'PROVIDER_ERROR', retryable: true, delivery: 'not_sent', providerCode: 403 },
  },
  {
    name: 'the 24-hour window (English)',
    answer: { status: 400, body: { code: 400, error: 'BAD REQUEST', msg: 'Outside the 24 hour window' } },
    error: { code: 'SESSION_WINDOW_CLOSED', retryable: false, delivery: 'not_sent', providerCode: 400 },
  },
  {
    name: 'the 24-hour window (Spanish, send a plantilla)',
    answer: { status: 400, body: { code: 400, error: 'BAD REQUEST', msg: 'Debe enviar una plantilla primero' } },
    error: { code: 'SESSION_WINDOW_CLOSED', retryable: false, delivery: 'not_sent', providerCode: 400 },
  },
  {
    name: 'an error under HTTP 200 with code 403 in the body',
    answer: { status: 200, body: { code: 403, error: 'FORBIDDEN', msg: 'TOKEN LIMIT EXCEEDED' } },
    error: { code: 'QUOTA_EXCEEDED', retryable: false, delivery: 'not_sent', providerCode: 403 },
  },
  {
    name: 'an error code as a string under HTTP 200',
    answer: { status: 200, body: { code: '403', error: 'FORBIDDEN', msg: 'PLEASE VALIDATE TOKEN' } },
    error: { code: 'AUTH', retryable: false, delivery: 'not_sent', providerCode: '403' },
  },
  {
    name: 'a 2xx code beside a non-null error',
    answer: { status: 200, body: { code: 200, error: 'SOMETHING', msg: 'odd' } },
    error: { code: 'PROVIDER_ERROR', retryable: false, delivery: 'unknown', providerCode: 200 },
  },
  {
    name: 'an undocumented 4xx: core reads it as a refusal before any work',
    answer: { status: 409, body: { code: 409, error: 'CONFLICT', msg: 'SOMETHING NEW' } },
    error: { code: 'PROVIDER_REJECTED', retryable: false, delivery: 'not_sent', providerCode: 409 },
  },
  {
    name: 'a non-JSON 2xx: PROTOCOL',
    answer: { status: 200, body: '<html>ok</html>' },
    error: { code: 'PROTOCOL', retryable: false, delivery: 'unknown' },
  },
  {
    name: 'a 2xx whose code is not a number: PROTOCOL',
    answer: { status: 200, body: { code: 'OK', error: null } },
    error: { code: 'PROTOCOL', retryable: false, delivery: 'unknown' },
  },
  { name: 'success: "error": false beside a 2xx code', answer: { status: 200, body: { ...SENT.body, error: false } } },
  { name: 'success: "error": "" beside a 2xx code', answer: { status: 200, body: { ...SENT.body, error: '' } } },
  {
    name: 'success: a PHP notice printed before an intact JSON object',
    answer: {
      status: 200,
      body: `<br />\n<b>Notice</b>:  Undefined index: customer_id in <b>/var/www/api/whatsapp.php</b> on line <b>88</b><br />\n${JSON.stringify(SENT.body)}`,
    },
  },
  {
    name: 'a PHP warning before a cut JSON object: PROTOCOL',
    answer: { status: 200, body: 'Warning: x in /a.php on line 1\n{"code":201,"error":null' },
    error: { code: 'PROTOCOL', retryable: false, delivery: 'unknown' },
  },
  {
    name: 'a 403 HTML page (no row matches): not sent, retryable',
    answer: { status: 403, body: '<html><body><h1>403 Forbidden</h1></body></html>' },
    error: { code: 'PROVIDER_ERROR', retryable: true, delivery: 'not_sent' },
  },
  {
    name: 'a 403 with an empty msg: not sent, retryable',
    answer: { status: 403, body: { code: 403, error: 'FORBIDDEN', msg: '' } },
    error: { code: 'PROVIDER_ERROR', retryable: true, delivery: 'not_sent', providerCode: 403 },
  },
  {
    name: 'a 429: RATE_LIMITED, not sent, retryable',
    answer: { status: 429, body: { code: 429, error: 'TOO MANY REQUESTS', msg: 'slow down' } },
    error: { code: 'RATE_LIMITED', retryable: true, delivery: 'not_sent', providerCode: 429 },
  },
  {
    name: 'an undocumented 404: not sent (core default, as DecisionTelecom)',
    answer: { status: 404, body: 'Not Found' },
    error: { code: 'PROVIDER_REJECTED', retryable: false, delivery: 'not_sent' },
  },
  ...['FUERA DE LA VENTANA DE 24HORAS', 'han pasado más de 24 horas', 'last reply over 24h ago', 'ventana cerrada'].map(
    (msg) => ({
      name: `the window wording "${msg}" on free-form text`,
      answer: { status: 400, body: { code: 400, error: 'BAD REQUEST', msg } },
      error: { code: 'SESSION_WINDOW_CLOSED', retryable: false, delivery: 'not_sent', providerCode: 400 } as const,
    }),
  ),
  {
    name: 'a non-JSON 5xx: PROVIDER_ERROR, delivery unknown',
    answer: { status: 502, body: '<html>Bad Gateway</html>' },
    error: { code: 'PROVIDER_ERROR', retryable: true, delivery: 'unknown' },
  },
];

/** A transport that counts the requests it passes on. */
function counting(inner: Transport): Transport & { count: () => number } {
  let n = 0;
  return {
    request: (request) => {
      n++;
      return inner.request(request);
    },
    close: () => inner.close(),
    count: () => n,
  };
}

async function failure(promise: Promise<unknown>): Promise<ParleyError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    return error as ParleyError;
  }
  throw new Error('expected the send to fail');
}

describe.each([nockPath(), mockAgentPath()])('$name', (path: MockPath) => {
  const token = `tok-${randomBytes(12).toString('hex')}`;
  let transport: ReturnType<typeof counting>;
  let messenger: Messenger | undefined;

  const open = (overrides: Record<string, unknown> = {}) => {
    transport = counting(path.transport());
    messenger = createMessenger(
      { provider: 'wolkvox', token, server: '0042', connectorId: '1', retry: { maxAttempts: 1 }, ...overrides },
      { providers: [wolkvox], transport, store: memoryStore(), limiter: memoryLimiter() },
    );
    return messenger;
  };

  beforeEach(() => path.start());
  afterEach(async () => {
    await messenger?.close();
    messenger = undefined;
    await path.stop();
  });
  afterAll(() => path.stop());

  describe('requests', () => {
    it.each(requestCases)('$name', async (c) => {
      path.expect(c.api, SENT);
      const m = open(c.connectorId === undefined ? {} : { connectorId: c.connectorId });
      const result = await m.send(c.message);
      expect(result).toMatchObject({ provider: 'wolkvox', status: 'accepted' });
      expect(result.providerMessageId).toBeUndefined();
      expect(path.pending()).toBe(false);
      expect(path.captured).toHaveLength(1);
      const seen = path.captured[0]!;
      expect(seen.api).toBe(c.api);
      expect(seen.headers['wolkvox-token']).toBe(token);
      expect(seen.headers['content-type']).toBe('application/json');
      expect(seen.headers.authorization).toBeUndefined();
      const body = JSON.parse(seen.rawBody) as Record<string, unknown>;
      expect(body).toEqual(c.body);
      for (const value of Object.values(body)) expect(typeof value).toBe('string');
    });

    it.each(refusedCases)('refuses $name before any request', async (c) => {
      const error = await failure(open().send(c.message));
      expect(error).toMatchObject({ code: c.code, delivery: 'not_sent', provider: 'wolkvox' });
      if (c.paths) expect(error.issues?.map((i) => i.path)).toEqual(c.paths);
      expect(transport.count()).toBe(0);
    });
  });

  describe('responses', () => {
    it.each(responseCases)('$name', async (c) => {
      path.expect(TEXT_API, c.answer);
      const send = open().send({ type: 'text', to: TO, text: 'hola' });
      if (!c.error) {
        await expect(send).resolves.toMatchObject({ provider: 'wolkvox', status: 'accepted' });
      } else {
        const error = await failure(send);
        expect(error).toMatchObject({
          provider: 'wolkvox',
          code: c.error.code,
          retryable: c.error.retryable,
          delivery: c.error.delivery,
          httpStatus: c.answer.status,
        });
        expect(error.providerCode).toBe(c.error.providerCode);
        const raw = typeof c.answer.body === 'string' ? c.answer.body : JSON.stringify(c.answer.body);
        expect(error.body).toBe(raw);
        expect(error.message).not.toContain(token);
      }
      expect(transport.count()).toBe(1);
      expect(path.pending()).toBe(false);
    });
  });

  describe('template errors', () => {
    const templateErrors = [
      { status: 400, error: 'BAD REQUEST', msg: 'TEMPLATE NOT APPROVED' },
      { status: 404, error: 'NOT FOUND', msg: 'TEMPLATE NAME INVALID' },
      { status: 400, error: 'BAD REQUEST', msg: 'Outside the 24 hour window, template required' },
    ];
    it.each(templateErrors)("$status $msg on a template is PROVIDER_REJECTED in the provider's words", async (c) => {
      path.expect(TEMPLATE_API, { status: c.status, body: { code: c.status, error: c.error, msg: c.msg } });
      const error = await failure(open().send({ type: 'template', to: TO, name: 'promo', variables: ['Ana'] }));
      expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', delivery: 'not_sent', retryable: false });
      expect(error.message).toContain(c.msg);
    });
  });

  describe('window fallback', () => {
    it('sends the fallback template when free-form text meets a closed window', async () => {
      path.expect(TEXT_API, {
        status: 400,
        body: { code: 400, error: 'BAD REQUEST', msg: 'FUERA DE VENTANA 24HORAS' },
      });
      path.expect(TEMPLATE_API, SENT);
      const result = await open().send(
        { type: 'text', to: TO, text: 'hola' },
        { fallback: { type: 'template', to: TELEPHONE, name: 'retomar', variables: ['Ana'] } },
      );
      expect(result.usedFallback).toBe(true);
      expect(path.captured.map((c) => c.api)).toEqual([TEXT_API, TEMPLATE_API]);
      expect(path.pending()).toBe(false);
    });

    it('does not send the fallback after another error', async () => {
      path.expect(TEXT_API, forbidden('PLEASE VALIDATE TOKEN'));
      const error = await failure(
        open().send(
          { type: 'text', to: TO, text: 'hola' },
          { fallback: { type: 'template', to: TELEPHONE, name: 'retomar' } },
        ),
      );
      expect(error.code).toBe('AUTH');
      expect(transport.count()).toBe(1);
    });
  });

  describe('Retry-After', () => {
    it('is kept on a 429 and on an unmatched 403', async () => {
      path.expect(TEXT_API, { status: 429, body: { code: 429, msg: 'x' }, headers: { 'retry-after': '7' } });
      const limited = await failure(open().send({ type: 'text', to: TO, text: 'hola' }));
      expect(limited.retryAfterMs).toBe(7000);
      await messenger?.close();
      path.expect(TEXT_API, { status: 403, body: '<html>nope</html>', headers: { 'retry-after': '2' } });
      const refused = await failure(open().send({ type: 'text', to: TO, text: 'hola' }));
      expect(refused.retryAfterMs).toBe(2000);
    });
  });

  describe('retries (3 attempts)', () => {
    const retried = [
      {
        name: 'resends after the concurrency 403, then succeeds',
        first: 'EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)',
      },
      { name: 'resends after a maintenance 403, then succeeds', first: 'SERVER UNDER MAINTENANCE' },
      { name: 'resends after a 403 with an empty msg, then succeeds', first: '' },
    ];
    const refusals: { name: string; answer: Canned }[] = [
      { name: 'a 403 HTML page', answer: { status: 403, body: '<html><h1>Forbidden</h1></html>' } },
      { name: 'a 429 with Retry-After: 0', answer: { status: 429, body: '', headers: { 'retry-after': '0' } } },
    ];
    it.each(refusals)('resends after $name, then succeeds', async ({ answer }) => {
      path.expect(TEXT_API, answer);
      path.expect(TEXT_API, SENT);
      const result = await open({ retry: { maxAttempts: 3 } }).send({ type: 'text', to: TO, text: 'hola' });
      expect(result.status).toBe('accepted');
      expect(transport.count()).toBe(2);
      expect(path.pending()).toBe(false);
    });

    it.each(retried)('$name', async ({ first }) => {
      path.expect(TEXT_API, forbidden(first));
      path.expect(TEXT_API, SENT);
      const result = await open({ retry: { maxAttempts: 3 } }).send({ type: 'text', to: TO, text: 'hola' });
      expect(result.status).toBe('accepted');
      expect(transport.count()).toBe(2);
      expect(path.captured).toHaveLength(2);
      expect(path.captured[1]?.rawBody).toBe(path.captured[0]?.rawBody);
      expect(path.pending()).toBe(false);
    });

    const notResent: { name: string; answer: Canned; code: string }[] = [
      {
        name: 'an undocumented error',
        answer: { status: 409, body: { code: 409, error: 'X', msg: 'NEW' } },
        code: 'PROVIDER_REJECTED',
      },
      { name: 'a non-JSON 5xx (delivery unknown)', answer: { status: 503, body: 'down' }, code: 'PROVIDER_ERROR' },
      { name: 'TOKEN LIMIT EXCEEDED', answer: forbidden('TOKEN LIMIT EXCEEDED'), code: 'QUOTA_EXCEEDED' },
    ];
    it.each(notResent)('never resends $name', async ({ answer, code }) => {
      path.expect(TEXT_API, answer);
      path.expect(TEXT_API, SENT);
      const error = await failure(open({ retry: { maxAttempts: 3 } }).send({ type: 'text', to: TO, text: 'hola' }));
      expect(error.code).toBe(code);
      expect(transport.count()).toBe(1);
      expect(path.pending()).toBe(true);
    });
  });
});
