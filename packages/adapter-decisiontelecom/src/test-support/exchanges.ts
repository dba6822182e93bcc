import type { Messenger, ParleyError, StatusUpdate, TemplateMessage, Transport } from '@parley/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ExpectedError,
  REQUEST_CASES,
  type ResponseCase,
  SEND_RESPONSE_CASES,
  STATUS_CASES,
  type StatusCase,
} from './cases.js';
import { type Harness, jsonReply, messengerOn, rejection, SEND_PATH, STATUS_PATH } from './harness.js';

const TEXT = { type: 'text', to: '+57 300 123 4567', text: 'hi' } as const;

function expectError(error: ParleyError, expected: ExpectedError, body: string): void {
  expect(error).toMatchObject({
    code: expected.code,
    retryable: expected.retryable,
    delivery: expected.delivery,
    httpStatus: expected.httpStatus,
    provider: 'decisiontelecom',
  });
  if (expected.providerCode !== undefined) expect(error.providerCode).toBe(expected.providerCode);
  expect(error.retryAfterMs).toBe(expected.retryAfterMs);
  if (expected.mentions !== undefined) expect(error.message).toContain(expected.mentions);
  if (expected.body === true) expect(error.body).toBe(body);
  else if (expected.body !== undefined) expect(error.body).toBe(expected.body);
}

/**
 * The request and response tables, run through one interception harness: every case is a full
 * `createMessenger` → transport → interceptor round trip.
 */
export function describeExchanges(harness: Harness): void {
  describe(`DecisionTelecom over ${harness.name}`, () => {
    let transport: Transport;
    const messengers: Messenger[] = [];
    const open = (overrides: Record<string, unknown> = {}): Messenger => {
      const messenger = messengerOn(transport, overrides);
      messengers.push(messenger);
      return messenger;
    };
    beforeEach(() => {
      transport = harness.start();
    });
    afterEach(async () => {
      await Promise.all(messengers.splice(0).map((m) => m.close()));
      await harness.stop();
    });

    describe('send requests', () => {
      it.each(REQUEST_CASES)('$name', async (c) => {
        harness.queue(SEND_PATH, jsonReply(200, '{"message_id":554}'));
        const result = await open(c.config).send(c.message);
        expect(result.providerMessageId).toBe('554');
        const [seen, ...more] = harness.seen();
        expect(more).toHaveLength(0);
        if (!seen) throw new Error('no request was made');
        expect(seen.path).toBe(SEND_PATH);
        expect(seen.headers['content-type']).toBe('application/json');
        expect(seen.headers.authorization).toBe(
          c.authorization ?? `Basic ${Buffer.from('test-key').toString('base64')}`,
        );
        const body = JSON.parse(seen.body) as Record<string, unknown>;
        expect(body).toEqual(c.body);
        if (c.raw !== undefined) expect(seen.body).toBe(c.raw);
        if (c.templateParams !== undefined) expect(JSON.parse(String(body.template_params))).toEqual(c.templateParams);
        c.check?.(seen, result);
      });

      it.each([
        {
          field: 'components.0.parameters.0.image.size',
          parameter: { type: 'image', image: { link: 'https://a.b/c.jpg', size: 1 } },
        },
        {
          field: 'components.0.parameters.0.currency.rate',
          parameter: { type: 'currency', currency: { fallback_value: '$1', code: 'USD', amount_1000: 1000, rate: 1 } },
        },
        {
          field: 'components.0.parameters.0.date_time.day_of_week',
          parameter: { type: 'date_time', date_time: { fallback_value: 'x', day_of_week: 1 } },
        },
      ])('still refuses an unknown template field, naming $field', async ({ field, parameter }) => {
        const message = {
          type: 'template',
          to: '+57 300 123 4567',
          name: 'x',
          components: [{ type: 'header', parameters: [parameter] }],
        };
        const error = await rejection(open().send(message as never));
        expect(error).toMatchObject({ code: 'VALIDATION', delivery: 'not_sent' });
        expect(error.message).toContain(field);
        expect(harness.seen()).toHaveLength(0);
      });

      it('refuses variables together with a body component (VALIDATION naming variables), sending nothing', async () => {
        const error = await rejection(
          open().send({
            type: 'template',
            to: '+57 300 123 4567',
            name: 'x',
            variables: ['a'],
            components: [{ type: 'body', parameters: [{ type: 'text', text: 'b' }] }],
          }),
        );
        expect(error).toMatchObject({ code: 'VALIDATION', delivery: 'not_sent' });
        expect(error.issues?.map((i) => i.path)).toEqual(['variables']);
        expect(harness.seen()).toHaveLength(0);
      });
    });

    describe('send responses', () => {
      it.each(SEND_RESPONSE_CASES)('$name', async (c: ResponseCase) => {
        harness.queue(SEND_PATH, c.reply);
        const sending = open().send(TEXT);
        if (c.result !== undefined) {
          expect((await sending).providerMessageId).toBe(c.result);
        } else {
          expectError(await rejection(sending), c.error as ExpectedError, c.reply.body);
        }
        expect(harness.seen()).toHaveLength(1);
      });
    });

    describe('status responses (getStatus by a raw provider id)', () => {
      it.each(STATUS_CASES)('$name', async (c: StatusCase) => {
        harness.queue(STATUS_PATH, c.reply);
        const querying = open().getStatus('554');
        if (c.status !== undefined) {
          const update: StatusUpdate = await querying;
          expect(update).toMatchObject({ id: '554', provider: 'decisiontelecom', status: c.status });
          expect(update.providerStatus).toBe(c.providerStatus);
          if (c.final !== undefined) expect(update.final).toBe(c.final);
        } else {
          expectError(await rejection(querying), c.error as ExpectedError, c.reply.body);
        }
        const [seen] = harness.seen();
        expect(seen?.path).toBe(STATUS_PATH);
        expect(seen?.body).toBe('{"message_id":554}');
      });
    });

    describe('window fallback', () => {
      const FALLBACK: TemplateMessage = {
        type: 'template',
        to: '+57 300 123 4567',
        name: 'reengage',
        variables: ['Ana'],
      };
      const windowClosed = jsonReply(503, {
        name: 'Service Unavailable',
        message: 'more than 24 hours since the customer last replied',
        code: 7,
        status: 503,
      });

      it('sends the fallback template, once, when the window is closed (usedFallback: true)', async () => {
        harness.queue(SEND_PATH, windowClosed, jsonReply(200, '{"message_id":560}'));
        const result = await open({ retry: { maxAttempts: 3 } }).send(TEXT, { fallback: FALLBACK });
        expect(result).toMatchObject({ providerMessageId: '560', usedFallback: true });
        const [first, second, ...more] = harness.seen();
        expect(more).toHaveLength(0);
        expect(JSON.parse(first?.body ?? '{}').message_type).toBe(1);
        expect(JSON.parse(second?.body ?? '{}')).toMatchObject({ message_type: 4, template_name: 'reengage' });
      });

      it('does not loop when the fallback meets a closed window too', async () => {
        harness.queue(SEND_PATH, windowClosed, windowClosed, jsonReply(200, '{"message_id":561}'));
        const error = await rejection(open({ retry: { maxAttempts: 3 } }).send(TEXT, { fallback: FALLBACK }));
        expect(error.code).toBe('SESSION_WINDOW_CLOSED');
        expect(harness.seen()).toHaveLength(2);
      });

      it('without a fallback, a closed window is SESSION_WINDOW_CLOSED and usedFallback is never set', async () => {
        harness.queue(SEND_PATH, jsonReply(200, '{"message_id":562}'));
        expect((await open().send(TEXT)).usedFallback).toBeUndefined();
      });
    });

    describe('ids and retries', () => {
      it('getStatus by Parley id asks for the exact provider id, even above 2^53', async () => {
        harness.queue(SEND_PATH, jsonReply(200, '{"message_id":9007199254740993}'));
        harness.queue(STATUS_PATH, jsonReply(200, '{"message_id":9007199254740993,"status":1}'));
        const messenger = open();
        const sent = await messenger.send(TEXT);
        expect(sent.providerMessageId).toBe('9007199254740993');
        const update = await messenger.getStatus(sent.id);
        expect(update).toMatchObject({ id: sent.id, status: 'delivered', providerStatus: 1, final: false });
        expect(harness.seen()[1]?.body).toBe('{"message_id":9007199254740993}');
      });

      it('getStatus of an id that is neither known nor digits is VALIDATION, with no request', async () => {
        const error = await rejection(open().getStatus('pm_unknown'));
        expect(error.code).toBe('VALIDATION');
        expect(harness.seen()).toHaveLength(0);
      });

      it('retries a 429 after Retry-After: 0 and succeeds', async () => {
        harness.queue(
          SEND_PATH,
          jsonReply(
            429,
            { name: 'Too Many Requests', message: 'Rate limit exceeded', code: 0, status: 429 },
            {
              'retry-after': '0',
            },
          ),
          jsonReply(200, '{"message_id":555}'),
        );
        const result = await open({ retry: { maxAttempts: 3 } }).send(TEXT);
        expect(result.providerMessageId).toBe('555');
        expect(harness.seen()).toHaveLength(2);
      });

      it('retries a code 0 that came under HTTP 200', async () => {
        harness.queue(
          SEND_PATH,
          jsonReply(
            200,
            { name: 'Too Many Requests', message: 'Rate limit exceeded', code: 0, status: 429 },
            {
              'retry-after': '0',
            },
          ),
          jsonReply(200, '{"message_id":556}'),
        );
        expect((await open({ retry: { maxAttempts: 3 } }).send(TEXT)).providerMessageId).toBe('556');
        expect(harness.seen()).toHaveLength(2);
      });

      it('never resends a send that got code 2 (it may have been accepted)', async () => {
        harness.queue(
          SEND_PATH,
          jsonReply(500, { name: 'Internal server error', message: 'x', code: 2, status: 500 }),
          jsonReply(200, '{"message_id":557}'),
        );
        const error = await rejection(open({ retry: { maxAttempts: 3 } }).send(TEXT));
        expect(error).toMatchObject({ code: 'PROVIDER_ERROR', delivery: 'unknown', providerCode: 2 });
        expect(harness.seen()).toHaveLength(1);
      });

      it('does retry a status query that got code 2', async () => {
        harness.queue(
          STATUS_PATH,
          jsonReply(500, { name: 'Internal server error', message: 'x', code: 2, status: 500 }),
          jsonReply(200, '{"message_id":554,"status":7}'),
        );
        const update = await open({ retry: { maxAttempts: 3 } }).getStatus('554');
        expect(update).toMatchObject({ status: 'read', final: true });
        expect(harness.seen()).toHaveLength(2);
      });
    });
  });
}
