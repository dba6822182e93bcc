import { fetchTransport, type Transport, undiciTransport } from '@parley/core';
import nock from 'nock';
import { MockAgent } from 'undici';

/** The host the default config (`server: '0042'`) talks to; only ever mocked. */
export const ORIGIN = 'https://wv0042.wolkvox.com';
const PATH = '/api/v2/whatsapp.php';

/** A request as the mock saw it. */
export interface Captured {
  readonly api: string | null;
  /** Lower-cased names. */
  readonly headers: Record<string, string>;
  readonly rawBody: string;
}

/** A canned answer: a JSON value (sent as JSON) or a raw string body. */
export interface Canned {
  readonly status: number;
  readonly body: unknown;
  /** Extra response headers (e.g. `retry-after`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One way of putting HTTP under a messenger without a network: nock on the global `fetch`
 * (`fetchTransport`), or undici's `MockAgent` (`undiciTransport({ dispatcher })`).
 */
export interface MockPath {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  /** Answers the next request to `?api=<api>` with `answer`, recording it. */
  expect(api: string, answer: Canned): void;
  readonly captured: Captured[];
  transport(): Transport;
  /** Whether some expected request never came. */
  pending(): boolean;
}

function encode(answer: Canned): { body: string; headers: Record<string, string> } {
  return typeof answer.body === 'string'
    ? { body: answer.body, headers: { 'content-type': 'text/html', ...answer.headers } }
    : { body: JSON.stringify(answer.body), headers: { 'content-type': 'application/json', ...answer.headers } };
}

function lower(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/** A header object or a `Headers` (anything with `entries()`) as a plain record. */
function headerRecord(headers: unknown): Record<string, unknown> {
  if (headers === undefined || headers === null) return {};
  const entries = (headers as { entries?: unknown }).entries;
  if (typeof entries === 'function') return Object.fromEntries(entries.call(headers) as Iterable<[string, unknown]>);
  return headers as Record<string, unknown>;
}

/** nock intercepting the global `fetch`, under `fetchTransport()`. */
export function nockPath(): MockPath {
  const captured: Captured[] = [];
  return {
    name: 'fetchTransport + nock',
    captured,
    start() {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
    },
    async stop() {
      nock.cleanAll();
      captured.length = 0;
    },
    expect(api, answer) {
      const { body, headers } = encode(answer);
      nock(ORIGIN)
        .post(PATH)
        .query({ api })
        .reply(function (_uri, requestBody) {
          captured.push({
            api,
            headers: lower(this.req.headers),
            rawBody: typeof requestBody === 'string' ? requestBody : JSON.stringify(requestBody),
          });
          return [answer.status, body, headers];
        });
    },
    transport: () => fetchTransport(),
    pending: () => !nock.isDone(),
  };
}

/** undici's `MockAgent` as the dispatcher of `undiciTransport()`. */
export function mockAgentPath(): MockPath {
  const captured: Captured[] = [];
  let agent: MockAgent | undefined;
  const current = () => {
    if (!agent) throw new Error('start() first');
    return agent;
  };
  return {
    name: 'undiciTransport + MockAgent',
    captured,
    start() {
      agent = new MockAgent();
      agent.disableNetConnect();
    },
    async stop() {
      await agent?.close();
      agent = undefined;
      captured.length = 0;
    },
    expect(api, answer) {
      const { body, headers } = encode(answer);
      current()
        .get(ORIGIN)
        .intercept({ path: `${PATH}?api=${api}`, method: 'POST' })
        .reply((opts) => {
          captured.push({ api, headers: lower(headerRecord(opts.headers)), rawBody: String(opts.body ?? '') });
          return { statusCode: answer.status, data: body, responseOptions: { headers } };
        });
    },
    transport: () => undiciTransport({ dispatcher: current() }),
    pending: () => current().pendingInterceptors().length > 0,
  };
}
