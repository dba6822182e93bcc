import { randomBytes } from 'node:crypto';
import { ParleyError } from '../errors/ParleyError.js';
import { describeMessengerConformance } from './conformance.js';
import { createFakeMessenger } from './fake-messenger.js';

describeMessengerConformance('fake', async () => {
  const apiKey = randomBytes(16).toString('hex');
  const messenger = createFakeMessenger({ capabilities: { image: false }, apiKey });
  return {
    messenger,
    secrets: [apiKey],
    failNextWithAuthError: () =>
      messenger.failNextSend(new ParleyError({ code: 'AUTH', message: `key ${apiKey} was refused`, body: apiKey })),
    requestCount: () => messenger.transport.requests.length,
    pushStatus: (id, status) => messenger.pushStatus(id, status),
  };
});

describeMessengerConformance('fake without status features', async () => {
  const messenger = createFakeMessenger({
    capabilities: { template: false, statusQuery: false, webhook: false, statusTracking: 'none' },
  });
  return { messenger, secrets: [], requestCount: () => messenger.transport.requests.length };
});
