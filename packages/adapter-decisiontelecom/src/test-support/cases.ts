import type { DeliveryStatus, OutboundMessage, SendResult } from '@parley/core';
import { expect } from 'vitest';
import { jsonReply, type Reply, type Seen } from './harness.js';

const basic = (text: string): string => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

/** 32 characters: long enough for `webhookSecret`. */
export const WEBHOOK_SECRET = 'whsec_0123456789abcdef0123456789';

/** One send request and the exact request DecisionTelecom must receive for it. */
export interface RequestCase {
  readonly name: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly message: OutboundMessage;
  /** The body, parsed; `template_params` is compared parsed against `templateParams`. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly templateParams?: unknown;
  /** The exact body text, where the case is about the text itself. */
  readonly raw?: string;
  /** Default: Basic base64 of `test-key`. */
  readonly authorization?: string;
  readonly check?: (seen: Seen, result: SendResult) => void;
}

const TO = '+57 300 123 4567';
const DIGITS = '573001234567';
const base = { source_addr: 'Acme', destination_addr: Number(DIGITS) };

export const REQUEST_CASES: readonly RequestCase[] = [
  {
    name: 'text: type 1, destination_addr a JSON number, documented field order',
    message: { type: 'text', to: TO, text: 'Hola, ¿qué tal? 👋' },
    body: { ...base, message_type: 1, text: 'Hola, ¿qué tal? 👋' },
    raw: `{"source_addr":"Acme","destination_addr":${DIGITS},"message_type":1,"text":"Hola, ¿qué tal? 👋"}`,
  },
  {
    name: 'image with caption: type 2, caption as text',
    message: { type: 'image', to: TO, url: 'https://cdn.example.com/p/photo.JPG', caption: 'Your order' },
    body: { ...base, message_type: 2, text: 'Your order', file_url: 'https://cdn.example.com/p/photo.JPG' },
  },
  {
    name: 'image without caption: no text field',
    message: { type: 'image', to: TO, url: 'https://cdn.example.com/a.png' },
    body: { ...base, message_type: 2, file_url: 'https://cdn.example.com/a.png' },
    raw: `{"source_addr":"Acme","destination_addr":${DIGITS},"message_type":2,"file_url":"https://cdn.example.com/a.png"}`,
  },
  {
    name: 'template with variables: type 4, template_params a JSON string with a body component',
    message: { type: 'template', to: TO, name: 'order_ready', variables: ['Ana', '#42'] },
    body: { ...base, message_type: 4, template_name: 'order_ready', template_params: expect.any(String) },
    templateParams: {
      to: DIGITS,
      type: 'template',
      template: {
        language: { policy: 'deterministic', code: 'en_US' },
        name: 'order_ready',
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'text', text: '#42' },
            ],
          },
        ],
      },
    },
  },
  {
    name: 'template with namespace, language (pt-BR → pt_BR) and components, passed through',
    message: {
      type: 'template',
      to: TO,
      name: 'media_2_english',
      namespace: 'xxxxx_xxxx_xxx_xxx_xxxxx',
      language: 'pt-BR',
      components: [
        { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/h.jpg' } }] },
        { type: 'body', parameters: [{ type: 'text', text: 'replacement_text' }] },
        { type: 'button', sub_type: 'url', index: 0, parameters: [{ type: 'payload', payload: 'track-42' }] },
      ],
    },
    body: { ...base, message_type: 4, template_name: 'media_2_english', template_params: expect.any(String) },
    templateParams: {
      to: DIGITS,
      type: 'template',
      template: {
        namespace: 'xxxxx_xxxx_xxx_xxx_xxxxx',
        language: { policy: 'deterministic', code: 'pt_BR' },
        name: 'media_2_english',
        components: [
          { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/h.jpg' } }] },
          { type: 'body', parameters: [{ type: 'text', text: 'replacement_text' }] },
          { type: 'button', sub_type: 'url', index: 0, parameters: [{ type: 'payload', payload: 'track-42' }] },
        ],
      },
    },
  },
  {
    name: 'template: variables go after the header; templateLanguage is the default language',
    config: { templateLanguage: 'es' },
    message: {
      type: 'template',
      to: TO,
      name: 'promo',
      variables: ['Luis'],
      components: [{ type: 'header', parameters: [{ type: 'text', text: 'Hola' }] }],
    },
    body: { ...base, message_type: 4, template_name: 'promo', template_params: expect.any(String) },
    templateParams: {
      to: DIGITS,
      type: 'template',
      template: {
        language: { policy: 'deterministic', code: 'es' },
        name: 'promo',
        components: [
          { type: 'header', parameters: [{ type: 'text', text: 'Hola' }] },
          { type: 'body', parameters: [{ type: 'text', text: 'Luis' }] },
        ],
      },
    },
  },
  {
    name: 'destinationFormat string: destination_addr a JSON string',
    config: { destinationFormat: 'string' },
    message: { type: 'text', to: TO, text: 'hi' },
    body: { ...base, destination_addr: DIGITS, message_type: 1, text: 'hi' },
    raw: `{"source_addr":"Acme","destination_addr":"${DIGITS}","message_type":1,"text":"hi"}`,
  },
  {
    name: 'callback_url: the configured URL, signed per message, never holding the secret',
    config: { callbackUrl: 'https://hooks.example.com/dt?tenant=7', webhookSecret: WEBHOOK_SECRET },
    message: { type: 'text', to: TO, text: 'hi' },
    body: {
      ...base,
      message_type: 1,
      text: 'hi',
      callback_url: expect.stringMatching(
        /^https:\/\/hooks\.example\.com\/dt\?tenant=7&parley_id=pm_[\w-]{22}&parley_sig=[\w-]{43}$/,
      ),
    },
    check: (seen, result) => {
      const url = new URL(String(JSON.parse(seen.body).callback_url));
      expect(url.searchParams.get('parley_id')).toBe(result.id);
      expect(seen.body).not.toContain(WEBHOOK_SECRET);
    },
  },
  {
    name: 'template as Meta defines it: image provider, currency, date_time, a button index as a string',
    message: {
      type: 'template',
      to: TO,
      name: 'receipt',
      components: [
        {
          type: 'header',
          parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/h.jpg', provider: { name: 'cdn' } } }],
        },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana' },
            { type: 'currency', currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 } },
            { type: 'date_time', date_time: { fallback_value: 'February 25, 1977' } },
          ],
        },
        { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'yes' }] },
      ],
    },
    body: { ...base, message_type: 4, template_name: 'receipt', template_params: expect.any(String) },
    templateParams: {
      to: DIGITS,
      type: 'template',
      template: {
        language: { policy: 'deterministic', code: 'en_US' },
        name: 'receipt',
        components: [
          {
            type: 'header',
            parameters: [
              { type: 'image', image: { link: 'https://cdn.example.com/h.jpg', provider: { name: 'cdn' } } },
            ],
          },
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'currency', currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 } },
              { type: 'date_time', date_time: { fallback_value: 'February 25, 1977' } },
            ],
          },
          { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'yes' }] },
        ],
      },
    },
  },
  {
    name: 'template with video and document headers (document filename and provider)',
    message: {
      type: 'template',
      to: TO,
      name: 'docs',
      components: [
        {
          type: 'header',
          parameters: [
            {
              type: 'document',
              document: { link: 'https://cdn.example.com/a.pdf', filename: 'a.pdf', provider: { name: 'x' } },
            },
          ],
        },
      ],
    },
    body: { ...base, message_type: 4, template_name: 'docs', template_params: expect.any(String) },
  },
  {
    name: 'a sender of 20 emoji counts 20 characters (code points)',
    config: { sender: '🚀'.repeat(20) },
    message: { type: 'text', to: TO, text: 'hi' },
    body: { ...base, source_addr: '🚀'.repeat(20), message_type: 1, text: 'hi' },
  },
  {
    name: 'apiKeyEncoding encode (default): Basic base64(key)',
    config: { apiKey: 'k3y-ABC', apiKeyEncoding: 'encode' },
    message: { type: 'text', to: TO, text: 'hi' },
    body: { ...base, message_type: 1, text: 'hi' },
    authorization: basic('k3y-ABC'),
  },
  {
    name: 'apiKeyEncoding encode-with-colon: Basic base64(key:)',
    config: { apiKey: 'k3y-ABC', apiKeyEncoding: 'encode-with-colon' },
    message: { type: 'text', to: TO, text: 'hi' },
    body: { ...base, message_type: 1, text: 'hi' },
    authorization: basic('k3y-ABC:'),
  },
  {
    name: 'apiKeyEncoding already-encoded: the key as-is',
    config: { apiKey: 'azN5LUFCQw==', apiKeyEncoding: 'already-encoded' },
    message: { type: 'text', to: TO, text: 'hi' },
    body: { ...base, message_type: 1, text: 'hi' },
    authorization: 'Basic azN5LUFCQw==',
  },
];

/** What a failed call must look like. */
export interface ExpectedError {
  readonly code: string;
  readonly retryable: boolean;
  readonly delivery: 'not_sent' | 'unknown';
  readonly httpStatus: number;
  readonly providerCode?: number;
  readonly retryAfterMs?: number;
  /** Text the message must contain. */
  readonly mentions?: string;
  /** `true`: the error keeps the raw body; a string: the body must equal it. */
  readonly body?: true | string;
}

/** One answer of the provider and what the call must give for it. */
export interface ResponseCase {
  readonly name: string;
  readonly reply: Reply;
  readonly result?: string;
  readonly error?: ExpectedError;
}

interface ErrorRow {
  readonly code: number;
  readonly http: number;
  readonly name: string;
  readonly message: string;
  readonly expect: Pick<ExpectedError, 'code' | 'retryable' | 'delivery' | 'mentions'>;
  readonly headers?: Record<string, string>;
  readonly retryAfterMs?: number;
}

const INTERNAL = 'The server encountered an unexpected condition which prevented it from fulfilling the request';
const internal = { code: 'PROVIDER_ERROR', retryable: true, delivery: 'unknown' } as const;
const media = { code: 'MEDIA_REJECTED', retryable: false, delivery: 'not_sent' } as const;

/** Every row of the docs' errors table ("status 4" read as 400; "4, // 5 and 6" as three rows). */
export const ERROR_ROWS: readonly ErrorRow[] = [
  {
    code: 0,
    http: 429,
    name: 'Too Many Requests',
    message: 'Rate limit exceeded',
    expect: { code: 'RATE_LIMITED', retryable: true, delivery: 'not_sent' },
    headers: { 'retry-after': '7' },
    retryAfterMs: 7_000,
  },
  {
    code: 1,
    http: 400,
    name: 'Invalid Parameter: [destination_addr]',
    message: 'Empty parameter or parameter validation error',
    expect: {
      code: 'PROVIDER_REJECTED',
      retryable: false,
      delivery: 'not_sent',
      mentions: 'parameter destination_addr',
    },
  },
  { code: 2, http: 500, name: 'Internal server error', message: INTERNAL, expect: internal },
  {
    code: 3,
    http: 402,
    name: 'Topup balance is required',
    message: 'User balance is empty',
    expect: { code: 'INSUFFICIENT_BALANCE', retryable: false, delivery: 'not_sent' },
  },
  { code: 4, http: 500, name: 'Internal server error', message: INTERNAL, expect: internal },
  { code: 5, http: 500, name: 'Internal server error', message: INTERNAL, expect: internal },
  { code: 6, http: 500, name: 'Internal server error', message: INTERNAL, expect: internal },
  {
    code: 7,
    http: 503,
    name: 'Service Unavailable',
    message:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number. In this case, you can only send a template message',
    expect: { code: 'SESSION_WINDOW_CLOSED', retryable: false, delivery: 'not_sent' },
  },
  { code: 8, http: 401, name: 'Invalid credintals for file_url', message: 'Invalid MIME type file_url', expect: media },
  { code: 9, http: 401, name: 'Invalid credintals for file_url', message: 'Invalid file extension', expect: media },
];

/** Each error row under its own HTTP status and under HTTP 200. */
export function errorRowCases(): ResponseCase[] {
  return ERROR_ROWS.flatMap((row) =>
    [row.http, 200].map((http) => ({
      name: `error code ${row.code} under HTTP ${http}`,
      reply: jsonReply(http, { name: row.name, message: row.message, code: row.code, status: row.http }, row.headers),
      error: {
        ...row.expect,
        httpStatus: http,
        providerCode: row.code,
        body: true as const,
        ...(row.retryAfterMs !== undefined ? { retryAfterMs: row.retryAfterMs } : {}),
      },
    })),
  );
}

const html = (status: number, body: string, headers: Record<string, string> = {}): Reply => ({
  status,
  body,
  headers: { 'content-type': 'text/html', ...headers },
});
const protocol = (httpStatus: number): ExpectedError => ({
  code: 'PROTOCOL',
  retryable: false,
  delivery: 'unknown',
  httpStatus,
  body: true,
});

/** Bodies of no documented shape, and the corner cases of the error shape. */
export const UNDOCUMENTED_CASES: readonly ResponseCase[] = [
  { name: 'HTML under 200 is PROTOCOL', reply: html(200, '<html>oops</html>'), error: protocol(200) },
  { name: 'an empty 200 is PROTOCOL', reply: html(200, ''), error: { ...protocol(200), body: '' } },
  { name: 'an array under 200 is PROTOCOL', reply: jsonReply(200, []), error: protocol(200) },
  {
    name: 'a long HTML 200 is PROTOCOL with the body truncated',
    reply: html(200, `<html>${'x'.repeat(5_000)}</html>`),
    error: { ...protocol(200), body: `<html>${'x'.repeat(2_042)}…[truncated]` },
  },
  { name: '401 with no error shape is AUTH', reply: html(401, '<html>401</html>'), error: auth(401) },
  { name: '403 with no body is AUTH', reply: html(403, ''), error: auth(403) },
  {
    name: 'code 0 under 401 (the framework default code) is AUTH, not rate limiting',
    reply: jsonReply(401, {
      name: 'Unauthorized',
      message: 'Your request was made with invalid credentials.',
      code: 0,
      status: 401,
    }),
    error: { ...auth(401), providerCode: 0 },
  },
  {
    name: 'code 0 with status 401 under HTTP 200 is AUTH',
    reply: jsonReply(200, { name: 'Unauthorized', message: 'Invalid credentials', code: 0, status: 401 }),
    error: { ...auth(200), providerCode: 0 },
  },
  {
    name: 'code 0 under 404 is PROVIDER_REJECTED',
    reply: jsonReply(404, { name: 'Not Found', message: 'Page not found.', code: 0, status: 404 }),
    error: { code: 'PROVIDER_REJECTED', retryable: false, delivery: 'not_sent', httpStatus: 404, providerCode: 0 },
  },
  {
    name: '429 with no error shape is RATE_LIMITED after Retry-After',
    reply: html(429, 'slow down', { 'retry-after': '3' }),
    error: { code: 'RATE_LIMITED', retryable: true, delivery: 'not_sent', httpStatus: 429, retryAfterMs: 3_000 },
  },
  {
    name: '502 HTML is PROVIDER_ERROR, delivery unknown',
    reply: html(502, '<html>Bad Gateway</html>'),
    error: { code: 'PROVIDER_ERROR', retryable: true, delivery: 'unknown', httpStatus: 502, body: true },
  },
  {
    name: 'another 4xx with no error shape is PROVIDER_REJECTED',
    reply: html(422, 'nope'),
    error: { code: 'PROVIDER_REJECTED', retryable: false, delivery: 'not_sent', httpStatus: 422, body: true },
  },
  { name: 'a redirect is PROTOCOL', reply: html(302, ''), error: { ...protocol(302), body: '' } },
  {
    name: 'an undocumented code is PROVIDER_ERROR, not retried, body kept',
    reply: jsonReply(200, { name: 'Strange', message: 'Something new', code: 42, status: 418 }),
    error: {
      code: 'PROVIDER_ERROR',
      retryable: false,
      delivery: 'unknown',
      httpStatus: 200,
      providerCode: 42,
      body: true,
      mentions: 'Strange',
    },
  },
  {
    name: 'an error object with code and status but no name is read by the error table',
    reply: jsonReply(402, { code: 3, status: 402 }),
    error: { code: 'INSUFFICIENT_BALANCE', retryable: false, delivery: 'not_sent', httpStatus: 402, providerCode: 3 },
  },
  {
    name: 'code and status but no name, under HTTP 200, is still an error',
    reply: jsonReply(200, { code: 7, status: 503, message: 'Service Unavailable' }),
    error: { code: 'SESSION_WINDOW_CLOSED', retryable: false, delivery: 'not_sent', httpStatus: 200, providerCode: 7 },
  },
  {
    name: 'a code sent as a string is read as a number',
    reply: jsonReply(402, { name: 'Topup balance is required', message: 'User balance is empty', code: '3' }),
    error: { code: 'INSUFFICIENT_BALANCE', retryable: false, delivery: 'not_sent', httpStatus: 402, providerCode: 3 },
  },
];

function auth(httpStatus: number): ExpectedError {
  return { code: 'AUTH', retryable: false, delivery: 'not_sent', httpStatus, body: true };
}

/** Answers of send-whatsapp. */
export const SEND_RESPONSE_CASES: readonly ResponseCase[] = [
  { name: 'success: message_id as a decimal string', reply: jsonReply(200, '{"message_id":554}'), result: '554' },
  {
    name: 'success: message_id 2^53 + 1 kept exact',
    reply: jsonReply(200, '{"message_id":9007199254740993}'),
    result: '9007199254740993',
  },
  {
    name: 'success: a 27-digit id with spaces around it kept exact',
    reply: jsonReply(201, '{ "message_id" : 123456789012345678901234567 }'),
    result: '123456789012345678901234567',
  },
  {
    name: 'success: message_id sent as a string',
    reply: jsonReply(200, '{"message_id":"9007199254740995"}'),
    result: '9007199254740995',
  },
  {
    name: 'success: the top-level message_id, not a nested one',
    reply: jsonReply(200, '{"data":{"message_id":1},"message_id":9007199254740997}'),
    result: '9007199254740997',
  },
  { name: '{} is PROTOCOL', reply: jsonReply(200, {}), error: protocol(200) },
  { name: 'a non-numeric message_id is PROTOCOL', reply: jsonReply(200, { message_id: 'abc' }), error: protocol(200) },
  { name: 'a negative message_id is PROTOCOL', reply: jsonReply(200, '{"message_id":-5}'), error: protocol(200) },
  { name: 'a fractional message_id is PROTOCOL', reply: jsonReply(200, '{"message_id":1.5}'), error: protocol(200) },
  {
    name: 'a success shape under 500 is PROVIDER_ERROR',
    reply: jsonReply(500, { message_id: 5 }),
    error: { code: 'PROVIDER_ERROR', retryable: true, delivery: 'unknown', httpStatus: 500, body: true },
  },
  ...errorRowCases(),
  ...UNDOCUMENTED_CASES,
];

/** One status code and its unified status. */
export interface StatusCase {
  readonly name: string;
  readonly reply: Reply;
  readonly status?: DeliveryStatus;
  readonly providerStatus?: string | number;
  readonly final?: boolean;
  readonly error?: ExpectedError;
}

const statusReply = (status: unknown): Reply => jsonReply(200, { message_id: 554, status });

/** Every status code of the docs, an unknown one, and malformed answers. */
export const STATUS_CASES: readonly StatusCase[] = [
  ...(
    [
      [0, 'sent', false],
      [1, 'delivered', false],
      [2, 'rejected', true],
      [3, 'failed', true],
      [4, 'failed', true],
      [5, 'deleted', true],
      [6, 'pending', false],
      [7, 'read', true],
    ] as const
  ).map(([code, status, final]) => ({
    name: `status ${code} is ${status}`,
    reply: statusReply(code),
    status,
    providerStatus: code,
    final,
  })),
  {
    name: 'status 12 is unknown, raw kept',
    reply: statusReply(12),
    status: 'unknown',
    providerStatus: 12,
    final: false,
  },
  { name: 'status "1" (a string) is delivered', reply: statusReply('1'), status: 'delivered', providerStatus: '1' },
  ...(
    [
      ['sent', 'sent'],
      ['delivered', 'delivered'],
      ['rejected', 'rejected'],
      ['error', 'failed'],
      ['FAILED', 'failed'],
      ['Deleted', 'deleted'],
      ['pending', 'pending'],
      ['seen', 'read'],
      ['READ', 'read'],
    ] as const
  ).map(([name, status]) => ({
    name: `status "${name}" (by name) is ${status}`,
    reply: statusReply(name),
    status,
    providerStatus: name,
  })),
  { name: 'a status that is neither a code nor a name is PROTOCOL', reply: statusReply('lost'), error: protocol(200) },
  {
    name: 'a status answer about another message_id is PROTOCOL',
    reply: jsonReply(200, { message_id: 555, status: 1 }),
    error: protocol(200),
  },
  { name: 'no status is PROTOCOL', reply: jsonReply(200, { message_id: 554 }), error: protocol(200) },
  { name: 'no message_id is PROTOCOL', reply: jsonReply(200, { status: 1 }), error: protocol(200) },
  ...errorRowCases(),
  ...UNDOCUMENTED_CASES,
];
