import { createMessenger, type DeliveryStatus } from '@parley/core';
import { describeMessengerConformance } from '@parley/core/testing/vitest';
import { basicToken } from './auth.js';
import { decisionTelecom } from './provider.js';
import { startFakeDecisionTelecom } from './test-support/fake-decisiontelecom.js';
import { randomKey } from './test-support/harness.js';
import { send, startLateBoundServer } from './test-support/http.js';

/** The DecisionTelecom code that reports each unified status. */
const CODES: Partial<Record<DeliveryStatus, number>> = {
  sent: 0,
  delivered: 1,
  rejected: 2,
  failed: 4,
  deleted: 5,
  pending: 6,
  read: 7,
};

describeMessengerConformance('decisiontelecom', async () => {
  const apiKey = randomKey();
  const webhookSecret = randomKey();
  // Ids above 2^53, to prove they survive every hop.
  const fake = await startFakeDecisionTelecom({ token: basicToken(apiKey), firstId: 9_007_199_254_740_993n });
  const hooks = await startLateBoundServer();
  const messenger = createMessenger(
    {
      provider: 'decisiontelecom',
      apiKey,
      sender: 'Conformance',
      baseUrl: fake.baseUrl,
      callbackUrl: `${hooks.url}/hooks/dt`,
      webhookSecret,
    },
    { providers: [decisionTelecom] },
  );
  if (!messenger.webhook) throw new Error('the messenger has no webhook');
  hooks.mount(messenger.webhook);

  return {
    messenger,
    secrets: [apiKey, webhookSecret, basicToken(apiKey)],
    requestCount: () => fake.requests.length,
    failNextWithAuthError: () => fake.failNextWithAuthError(),
    async pushStatus(id, status) {
      const request = fake
        .sends()
        .find((r) => new URL(String(r.json?.callback_url)).searchParams.get('parley_id') === id);
      if (!request) throw new Error(`no send of ${id} reached the fake`);
      const code = CODES[status];
      if (code === undefined) throw new Error(`no DecisionTelecom code for ${status}`);
      const messageId = request.messageId;
      if (messageId === undefined) throw new Error(`the send of ${id} was not accepted`);
      fake.setStatus(messageId, code);
      // The provider calls the per-message callback URL it was given.
      const answer = await send(String(request.json?.callback_url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message_id: messageId, status: code }),
      });
      if (answer.status !== 200) throw new Error(`the webhook answered ${answer.status}`);
    },
    async cleanup() {
      await Promise.all([fake.close(), hooks.close()]);
    },
  };
});
