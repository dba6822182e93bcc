import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMessenger, memoryStore, type OutboundMessage } from '@parley/core';
import { describeMessengerConformance } from '@parley/core/testing/vitest';
import { startSimulator } from '@parley/simulator';
import { whatsappCloud } from './provider.js';

const samples: [string, OutboundMessage | undefined][] = [
  ['whatsapp-cloud', undefined],
  ['whatsapp-cloud (template sample)', { type: 'template', to: '+57 300 123 4567', name: 'hello_world' }],
];

for (const [name, sample] of samples) {
  describeMessengerConformance(name, async () => {
    const accessToken = randomBytes(16).toString('hex');
    const appSecret = randomBytes(16).toString('hex');
    // Statuses come only when the test pushes them: the natural progression is an hour per step.
    const sim = await startSimulator({ whatsappCloud: { accessToken, enforceWindow: false, stepMs: 3_600_000 } });
    const hooks = createServer((req, res) => messenger.webhook?.(req, res));
    hooks.listen(0, '127.0.0.1');
    await once(hooks, 'listening');
    const url = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks/whatsapp`;
    sim.whatsappCloud.setWebhook(url, appSecret);
    const messenger = createMessenger(
      {
        provider: 'whatsapp-cloud',
        accessToken,
        phoneNumberId: '106540352242922',
        appSecret,
        baseUrl: sim.whatsappCloud.baseUrl,
      },
      { providers: [whatsappCloud], store: memoryStore() },
    );
    return {
      messenger,
      secrets: [accessToken, appSecret],
      ...(sample ? { sample } : {}),
      requestCount: () => sim.whatsappCloud.requests.length,
      async pushStatus(id, status) {
        const sent = sim.whatsappCloud.sent.find((m) => m.bizOpaqueCallbackData === id);
        if (!sent) throw new Error(`the simulator has no message ${id}`);
        if (status !== 'sent' && status !== 'delivered' && status !== 'read' && status !== 'failed') {
          throw new Error(`the Cloud API has no status ${status}`);
        }
        await sim.whatsappCloud.pushStatus(sent.id, status);
      },
      failNextWithAuthError: () => sim.whatsappCloud.failNext('auth'),
      cleanup: async () => {
        hooks.closeAllConnections();
        await new Promise((resolve) => hooks.close(resolve));
        await sim.close();
      },
    };
  });
}
