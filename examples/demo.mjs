// The offline demo. Until the provider simulator lands it runs against core's fake messenger:
// validation, unified status events and typed errors, with no network.
import { ParleyError } from '@parley/core';
import { createFakeMessenger } from '@parley/core/testing';

const messenger = createFakeMessenger();
messenger.on('status', (u) => console.log(`${u.at.toISOString()}  ${u.id}  ${u.status.padEnd(9)} final=${u.final}`));

const { id } = await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'Hola from Parley' });
await messenger.pushStatus(id, 'delivered');
await messenger.pushStatus(id, 'sent'); // late and backwards: dropped
await messenger.pushStatus(id, 'read');

try {
  await messenger.send({ type: 'image', to: '+1 555', url: 'ftp://example.com/cat.gif' });
} catch (error) {
  if (!(error instanceof ParleyError)) throw error;
  console.log(`\n${error.code}: ${error.message}`);
}
await messenger.close();
