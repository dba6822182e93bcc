import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Counter, Histogram, Meter, Span, Tracer, UpDownCounter } from '@opentelemetry/api';
import { ParleyError } from '../errors/ParleyError.js';
import type { Limiter } from '../limiter/types.js';
import { redactText } from '../secret.js';
import type { StatusUpdate } from '../status.js';
import type { Transport } from '../transport/types.js';
import type { WebhookHandler } from '../webhook/types.js';
import {
  type ChannelError,
  type RetryChannelMessage,
  retryChannel,
  type SendChannelContext,
  type StatusChannelMessage,
  sendChannel,
  statusChannel,
} from './channels.js';
import { type OtelApi, otelApi, otelGlobals, packageVersion, SCOPE_NAME, SPAN_KIND, STATUS_ERROR } from './otel.js';

/** Anything with `getTracer`, such as the OpenTelemetry SDK's `BasicTracerProvider`. */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/** Anything with `getMeter`, such as the OpenTelemetry SDK's `MeterProvider`. */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): unknown;
}

/** Where a messenger's spans and metrics go; by default the global providers of `@opentelemetry/api`. */
export interface TelemetryOptions {
  /** Spans go here instead of the global tracer provider. */
  readonly tracerProvider?: TracerProviderLike;
  /** Metrics go here instead of the global meter provider. */
  readonly meterProvider?: MeterProviderLike;
  /** `false`: this messenger makes no spans, no metrics and no diagnostics-channel messages. Default `true`. */
  readonly telemetry?: boolean;
}

interface Instruments {
  readonly duration: Histogram;
  readonly sent: Counter;
  readonly statuses: Counter;
  readonly wait: Histogram;
  readonly waiting: UpDownCounter;
  readonly retries: Counter;
}

/** The messaging conventions' advice for `messaging.client.operation.duration` (seconds). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const MESSAGE_TYPES = new Set(['text', 'image', 'template']);
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const PARLEY_ID = /^pm_[A-Za-z0-9_-]{22}$/;

/** `text`, `image` or `template`; anything else (a bad message) is `unknown`, never echoed. */
function messageTypeOf(message: unknown): string {
  const type = (message as { type?: unknown } | null | undefined)?.type;
  return typeof type === 'string' && MESSAGE_TYPES.has(type) ? type : 'unknown';
}

/** A Parley message id, or undefined for anything else a caller passed (it could be anything). */
function parleyId(id: unknown): string | undefined {
  return typeof id === 'string' && PARLEY_ID.test(id) ? id : undefined;
}

function codeOf(error: unknown): string {
  return error instanceof ParleyError ? error.code : 'INTERNAL';
}

function channelError(error: unknown): ChannelError {
  if (!(error instanceof ParleyError)) {
    return { name: 'ParleyError', code: 'INTERNAL', message: 'Unexpected failure', retryable: false };
  }
  const messageId = parleyId(error.messageId);
  return {
    name: 'ParleyError',
    code: error.code,
    // Not the error's own message: a provider's words may quote the recipient or the text back.
    message: `The send failed with ${error.code}${error.httpStatus !== undefined ? ` (HTTP ${error.httpStatus})` : ''}`,
    retryable: error.retryable,
    ...(error.delivery !== undefined ? { delivery: error.delivery } : {}),
    ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
    ...(messageId !== undefined ? { messageId } : {}),
  };
}

function channelsHaveSubscribers(): boolean {
  return (
    sendChannel.start.hasSubscribers ||
    sendChannel.end.hasSubscribers ||
    sendChannel.asyncStart.hasSubscribers ||
    sendChannel.asyncEnd.hasSubscribers ||
    sendChannel.error.hasSubscribers
  );
}

/**
 * What a telemetry hook makes from a tracer or meter provider (the one given, else the global
 * one), made again only when that provider changes: while the global registration (provider,
 * API version) stays as it was, a call costs one or two property reads.
 */
class FromProvider<T> {
  #from: unknown;
  #value: T | undefined;
  #seen: unknown;
  #versionSeen: unknown;

  constructor(
    private readonly given: unknown,
    private readonly slot: 'trace' | 'metrics',
    private readonly globalProvider: (api: OtelApi) => unknown,
    private readonly make: (provider: unknown) => T | undefined,
  ) {}

  /** The value, or undefined while there is no provider to use. */
  get(): T | undefined {
    let source = this.given;
    if (source === undefined) {
      const globals = otelGlobals();
      const registered = globals?.[this.slot];
      if (registered === undefined) return undefined;
      if (registered === this.#seen && globals?.version === this.#versionSeen) return this.#value;
      this.#seen = registered;
      this.#versionSeen = globals?.version;
    } else if (source === this.#from) {
      return this.#value;
    }
    const api = otelApi();
    if (api === undefined) return undefined;
    source ??= this.globalProvider(api);
    if (source !== this.#from) {
      this.#value = this.make(source);
      this.#from = source;
    }
    return this.#value;
  }
}

/**
 * Every span, metric and diagnostics-channel message of one messenger. Each hook first checks,
 * with a property read or two, whether anyone listens (a tracer provider, a meter provider, a
 * channel subscriber) and otherwise just runs the work: without OpenTelemetry registered, the
 * API is never even loaded. Nothing exported carries a recipient, a text, a caption, a template
 * variable, a URL query or a credential: only names, codes, counts, durations and Parley ids.
 */
export class Telemetry {
  readonly #provider: string;
  readonly #secrets: readonly string[];
  readonly #tracer: FromProvider<Tracer>;
  readonly #instruments: FromProvider<Instruments>;
  /** The getStatus, poll and webhook spans, which take the status they find as attributes. */
  readonly #statusSpans = new WeakSet<Span>();
  readonly #urls = new Map<string, Attributes>();
  readonly #base: Attributes;
  readonly #sendName: string;
  /** The send span's first attributes, per message type (the SDK copies them). */
  readonly #sendAttributesOf = new Map<string, Attributes>();

  constructor(provider: string, secrets: readonly string[], options: TelemetryOptions = {}) {
    this.#provider = provider;
    this.#secrets = secrets;
    this.#tracer = new FromProvider(
      options.tracerProvider,
      'trace',
      (api) => api.trace.getTracerProvider(),
      (source) => {
        const provider = source as Partial<TracerProviderLike>;
        return typeof provider.getTracer === 'function'
          ? (provider.getTracer(SCOPE_NAME, packageVersion()) as Tracer)
          : undefined;
      },
    );
    this.#instruments = new FromProvider(
      options.meterProvider,
      'metrics',
      // The API has no proxy meter provider: a provider registered later is picked up here.
      (api) => api.metrics.getMeterProvider(),
      (source) => {
        const provider = source as Partial<MeterProviderLike>;
        return typeof provider.getMeter === 'function'
          ? createInstruments(provider.getMeter(SCOPE_NAME, packageVersion()) as Meter)
          : undefined;
      },
    );
    this.#base = { 'messaging.system': provider, 'parley.provider': provider };
    this.#sendName = `send ${provider}`;
  }

  /** The tracer, or undefined while there is no tracer provider to use. */
  #getTracer(): Tracer | undefined {
    return this.#tracer.get();
  }

  /** The instruments, or undefined while there is no meter provider to use. */
  #getInstruments(): Instruments | undefined {
    return this.#instruments.get();
  }

  #sendAttributes(type: string): Attributes {
    let attributes = this.#sendAttributesOf.get(type);
    if (attributes === undefined) {
      attributes = {
        ...this.#base,
        'messaging.operation.name': 'send',
        'messaging.operation.type': 'send',
        'parley.message.type': type,
      };
      this.#sendAttributesOf.set(type, attributes);
    }
    return attributes;
  }

  /**
   * Whether `send` would do anything but run the work: a tracer, a meter or a `parley:send`
   * subscriber is there. While not, the messenger calls its work directly (no closure per send).
   */
  observesSends(): boolean {
    return this.#getTracer() !== undefined || this.#getInstruments() !== undefined || channelsHaveSubscribers();
  }

  /** Wraps one `send`: the `send {provider}` span, the send metrics and the `parley:send` channel. */
  send<T extends { readonly id: string }>(message: unknown, run: () => Promise<T>): Promise<T> {
    const tracer = this.#getTracer();
    const instruments = this.#getInstruments();
    const diag = channelsHaveSubscribers();
    if (tracer === undefined && instruments === undefined && !diag) return run();
    const type = messageTypeOf(message);
    const started = performance.now();
    // A channel subscriber alone does not load the API.
    const api = tracer === undefined ? undefined : (otelApi() as OtelApi);
    const parent = api?.context.active();
    const span =
      api &&
      parent &&
      tracer?.startSpan(this.#sendName, { kind: SPAN_KIND.PRODUCER, attributes: this.#sendAttributes(type) }, parent);
    const finish = (result: T | undefined, error?: unknown) => {
      const code = result === undefined ? codeOf(error) : undefined;
      if (span) {
        const id = result?.id ?? parleyId((error as ParleyError | undefined)?.messageId);
        if (id !== undefined) span.setAttribute('messaging.message.id', id);
        if (code !== undefined) this.#fail(span, error, code);
        span.end();
      }
      if (instruments) {
        const outcome = code === undefined ? {} : { 'error.type': code };
        instruments.duration.record((performance.now() - started) / 1000, {
          ...this.#base,
          'messaging.operation.name': 'send',
          'messaging.operation.type': 'send',
          ...outcome,
        });
        instruments.sent.add(1, {
          ...this.#base,
          'messaging.operation.name': 'send',
          'parley.message.type': type,
          'parley.outcome': code ?? 'accepted',
          ...outcome,
        });
      }
    };
    const inner = span && api && parent ? () => api.context.with(api.trace.setSpan(parent, span), run) : run;
    if (!diag) {
      return inner().then(
        (result) => {
          finish(result);
          return result;
        },
        (error: unknown) => {
          finish(undefined, error);
          throw error;
        },
      );
    }
    const context: SendChannelContext = { provider: this.#provider, messageType: type };
    return sendChannel.start.runStores(context, () => {
      try {
        return inner().then(
          (result) => {
            finish(result);
            context.result = resultOf(result);
            sendChannel.asyncStart.publish(context);
            sendChannel.asyncEnd.publish(context);
            return result;
          },
          (error: unknown) => {
            finish(undefined, error);
            context.error = channelError(error);
            sendChannel.error.publish(context);
            sendChannel.asyncStart.publish(context);
            sendChannel.asyncEnd.publish(context);
            throw error;
          },
        );
      } finally {
        sendChannel.end.publish(context);
      }
    });
  }

  /** Wraps a `getStatus` or a tracker poll: a CLIENT span and the operation duration. */
  status<T extends { readonly status: string }>(
    operation: 'getStatus' | 'poll',
    id: unknown,
    run: () => Promise<T>,
  ): Promise<T> {
    const tracer = this.#getTracer();
    const instruments = this.#getInstruments();
    if (tracer === undefined && instruments === undefined) return run();
    const started = performance.now();
    const api = otelApi() as OtelApi;
    const messageId = parleyId(id);
    // A poll is background work on the tracker's one timer: it belongs to no caller's trace.
    const parent = operation === 'poll' ? api.ROOT_CONTEXT : api.context.active();
    const span = tracer?.startSpan(
      `${operation} ${this.#provider}`,
      {
        kind: SPAN_KIND.CLIENT,
        attributes: {
          ...this.#base,
          'messaging.operation.name': operation,
          ...(messageId !== undefined ? { 'messaging.message.id': messageId } : {}),
        },
      },
      parent,
    );
    if (span) this.#statusSpans.add(span);
    const finish = (result: T | undefined, error?: unknown) => {
      const code = result === undefined ? codeOf(error) : undefined;
      if (span) {
        if (result !== undefined) span.setAttribute('parley.status', result.status);
        if (code !== undefined) this.#fail(span, error, code);
        span.end();
      }
      instruments?.duration.record((performance.now() - started) / 1000, {
        ...this.#base,
        'messaging.operation.name': operation,
        ...(code === undefined ? {} : { 'error.type': code }),
      });
    };
    const inner = span ? () => api.context.with(api.trace.setSpan(parent, span), run) : run;
    return inner().then(
      (result) => {
        finish(result);
        return result;
      },
      (error: unknown) => {
        finish(undefined, error);
        throw error;
      },
    );
  }

  /** The limiter as one attempt sees it: undefined (use it as it is) while nobody listens. */
  observeLimiter(limiter: Limiter): Limiter | undefined {
    if (this.#getTracer() === undefined && this.#getInstruments() === undefined) return undefined;
    const observed: Limiter = { acquire: (key, options) => this.slot(() => limiter.acquire(key, options)) };
    // The wait for the account's rate is a limiter wait too.
    const { pace, feedback } = limiter;
    if (pace) {
      observed.pace = (key, options) => {
        const started = performance.now();
        return pace.call(limiter, key, options).then((turn) => {
          if (turn.waitedMs > 0) this.#paced(performance.now() - started);
          return turn;
        });
      };
    }
    if (feedback) observed.feedback = (key, answer) => feedback.call(limiter, key, answer);
    return observed;
  }

  /** The transport as attempt `n` sees it: undefined (use it as it is) while no tracer is there. */
  observeTransport(transport: Transport, n: number): Transport | undefined {
    if (this.#getTracer() === undefined) return undefined;
    return {
      request: (request) => this.http(request, n, () => transport.request(request)),
      close: () => transport.close(),
    };
  }

  /** Wraps one HTTP attempt: a CLIENT span named after the method, without the URL's query. */
  http<T extends { readonly status: number }>(
    request: { readonly method: string; readonly url: string },
    attempt: number,
    run: () => Promise<T>,
  ): Promise<T> {
    const tracer = this.#getTracer();
    if (tracer === undefined) return run();
    const api = otelApi() as OtelApi;
    const method = METHODS.has(request.method) ? request.method : '_OTHER';
    const first = this.#requestAttributes(method, request.url);
    const attributes = attempt > 1 ? { ...first, 'http.request.resend_count': attempt - 1 } : first;
    const span = tracer.startSpan(method, { kind: SPAN_KIND.CLIENT, attributes }, api.context.active());
    return run().then(
      (response) => {
        span.setAttribute('http.response.status_code', response.status);
        if (response.status >= 400) {
          span.setAttribute('error.type', String(response.status));
          span.setStatus({ code: STATUS_ERROR, message: `HTTP ${response.status}` });
        }
        span.end();
        return response;
      },
      (error: unknown) => {
        this.#fail(span, error, codeOf(error));
        span.end();
        throw error;
      },
    );
  }

  /** Wraps the wait for a limiter slot: the waiting count, the wait histogram, a span event. */
  slot<R>(acquire: () => Promise<R>): Promise<R> {
    const tracer = this.#getTracer();
    const instruments = this.#getInstruments();
    if (tracer === undefined && instruments === undefined) return acquire();
    const started = performance.now();
    instruments?.waiting.add(1, this.#base);
    const done = () => {
      const ms = performance.now() - started;
      instruments?.waiting.add(-1, this.#base);
      instruments?.wait.record(ms / 1000, this.#base);
      if (tracer) this.#activeSpan()?.addEvent('parley.limiter.wait', { 'parley.wait_ms': ms });
    };
    return acquire().then(
      (release) => {
        done();
        return release;
      },
      (error: unknown) => {
        done();
        throw error;
      },
    );
  }

  /** A wait for the account's rate that held the request (not one that let it go at once): the wait histogram, a span event. */
  #paced(ms: number): void {
    this.#getInstruments()?.wait.record(ms / 1000, this.#base);
    if (this.#getTracer()) this.#activeSpan()?.addEvent('parley.limiter.wait', { 'parley.wait_ms': ms });
  }

  /** Before each wait for a retry: the `parley.retries` counter, a span event, `parley:retry`. */
  retry(operation: 'send' | 'status', error: unknown, attempt: number, delayMs: number): void {
    const code = codeOf(error);
    if (retryChannel.hasSubscribers) {
      const message: RetryChannelMessage = { provider: this.#provider, operation, attempt, delayMs, code };
      retryChannel.publish(message);
    }
    this.#getInstruments()?.retries.add(1, {
      ...this.#base,
      'messaging.operation.name': operation,
      'parley.error.code': code,
    });
    if (this.#getTracer() !== undefined) {
      this.#activeSpan()?.addEvent('parley.retry', {
        'parley.retry.attempt': attempt,
        'parley.retry.delay_ms': delayMs,
        'parley.error.code': code,
      });
    }
  }

  /** Every `status` event: the `parley.status.changes` counter, a span event, `parley:status`. */
  statusChanged(update: StatusUpdate): void {
    if (statusChannel.hasSubscribers) {
      const message: StatusChannelMessage = {
        provider: this.#provider,
        id: update.id,
        status: update.status,
        final: update.final,
        at: update.at,
      };
      statusChannel.publish(message);
    }
    this.#getInstruments()?.statuses.add(1, { 'parley.provider': this.#provider, 'parley.status': update.status });
    if (this.#getTracer() === undefined) return;
    // `accepted` comes with the send (or the webhook call) that made it: no event of its own.
    const span = update.status === 'accepted' ? undefined : this.#activeSpan();
    if (span === undefined) return;
    const id = parleyId(update.id);
    span.addEvent('parley.status', {
      ...(id !== undefined ? { 'messaging.message.id': id } : {}),
      'parley.status': update.status,
    });
    if (this.#statusSpans.has(span)) {
      span.setAttribute('parley.status', update.status);
      if (id !== undefined) span.setAttribute('messaging.message.id', id);
    }
  }

  /** A webhook call answered with an error: its code goes on the webhook span. */
  webhookFailed(error: unknown): void {
    if (this.#getTracer() === undefined) return;
    const span = this.#activeSpan();
    if (span !== undefined && this.#statusSpans.has(span)) span.setAttribute('parley.error.code', codeOf(error));
  }

  /** Wraps the messenger's webhook: a `webhook {provider}` span per call, Node and Fetch forms. */
  webhook(handler: WebhookHandler): WebhookHandler {
    const call = (input: IncomingMessage | Request, res?: ServerResponse): undefined | Promise<Response> => {
      const tracer = this.#getTracer();
      if (tracer === undefined) {
        if (res === undefined) return handler(input as Request);
        handler(input as IncomingMessage, res);
        return undefined;
      }
      const api = otelApi() as OtelApi;
      const method = METHODS.has(input.method ?? '') ? (input.method as string) : '_OTHER';
      const span = tracer.startSpan(
        `webhook ${this.#provider}`,
        {
          kind: SPAN_KIND.CONSUMER,
          attributes: {
            ...this.#base,
            'messaging.operation.name': 'webhook',
            'messaging.operation.type': 'process',
            'http.request.method': method,
          },
        },
        api.context.active(),
      );
      this.#statusSpans.add(span);
      const end = (status: number) => {
        span.setAttribute('http.response.status_code', status);
        if (status >= 400) {
          span.setAttribute('error.type', String(status));
          span.setStatus({ code: STATUS_ERROR, message: `HTTP ${status}` });
        }
        span.end();
      };
      const context = api.trace.setSpan(api.context.active(), span);
      if (res !== undefined) {
        res.once('close', () => end(res.statusCode));
        api.context.with(context, () => handler(input as IncomingMessage, res));
        return undefined;
      }
      return api.context
        .with(context, () => handler(input as Request))
        .then(
          (response) => {
            end(response.status);
            return response;
          },
          (error: unknown) => {
            end(500);
            throw error;
          },
        );
    };
    return call as WebhookHandler;
  }

  /**
   * The span of the work under way, if it is still open: a timer set during a send (the
   * tracker's) runs later in that send's context, whose span has ended by then.
   */
  #activeSpan(): Span | undefined {
    const span = otelApi()?.trace.getActiveSpan();
    return span?.isRecording() ? span : undefined;
  }

  /** ERROR status naming the code, and the code and delivery as attributes (never the message). */
  #fail(span: Span, error: unknown, code: string): void {
    span.setAttribute('parley.error.code', code);
    span.setAttribute('error.type', code);
    const delivery = error instanceof ParleyError ? error.delivery : undefined;
    if (delivery !== undefined) span.setAttribute('parley.delivery', delivery);
    span.setStatus({ code: STATUS_ERROR, message: code });
  }

  /** The method, `server.address`, `server.port` and `url.full` without credentials, query or fragment. */
  #requestAttributes(method: string, url: string): Attributes {
    const key = `${method} ${url}`;
    let attributes = this.#urls.get(key);
    if (attributes === undefined) {
      try {
        const parsed = new URL(url);
        const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
        attributes = {
          'http.request.method': method,
          'server.address': parsed.hostname,
          'server.port': port,
          'url.full': redactText(`${parsed.protocol}//${parsed.host}${parsed.pathname}`, this.#secrets),
        };
      } catch {
        attributes = { 'http.request.method': method };
      }
      if (this.#urls.size >= 64) this.#urls.clear();
      this.#urls.set(key, attributes);
    }
    return attributes;
  }
}

function resultOf(result: unknown): NonNullable<SendChannelContext['result']> {
  const r = result as NonNullable<SendChannelContext['result']>;
  return {
    id: r.id,
    provider: r.provider,
    ...(r.providerMessageId !== undefined ? { providerMessageId: r.providerMessageId } : {}),
    status: r.status,
    acceptedAt: r.acceptedAt,
  };
}

function createInstruments(meter: Meter): Instruments {
  return {
    duration: meter.createHistogram('messaging.client.operation.duration', {
      unit: 's',
      description: 'Duration of a send, a status query or a status poll, retries and waits included.',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    sent: meter.createCounter('messaging.client.sent.messages', {
      unit: '{message}',
      description: 'Sends, by provider, message type and outcome (accepted or the ParleyError code).',
    }),
    statuses: meter.createCounter('parley.status.changes', {
      unit: '{change}',
      description: 'Status changes of messages (the messenger’s status events), by provider and status.',
    }),
    wait: meter.createHistogram('parley.limiter.wait.duration', {
      unit: 's',
      description: 'Time a provider call waited for a concurrency slot.',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    waiting: meter.createUpDownCounter('parley.limiter.waiting', {
      unit: '{call}',
      description: 'Provider calls waiting for a concurrency slot now.',
    }),
    retries: meter.createCounter('parley.retries', {
      unit: '{retry}',
      description: 'Retries of provider calls, by the code of the failure retried.',
    }),
  };
}
