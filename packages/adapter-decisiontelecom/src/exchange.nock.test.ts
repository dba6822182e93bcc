import { fetchTransport } from '@parley/core';
import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';
import { describeExchanges } from './test-support/exchanges.js';
import { type Harness, ORIGIN, type Seen } from './test-support/harness.js';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

function lowerCased(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

let seen: Seen[] = [];
let scope: nock.Scope | undefined;

/** The global `fetch` (through `fetchTransport`), intercepted by nock. */
const harness: Harness = {
  name: 'fetchTransport + nock',
  start() {
    seen = [];
    scope = nock(ORIGIN);
    scope.on('request', (req: { path: string; headers: Record<string, unknown> }, _interceptor, body: string) => {
      seen.push({ path: req.path, body, headers: lowerCased(req.headers) });
    });
    return fetchTransport();
  },
  queue(path, ...replies) {
    for (const reply of replies) {
      scope?.post(path).reply(reply.status, reply.body, { ...reply.headers });
    }
  },
  seen: () => seen,
  async stop() {
    nock.cleanAll();
    scope = undefined;
  },
};

describeExchanges(harness);
