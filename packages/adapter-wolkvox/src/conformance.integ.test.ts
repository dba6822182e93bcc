import { randomBytes } from 'node:crypto';
import { createMessenger, memoryStore, type OutboundMessage } from '@parley/core';
import { describeMessengerConformance } from '@parley/core/testing/vitest';
import { wolkvox } from './provider.js';
import { startFakeWolkvox } from './test-support/fake-wolkvox.js';

const samples: [string, OutboundMessage | undefined][] = [
  ['wolkvox', undefined],
  [
    'wolkvox (template sample)',
    { type: 'template', to: '+57 300 123 4567', name: 'welcome', variables: ['Ana', 'Bogotá'] },
  ],
];

for (const [name, sample] of samples) {
  describeMessengerConformance(name, async () => {
    const token = randomBytes(16).toString('hex');
    const server = await startFakeWolkvox({ token });
    const messenger = createMessenger(
      { provider: 'wolkvox', token, server: '0042', connectorId: '1', baseUrl: server.baseUrl },
      { providers: [wolkvox], store: memoryStore() },
    );
    return {
      messenger,
      secrets: [token],
      ...(sample ? { sample } : {}),
      requestCount: () => server.requests.length,
      failNextWithAuthError: () => server.failNextWithAuthError(),
      cleanup: () => server.close(),
    };
  });
}
