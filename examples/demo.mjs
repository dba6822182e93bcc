// The offline demo: both providers' simulators on loopback, two messengers built from DSN
// strings (the switch of provider is configuration alone), one scenario run through each, and
// the unified status stream printed live. No account, no network.
// The simulator's root URL is the dev phone: open it in a browser to watch the conversations
// live. `pnpm demo --keep` keeps it running with the demo's conversations (Ctrl-C to stop).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { wolkvox } from '@parley/adapter-wolkvox';
import { createMessenger, ParleyError } from '@parley/core';
import { startSimulator } from '@parley/simulator';

const keep = process.argv.includes('--keep');
const started = Date.now();
const providers = [decisionTelecom, wolkvox];
const seconds = () => ((Date.now() - started) / 1000).toFixed(2).padStart(6);
const log = (provider, what, detail = '') =>
  console.log(`${seconds()}s  ${provider.padEnd(15)} ${what.padEnd(40)} ${detail}`);

const sim = await startSimulator({
  latencyMs: [20, 80],
  decisionTelecom: { progression: { stepMs: 500 } },
});

// DecisionTelecom calls back: mount messenger.webhook on a local server.
const hooks = createServer((req, res) => dt.webhook(req, res));
await new Promise((resolve) => hooks.listen(0, '127.0.0.1', resolve));
const callbackUrl = `http://127.0.0.1:${hooks.address().port}/hooks/decisiontelecom`;
const host = (url) => url.replace(/^https?:\/\//, '');

const dsns = {
  decisiontelecom:
    `decisiontelecom://demo-key@${host(sim.decisionTelecom.baseUrl)}?sender=Parley` +
    `&callbackUrl=${encodeURIComponent(callbackUrl)}&webhookSecret=${randomBytes(16).toString('hex')}` +
    '&tracking.firstPollMs=400&tracking.maxIntervalMs=1500',
  wolkvox: `wolkvox://demo-token@${host(sim.wolkvox.baseUrl)}?server=0042&connector=1`,
};
console.log('Parley offline demo: provider simulator on', sim.url);
console.log(`Dev phone (open in a browser to watch it live): ${sim.phone.pageUrl}\n`);
console.log(`${'time'.padStart(7)}  ${'provider'.padEnd(15)} ${'event'.padEnd(40)} detail`);

const dt = createMessenger(dsns.decisiontelecom, { providers });
const wv = createMessenger(dsns.wolkvox, { providers });
const summary = new Map();
const finals = new Map();

for (const messenger of [dt, wv]) {
  summary.set(messenger.provider, { accepted: 0, refused: {}, statuses: {} });
  messenger.on('status', (u) => {
    const s = summary.get(u.provider);
    s.statuses[u.status] = (s.statuses[u.status] ?? 0) + 1;
    if (u.final) finals.set(u.id, u.status);
    const raw = u.providerStatus === undefined ? '' : `  (provider status ${u.providerStatus})`;
    log(u.provider, `status ${u.status}${u.final ? ' (final)' : ''}`, `${u.id.slice(0, 12)}…${raw}`);
  });
  messenger.on('error', (e) => log(messenger.provider, `background ${e.code}`, e.message));
}

/** The same scenario for any provider: only the configuration differs. */
async function scenario(messenger, to) {
  const messages = [
    { type: 'template', to, name: 'order_ready', language: 'es', variables: ['Ana', '#1042'] },
    { type: 'text', to, text: 'Your order #1042 is ready for pickup.' },
    { type: 'image', to, url: 'https://cdn.example.com/orders/1042.jpg', caption: 'Order #1042' },
    { type: 'text', to: '+1 555', text: 'An impossible number' },
  ];
  const ids = [];
  for (const message of messages) {
    try {
      const result = await messenger.send(message);
      summary.get(messenger.provider).accepted++;
      ids.push(result.id);
      log(
        messenger.provider,
        `sent ${message.type}`,
        `${result.id.slice(0, 12)}…  provider id ${result.providerMessageId ?? '(none)'}`,
      );
    } catch (error) {
      if (!(error instanceof ParleyError)) throw error;
      const refused = summary.get(messenger.provider).refused;
      refused[error.code] = (refused[error.code] ?? 0) + 1;
      log(messenger.provider, `refused ${message.type}: ${error.code}`, error.message);
    }
  }
  return ids;
}

const dtIds = await scenario(dt, '+57 300 123 4567');
const wvIds = await scenario(wv, '+57 301 765 4321');

// Wolkvox takes free-form text only after the customer answered a template: here the customer
// answers on the dev phone (as you would by typing in the page's "Reply as customer" box), which
// opens the 24-hour window, so the retried text now goes through.
sim.phone.reply({ to: '+57 301 765 4321', provider: 'wolkvox', text: 'Great, I can pick it up at 6 pm. Is that OK?' });
log('wolkvox', 'customer replied on the dev phone', '24-hour window open');
try {
  const retry = await wv.send({
    type: 'text',
    to: '+57 301 765 4321',
    text: 'Thanks for replying! Your order is ready.',
  });
  summary.get('wolkvox').accepted++;
  wvIds.push(retry.id);
  log('wolkvox', 'sent text (window now open)', `${retry.id.slice(0, 12)}…`);
} catch (error) {
  log('wolkvox', `refused text: ${error.code}`, error.message);
}

// Let DecisionTelecom's statuses run their course (callbacks and polling feed the same stream).
const deadline = Date.now() + 8_000;
while (Date.now() < deadline && dtIds.some((id) => !finals.has(id))) {
  await new Promise((resolve) => setTimeout(resolve, 100));
}

await Promise.all([dt.close(), wv.close()]);
await new Promise((resolve) => hooks.close(resolve));
const callbacks = sim.decisionTelecom.callbacksSent;
if (!keep) await sim.close();

console.log('\nSummary');
for (const [provider, s] of summary) {
  const refused =
    Object.entries(s.refused)
      .map(([code, n]) => `${code} ×${n}`)
      .join(', ') || 'none';
  const statuses = Object.entries(s.statuses)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  console.log(`  ${provider.padEnd(15)} accepted ${s.accepted}; refused ${refused}; status events: ${statuses}`);
}
const open = dtIds.filter((id) => !finals.has(id)).length;
console.log(`  DecisionTelecom callbacks delivered: ${callbacks}; messages still not final: ${open}`);
console.log(`  Wolkvox reports no status after accepted (it has no status API).`);
console.log(`\nDone in ${seconds().trim()} s.`);

if (keep) {
  console.log(`\nThe dev phone stays open at ${sim.phone.pageUrl} with the demo's conversations. Ctrl-C to stop.`);
  await new Promise((resolve) => process.once('SIGINT', resolve));
  await sim.close();
  console.log('simulator stopped');
} else {
  console.log(`(Run \`pnpm demo --keep\` to keep the dev phone open in a browser.)`);
}
