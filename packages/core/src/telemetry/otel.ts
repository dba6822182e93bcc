import { createRequire } from 'node:module';
import type * as Api from '@opentelemetry/api';

/** The `@opentelemetry/api` module, when the application installed it. */
export type OtelApi = typeof Api;

/**
 * Where every 1.x copy of `@opentelemetry/api` keeps its global tracer provider, meter provider
 * and context manager (`registerGlobal` in the API's `global-utils`). Looking here first is
 * what lets a messenger skip OpenTelemetry entirely, without loading the API, while nothing is
 * registered: one property read per call.
 */
const GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1');

type Globals = { readonly version?: unknown; readonly trace?: unknown; readonly metrics?: unknown } | undefined;

/**
 * The API's globals (registered providers and the version that registered them), or undefined
 * while no copy of the API has registered anything. What `getTracerProvider()` and
 * `getMeterProvider()` answer depends on nothing else: while the registered provider and the
 * version stay the same, so does the answer (the API replaces its own fallback provider only in
 * `disable()`, which also unregisters).
 */
export function otelGlobals(): Globals {
  return (globalThis as { [GLOBAL_KEY]?: Globals })[GLOBAL_KEY];
}

let api: OtelApi | null | undefined;

/** Loads `@opentelemetry/api` once, synchronously; `undefined` where it is not installed. */
export function otelApi(): OtelApi | undefined {
  if (api === undefined) {
    try {
      api = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
    } catch {
      api = null;
    }
  }
  return api ?? undefined;
}

let version: string | undefined;

/** This package's version, for the tracer and meter names. */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      // src/telemetry and dist/telemetry are both two levels below the package root.
      version = String((createRequire(import.meta.url)('../../package.json') as { version?: unknown }).version);
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}

/** The instrumentation scope name of every span and metric. */
export const SCOPE_NAME = '@parley/core';

// Stable values of the API's enums, so that a span can be described before the API is loaded.
export const SPAN_KIND = { SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;
export const STATUS_ERROR = 2;
