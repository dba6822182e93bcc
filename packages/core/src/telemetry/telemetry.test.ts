import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiagLogLevel, diag, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import { memoryLimiter } from '../limiter/memory.js';
import { createMessenger } from '../messenger/create.js';
import type { Messenger } from '../messenger/types.js';
import type { Capabilities } from '../provider.js';
import type { StatusUpdate } from '../status.js';
import { memoryStore } from '../store/memory.js';
import { createFakeTransport, type FakeHandler, jsonResponse } from '../testing/fake-transport.js';
import { signCallbackUrl } from '../webhook/sign.js';
import {
  createOtel,
  disableContext,
  enableContext,
  type Otel,
  points,
  recordChannels,
  refusingProvider,
  spanNamed,
  spanTree,
} from './test-support.js';

const NONE: Capabilities = {
  text: true,
  image: true,
  template: true,
  statusTracking: 'none',
  statusQuery: true,
  webhook: false,
  inbound: false,
};
const POLL: Capabilities = { ...NONE, statusTracking: 'poll' };
const HOOK: Capabilities = { ...NONE, statusTracking: 'webhook', webhook: true };
const TEXT = { type: 'text', to: '+57 300 123 4567', text: 'hola' } as const;
const HOOK_URL = 'https://app.example.com/hook';
const HOOK_SECRET = 'a-very-long-webhook-secret';

const open: Messenger[] = [];
let otel: Otel;

beforeAll(() => enableContext());
afterAll(() => disableContext());
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
  await otel?.shutdown();
  trace.disable();
  metrics.disable();
});

/** A clock for the rate control that moves only when it waits, so its waits are the same on every run. */
function steppingClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

function setup(handler: FakeHandler, capabilities = NONE, extra: Record<string, unknown> = {}, global = false) {
  otel = createOtel();
  const transport = createFakeTransport(handler);
  const messenger = createMessenger(
    { provider: 'fake', apiKey: 'telemetry-test-key', ...extra },
    {
      providers: [refusingProvider(capabilities)],
      transport,
      store: memoryStore(),
      limiter: memoryLimiter({ clock: steppingClock() }),
      ...(global ? {} : { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider }),
    },
  );
  open.push(messenger);
  return { messenger, transport };
}

/** Answers each request with the next status in turn (then the last one). */
function answers(...statuses: number[]): FakeHandler {
  let n = 0;
  return (request) => {
    const status = statuses[Math.min(n++, statuses.length - 1)] as number;
    if (request.url.endsWith('/status')) return jsonResponse(200, { status: 'delivered' });
    return status === 200 ? jsonResponse(200, { id: 42 }) : jsonResponse(status, { error: 'no' });
  };
}

function waitForStatus(messenger: Messenger, status: string): Promise<StatusUpdate> {
  return new Promise((resolve) => {
    const listener = (u: StatusUpdate) => {
      if (u.status !== status) return;
      messenger.off('status', listener);
      resolve(u);
    };
    messenger.on('status', listener);
  });
}

describe('send spans', () => {
  it('a send retried once then accepted: one PRODUCER span, two CLIENT attempts, the retry and slot waits as events', async () => {
    const { messenger } = setup(answers(429, 200));
    const result = await messenger.send(TEXT);

    const spans = otel.spans();
    expect(spanTree(spans)).toEqual([
      {
        name: 'send fake',
        kind: SpanKind.PRODUCER,
        children: [
          { name: 'POST', kind: SpanKind.CLIENT, children: [] },
          { name: 'POST', kind: SpanKind.CLIENT, children: [] },
        ],
      },
    ]);
    const send = spanNamed(spans, 'send fake');
    expect(send.attributes).toEqual({
      'messaging.system': 'fake',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.message.id': result.id,
      'parley.provider': 'fake',
      'parley.message.type': 'text',
    });
    expect(send.status.code).toBe(SpanStatusCode.UNSET);
    expect(send.instrumentationScope.name).toBe('@parley/core');
    expect(send.instrumentationScope.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(send.events.map((e) => e.name)).toEqual(['parley.limiter.wait', 'parley.retry', 'parley.limiter.wait']);
    expect(send.events[1]?.attributes).toEqual({
      'parley.retry.attempt': 1,
      'parley.retry.delay_ms': 0,
      'parley.error.code': 'RATE_LIMITED',
    });

    const [first, second] = spans.filter((s) => s.name === 'POST');
    expect(first?.attributes).toEqual({
      'http.request.method': 'POST',
      'server.address': 'fake.parley.invalid',
      'server.port': 80,
      'url.full': 'http://fake.parley.invalid/send',
      'http.response.status_code': 429,
      'error.type': '429',
    });
    expect(first?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'HTTP 429' });
    expect(second?.attributes).toMatchObject({ 'http.request.resend_count': 1, 'http.response.status_code': 200 });
    expect(second?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a refused send: status ERROR naming the ParleyError code, with the delivery', async () => {
    const { messenger } = setup(answers(400));
    await expect(messenger.send(TEXT)).rejects.toMatchObject({ code: 'PROVIDER_REJECTED' });

    const spans = otel.spans();
    expect(spanTree(spans)).toEqual([
      { name: 'send fake', kind: SpanKind.PRODUCER, children: [{ name: 'POST', kind: SpanKind.CLIENT, children: [] }] },
    ]);
    const send = spanNamed(spans, 'send fake');
    expect(send.status).toEqual({ code: SpanStatusCode.ERROR, message: 'PROVIDER_REJECTED' });
    expect(send.attributes).toMatchObject({
      'parley.error.code': 'PROVIDER_REJECTED',
      'error.type': 'PROVIDER_REJECTED',
      'parley.delivery': 'not_sent',
    });
    expect(send.attributes['messaging.message.id']).toBeUndefined();
    expect(send.events.map((e) => e.name)).toEqual(['parley.limiter.wait']);
  });

  it('an invalid message: an ERROR span with code VALIDATION and type unknown, no HTTP span', async () => {
    const { messenger } = setup(answers(200));
    await expect(messenger.send({ type: 'fax', to: '+57 300 123 4567' } as never)).rejects.toBeInstanceOf(ParleyError);
    const spans = otel.spans();
    expect(spans.map((s) => s.name)).toEqual(['send fake']);
    expect(spans[0]?.attributes).toMatchObject({ 'parley.message.type': 'unknown', 'parley.error.code': 'VALIDATION' });
  });

  it("the send span's parent is the caller's active span", async () => {
    const { messenger } = setup(answers(200));
    const tracer = otel.tracerProvider.getTracer('app');
    await tracer.startActiveSpan('handle order', async (span) => {
      await messenger.send(TEXT);
      span.end();
    });
    const spans = otel.spans();
    expect(spanTree(spans)).toEqual([
      {
        name: 'handle order',
        kind: SpanKind.INTERNAL,
        children: [
          {
            name: 'send fake',
            kind: SpanKind.PRODUCER,
            children: [{ name: 'POST', kind: SpanKind.CLIENT, children: [] }],
          },
        ],
      },
    ]);
    const app = spanNamed(spans, 'handle order');
    expect(spanNamed(spans, 'send fake').spanContext().traceId).toBe(app.spanContext().traceId);
  });

  it('uses the global tracer and meter providers, registered after the messenger was made', async () => {
    const { messenger } = setup(answers(200), NONE, {}, true);
    await messenger.send(TEXT);
    expect(otel.spans()).toEqual([]); // nothing registered yet
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    await messenger.send(TEXT);
    expect(otel.spans().map((s) => s.name)).toEqual(['POST', 'send fake']);
    const sent = points(await otel.metrics(), 'messaging.client.sent.messages');
    expect(sent.map((p) => p.value)).toEqual([1]);
  });
  it('follows the global providers when they are unregistered and others registered', async () => {
    const { messenger } = setup(answers(200), NONE, {}, true);
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    await messenger.send(TEXT);
    expect(otel.spans().map((s) => s.name)).toEqual(['POST', 'send fake']);
    trace.disable();
    metrics.disable();
    await messenger.send(TEXT);
    expect(otel.spans()).toHaveLength(2); // nothing registered: nothing new
    const second = createOtel();
    try {
      trace.setGlobalTracerProvider(second.tracerProvider);
      metrics.setGlobalMeterProvider(second.meterProvider);
      await messenger.send(TEXT);
      expect(second.spans().map((s) => s.name)).toEqual(['POST', 'send fake']);
      expect(otel.spans()).toHaveLength(2);
      const sent = points(await second.metrics(), 'messaging.client.sent.messages');
      expect(sent.map((p) => p.value)).toEqual([1]);
    } finally {
      await second.shutdown();
    }
  });

  it('a broken global registration (no getTracer, no getMeter) does not break sends', async () => {
    const key = Symbol.for('opentelemetry.js.api.1');
    const globals = (globalThis as Record<symbol, Record<string, unknown>>)[key] as Record<string, unknown>;
    const { messenger } = setup(answers(200), NONE, {}, true);
    globals.trace = {};
    globals.metrics = {};
    try {
      await expect(messenger.send(TEXT)).resolves.toMatchObject({ status: 'accepted' });
    } finally {
      delete globals.trace;
      delete globals.metrics;
    }
  });
});

describe('status spans', () => {
  it('a poll: a root CLIENT span with its HTTP attempt, the status it found and the message id', async () => {
    const warnings: string[] = [];
    const record = (message: string) => warnings.push(message);
    diag.setLogger(
      { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
    const { messenger } = setup(answers(200), POLL);
    const delivered = waitForStatus(messenger, 'delivered');
    const { id } = await messenger.send(TEXT);
    await delivered;
    await new Promise((r) => setImmediate(r));
    diag.disable();
    // The poll ran on a timer set during the send: nothing was added to that send's ended span.
    expect(warnings).toEqual([]);

    const spans = otel.spans();
    expect(spanTree(spans)).toEqual([
      { name: 'send fake', kind: SpanKind.PRODUCER, children: [{ name: 'POST', kind: SpanKind.CLIENT, children: [] }] },
      { name: 'poll fake', kind: SpanKind.CLIENT, children: [{ name: 'POST', kind: SpanKind.CLIENT, children: [] }] },
    ]);
    const poll = spanNamed(spans, 'poll fake');
    expect(poll.attributes).toEqual({
      'messaging.system': 'fake',
      'messaging.operation.name': 'poll',
      'messaging.message.id': id,
      'parley.provider': 'fake',
      'parley.status': 'delivered',
    });
    expect(poll.events.map((e) => e.name)).toEqual(['parley.limiter.wait']);
    // The status is applied once the poll span has ended: no event lands on an ended span.
    expect(spanNamed(spans, 'send fake').events.map((e) => e.name)).toEqual(['parley.limiter.wait']);
    expect(spans.filter((s) => s.name === 'POST')[1]?.attributes['url.full']).toBe('http://fake.parley.invalid/status');
  });

  it('getStatus: a CLIENT span under the caller, with the status', async () => {
    const { messenger } = setup(answers(200));
    const { id } = await messenger.send(TEXT);
    otel.exporter.reset();
    await messenger.getStatus(id);
    const spans = otel.spans();
    expect(spanTree(spans)).toEqual([
      {
        name: 'getStatus fake',
        kind: SpanKind.CLIENT,
        children: [{ name: 'POST', kind: SpanKind.CLIENT, children: [] }],
      },
    ]);
    expect(spanNamed(spans, 'getStatus fake').attributes).toMatchObject({
      'messaging.operation.name': 'getStatus',
      'messaging.message.id': id,
      'parley.status': 'delivered',
    });
  });

  it('a getStatus of an id that is not a Parley id does not put that id on the span', async () => {
    const { messenger } = setup(answers(200));
    await expect(messenger.getStatus('+573001234567')).rejects.toMatchObject({ code: 'VALIDATION' });
    const span = spanNamed(otel.spans(), 'getStatus fake');
    expect(span.attributes['messaging.message.id']).toBeUndefined();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'VALIDATION' });
  });

  it('a webhook call: a CONSUMER span with the answer, the status and the message id; a refused one names its code', async () => {
    const { messenger } = setup(answers(200), HOOK, { callbackUrl: HOOK_URL, webhookSecret: HOOK_SECRET });
    const { id } = await messenger.send(TEXT);
    otel.exporter.reset();
    const call = (url: string) =>
      messenger.webhook?.(
        new Request(url, {
          method: 'POST',
          body: '{"status":"delivered"}',
          headers: { 'content-type': 'application/json' },
        }),
      );
    expect((await call(signCallbackUrl(HOOK_URL, id, HOOK_SECRET)))?.status).toBe(200);
    expect((await call(`${HOOK_URL}?parley_id=${id}&parley_sig=forged`))?.status).toBe(401);

    const spans = otel.spans();
    expect(spanTree(spans)).toEqual([
      { name: 'webhook fake', kind: SpanKind.CONSUMER, children: [] },
      { name: 'webhook fake', kind: SpanKind.CONSUMER, children: [] },
    ]);
    const [ok, refused] = spans;
    expect(ok?.attributes).toEqual({
      'messaging.system': 'fake',
      'messaging.operation.name': 'webhook',
      'messaging.operation.type': 'process',
      'parley.provider': 'fake',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'messaging.message.id': id,
      'parley.status': 'delivered',
    });
    expect(ok?.status.code).toBe(SpanStatusCode.UNSET);
    expect(refused?.attributes).toMatchObject({ 'http.response.status_code': 401, 'parley.error.code': 'AUTH' });
    expect(refused?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'HTTP 401' });
  });
});

describe('webhook, Node form', () => {
  it('ends the span when the response closes, with its status code', async () => {
    const { messenger } = setup(answers(200), HOOK, { callbackUrl: HOOK_URL, webhookSecret: HOOK_SECRET });
    const { id } = await messenger.send(TEXT);
    otel.exporter.reset();
    const server = createServer((req, res) => messenger.webhook?.(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const signed = new URL(signCallbackUrl(HOOK_URL, id, HOOK_SECRET));
      const res = await fetch(`http://127.0.0.1:${port}/hook${signed.search}`, {
        method: 'POST',
        body: '{"status":"read"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(200);
      await res.text();
      while (otel.spans().length === 0) await new Promise((r) => setImmediate(r));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const [span] = otel.spans();
    expect(span?.name).toBe('webhook fake');
    expect(span?.attributes).toMatchObject({
      'http.response.status_code': 200,
      'messaging.message.id': id,
      'parley.status': 'read',
    });
  });
});

describe('metrics', () => {
  it('after a retried send, a refused send and a getStatus', async () => {
    const { messenger } = setup(answers(429, 200, 400));
    const { id } = await messenger.send(TEXT);
    await expect(
      messenger.send({ type: 'image', to: TEXT.to, url: 'https://cdn.example.com/a.png' }),
    ).rejects.toThrow();
    await messenger.getStatus(id);
    const collected = await otel.metrics();

    expect(points(collected, 'messaging.client.sent.messages')).toEqual([
      {
        attributes: {
          'messaging.system': 'fake',
          'parley.provider': 'fake',
          'messaging.operation.name': 'send',
          'parley.message.type': 'text',
          'parley.outcome': 'accepted',
        },
        value: 1,
      },
      {
        attributes: {
          'messaging.system': 'fake',
          'parley.provider': 'fake',
          'messaging.operation.name': 'send',
          'parley.message.type': 'image',
          'parley.outcome': 'PROVIDER_REJECTED',
          'error.type': 'PROVIDER_REJECTED',
        },
        value: 1,
      },
    ]);
    const durations = points(collected, 'messaging.client.operation.duration');
    expect(
      durations.map((p) => [p.attributes['messaging.operation.name'], p.attributes['error.type'], p.value.count]),
    ).toEqual([
      ['send', undefined, 1],
      ['send', 'PROVIDER_REJECTED', 1],
      ['getStatus', undefined, 1],
    ]);
    expect(points(collected, 'parley.retries')).toEqual([
      {
        attributes: {
          'messaging.system': 'fake',
          'parley.provider': 'fake',
          'messaging.operation.name': 'send',
          'parley.error.code': 'RATE_LIMITED',
        },
        value: 1,
      },
    ]);
    expect(points(collected, 'parley.status.changes')).toEqual([
      { attributes: { 'parley.provider': 'fake', 'parley.status': 'accepted' }, value: 1 },
      { attributes: { 'parley.provider': 'fake', 'parley.status': 'delivered' }, value: 1 },
    ]);
    // Four attempts (two for the retried send, one refused, one status query), each took a slot;
    // after the 429 the account is paced, and the last two waited for their turn too.
    expect(points(collected, 'parley.limiter.wait.duration').map((p) => p.value.count)).toEqual([6]);
    expect(points(collected, 'parley.limiter.waiting').map((p) => p.value)).toEqual([0]);
  });

  it('the limiter waiting count goes up while a call waits for a slot', async () => {
    const pending: (() => void)[] = [];
    const { messenger } = setup(async () => {
      await new Promise<void>((r) => pending.push(r));
      return jsonResponse(200, { id: 1 });
    });
    const next = async () => {
      while (pending.length === 0) await new Promise((r) => setImmediate(r));
      return pending.shift() as () => void;
    };
    const first = messenger.send(TEXT);
    const second = messenger.send(TEXT);
    const answerFirst = await next();
    await new Promise((r) => setImmediate(r));
    expect(points(await otel.metrics(), 'parley.limiter.waiting').map((p) => p.value)).toEqual([1]);
    answerFirst();
    (await next())();
    await Promise.all([first, second]);
    expect(points(await otel.metrics(), 'parley.limiter.waiting').map((p) => p.value)).toEqual([0]);
  });
});

describe('diagnostics channels', () => {
  it('parley:send publishes start, end, asyncStart, asyncEnd with the result, or error, and no message content', async () => {
    const { messenger } = setup(answers(429, 200, 400));
    const recorded = recordChannels();
    try {
      const result = await messenger.send(TEXT);
      await expect(messenger.send(TEXT)).rejects.toThrow();
      const send = recorded.messages.filter(([name]) => name.startsWith('tracing:parley:send:'));
      expect(send.map(([name]) => name.slice('tracing:parley:send:'.length))).toEqual([
        'start',
        'end',
        'asyncStart',
        'asyncEnd',
        'start',
        'end',
        'error',
        'asyncStart',
        'asyncEnd',
      ]);
      expect(send[3]?.[1]).toEqual({
        provider: 'fake',
        messageType: 'text',
        result: {
          id: result.id,
          provider: 'fake',
          providerMessageId: '42',
          status: 'accepted',
          acceptedAt: result.acceptedAt,
        },
      });
      expect(send[8]?.[1]).toEqual({
        provider: 'fake',
        messageType: 'text',
        error: {
          name: 'ParleyError',
          code: 'PROVIDER_REJECTED',
          message: 'The send failed with PROVIDER_REJECTED (HTTP 400)',
          retryable: false,
          delivery: 'not_sent',
          httpStatus: 400,
        },
      });
      expect(recorded.messages.filter(([name]) => name === 'parley:retry').map(([, m]) => m)).toEqual([
        { provider: 'fake', operation: 'send', attempt: 1, delayMs: 0, code: 'RATE_LIMITED' },
      ]);
      expect(recorded.messages.filter(([name]) => name === 'parley:status').map(([, m]) => m)).toEqual([
        { provider: 'fake', id: result.id, status: 'accepted', final: false, at: result.acceptedAt },
      ]);
    } finally {
      recorded.stop();
    }
  });

  it('telemetry: false turns off spans, metrics and channels for one messenger', async () => {
    otel = createOtel();
    const messenger = createMessenger(
      { provider: 'fake', apiKey: 'k' },
      {
        providers: [refusingProvider(NONE)],
        transport: createFakeTransport(answers(429, 200)),
        store: memoryStore(),
        limiter: memoryLimiter(),
        tracerProvider: otel.tracerProvider,
        meterProvider: otel.meterProvider,
        telemetry: false,
      },
    );
    open.push(messenger);
    const recorded = recordChannels();
    try {
      const { id } = await messenger.send(TEXT);
      await messenger.getStatus(id);
    } finally {
      recorded.stop();
    }
    expect(otel.spans()).toEqual([]);
    expect((await otel.metrics()).scopeMetrics).toEqual([]);
    expect(recorded.messages).toEqual([]);
  });

  it('publish with no OpenTelemetry provider at all', async () => {
    const transport = createFakeTransport(answers(200));
    const messenger = createMessenger(
      { provider: 'fake', apiKey: 'k' },
      { providers: [refusingProvider(NONE)], transport, store: memoryStore(), limiter: memoryLimiter() },
    );
    open.push(messenger);
    otel = createOtel();
    const recorded = recordChannels();
    try {
      await messenger.send(TEXT);
    } finally {
      recorded.stop();
    }
    expect(recorded.messages.map(([name]) => name)).toEqual([
      'tracing:parley:send:start',
      'tracing:parley:send:end',
      'parley:status',
      'tracing:parley:send:asyncStart',
      'tracing:parley:send:asyncEnd',
    ]);
  });
});
