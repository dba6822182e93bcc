// Shared by the telemetry tests (not part of the package: excluded from nothing, exported by nothing).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { context, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { providerError } from '../errors/factories.js';
import type { Capabilities, ProviderDefinition } from '../provider.js';
import { fakeProvider } from '../testing/fake-provider.js';
import { RETRY_CHANNEL, SEND_CHANNEL, STATUS_CHANNEL } from './channels.js';

/** A metric reader collected on demand. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface Otel {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
  metrics(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/** The global context manager the SDK docs set up (so that spans nest across awaits). */
export function enableContext(): void {
  if (contextManager) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

export function disableContext(): void {
  context.disable();
  contextManager?.disable();
  contextManager = undefined;
}

/** An SDK tracer provider exporting to memory and a meter provider read on demand. */
export function createOtel(): Otel {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    async metrics() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      return resourceMetrics;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

export interface SpanNode {
  readonly name: string;
  readonly kind: number;
  readonly children: SpanNode[];
}

/** The finished spans as trees (roots first, in start order), names and kinds only. */
export function spanTree(spans: readonly ReadableSpan[]): SpanNode[] {
  const sorted = [...spans].sort((a, b) => compareTime(a.startTime, b.startTime));
  const nodes = new Map<string, SpanNode>();
  for (const span of sorted) nodes.set(span.spanContext().spanId, { name: span.name, kind: span.kind, children: [] });
  const roots: SpanNode[] = [];
  for (const span of sorted) {
    const node = nodes.get(span.spanContext().spanId) as SpanNode;
    const parent = span.parentSpanContext ? nodes.get(span.parentSpanContext.spanId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

function compareTime(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

export function spanNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span ${name} in ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

/** The data points of one metric: `{ attributes, value }`, value a number or a histogram. */
export function points(metrics: ResourceMetrics, name: string): { attributes: Record<string, unknown>; value: any }[] {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) {
        return metric.dataPoints.map((p) => ({ attributes: { ...p.attributes }, value: p.value }));
      }
    }
  }
  return [];
}

/** Every message published on Parley's diagnostics channels, as `[channel, copy]`. */
export function recordChannels(): { readonly messages: [string, unknown][]; stop(): void } {
  const names = [
    ...['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((e) => `tracing:${SEND_CHANNEL}:${e}`),
    STATUS_CHANNEL,
    RETRY_CHANNEL,
  ];
  const messages: [string, unknown][] = [];
  const listeners = names.map((name) => {
    const listener = (message: unknown) => messages.push([name, structuredClone(message)]);
    subscribe(name, listener);
    return [name, listener] as const;
  });
  return {
    messages,
    stop: () => {
      for (const [name, listener] of listeners) unsubscribe(name, listener);
    },
  };
}

/**
 * The fake provider, with a concurrency limit of one and documented refusals: 429 is
 * `RATE_LIMITED` (retried at once), 400 `PROVIDER_REJECTED`, both surely not sent.
 */
export function refusingProvider(capabilities: Capabilities): ProviderDefinition {
  const base = fakeProvider(capabilities);
  return {
    ...base,
    create(config, context) {
      const driver = base.create(config, context);
      return {
        ...driver,
        concurrency: { key: `telemetry-test:${driver.scope}`, max: 1 },
        parseSend(response) {
          if (response.status === 429 || response.status === 400) {
            throw providerError({
              code: response.status === 429 ? 'RATE_LIMITED' : 'PROVIDER_REJECTED',
              provider: 'fake',
              message: response.status === 429 ? 'Too many requests' : 'Rejected by the provider',
              retryable: response.status === 429,
              delivery: 'not_sent',
              httpStatus: response.status,
              body: response.body,
              ...(response.status === 429 ? { retryAfterMs: 0 } : {}),
            });
          }
          return driver.parseSend(response);
        },
      };
    },
  };
}
