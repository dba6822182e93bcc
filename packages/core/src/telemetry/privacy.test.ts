// No personal data and no secret in anything exported: over random messages, configs and provider
// answers (including answers that echo the request back), every span name, attribute, event,
// status, metric name, label and value, and every diagnostics-channel message is searched for
// the recipient, the texts, the image URL and its query, the template variables and the secrets.
import { metrics, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { networkError } from '../errors/factories.js';
import { memoryLimiter } from '../limiter/memory.js';
import type { OutboundMessage } from '../messages/schemas.js';
import { createMessenger } from '../messenger/create.js';
import type { Capabilities } from '../provider.js';
import { memoryStore } from '../store/memory.js';
import { createFakeTransport, jsonResponse } from '../testing/fake-transport.js';
import { signCallbackUrl } from '../webhook/sign.js';
import { createOtel, disableContext, enableContext, recordChannels, refusingProvider } from './test-support.js';

const RUNS = Number(process.env.PARLEY_TELEMETRY_RUNS ?? 150);
const CAPABILITIES: Capabilities = {
  text: true,
  image: true,
  template: true,
  statusTracking: 'webhook',
  statusQuery: true,
  webhook: true,
  inbound: false,
};
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** A distinctive random string: one that cannot turn up in an export by chance. */
const token = (min = 14, max = 40) => fc.string({ unit: fc.constantFrom(...ALNUM), minLength: min, maxLength: max });
const words = () => fc.array(token(6, 12), { minLength: 2, maxLength: 5 }).map((w) => w.join(' '));

const phone = fc.record({
  cc: fc.constantFrom('57', '1', '34', '52', '49', '44'),
  national: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 9, maxLength: 11 }),
  spaced: fc.boolean(),
});

const message = fc.oneof(
  fc.record({ type: fc.constant('text' as const), text: words() }),
  fc.record({
    type: fc.constant('image' as const),
    file: token(8, 16),
    query: token(),
    caption: fc.option(words(), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('template' as const),
    name: token(6, 12),
    variables: fc.array(token(), { minLength: 0, maxLength: 3 }),
    parameter: token(),
  }),
);

/** How the provider answers each request in turn: echoing the request back where it can. */
const answer = fc.constantFrom('ok', 'ok', 'retry', 'reject', 'garbled', 'network');

const scenario = fc.record({
  apiKey: token(16, 48),
  webhookSecret: token(24, 48),
  hookQuery: token(),
  phone,
  message,
  answers: fc.array(answer, { minLength: 1, maxLength: 4 }),
  statusOf: fc.constantFrom('sent', 'phone', 'garbage'),
  callbackField: token(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario): { message: OutboundMessage; forbidden: string[] } {
  const to = `+${s.phone.cc}${s.phone.spaced ? ' ' : ''}${s.phone.national}`;
  const forbidden = [s.apiKey, s.webhookSecret, s.hookQuery, s.phone.national, `${s.phone.cc}${s.phone.national}`, to];
  forbidden.push(s.callbackField);
  const m = s.message;
  if (m.type === 'text') {
    forbidden.push(m.text);
    return { message: { type: 'text', to, text: m.text }, forbidden };
  }
  if (m.type === 'image') {
    const url = `https://cdn.example.com/${m.file}.png?sig=${m.query}`;
    forbidden.push(url, m.query, m.file, ...(m.caption ? [m.caption] : []));
    return {
      message: { type: 'image', to, url, ...(m.caption !== undefined ? { caption: m.caption } : {}) },
      forbidden,
    };
  }
  forbidden.push(...m.variables, m.parameter);
  return {
    message: {
      type: 'template',
      to,
      name: m.name,
      variables: m.variables,
      components: [{ type: 'body', parameters: [{ type: 'text', text: m.parameter }] }],
    },
    forbidden,
  };
}

/** Every string and number exported, flattened into one searchable text. */
function exported(spans: ReturnType<ReturnType<typeof createOtel>['spans']>, metricsJson: unknown, channels: unknown) {
  const spanData = spans.map((s) => ({
    name: s.name,
    kind: s.kind,
    attributes: s.attributes,
    status: s.status,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    links: s.links,
    scope: s.instrumentationScope,
  }));
  return JSON.stringify({ spanData, metricsJson, channels });
}

beforeAll(() => enableContext());
afterAll(() => disableContext());

function steppingClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

it('exports no phone number, text, caption, variable, URL query or secret, whatever the message, config or answer', async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const otel = createOtel();
      trace.setGlobalTracerProvider(otel.tracerProvider);
      metrics.setGlobalMeterProvider(otel.meterProvider);
      const recorded = recordChannels();
      const { message, forbidden } = build(s);
      const hookUrl = `https://app.example.com/hook?token=${s.hookQuery}`;
      let n = 0;
      const transport = createFakeTransport((request) => {
        if (request.url.endsWith('/status')) return jsonResponse(200, { status: 'delivered', echo: request.body });
        const kind = s.answers[Math.min(n++, s.answers.length - 1)];
        const echo = { echo: request.body, headers: request.headers };
        if (kind === 'retry') return jsonResponse(429, echo);
        if (kind === 'reject') return jsonResponse(400, echo);
        if (kind === 'garbled') return { status: 502, headers: {}, body: `<html>${request.body}</html>` };
        if (kind === 'network') throw networkError(`reset while sending ${request.body}`, 'not_sent');
        return jsonResponse(200, { id: 42, ...echo });
      });
      const messenger = createMessenger(
        { provider: 'fake', apiKey: s.apiKey, callbackUrl: hookUrl, webhookSecret: s.webhookSecret },
        {
          providers: [refusingProvider(CAPABILITIES)],
          transport,
          store: memoryStore(),
          // Rate control on a clock that moves only when it waits: 429s pace without real time.
          limiter: memoryLimiter({ clock: steppingClock() }),
        },
      );
      messenger.on('error', () => {});
      try {
        const sent = await messenger.send(message).catch(() => undefined);
        const id = sent?.id ?? 'pm_AAAAAAAAAAAAAAAAAAAAAA';
        const statusId = s.statusOf === 'sent' ? id : s.statusOf === 'phone' ? message.to : `x${s.callbackField}`;
        await messenger.getStatus(statusId).catch(() => undefined);
        for (const url of [signCallbackUrl(hookUrl, id, s.webhookSecret), `${hookUrl}&parley_id=${id}&parley_sig=x`]) {
          await messenger.webhook?.(
            new Request(url, {
              method: 'POST',
              body: JSON.stringify({ status: 'delivered', to: message.to, note: s.callbackField }),
              headers: { 'content-type': 'application/json' },
            }),
          );
        }
      } finally {
        await messenger.close();
        recorded.stop();
      }
      const spans = otel.spans();
      const text = exported(spans, await otel.metrics(), recorded.messages);
      await otel.shutdown();
      trace.disable();
      metrics.disable();
      // The property must look at something: every scenario exports a send span and channel messages.
      expect(spans.some((span) => span.name === 'send fake')).toBe(true);
      expect(recorded.messages.length).toBeGreaterThan(0);
      for (const value of forbidden) expect(text).not.toContain(value);
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
});

it('the search would find a leak: a span attribute holding the recipient fails it', async () => {
  const otel = createOtel();
  const span = otel.tracerProvider.getTracer('leak').startSpan('leak', { attributes: { to: '573001234567' } });
  span.end();
  const text = exported(otel.spans(), await otel.metrics(), []);
  await otel.shutdown();
  expect(text).toContain('3001234567');
});
