// cold-send child (a): what a Parley user writes for one message. Prints the provider's id on
// stdout as soon as the answer is in (the parent's clock stops there), then exits at once.

import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger } from '@parley/core';

const messenger = createMessenger(
  { provider: 'decisiontelecom', apiKey: 'bench-key', sender: 'Acme', baseUrl: process.argv[2] },
  { providers: [decisionTelecom] },
);
const result = await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'Hola' });
process.stdout.write(`${result.providerMessageId}\n`);
process.exit(0);
