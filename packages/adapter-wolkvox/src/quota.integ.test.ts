import { randomBytes } from 'node:crypto';
import { createMessenger, type Messenger, memoryStore, ParleyError, type Store } from '@parley/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wolkvox } from './provider.js';
import { type FakeWolkvox, startFakeWolkvox } from './test-support/fake-wolkvox.js';

const TEXT = { type: 'text', to: '+57 300 123 4567', text: 'hola' } as const;

let server: FakeWolkvox;
let opened: Messenger[] = [];
let clock = Date.UTC(2030, 0, 1, 23, 59, 0);
const now = () => clock;

beforeEach(async () => {
  server = await startFakeWolkvox();
  clock = Date.UTC(2030, 0, 1, 23, 59, 0);
});
afterEach(async () => {
  await Promise.all(opened.map((m) => m.close()));
  opened = [];
  await server.close();
});

function open(token: string, store: Store, dailyLimit = 3): Messenger {
  const messenger = createMessenger(
    { provider: 'wolkvox', token, server: '0042', connectorId: '1', baseUrl: server.baseUrl, dailyLimit },
    { providers: [wolkvox], store, now },
  );
  opened.push(messenger);
  return messenger;
}

const newToken = () => randomBytes(12).toString('hex');

async function quotaFailure(promise: Promise<unknown>): Promise<ParleyError> {
  const error = await promise.then(
    () => {
      throw new Error('expected QUOTA_EXCEEDED');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ParleyError);
  expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', delivery: 'not_sent', retryable: false, provider: 'wolkvox' });
  return error as ParleyError;
}

describe('dailyLimit', () => {
  it('lets 3 requests through, then fails fast without calling the provider', async () => {
    const messenger = open(newToken(), memoryStore({ now }));
    for (let i = 0; i < 3; i++) await messenger.send(TEXT);
    expect(server.requests).toHaveLength(3);
    await quotaFailure(messenger.send(TEXT));
    await quotaFailure(messenger.send(TEXT));
    expect(server.requests).toHaveLength(3);
  });

  it('is shared by messengers of one token and one store, and not by another token', async () => {
    const store = memoryStore({ now });
    const token = newToken();
    const [a, b] = [open(token, store), open(token, store)];
    await a.send(TEXT);
    await b.send(TEXT);
    await a.send(TEXT);
    await quotaFailure(b.send(TEXT));
    expect(server.requests).toHaveLength(3);
    await open(newToken(), store).send(TEXT);
    expect(server.requests).toHaveLength(4);
  });

  it('starts again on the next UTC day', async () => {
    const messenger = open(newToken(), memoryStore({ now }));
    for (let i = 0; i < 3; i++) await messenger.send(TEXT);
    await quotaFailure(messenger.send(TEXT));
    clock = Date.UTC(2030, 0, 2, 0, 0, 1);
    await expect(messenger.send(TEXT)).resolves.toMatchObject({ status: 'accepted' });
    expect(server.requests).toHaveLength(4);
  });

  it('counts nothing without dailyLimit', async () => {
    const store = memoryStore({ now });
    const messenger = createMessenger(
      { provider: 'wolkvox', token: newToken(), server: '0042', connectorId: '1', baseUrl: server.baseUrl },
      { providers: [wolkvox], store, now },
    );
    opened.push(messenger);
    for (let i = 0; i < 5; i++) await messenger.send(TEXT);
    expect(server.requests).toHaveLength(5);
  });
});
