// cold-send child (b): the same send by hand with raw `undici.request` (npm undici 7).
import { request } from 'undici';

const res = await request(`${process.argv[2]}/send-whatsapp`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from('bench-key').toString('base64')}`,
    'content-type': 'application/json',
    accept: 'application/json',
  },
  body: JSON.stringify({ source_addr: 'Acme', destination_addr: 573001234567, message_type: 1, text: 'Hola' }),
});
const parsed = JSON.parse(await res.body.text());
if (res.statusCode !== 200 || parsed.message_id === undefined) process.exit(1);
process.stdout.write(`${parsed.message_id}\n`);
process.exit(0);
