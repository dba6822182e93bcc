import { randomBytes } from 'node:crypto';
import {
  createMessenger,
  isParleyError,
  type Messenger,
  memoryStore,
  type ParleyError,
  type Transport,
} from '@parley/core';
import { expect } from 'vitest';
import { decisionTelecom } from '../provider.js';

/** The provider's real origin: tests intercept it, nothing reaches it. */
export const ORIGIN = 'https://web.it-decision.com';
export const SEND_PATH = '/v1/api/send-whatsapp';
export const STATUS_PATH = '/v1/api/receive-whatsapp';

/** A canned answer of the intercepted provider. */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request the interceptor saw. */
export interface Seen {
  readonly path: string;
  readonly body: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One way of intercepting `https://web.it-decision.com` (nock on `fetch`, undici's `MockAgent`),
 * so that the same tables run through both transports.
 */
export interface Harness {
  readonly name: string;
  /** Before each test: a fresh transport and interceptor, nothing queued. */
  start(): Transport;
  /** Queues replies to `POST ${ORIGIN}${path}`, used once each, in order. */
  queue(path: string, ...replies: Reply[]): void;
  /** The requests seen since `start()`, in order. */
  seen(): readonly Seen[];
  /** After each test: drops what is left. */
  stop(): Promise<void>;
}

export const jsonReply = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

/** A random key for each run, so that a leak of it cannot pass unnoticed. */
export const randomKey = (): string => `dtk_${randomBytes(12).toString('hex')}`;

/** A messenger on `transport` with single attempts and no polling, unless `overrides` say otherwise. */
export function messengerOn(transport: Transport, overrides: Record<string, unknown> = {}): Messenger {
  return createMessenger(
    {
      provider: 'decisiontelecom',
      apiKey: 'test-key',
      sender: 'Acme',
      tracking: false,
      retry: { maxAttempts: 1 },
      ...overrides,
    },
    { providers: [decisionTelecom], transport, store: memoryStore() },
  );
}

/** The rejection of `promise`, which must reject. */
export async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(isParleyError(outcome.error), String(outcome.error)).toBe(true);
  return outcome.error as ParleyError;
}
