// Shared helpers of the end-to-end suite: every test talks to the real simulator over real HTTP
// on loopback, through the default (undici) transport, with its own store (and, where counting
// matters, its own limiter). Nothing here touches a non-loopback address.
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { whatsappCloud } from '@parley/adapter-whatsapp-cloud';
import { wolkvox } from '@parley/adapter-wolkvox';
import {
  type CreateMessengerOptions,
  createMessenger,
  type Messenger,
  memoryLimiter,
  memoryStore,
  ParleyError,
  type StatusUpdate,
  statusRank,
} from '@parley/core';
import { type Simulator, type SimulatorOptions, startSimulator } from '@parley/simulator';
import { expect } from 'vitest';

export const providers = [decisionTelecom, wolkvox, whatsappCloud];

/** A recipient in international form and its digits. */
export const TO = '+57 300 123 4567';
export const TO_DIGITS = '573001234567';

type Config = Parameters<typeof createMessenger>[0];

/**
 * Everything a test opened, closed in reverse order by `closeAll()` (call it in `afterEach`):
 * messengers first, then webhook servers, then simulators.
 */
export class Resources {
  readonly #messengers: Messenger[] = [];
  readonly #servers: (() => Promise<void>)[] = [];
  readonly #simulators: Simulator[] = [];

  /** Starts a simulator on 127.0.0.1 (any free port) that `closeAll()` stops. */
  async simulator(options: SimulatorOptions = {}): Promise<Simulator> {
    const sim = await startSimulator(options);
    this.#simulators.push(sim);
    return sim;
  }

  /** A messenger with a fresh `memoryStore()` and `memoryLimiter()` unless given; the default undici transport. */
  messenger(config: Config, options: Partial<CreateMessengerOptions> = {}): Messenger {
    const messenger = createMessenger(config, {
      providers,
      store: memoryStore(),
      limiter: memoryLimiter(),
      ...options,
    });
    this.#messengers.push(messenger);
    return messenger;
  }

  /** A loopback node:http server whose handler is mounted later (its URL goes into the config first). */
  async hookServer(): Promise<HookServer> {
    let mounted: RequestListener | undefined;
    const calls: { method: string; url: string; status: number }[] = [];
    const server = createServer((req, res) => {
      res.on('finish', () => calls.push({ method: req.method ?? '', url: req.url ?? '', status: res.statusCode }));
      if (mounted && req.url?.startsWith('/hooks/whatsapp')) return mounted(req, res);
      res.statusCode = 404;
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    this.#servers.push(() => closeServer(server));
    return {
      url: `http://127.0.0.1:${port}/hooks/whatsapp`,
      calls,
      mount: (handler) => {
        mounted = handler;
      },
    };
  }

  /** Closes every messenger opened so far (tracking stopped, sockets freed). */
  async closeMessengers(): Promise<void> {
    const messengers = this.#messengers.splice(0);
    await Promise.all(messengers.map((m) => m.close()));
  }

  async closeAll(): Promise<void> {
    await this.closeMessengers();
    const servers = this.#servers.splice(0);
    await Promise.all(servers.map((close) => close()));
    const simulators = this.#simulators.splice(0);
    await Promise.all(simulators.map((s) => s.close()));
  }
}

export interface HookServer {
  /** Where `messenger.webhook` is mounted: the `callbackUrl` of a config. */
  readonly url: string;
  /** Every call the server answered, with its HTTP status. */
  readonly calls: { method: string; url: string; status: number }[];
  mount(handler: RequestListener): void;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** `http://127.0.0.1:PORT/prefix` → `127.0.0.1:PORT/prefix`, the host part of a DSN. */
export const dsnHost = (baseUrl: string): string => baseUrl.replace(/^http:\/\//, '');

/** Waits until `predicate` holds, polling every 10 ms; fails the test after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5_000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The `ParleyError` a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<ParleyError> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    return error as ParleyError;
  }
  throw new Error(`expected a ParleyError, got a result: ${JSON.stringify(result)}`);
}

/** Records every `status` event of a messenger, and every `error` event. */
export function recordEvents(messenger: Messenger): { statuses: StatusUpdate[]; errors: ParleyError[] } {
  const statuses: StatusUpdate[] = [];
  const errors: ParleyError[] = [];
  messenger.on('status', (u) => statuses.push(u));
  messenger.on('error', (e) => errors.push(e));
  return { statuses, errors };
}

/** The events of one message, in emission order. */
export const eventsOf = (events: readonly StatusUpdate[], id: string): StatusUpdate[] =>
  events.filter((e) => e.id === id);

/**
 * Asserts the status-event contract for one message: it starts with `accepted`, every later
 * status ranks strictly higher than the one before (so none repeats and none goes back), and
 * nothing follows a final one.
 */
export function expectMonotonic(events: readonly StatusUpdate[]): void {
  expect(events.length).toBeGreaterThan(0);
  expect(events[0]?.status).toBe('accepted');
  for (let i = 1; i < events.length; i++) {
    const before = events[i - 1] as StatusUpdate;
    const after = events[i] as StatusUpdate;
    expect(
      statusRank(after.status),
      `${before.status} → ${after.status} is not an advance (${events.map((e) => e.status).join(', ')})`,
    ).toBeGreaterThan(statusRank(before.status));
    expect(before.final, `an event followed the final ${before.status}`).toBe(false);
  }
}
