// Property tests of DecisionTelecom's parsers of untrusted data: send and status responses and
// callback fields. Drives the driver directly, as core does.
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import {
  DELIVERY_STATUSES,
  hashKey,
  type ParleyError,
  type ProviderDriver,
  resolveConfig,
  silentLogger,
  type TransportResponse,
} from '@parley/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { httpStatus, JSON_TOKENS, jsonText, mutated, outcome, params, responseHeaders, scalar } from './arbitraries.js';

const { config } = resolveConfig(
  {
    provider: 'decisiontelecom',
    apiKey: 'prop-api-key-0001',
    sender: 'Acme',
    callbackUrl: 'https://example.com/hooks',
    webhookSecret: 'prop-webhook-secret-0001',
  },
  [decisionTelecom],
);
const driver: ProviderDriver = decisionTelecom.create(config as never, { logger: silentLogger, hashKey });
const parseSend = driver.parseSend.bind(driver);
const parseStatus = driver.parseStatus!.bind(driver);
const parseCallback = driver.parseCallback!.bind(driver);

const VALID_BODIES = [
  '{"message_id": 554}',
  '{"message_id":9007199254740993}',
  '{"message_id": "554"}',
  '{"message_id": 554, "status": 1}',
  '{"message_id":"12","status":"7"}',
  '{"name":"Too Many Requests","message":"Rate limit exceeded","code":0,"status":429}',
  '{"name":"Invalid Parameter: [destination_addr]","message":"Empty parameter or parameter validation error","code":1,"status":400}',
  '{"name":"Internal server error","message":"x","code":2,"status":500}',
  '{"name":"Topup balance is required","message":"User balance is empty","code":3,"status":402}',
  '{"name":"Service Unavailable","message":"more than 24 hours","code":7,"status":503}',
  '{"name":"Invalid MIME type file_url","message":"","code":8,"status":401}',
  '{"name":"Unauthorized","message":"Your request was made with invalid credentials.","code":0,"status":401}',
  '<html><body>502 Bad Gateway</body></html>',
];

/** The error-body shape with every field of any type (or absent). */
const errorBody = fc.record(
  {
    name: fc.oneof(fc.string(), scalar, fc.constantFrom('Invalid Parameter: [text]', 'Invalid Parameter: []', '[')),
    message: fc.oneof(fc.string(), scalar),
    code: fc.oneof(fc.integer({ min: -1, max: 12 }), scalar),
    status: fc.oneof(httpStatus, scalar),
  },
  { requiredKeys: ['name', 'code'] },
);

/** A success-like body: `message_id` and `status` of any type, plus noise. */
const successBody = fc.record(
  {
    message_id: fc.oneof(scalar, fc.bigInt({ min: 0n, max: 10n ** 35n })),
    status: scalar,
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);

/** Renders a success body, writing a bigint message_id as a raw JSON number. */
const successText = successBody.map((body) =>
  JSON.stringify(body, (_key, value) => (typeof value === 'bigint' ? `@@${value}@@` : value)).replace(
    /"@@(\d+)@@"/g,
    '$1',
  ),
);

const body = fc.oneof(
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 2, arbitrary: jsonText(fc.jsonValue()) },
  { weight: 3, arbitrary: jsonText(errorBody) },
  { weight: 3, arbitrary: successText },
  { weight: 4, arbitrary: mutated(VALID_BODIES, JSON_TOKENS) },
);

const response: fc.Arbitrary<TransportResponse> = fc.record({ status: httpStatus, headers: responseHeaders, body });

/** Whether a body is DecisionTelecom's error shape: an object with `code` and `name` (or `status`) and no `message_id`. */
function isErrorShaped(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      'code' in value &&
      ('name' in value || 'status' in value) &&
      !('message_id' in value)
    );
  } catch {
    return false;
  }
}

function checkError(error: ParleyError): void {
  expect(error.provider).toBe('decisiontelecom');
  expect(['not_sent', 'unknown']).toContain(error.delivery);
  expect(typeof error.message).toBe('string');
  expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: 'ParleyError', code: error.code });
}

describe('DecisionTelecom parsers (fast-check)', () => {
  it('parseSend: any response gives { providerMessageId: digits } on a 2xx, or a ParleyError', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(response, (res) => {
        const result = outcome(() => parseSend(res));
        seen.add(result.ok ? 'ok' : result.error.code);
        if (result.ok) {
          expect(res.status >= 200 && res.status <= 299).toBe(true);
          expect(result.value.providerMessageId).toMatch(/^\d{1,30}$/);
        } else {
          checkError(result.error);
          // A 2xx or 5xx without the documented error body proves nothing about the send: never not_sent.
          const proves = isErrorShaped(res.body);
          if (!proves && (res.status >= 500 || (res.status >= 200 && res.status <= 299))) {
            expect(result.error.delivery).toBe('unknown');
          }
        }
      }),
      params(),
    );
    // The generators reach every branch of the error table and the success path.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'AUTH',
        'INSUFFICIENT_BALANCE',
        'MEDIA_REJECTED',
        'PROTOCOL',
        'PROVIDER_ERROR',
        'PROVIDER_REJECTED',
        'RATE_LIMITED',
        'SESSION_WINDOW_CLOSED',
        'ok',
      ]),
    );
  });

  it('parseSend keeps every digit of a big message_id, however the body is laid out', () => {
    const layout = fc.record({
      id: fc.bigInt({ min: 0n, max: 10n ** 30n - 1n }),
      before: fc.constantFrom('', '"a":1,', '"nested":{"message_id":1},', '"list":[{"message_id":2}],', '"s":"}{\\"",'),
      after: fc.constantFrom('', ',"status":0', ',"z":null', ',"message":"ok"'),
      space: fc.constantFrom('', ' ', '\n', '\t  '),
      status: fc.constantFrom(200, 201, 202),
    });
    fc.assert(
      fc.property(layout, ({ id, before, after, space, status }) => {
        const text = `{${space}${before}${space}"message_id"${space}:${space}${id}${space}${after}}`;
        expect(parseSend({ status, headers: {}, body: text })).toEqual({ providerMessageId: id.toString() });
        // As a decimal string too.
        expect(parseSend({ status, headers: {}, body: `{"message_id":"${id}"}` })).toEqual({
          providerMessageId: id.toString(),
        });
      }),
      params(),
    );
  });

  it('parseStatus: any response gives a known unified status, or a ParleyError', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(response, (res) => {
        const result = outcome(() => parseStatus(res));
        seen.add(result.ok ? result.value.status : result.error.code);
        if (result.ok) {
          expect(DELIVERY_STATUSES).toContain(result.value.status);
          expect(['string', 'number']).toContain(typeof result.value.providerStatus);
        } else {
          checkError(result.error);
        }
      }),
      params(),
    );
    expect([...seen]).toEqual(expect.arrayContaining(['delivered', 'read', 'unknown', 'PROTOCOL', 'RATE_LIMITED']));
  });

  it('parseCallback: any merged fields give a status, or a ParleyError', () => {
    const key = fc.oneof(fc.constantFrom('status', 'message_id', 'parley_id', '__proto__', 'code'), fc.string());
    const value = fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 }), fc.string());
    const fields = fc.oneof(
      fc.dictionary(key, value),
      fc.record({ status: value, message_id: value }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(fields, (f) => {
        const result = outcome(() => parseCallback(f));
        if (result.ok) {
          expect(DELIVERY_STATUSES).toContain(result.value.status);
          if (result.value.providerMessageId !== undefined) expect(result.value.providerMessageId).toMatch(/^\d+$/);
        } else {
          expect(result.error.provider).toBe('decisiontelecom');
        }
      }),
      params(),
    );
  });
});
