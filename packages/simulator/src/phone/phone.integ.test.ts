import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator, SimulatorOptions } from '../options.js';
import { startSimulator } from '../server.js';
import { b64, basic, fakeClock, post } from '../test-util.js';

const AUTH = basic(b64('key'));
const WV = { 'wolkvox-token': 'token' };
const TEXT = { source_addr: 'Acme', destination_addr: 573005550001, message_type: 1, text: 'Hello Ana' };
const TEMPLATE = {
  source_addr: 'Acme',
  destination_addr: '573005550001',
  message_type: 4,
  template_name: 'order_ready',
  template_params: JSON.stringify({
    to: '573005550001',
    type: 'template',
    template: {
      name: 'order_ready',
      language: { policy: 'deterministic', code: 'es' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana' },
            { type: 'text', text: '#1042' },
          ],
        },
      ],
    },
  }),
};
const IMAGE = {
  source_addr: 'Acme',
  destination_addr: 573005550001,
  message_type: 2,
  file_url: 'http://127.0.0.1:1/a.jpg',
  text: 'Cap',
};

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});
async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator(options);
  return sim;
}
const dtSend = (s: Simulator, body: unknown) => post(`${s.decisionTelecom.baseUrl}/send-whatsapp`, body, AUTH);
const wvSend = (s: Simulator, api: string, body: unknown) =>
  post(`${s.wolkvox.baseUrl}/whatsapp.php?api=${api}`, body, WV);

/** Reads Server-Sent Events from `url` until `done(events)` says enough. */
function readEvents(url: string, done: (events: { event: string; data: any }[]) => boolean) {
  const events: { event: string; data: any }[] = [];
  let close = () => {};
  const finished = new Promise<typeof events>((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data !== undefined) events.push({ event, data: JSON.parse(data) });
        }
        if (done(events)) {
          req.destroy();
          resolve(events);
        }
      });
    });
    req.on('error', (error) => (events.length > 0 ? resolve(events) : reject(error)));
    req.end();
    close = () => req.destroy();
  });
  return { finished, close: () => close() };
}

describe('the dev phone: what the page shows', () => {
  it('serves the page to browsers at the root URL and keeps JSON for everyone else', async () => {
    const s = await start();
    const page = await fetch(`${s.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('aria-label="Reply as customer"');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/); // nothing fetched from elsewhere
    const json = await fetch(`${s.url}/`);
    expect(await json.json()).toEqual({
      name: '@parley/simulator',
      decisionTelecom: s.decisionTelecom.baseUrl,
      wolkvox: s.wolkvox.baseUrl,
      whatsappCloud: s.whatsappCloud.baseUrl,
      phone: `${s.url}/`,
    });
    expect(s.phone.pageUrl).toBe(`${s.url}/`);
  });

  it('reads each send as a bubble: E.164 number, text, image, template with its language and variables', async () => {
    const s = await start();
    await dtSend(s, TEXT);
    await dtSend(s, TEMPLATE);
    await dtSend(s, IMAGE);
    await wvSend(s, 'send_template_official', {
      connector_id: '7',
      telephone: '+57 300 555 0002',
      template_name: 'welcome',
      template_vars: 'Ana;20%',
    });
    const [text, template, image, wv] = s.phone.messages;
    expect(text).toMatchObject({
      provider: 'decisiontelecom',
      account: 'Acme',
      to: '+573005550001',
      direction: 'outbound',
      kind: 'text',
      text: 'Hello Ana',
      status: 'pending',
      providerStatus: '6',
      providerMessageId: '1000',
    });
    expect(template).toMatchObject({
      kind: 'template',
      template: { name: 'order_ready', language: 'es', variables: ['Ana', '#1042'] },
    });
    expect(image).toMatchObject({ kind: 'image', imageUrl: 'http://127.0.0.1:1/a.jpg', text: 'Cap' });
    expect(wv).toMatchObject({
      provider: 'wolkvox',
      account: '7',
      to: '+573005550002',
      kind: 'template',
      template: { name: 'welcome', variables: ['Ana', '20%'] },
      status: 'accepted',
      providerStatus: '201',
    });
  });

  it('shows refused requests, with the provider’s error, in the conversation of their number; status polls are not messages', async () => {
    const s = await start();
    await dtSend(s, TEXT);
    await post(`${s.decisionTelecom.baseUrl}/receive-whatsapp`, { message_id: 1000 }, AUTH);
    await dtSend(s, { ...TEXT, text: '' });
    await wvSend(s, 'send_message_official', { connector_id: '7', telephone: '573005550002', message: 'Too early' });
    expect(s.phone.messages).toHaveLength(3);
    const [, refused, window] = s.phone.messages;
    expect(refused).toMatchObject({
      to: '+573005550001',
      status: 'rejected',
      providerStatus: '400',
      error: { httpStatus: 400, message: expect.stringMatching(/^HTTP 400: Invalid Parameter: \[text\]/) },
    });
    expect(window?.error?.message).toMatch(/HTTP 403: FORBIDDEN — THE 24-HOUR CONVERSATION WINDOW IS CLOSED/);
    const conversations = s.phone.conversations();
    expect(conversations.map((c) => [c.provider, c.account, c.to, c.messages])).toEqual([
      ['wolkvox', '7', '+573005550002', 1],
      ['decisiontelecom', 'Acme', '+573005550001', 2],
    ]);
    // Refused ones are found only when asked for.
    expect(s.phone.find({ to: '573005550001' })).toHaveLength(1);
    expect(s.phone.find({ to: '573005550001', refused: true })).toHaveLength(2);
  });

  it('one conversation per number and provider account, newest first; search by number or text', async () => {
    const s = await start();
    await dtSend(s, TEXT);
    await dtSend(s, { ...TEXT, source_addr: 'Other', text: 'Invoice ready' });
    await dtSend(s, { ...TEXT, destination_addr: 573005550009, text: 'Parcel' });
    const list = (q?: string) => s.phone.conversations(q).map((c) => `${c.account} ${c.to}`);
    expect(list()).toEqual(['Acme +573005550009', 'Other +573005550001', 'Acme +573005550001']);
    expect(list('0009')).toEqual(['Acme +573005550009']);
    expect(list('+57 300 555 0001')).toEqual(['Other +573005550001', 'Acme +573005550001']);
    expect(list('invoice')).toEqual(['Other +573005550001']);
    const viaHttp = await fetch(`${s.url}/_sim/conversations?q=parcel`);
    expect(((await viaHttp.json()) as any).conversations.map((c: any) => c.to)).toEqual(['+573005550009']);
  });

  it('keeps the newest maxMessages messages', async () => {
    const s = await start({ maxMessages: 3 });
    for (let i = 0; i < 5; i++) await dtSend(s, { ...TEXT, text: `n${i}` });
    expect(s.phone.messages.map((m) => m.text)).toEqual(['n2', 'n3', 'n4']);
    expect(s.phone.get('m1')).toBeUndefined();
    expect(s.phone.get('1004')?.text).toBe('n4');
    await expect(startSimulator({ maxMessages: 0 })).rejects.toThrow(/maxMessages/);
  });

  it('follows DecisionTelecom statuses as they move, and hand moves', async () => {
    const clock = fakeClock();
    const s = await start({
      now: clock.now,
      decisionTelecom: { progression: { stepMs: 1000, outcomes: { seen: 1 } } },
    });
    await dtSend(s, TEXT);
    expect(s.phone.get('m1')?.status).toBe('pending');
    clock.advance(1000);
    expect(s.phone.get('m1')?.status).toBe('sent');
    clock.advance(2000);
    expect(s.phone.get('m1')).toMatchObject({ status: 'read', providerStatus: '7' });

    await dtSend(s, TEXT);
    const moved = await post(`${s.url}/_sim/status`, { id: 'm2', status: 'failed' });
    expect(moved.json.message).toMatchObject({ id: 'm2', status: 'failed', providerStatus: '4' });
    expect(s.decisionTelecom.messages.get(1001)).toMatchObject({ status: 4, overridden: true });
    s.decisionTelecom.setStatus(1001, 1); // straight through the provider side: the phone follows
    expect(s.phone.get('m2')?.status).toBe('delivered');
    expect((await post(`${s.url}/_sim/status`, { id: 'm2', status: 'lost' })).status).toBe(400);
    expect(() => s.phone.setStatus('m99', 'read')).toThrow(/no such message/);
  });
});

describe('the dev phone: acting as customer and provider', () => {
  it('a reply as the customer opens Wolkvox’s 24-hour window for that number', async () => {
    const s = await start();
    await wvSend(s, 'send_template_official', {
      connector_id: '7',
      telephone: '573005550002',
      template_name: 'hi',
      template_vars: '',
    });
    expect(s.wolkvox.isWindowOpen('573005550002')).toBe(false);
    const reply = await post(`${s.url}/_sim/reply`, { to: '+57 300 555 0002', text: 'Yes!' });
    expect(reply.status).toBe(200);
    expect(reply.json.message).toMatchObject({
      direction: 'inbound',
      provider: 'wolkvox',
      account: '7',
      to: '+573005550002',
      text: 'Yes!',
    });
    expect(s.wolkvox.isWindowOpen('573005550002')).toBe(true);
    const text = await wvSend(s, 'send_message_official', {
      connector_id: '7',
      telephone: '573005550002',
      message: 'ok',
    });
    expect(text.status).toBe(200);
    expect((await post(`${s.url}/_sim/reply`, { to: 'abc', text: 'x' })).json.error).toMatch(/reply\.to/);
    expect(() => s.phone.reply({ to: '573005550002', text: '' })).toThrow(/reply\.text/);
  });

  it('arms faults for the next requests and changes latency over HTTP', async () => {
    const s = await start();
    const armed = await post(`${s.url}/_sim/faults`, { provider: 'decisiontelecom', kind: 'rate_limit' });
    expect(armed.json.faults.decisiontelecom).toEqual([{ kind: 'rate_limit', endpoint: 'send', times: 1 }]);
    const limited = await dtSend(s, TEXT);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await dtSend(s, TEXT)).status).toBe(200);

    s.phone.fault({ provider: 'wolkvox', kind: 'concurrency', times: 2 });
    expect(s.phone.pendingFaults.wolkvox).toEqual([{ kind: 'concurrency', endpoint: 'any', times: 2 }]);
    const busy = await wvSend(s, 'send_message_official', { connector_id: '7', telephone: '57300', message: 'x' });
    expect(busy.json.msg).toMatch(/SIMULTANEOUS REQUESTS/);
    s.phone.fault({ provider: 'decisiontelecom', kind: 'server_error' });
    expect((await dtSend(s, TEXT)).status).toBe(500);
    s.phone.fault({ provider: 'decisiontelecom', kind: 'drop' });
    await expect(dtSend(s, TEXT)).rejects.toThrow();
    expect(s.phone.messages.at(-1)?.error).toMatchObject({
      httpStatus: undefined,
      message: 'connection reset: no answer',
    });

    expect((await post(`${s.url}/_sim/faults`, { provider: 'wolkvox', kind: 'nope' })).status).toBe(400);
    expect((await post(`${s.url}/_sim/faults`, { provider: 'x', kind: 'drop' })).status).toBe(400);
    const latency = await post(`${s.url}/_sim/latency`, { latencyMs: 5 });
    expect(latency.json).toEqual({ latencyMs: 5 });
    expect(((await (await fetch(`${s.url}/_sim/faults`)).json()) as any).latencyMs).toBe(5);
    expect((await post(`${s.url}/_sim/latency`, { latencyMs: -1 })).status).toBe(400);
  });

  it('clears everything: messages, requests, provider state', async () => {
    const s = await start();
    await dtSend(s, TEXT);
    s.phone.fault({ provider: 'decisiontelecom', kind: 'balance' });
    expect((await post(`${s.url}/_sim/reset`, {})).json).toEqual({ ok: true });
    expect(s.phone.messages).toEqual([]);
    expect(s.decisionTelecom.requests).toEqual([]);
    expect(s.phone.pendingFaults.decisiontelecom).toEqual([]);
    // sim.reset() and one side's reset() clear what the phone shows of it.
    await dtSend(s, TEXT);
    await wvSend(s, 'send_template_official', {
      connector_id: '7',
      telephone: '5730',
      template_name: 'a',
      template_vars: '',
    });
    s.wolkvox.reset();
    expect(s.phone.messages.map((m) => m.provider)).toEqual(['decisiontelecom']);
    s.reset();
    expect(s.phone.messages).toEqual([]);
  });
});

describe('the dev phone: for tests', () => {
  it('waitForMessage resolves with a message already there or still to come', async () => {
    const s = await start({ decisionTelecom: { progression: { stepMs: 20, outcomes: { seen: 1 } } } });
    await dtSend(s, TEXT);
    await expect(s.waitForMessage({ to: '+57 300 555 0001', text: 'Ana' })).resolves.toMatchObject({ id: 'm1' });
    const later = s.phone.waitForMessage({ to: '573005550001', text: /^Second/ });
    await dtSend(s, { ...TEXT, text: 'Second one' });
    await expect(later).resolves.toMatchObject({ text: 'Second one' });
    await expect(s.waitForMessage({ to: '573005550001', text: 'Second', status: 'read' })).resolves.toMatchObject({
      status: 'read',
    });
    const waited = await fetch(`${s.url}/_sim/wait?to=573005550001&text=Second`);
    expect(((await waited.json()) as any).message.text).toBe('Second one');
  });

  it('waitForMessage fails after its timeout with an error that says what was awaited, never the number or text', async () => {
    const s = await start();
    await dtSend(s, TEXT);
    const error = await s.waitForMessage({ to: '573005550001', text: 'never sent', timeoutMs: 30 }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe(
      'simulator: waitForMessage timed out after 30 ms: no message matched the given number, the given text (1 message(s) to that number were seen); 1 message(s) kept in all',
    );
    expect(error.message).not.toMatch(/573005550001|never sent/);
    expect((await fetch(`${s.url}/_sim/wait?to=1&timeoutMs=10`)).status).toBe(408);
  });

  it('streams changes to pages as Server-Sent Events', async () => {
    const s = await start({ decisionTelecom: { progression: { stepMs: 30, outcomes: { seen: 1 } } } });
    const stream = readEvents(`${s.url}/_sim/events`, (events) =>
      events.some(
        (e) =>
          e.data.statuses?.some((t: any) => t[1] === 'read') || e.data.messages?.some((m: any) => m.status === 'read'),
      ),
    );
    await expect.poll(() => s.phone.openPages).toBe(1);
    await dtSend(s, TEXT);
    const events = await stream.finished;
    // The new message whole first, then its changes as [id, status, providerStatus, rev]
    // (coalesced: a flush carries a message's latest state only).
    const first = events.find((e) => e.data.messages?.length > 0);
    expect(first?.data.messages[0]).toMatchObject({ id: 'm1', text: 'Hello Ana' });
    const order = ['pending', 'sent', 'delivered', 'read'];
    const seen = events.flatMap((e) => [
      ...(e.data.messages ?? []).map((m: any) => m.status),
      ...(e.data.statuses ?? []).map((t: any) => t[1]),
    ]);
    expect(seen.map((x) => order.indexOf(x))).toEqual([...seen.map((x) => order.indexOf(x))].sort());
    expect(
      events
        .flatMap((e) => e.data.statuses ?? [])
        .at(-1)
        .slice(0, 3),
    ).toEqual(['m1', 'read', '7']);
    expect(events.every((e) => e.data.extra?.faults !== undefined)).toBe(true);
    await expect.poll(() => s.phone.openPages).toBe(0);
  });
});
