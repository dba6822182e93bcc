import { undiciTransport } from '@parley/core';
import { MockAgent } from 'undici';
import { describeExchanges } from './test-support/exchanges.js';
import { type Harness, ORIGIN, type Seen } from './test-support/harness.js';

function lowerCased(headers: unknown): Record<string, string> {
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) {
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
    return out;
  }
  return Object.fromEntries(
    Object.entries((headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
}

let agent: MockAgent | undefined;
let seen: Seen[] = [];

/** The default transport (undici) with a `MockAgent` as its dispatcher. */
const harness: Harness = {
  name: 'undiciTransport + MockAgent',
  start() {
    seen = [];
    agent = new MockAgent();
    agent.disableNetConnect();
    return undiciTransport({ dispatcher: agent });
  },
  queue(path, ...replies) {
    const pool = agent?.get(ORIGIN);
    for (const reply of replies) {
      pool?.intercept({ path, method: 'POST' }).reply((opts) => {
        seen.push({ path: opts.path, body: String(opts.body ?? ''), headers: lowerCased(opts.headers) });
        return { statusCode: reply.status, data: reply.body, responseOptions: { headers: { ...reply.headers } } };
      });
    }
  },
  seen: () => seen,
  async stop() {
    await agent?.close();
    agent = undefined;
  },
};

describeExchanges(harness);
