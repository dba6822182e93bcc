// cold-send child (c): the same send by hand with Node's global `fetch`.
const res = await fetch(`${process.argv[2]}/send-whatsapp`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from('bench-key').toString('base64')}`,
    'content-type': 'application/json',
    accept: 'application/json',
  },
  body: JSON.stringify({ source_addr: 'Acme', destination_addr: 573001234567, message_type: 1, text: 'Hola' }),
});
const parsed = JSON.parse(await res.text());
if (res.status !== 200 || parsed.message_id === undefined) process.exit(1);
process.stdout.write(`${parsed.message_id}\n`);
process.exit(0);
