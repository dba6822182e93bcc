import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../fingerprint.js';
import type { Simulator, SimulatorOptions } from '../options.js';
import { startSimulator } from '../server.js';
import { fakeClock, post } from '../test-util.js';

const TOKEN = 'wv-token';
const HEADERS = { 'wolkvox-token': TOKEN };
const TEXT = { connector_id: '1', telephone: '573001234567', message: 'Hello' };
const TEMPLATE = { connector_id: '1', telephone: '573001234567', template_name: 'welcome', template_vars: 'Ana;42' };
const SENT = { code: 201, error: null, msg: 'Message has been sent successfully' };

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ ...options, wolkvox: { token: TOKEN, ...options.wolkvox } });
  return sim;
}
const api = (s: Simulator, name: string) => `${s.wolkvox.baseUrl}/whatsapp.php?api=${name}`;

describe('Wolkvox sends', () => {
  it('accepts a template, then free-form text once the customer replied', async () => {
    const s = await start();
    const template = await post(
      api(s, 'send_template_official'),
      { ...TEMPLATE, customer_id: '9', url_attach: 'https://x.test/a.pdf' },
      HEADERS,
    );
    expect([template.status, template.json]).toEqual([200, SENT]);
    s.wolkvox.markReplied('+57 300 123 4567');
    const text = await post(api(s, 'send_message_official'), TEXT, HEADERS);
    expect([text.status, text.json]).toEqual([200, SENT]);
    expect(s.wolkvox.sent.map((m) => m.api)).toEqual(['send_template_official', 'send_message_official']);
    expect(s.wolkvox.sent[0]).toMatchObject({ templateName: 'welcome', templateVars: 'Ana;42', customerId: '9' });
    expect(s.wolkvox.counts).toMatchObject({ received: 2, accepted: 2, rejected: 0 });
  });

  it('accepts a template without variables (template_vars empty)', async () => {
    const s = await start();
    const r = await post(api(s, 'send_template_official'), { ...TEMPLATE, template_vars: '' }, HEADERS);
    expect(r.status).toBe(200);
  });

  it.each([
    ['connector_id', 1],
    ['telephone', 573001234567],
    ['template_vars', 7],
  ])('refuses a non-string %s (SOME PARAMETERS ARE REQUIRED): every body value is a string', async (field, value) => {
    const s = await start();
    const r = await post(api(s, 'send_template_official'), { ...TEMPLATE, [field]: value }, HEADERS);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toContain('SOME PARAMETERS ARE REQUIRED');
  });
});

describe('Wolkvox error rows', () => {
  const error = (code: number, name: string, msg: string) => ({ code, error: name, msg });

  it('answers an unknown api with 400 THE API YOU WANT TO CONSULT DOES NOT EXIST', async () => {
    const s = await start();
    for (const url of [api(s, 'send_sms'), `${s.wolkvox.baseUrl}/whatsapp.php`]) {
      const r = await post(url, TEXT, HEADERS);
      expect([r.status, r.json]).toEqual([
        400,
        error(400, 'BAD REQUEST', 'THE API YOU WANT TO CONSULT DOES NOT EXIST'),
      ]);
    }
  });

  it.each([
    ['send_message_official', { ...TEXT, message: '' }],
    ['send_message_official', { ...TEXT, telephone: undefined }],
    ['send_message_official', { ...TEXT, connector_id: ' ' }],
    ['send_template_official', { ...TEMPLATE, template_name: undefined }],
    ['send_template_official', { ...TEMPLATE, template_vars: undefined }],
    ['send_template_official', { ...TEMPLATE, customer_id: {} }],
    ['send_template_official', 'not json'],
  ])('answers %s with a missing or empty field with 400 SOME PARAMETERS ARE REQUIRED', async (name, body) => {
    const s = await start({ wolkvox: { enforceWindow: false } });
    const r = await post(api(s, name), body, HEADERS);
    expect([r.status, r.json]).toEqual([400, error(400, 'BAD REQUEST', 'SOME PARAMETERS ARE REQUIRED')]);
  });

  it('answers a missing token with 401 and a wrong one with 403 PLEASE VALIDATE TOKEN', async () => {
    const s = await start();
    const missing = await post(api(s, 'send_template_official'), TEMPLATE);
    expect([missing.status, missing.json]).toEqual([401, error(401, 'UNAUTHORIZED', 'PLEASE ENTER THE WOLKVOX-TOKEN')]);
    const wrong = await post(api(s, 'send_template_official'), TEMPLATE, { 'wolkvox-token': 'nope' });
    expect([wrong.status, wrong.json]).toEqual([403, error(403, 'FORBIDDEN', 'PLEASE VALIDATE TOKEN')]);
  });

  it('accepts any non-empty token when none is configured', async () => {
    sim = await startSimulator();
    expect((await post(api(sim, 'send_template_official'), TEMPLATE, { 'wolkvox-token': 'anything' })).status).toBe(
      200,
    );
    expect((await post(api(sim, 'send_template_official'), TEMPLATE, { 'wolkvox-token': '' })).status).toBe(401);
  });

  it('refuses a third simultaneous request for one token with the documented 403', async () => {
    const s = await start({ latencyMs: 100 });
    const replies = await Promise.all([1, 2, 3].map(() => post(api(s, 'send_template_official'), TEMPLATE, HEADERS)));
    const refused = replies.filter((r) => r.status === 403);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.json).toEqual(
      error(403, 'FORBIDDEN', 'EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)'),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(2);
    // Attempted: 3 were in flight at once. Admitted: never more than 2.
    expect(s.wolkvox.concurrency(TOKEN)).toEqual({ inFlight: 0, maxInFlight: 3, maxAdmitted: 2 });
    expect(s.wolkvox.maxConcurrentPerToken.get(fingerprint(TOKEN))).toBe(3);
    expect(s.wolkvox.maxAdmittedPerToken.get(fingerprint(TOKEN))).toBe(2);
    // The refused request does not count against the daily quota.
    expect(s.wolkvox.dailyUsage(TOKEN)).toBe(2);
  });

  it('a request whose client hung up keeps its slot for its whole processing time', async () => {
    const s = await start({ latencyMs: 300 });
    const url = api(s, 'send_template_official');
    const abandoned = [1, 2].map(() => {
      const controller = new AbortController();
      const sending = fetch(url, {
        method: 'POST',
        headers: { ...HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(TEMPLATE),
        signal: controller.signal,
      }).catch(() => undefined);
      return { controller, sending };
    });
    while (s.wolkvox.inFlight < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const a of abandoned) a.controller.abort();
    await Promise.all(abandoned.map((a) => a.sending));
    // Both are still being worked on: a third request now is the third at work.
    const third = await post(url, TEMPLATE, HEADERS);
    expect(third.status).toBe(403);
    expect(third.json).toEqual(error(403, 'FORBIDDEN', 'EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)'));
  });

  it('keeps tokens apart: two requests each on two tokens all pass', async () => {
    sim = await startSimulator({ latencyMs: 50, wolkvox: { token: ['a', 'b'] } });
    const s = sim;
    const replies = await Promise.all(
      ['a', 'a', 'b', 'b'].map((t) => post(api(s, 'send_template_official'), TEMPLATE, { 'wolkvox-token': t })),
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(s.wolkvox.concurrency('b').maxInFlight).toBe(2);
  });

  it('honours maxConcurrent 1 and names it', async () => {
    const s = await start({ latencyMs: 50, wolkvox: { maxConcurrent: 1 } });
    const replies = await Promise.all([1, 2].map(() => post(api(s, 'send_template_official'), TEMPLATE, HEADERS)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 403]);
    expect(replies.find((r) => r.status === 403)!.json.msg).toBe(
      'EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (1)',
    );
  });

  it('answers 403 TOKEN LIMIT EXCEEDED past the daily limit, until the next UTC day', async () => {
    const clock = fakeClock(Date.UTC(2025, 0, 1, 23, 0));
    const s = await start({ now: clock.now, wolkvox: { dailyLimit: 2 } });
    const url = api(s, 'send_template_official');
    expect((await post(url, TEMPLATE, HEADERS)).status).toBe(200);
    expect((await post(url, { ...TEMPLATE, template_name: '' }, HEADERS)).status).toBe(400);
    const over = await post(url, TEMPLATE, HEADERS);
    expect([over.status, over.json]).toEqual([403, error(403, 'FORBIDDEN', 'TOKEN LIMIT EXCEEDED')]);
    expect(s.wolkvox.dailyUsage(TOKEN)).toBe(2);
    clock.advance(60 * 60 * 1000);
    expect((await post(url, TEMPLATE, HEADERS)).status).toBe(200);
  });
});

describe('Wolkvox 24-hour window', () => {
  const closed = {
    code: 403,
    error: 'FORBIDDEN',
    msg: 'THE 24-HOUR CONVERSATION WINDOW IS CLOSED: ONLY A TEMPLATE MAY BE SENT',
  };

  it('refuses text before a template and a reply, allows it after markReplied, closes 24 h after the reply', async () => {
    const clock = fakeClock();
    const s = await start({ now: clock.now });
    const text = () => post(api(s, 'send_message_official'), TEXT, HEADERS);
    expect((await text()).json).toEqual(closed);
    expect((await text()).status).toBe(403);
    s.wolkvox.markReplied(TEXT.telephone);
    // A reply alone is not enough: Wolkvox needs a template first.
    expect((await text()).status).toBe(403);
    expect((await post(api(s, 'send_template_official'), TEMPLATE, HEADERS)).status).toBe(200);
    expect((await text()).status).toBe(200);
    expect(s.wolkvox.isWindowOpen('573001234567')).toBe(true);
    expect(s.wolkvox.isWindowOpen('573009999999')).toBe(false);
    clock.advance(24 * 60 * 60 * 1000);
    expect((await text()).json).toEqual(closed);
    s.wolkvox.markReplied(TEXT.telephone);
    expect((await text()).status).toBe(200);
  });

  it('with simulateReplies, opens the window a while after each template', async () => {
    const clock = fakeClock();
    const s = await start({ now: clock.now, wolkvox: { simulateReplies: { afterMs: 500 } } });
    expect((await post(api(s, 'send_template_official'), TEMPLATE, HEADERS)).status).toBe(200);
    expect((await post(api(s, 'send_message_official'), TEXT, HEADERS)).status).toBe(403);
    clock.advance(500);
    expect((await post(api(s, 'send_message_official'), TEXT, HEADERS)).status).toBe(200);
  });

  it('does not check the window with enforceWindow: false', async () => {
    const s = await start({ wolkvox: { enforceWindow: false } });
    expect((await post(api(s, 'send_message_official'), TEXT, HEADERS)).status).toBe(200);
  });
});

describe('Wolkvox failNext', () => {
  it.each([
    ['maintenance', 403, /MAINTENANCE/],
    ['concurrency', 403, /SIMULTANEOUS/],
    ['daily_limit', 403, /TOKEN LIMIT EXCEEDED/],
    ['auth', 403, /PLEASE VALIDATE TOKEN/],
    ['window', 403, /24-HOUR/],
    ['server_error', 502, /Bad Gateway/],
  ] as const)('%s answers %i once', async (kind, status, text) => {
    const s = await start({ wolkvox: { enforceWindow: false } });
    s.wolkvox.failNext(kind);
    const r = await post(api(s, 'send_template_official'), TEMPLATE, HEADERS);
    expect(r.status).toBe(status);
    expect(r.text).toMatch(text);
    expect((await post(api(s, 'send_template_official'), TEMPLATE, HEADERS)).status).toBe(200);
  });

  it('targets one api when asked, and several times', async () => {
    const s = await start({ wolkvox: { enforceWindow: false } });
    s.wolkvox.failNext('maintenance', { endpoint: 'send_message_official', times: 2 });
    expect((await post(api(s, 'send_template_official'), TEMPLATE, HEADERS)).status).toBe(200);
    expect((await post(api(s, 'send_message_official'), TEXT, HEADERS)).status).toBe(403);
    expect((await post(api(s, 'send_message_official'), TEXT, HEADERS)).status).toBe(403);
    expect((await post(api(s, 'send_message_official'), TEXT, HEADERS)).status).toBe(200);
  });

  it('reset forgets sends, quotas, windows and pending failures', async () => {
    const s = await start();
    await post(api(s, 'send_template_official'), TEMPLATE, HEADERS);
    s.wolkvox.markReplied(TEXT.telephone);
    s.wolkvox.failNext('maintenance');
    s.wolkvox.reset();
    expect(s.wolkvox.sent).toEqual([]);
    expect(s.wolkvox.requests).toEqual([]);
    expect(s.wolkvox.dailyUsage(TOKEN)).toBe(0);
    expect(s.wolkvox.isWindowOpen(TEXT.telephone)).toBe(false);
    expect((await post(api(s, 'send_template_official'), TEMPLATE, HEADERS)).status).toBe(200);
  });
});
