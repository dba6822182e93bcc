// cold-send reference: raw `undici.request` plus the recipient check (libphonenumber-js, as core
// loads it), the least any client with Parley's verdicts must load and run before it sends.
import { request } from 'undici';
import { checkRecipient } from './phone-check.mjs';

const to = checkRecipient('+57 300 123 4567');
const res = await request(`${process.argv[2]}/send-whatsapp`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from('bench-key').toString('base64')}`,
    'content-type': 'application/json',
    accept: 'application/json',
  },
  body: JSON.stringify({ source_addr: 'Acme', destination_addr: Number(to), message_type: 1, text: 'Hola' }),
});
const parsed = JSON.parse(await res.body.text());
if (res.statusCode !== 200 || parsed.message_id === undefined) process.exit(1);
process.stdout.write(`${parsed.message_id}\n`);
process.exit(0);
