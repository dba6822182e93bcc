// The dev phone in a real browser: Debian's chromium, headless, driven through playwright-core
// (never a browser download), against a simulator fed by real messengers (core + adapters).
// The page may load loopback URLs only; anything else is aborted.
import { existsSync } from 'node:fs';
import { type InboundMessage, ParleyError, type StatusUpdate } from '@parley/core';
import type { Simulator } from '@parley/simulator';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dsnHost, failure, Resources } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const DT_TO = '+57 300 555 0001';
const WV_TO = '+57 300 555 0002';
const CLOUD_TO = '+57 300 555 0004';

const res = new Resources();
/** `expect.poll` with room for a loaded CI machine (the condition is usually met at once). */
const poll = <T>(fn: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: 8_000, ...options });
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  for (const page of pages.splice(0)) await page.close();
  await res.closeAll();
});

async function open(sim: Simulator): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  pages.push(page);
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' ? route.continue() : route.abort();
  });
  await page.goto(`${sim.url}/`);
  await poll(() => sim.phone.openPages).toBe(1);
  return page;
}

function dtMessenger(sim: Simulator) {
  return res.messenger(
    `decisiontelecom://browser-key@${dsnHost(sim.decisionTelecom.baseUrl)}?sender=Acme&tracking.firstPollMs=50&tracking.maxIntervalMs=100`,
  );
}
function wvMessenger(sim: Simulator) {
  return res.messenger({
    provider: 'wolkvox',
    token: 'browser-token',
    server: '0042',
    connectorId: '7',
    baseUrl: sim.wolkvox.baseUrl,
    retry: { maxAttempts: 1 },
  });
}

describe('the dev phone in chromium', () => {
  it('shows a real messenger’s message and its ticks as the status moves', async () => {
    // Progression so slow that only the hand moves change the status.
    const sim = await res.simulator({ decisionTelecom: { progression: { stepMs: 3_600_000 } } });
    const page = await open(sim);
    const messenger = dtMessenger(sim);
    const sent = await messenger.send({ type: 'text', to: DT_TO, text: 'Your order is ready' });

    const conversation = page.locator('.conv', { hasText: '+573005550001' });
    await poll(() => conversation.count()).toBe(1);
    await poll(() => conversation.textContent()).toContain('DecisionTelecom · Acme');
    const bubble = page.locator('.bubble', { hasText: 'Your order is ready' });
    await poll(() => bubble.getAttribute('data-status')).toBe('pending');
    expect(await bubble.locator('.status-label').textContent()).toBe('Pending');
    expect(await bubble.locator('.tick').getAttribute('title')).toMatch(/DecisionTelecom status 6/);

    // By hand, as the provider: delivered (two grey ticks), then read (two blue ticks).
    await page.locator('.row', { has: bubble }).hover();
    await page.getByRole('button', { name: 'Mark delivered' }).click();
    await poll(() => bubble.getAttribute('data-status')).toBe('delivered');
    expect(await bubble.locator('.tick').getAttribute('class')).toBe('tick delivered');
    expect(await bubble.locator('.tick path').count()).toBe(2);
    expect(await bubble.locator('.tick').getAttribute('title')).toMatch(/status 1 \(delivered\)/);

    // The provider's change reaches the messenger too (status polling).
    await poll(async () => (await messenger.getStatus(sent.id)).status).toBe('delivered');

    await page.locator('.row', { has: bubble }).hover();
    await page.getByRole('button', { name: 'Mark read' }).click();
    await poll(() => bubble.getAttribute('data-status')).toBe('read');
    expect(await bubble.locator('.status-label').textContent()).toBe('Read');
    const color = () =>
      bubble.locator('.tick').evaluate((el) => (globalThis as any).getComputedStyle(el).color as string);
    await poll(color).toBe('rgb(83, 189, 235)'); // WhatsApp's blue
  });

  it('shows statuses that move by themselves, and refused requests with the provider’s error', async () => {
    const sim = await res.simulator({
      decisionTelecom: { progression: { stepMs: 150, outcomes: { failed: 1 } } },
    });
    const page = await open(sim);
    const messenger = dtMessenger(sim);
    await messenger.send({ type: 'text', to: DT_TO, text: 'This one will fail' });
    const bubble = page.locator('.bubble', { hasText: 'This one will fail' });
    await poll(() => bubble.getAttribute('data-status')).toBe('failed');
    const color = () =>
      bubble.locator('.tick').evaluate((el) => (globalThis as any).getComputedStyle(el).color as string);
    await poll(color).toBe('rgb(234, 0, 56)'); // red

    sim.decisionTelecom.failNext('balance');
    const error = await failure(messenger.send({ type: 'text', to: DT_TO, text: 'No balance left' }));
    expect(error.code).toBe('INSUFFICIENT_BALANCE');
    const refused = page.locator('.bubble', { hasText: 'No balance left' });
    await poll(() => refused.getAttribute('data-status')).toBe('rejected');
    expect(await refused.getAttribute('data-refused')).toBe('true');
    expect(await refused.locator('.error').textContent()).toMatch(/Refused by DecisionTelecom.*HTTP 402/);
    // In the conversation of its number, beside the first message.
    expect(await page.locator('.conv').count()).toBe(1);
  });

  it('a reply typed in the page opens Wolkvox’s window, so the next free-form text is accepted', async () => {
    const sim = await res.simulator();
    const page = await open(sim);
    const messenger = wvMessenger(sim);
    await messenger.send({ type: 'template', to: WV_TO, name: 'order_ready', variables: ['Ana', '#1042'] });
    const before = await failure(messenger.send({ type: 'text', to: WV_TO, text: 'Too early' }));
    expect(before.code).toBe('SESSION_WINDOW_CLOSED');

    const template = page.locator('.bubble', { hasText: 'order_ready' });
    await poll(() => template.getAttribute('data-status')).toBe('accepted');
    expect(await template.locator('.vars').textContent()).toBe('{{1}} Ana{{2}} #1042');
    await poll(() => page.locator('.bubble[data-refused]', { hasText: 'Too early' }).count()).toBe(1);

    const box = page.getByRole('textbox', { name: 'Reply as customer' });
    await box.fill('Yes, I am here');
    await box.press('Enter');
    await poll(() => page.locator('.in .bubble', { hasText: 'Yes, I am here' }).count()).toBe(1);
    expect(sim.wolkvox.isWindowOpen('573005550002')).toBe(true);

    await expect(messenger.send({ type: 'text', to: WV_TO, text: 'Now it goes through' })).resolves.toMatchObject({
      status: 'accepted',
    });
    await poll(() => page.locator('.bubble[data-status="accepted"]', { hasText: 'Now it goes through' }).count()).toBe(
      1,
    );
  });

  it('a fault toggled in the page makes the next send fail as chosen', async () => {
    const sim = await res.simulator();
    const page = await open(sim);
    const dt = dtMessenger(sim);
    const wv = wvMessenger(sim);
    await page.getByRole('button', { name: 'Faults' }).click();

    await page.getByRole('combobox', { name: 'Fault provider' }).selectOption('decisiontelecom');
    await page.getByRole('combobox', { name: 'Fault kind' }).selectOption('rate_limit');
    await page.getByRole('button', { name: 'Fail next' }).click();
    await poll(() => sim.phone.pendingFaults.decisiontelecom.length).toBe(1);
    const limited = await failure(
      res
        .messenger({
          provider: 'decisiontelecom',
          apiKey: 'browser-key',
          sender: 'Acme',
          baseUrl: sim.decisionTelecom.baseUrl,
          tracking: false,
          retry: { maxAttempts: 1 },
        })
        .send({ type: 'text', to: DT_TO, text: 'Limited' }),
    );
    expect(limited).toBeInstanceOf(ParleyError);
    expect(limited.code).toBe('RATE_LIMITED');
    expect(sim.decisionTelecom.requests.at(-1)?.status).toBe(429);
    await expect(dt.send({ type: 'text', to: DT_TO, text: 'Fine again' })).resolves.toBeDefined();

    await page.getByRole('combobox', { name: 'Fault provider' }).selectOption('wolkvox');
    await page.getByRole('combobox', { name: 'Fault kind' }).selectOption('daily_limit');
    await page.getByRole('button', { name: 'Fail next' }).click();
    await poll(() => page.locator('#armed').textContent()).toContain('daily quota');
    const quota = await failure(wv.send({ type: 'template', to: WV_TO, name: 'hello', variables: [] }));
    expect(quota.code).toBe('QUOTA_EXCEEDED');
    await page.locator('.conv', { hasText: '+573005550002' }).click();
    await poll(() => page.locator('.bubble[data-refused]', { hasText: 'TOKEN LIMIT EXCEEDED' }).count()).toBe(1);
    await poll(() => page.locator('#armed').textContent()).toContain('none armed');
  });

  it('the Cloud API: a real messenger’s template with ticks from the status webhooks; a reply typed in the page reaches it as a message', async () => {
    const sim = await res.simulator({ whatsappCloud: { accessToken: 'browser-cloud-token', stepMs: 3_600_000 } });
    const hooks = await res.hookServer();
    const messenger = res.messenger({
      provider: 'whatsapp-cloud',
      accessToken: 'browser-cloud-token',
      phoneNumberId: '106540352242922',
      appSecret: 'browser-cloud-app-secret',
      verifyToken: 'browser-cloud-verify',
      baseUrl: sim.whatsappCloud.baseUrl,
      retry: { maxAttempts: 1 },
    });
    hooks.mount(messenger.webhook!);
    sim.whatsappCloud.setWebhook(hooks.url, 'browser-cloud-app-secret');
    const inbound: InboundMessage[] = [];
    const statuses: StatusUpdate[] = [];
    messenger.on('message', (m) => inbound.push(m));
    messenger.on('status', (u) => statuses.push(u));
    const page = await open(sim);

    const sent = await messenger.send({
      type: 'template',
      to: CLOUD_TO,
      name: 'pedido_enviado',
      language: 'es',
      variables: ['Ana'],
    });
    const conversation = page.locator('.conv', { hasText: '+573005550004' });
    await poll(() => conversation.textContent()).toContain('WhatsApp Cloud API · 106540352242922');
    const bubble = page.locator('.bubble', { hasText: 'pedido_enviado' });
    await poll(() => bubble.getAttribute('data-status')).toBe('accepted');
    expect(await bubble.locator('.status-label').textContent()).toBe('Accepted');
    expect(await bubble.locator('.vars').textContent()).toBe('{{1}} Ana');

    // By hand, as Meta: each move is a signed status webhook the messenger takes.
    await page.locator('.row', { has: bubble }).hover();
    await page.getByRole('button', { name: 'Mark delivered' }).click();
    await poll(() => bubble.getAttribute('data-status')).toBe('delivered');
    expect(await bubble.locator('.tick path').count()).toBe(2);
    expect(await bubble.locator('.tick').getAttribute('title')).toMatch(/status webhook: delivered, wamid\./);
    await poll(() => statuses.filter((u) => u.id === sent.id).map((u) => u.status)).toContain('delivered');
    await page.locator('.row', { has: bubble }).hover();
    await page.getByRole('button', { name: 'Mark read' }).click();
    await poll(() => bubble.getAttribute('data-status')).toBe('read');
    expect(await bubble.locator('.status-label').textContent()).toBe('Read');
    await poll(() =>
      bubble.locator('.tick').evaluate((el) => (globalThis as any).getComputedStyle(el).color as string),
    ).toBe('rgb(83, 189, 235)');
    await poll(() => statuses.filter((u) => u.id === sent.id).map((u) => u.status)).toEqual([
      'accepted',
      'delivered',
      'read',
    ]);

    // Free-form text before the customer wrote: refused with Meta's 131047, shown in the conversation.
    const early = await failure(messenger.send({ type: 'text', to: CLOUD_TO, text: 'Too early' }));
    expect(early.code).toBe('SESSION_WINDOW_CLOSED');
    const refused = page.locator('.bubble[data-refused]', { hasText: 'Too early' });
    await poll(() => refused.locator('.error').textContent()).toMatch(/Refused by WhatsApp Cloud API.*131047/);

    const box = page.getByRole('textbox', { name: 'Reply as customer' });
    await box.fill('¿Cuándo llega?');
    await box.press('Enter');
    await poll(() => inbound.map((m) => m.text)).toEqual(['¿Cuándo llega?']);
    expect(inbound[0]).toMatchObject({ provider: 'whatsapp-cloud', from: '573005550004', type: 'text' });
    await poll(() => page.locator('.in .bubble[data-status="delivered"]', { hasText: '¿Cuándo llega?' }).count()).toBe(
      1,
    );
    await poll(() => page.locator('#chat-window').textContent()).toBe('24-hour window open');
    // The window is open: the next free-form text goes through.
    await expect(messenger.send({ type: 'text', to: CLOUD_TO, text: 'Mañana' })).resolves.toMatchObject({
      status: 'accepted',
    });
    await poll(() => page.locator('.bubble[data-status="accepted"]', { hasText: 'Mañana' }).count()).toBe(1);
  });

  it('search filters conversations by number or text, and Clear all empties the phone', async () => {
    const sim = await res.simulator();
    const page = await open(sim);
    const dt = dtMessenger(sim);
    await dt.send({ type: 'text', to: '+57 300 555 0011', text: 'About your invoice' });
    await dt.send({ type: 'text', to: '+57 300 555 0022', text: 'About your parcel' });
    await dt.send({ type: 'text', to: '+57 300 555 0033', text: 'Hello there' });
    const names = () => page.locator('.conv .conv-name').allTextContents();
    await poll(names).toEqual(['+573005550033', '+573005550022', '+573005550011']); // newest first

    const search = page.getByRole('searchbox', { name: 'Search conversations' });
    await search.fill('0022');
    await poll(names).toEqual(['+573005550022']);
    await search.fill('invoice');
    await poll(names).toEqual(['+573005550011']);
    await search.fill('about');
    await poll(names).toEqual(['+573005550022', '+573005550011']);
    await search.fill('');
    await poll(names).toHaveLength(3);

    await page.getByRole('button', { name: 'Clear all' }).click();
    await poll(names).toEqual([]);
    expect(sim.phone.messages).toEqual([]);
    expect(sim.decisionTelecom.messages.size).toBe(0);
  });
});
