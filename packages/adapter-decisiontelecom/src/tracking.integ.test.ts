import { createMessenger, type StatusUpdate } from '@parley/core';
import { afterEach, describe, expect, it } from 'vitest';
import { basicToken } from './auth.js';
import { decisionTelecom } from './provider.js';
import { type FakeDecisionTelecom, startFakeDecisionTelecom } from './test-support/fake-decisiontelecom.js';
import { until } from './test-support/http.js';

const API_KEY = 'tracking-test-key';
let fake: FakeDecisionTelecom | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('DecisionTelecom status tracking (polling receive-whatsapp through the default transport)', () => {
  it('emits accepted, pending, sent, delivered, read in order, then stops polling', async () => {
    fake = await startFakeDecisionTelecom({ token: basicToken(API_KEY), firstId: 9_007_199_254_740_993n });
    fake.setStatus('9007199254740993', 6, 0, 1, 7);
    const messenger = createMessenger(
      {
        provider: 'decisiontelecom',
        apiKey: API_KEY,
        sender: 'Acme',
        baseUrl: fake.baseUrl,
        tracking: { firstPollMs: '20', maxIntervalMs: 40 },
      },
      { providers: [decisionTelecom] },
    );
    expect(messenger.capabilities.statusTracking).toBe('poll');
    const events: StatusUpdate[] = [];
    messenger.on('status', (u) => events.push(u));
    try {
      const { id, providerMessageId } = await messenger.send({ type: 'text', to: '+380 63 123 4567', text: 'hi' });
      expect(providerMessageId).toBe('9007199254740993');
      await until(() => events.some((e) => e.status === 'read'));
      expect(events.map((e) => [e.id, e.status, e.providerStatus, e.final])).toEqual([
        [id, 'accepted', undefined, false],
        [id, 'pending', 6, false],
        [id, 'sent', 0, false],
        [id, 'delivered', 1, false],
        [id, 'read', 7, true],
      ]);
      const queries = fake.statusQueries();
      expect(queries).toHaveLength(4);
      expect(new Set(queries.map((q) => q.body))).toEqual(new Set(['{"message_id":9007199254740993}']));
      // Read is final: no more polls, however long we wait.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(fake.statusQueries()).toHaveLength(4);
    } finally {
      await messenger.close();
    }
  });

  it('polls with core defaults when tracking is not configured', () => {
    const messenger = createMessenger('decisiontelecom://KEY@default?sender=Acme', { providers: [decisionTelecom] });
    expect(messenger.capabilities.statusTracking).toBe('poll');
    return messenger.close();
  });
});
