import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../options.js';
import { startSimulator } from '../server.js';
import { b64, basic, post } from '../test-util.js';

const KEY = 'secret-key';
const AUTH = basic(b64(KEY));
const TEXT = { source_addr: 'Acme', destination_addr: 573001234567, message_type: 1, text: 'Hello' };
const IMAGE = {
  source_addr: 'Acme',
  destination_addr: '573001234567',
  message_type: 2,
  file_url: 'https://x.test/a.png',
};
const templateParams = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    to: '573001234567',
    type: 'template',
    template: { namespace: 'ns', language: { policy: 'deterministic', code: 'en' }, name, components: [] },
    ...extra,
  });
const TEMPLATE = {
  source_addr: 'Acme',
  destination_addr: 573001234567,
  message_type: 4,
  template_name: 'welcome',
  template_params: templateParams('welcome'),
};

const invalid = (field: string) => ({
  name: `Invalid Parameter: [${field}]`,
  message: 'Empty parameter or parameter validation error',
  code: 1,
  status: 400,
});

let sim: Simulator;
let send: string;
beforeAll(async () => {
  sim = await startSimulator({ decisionTelecom: { apiKey: KEY } });
  send = `${sim.decisionTelecom.baseUrl}/send-whatsapp`;
});
afterAll(() => sim.close());

describe('DecisionTelecom send-whatsapp', () => {
  it('accepts a text, an image and a template, with increasing ids from 1000', async () => {
    const replies = [await post(send, TEXT, AUTH), await post(send, IMAGE, AUTH), await post(send, TEMPLATE, AUTH)];
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    const ids = replies.map((r) => r.json.message_id as number);
    expect(ids[1]).toBe(ids[0]! + 1);
    expect(ids[2]).toBe(ids[0]! + 2);
    expect(ids[0]).toBeGreaterThanOrEqual(1000);
    expect(Object.keys(replies[0]!.json)).toEqual(['message_id']);
  });

  it('accepts an image caption, a string message_type and a callback_url', async () => {
    const r = await post(
      send,
      { ...IMAGE, text: 'caption', message_type: '2', callback_url: 'http://127.0.0.1:1/cb' },
      AUTH,
    );
    expect(r.status).toBe(200);
    expect(sim.decisionTelecom.messages.get(r.json.message_id)?.callbackUrl).toBe('http://127.0.0.1:1/cb');
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['missing source_addr', { ...TEXT, source_addr: undefined }, 'source_addr'],
    ['empty source_addr', { ...TEXT, source_addr: '' }, 'source_addr'],
    ['source_addr over 20 chars', { ...TEXT, source_addr: 'x'.repeat(21) }, 'source_addr'],
    ['missing destination_addr', { ...TEXT, destination_addr: undefined }, 'destination_addr'],
    ['destination_addr with a plus', { ...TEXT, destination_addr: '+573001234567' }, 'destination_addr'],
    ['destination_addr over 20 digits', { ...TEXT, destination_addr: '1'.repeat(21) }, 'destination_addr'],
    ['destination_addr a fraction', { ...TEXT, destination_addr: 5730.5 }, 'destination_addr'],
    ['message_type 3', { ...TEXT, message_type: 3 }, 'message_type'],
    ['missing message_type', { ...TEXT, message_type: undefined }, 'message_type'],
    ['missing text for type 1', { ...TEXT, text: undefined }, 'text'],
    ['empty text for type 1', { ...TEXT, text: '' }, 'text'],
    ['text over 4096 chars', { ...TEXT, text: 'x'.repeat(4097) }, 'text'],
    ['caption over 4096 chars', { ...IMAGE, text: 'x'.repeat(4097) }, 'text'],
    ['missing file_url for type 2', { ...IMAGE, file_url: undefined }, 'file_url'],
    ['relative file_url', { ...IMAGE, file_url: '/a.png' }, 'file_url'],
    ['ftp file_url', { ...IMAGE, file_url: 'ftp://x.test/a.png' }, 'file_url'],
    ['relative callback_url', { ...TEXT, callback_url: '/cb' }, 'callback_url'],
    ['missing template_name', { ...TEMPLATE, template_name: undefined }, 'template_name'],
    ['missing template_params', { ...TEMPLATE, template_params: undefined }, 'template_params'],
    [
      'template_params as an object',
      { ...TEMPLATE, template_params: JSON.parse(templateParams('welcome')) },
      'template_params',
    ],
    ['template_params not JSON', { ...TEMPLATE, template_params: '{"type": "template",}' }, 'template_params'],
    [
      'template_params of another type',
      { ...TEMPLATE, template_params: templateParams('welcome', { type: 'text' }) },
      'template_params',
    ],
    [
      'template_params naming another template',
      { ...TEMPLATE, template_params: templateParams('other') },
      'template_params',
    ],
    [
      'template_params to another number',
      { ...TEMPLATE, template_params: templateParams('welcome', { to: '1' }) },
      'template_params',
    ],
  ];
  it.each(cases)('refuses %s with code 1 naming the field', async (_, body, field) => {
    const r = await post(send, body, AUTH);
    expect(r.status).toBe(400);
    expect(r.json).toEqual(invalid(field));
  });

  it('accepts text of exactly 4096 characters (counted as characters, not UTF-16 units)', async () => {
    expect((await post(send, { ...TEXT, text: '😀'.repeat(4096) }, AUTH)).status).toBe(200);
  });

  it('refuses a file_url with another extension with code 9 under 401', async () => {
    const r = await post(send, { ...IMAGE, file_url: 'https://x.test/a.gif' }, AUTH);
    expect(r.status).toBe(401);
    expect(r.json).toEqual({
      name: 'Invalid credintals for file_url',
      message: 'Invalid file extension',
      code: 9,
      status: 401,
    });
  });

  it('accepts .jpg and .jpeg in any case, query strings aside', async () => {
    for (const file_url of ['https://x.test/a.JPG?v=1', 'http://x.test/b.jpeg']) {
      expect((await post(send, { ...IMAGE, file_url }, AUTH)).status).toBe(200);
    }
  });

  it('answers a body that is not JSON with 400', async () => {
    const r = await post(send, '{nope', AUTH);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ name: 'Bad Request', status: 400 });
  });

  it('answers 404 off the two endpoints and 405 to a GET', async () => {
    expect((await post(`${sim.decisionTelecom.baseUrl}/send-viber`, TEXT, AUTH)).json).toMatchObject({ status: 404 });
    const r = await fetch(send, { headers: AUTH });
    expect(r.status).toBe(405);
    expect(await r.json()).toMatchObject({ name: 'Method Not Allowed', status: 405 });
  });
});

describe('DecisionTelecom auth', () => {
  it('accepts base64(key), the default apiKeyEncoding', async () => {
    expect((await post(send, TEXT, basic(b64(KEY)))).status).toBe(200);
  });

  it.each([
    ['no Authorization', {}],
    ['a wrong key', basic(b64('other'))],
    ['a Bearer token', { authorization: `Bearer ${KEY}` }],
    ['an empty Basic credential', { authorization: 'Basic ' }],
  ])('refuses %s with 401 in the error shape', async (_, headers) => {
    const r = await post(send, TEXT, headers);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(r.json).toEqual({
      name: 'Unauthorized',
      message: 'Your request was made with invalid credentials.',
      code: 0,
      status: 401,
    });
  });

  it.each([
    ['encode', b64(KEY), [b64(`${KEY}:`), KEY]],
    ['encode-with-colon', b64(`${KEY}:`), [b64(KEY), KEY]],
    ['already-encoded', b64(KEY), [b64(b64(KEY)), b64(`${b64(KEY)}:`)]],
  ] as const)('with apiKeyEncoding %s, accepts only that encoding of the key', async (apiKeyEncoding, good, bad) => {
    const key = apiKeyEncoding === 'already-encoded' ? b64(KEY) : KEY;
    const s = await startSimulator({ decisionTelecom: { apiKey: key, apiKeyEncoding } });
    try {
      const url = `${s.decisionTelecom.baseUrl}/send-whatsapp`;
      expect((await post(url, TEXT, basic(good))).status).toBe(200);
      for (const credential of bad) expect((await post(url, TEXT, basic(credential))).status).toBe(401);
    } finally {
      await s.close();
    }
  });

  it('accepts any non-empty key when none is configured', async () => {
    const open = await startSimulator();
    try {
      const url = `${open.decisionTelecom.baseUrl}/send-whatsapp`;
      expect((await post(url, TEXT, basic(b64('whatever')))).status).toBe(200);
      expect((await post(url, TEXT, {})).status).toBe(401);
    } finally {
      await open.close();
    }
  });
});

describe('DecisionTelecom errors under HTTP 200', () => {
  it('answers every validation error under 200 with errorUnder200Rate 1, still in the error shape', async () => {
    const s = await startSimulator({ decisionTelecom: { errorUnder200Rate: 1 } });
    try {
      const url = `${s.decisionTelecom.baseUrl}/send-whatsapp`;
      const a = await post(url, { ...TEXT, text: '' }, basic('k'));
      expect(a.status).toBe(200);
      expect(a.json).toEqual(invalid('text'));
      const b = await post(url, { ...IMAGE, file_url: 'https://x.test/a.pdf' }, basic('k'));
      expect([b.status, b.json.code, b.json.status]).toEqual([200, 9, 401]);
      // Auth is not a validation error: still 401.
      expect((await post(url, TEXT, {})).status).toBe(401);
      expect(s.decisionTelecom.counts).toMatchObject({ accepted: 0, rejected: 3 });
    } finally {
      await s.close();
    }
  });

  it('answers about that share under 200 with errorUnder200Rate 0.5, the same way for the same seed', async () => {
    const run = async () => {
      const s = await startSimulator({ decisionTelecom: { errorUnder200Rate: 0.5 }, faults: { seed: 99 } });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        statuses.push((await post(`${s.decisionTelecom.baseUrl}/send-whatsapp`, {}, basic('k'))).status);
      }
      await s.close();
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const under200 = first.filter((s) => s === 200).length;
    expect(under200).toBeGreaterThan(8);
    expect(under200).toBeLessThan(32);
  });
});

describe('DecisionTelecom big ids', () => {
  it('starts at firstMessageId and keeps every digit past 2^53, in send and status', async () => {
    const first = 2n ** 63n - 10n;
    const s = await startSimulator({ decisionTelecom: { firstMessageId: first } });
    try {
      const r = await post(`${s.decisionTelecom.baseUrl}/send-whatsapp`, TEXT, basic('k'));
      expect(r.text).toBe(`{"message_id":${first}}`);
      const status = await post(`${s.decisionTelecom.baseUrl}/receive-whatsapp`, `{"message_id":${first}}`, basic('k'));
      expect(status.text).toBe(`{"message_id":${first},"status":6}`);
      const asString = await post(
        `${s.decisionTelecom.baseUrl}/receive-whatsapp`,
        { message_id: String(first) },
        basic('k'),
      );
      expect(asString.status).toBe(200);
      expect(s.decisionTelecom.messages.lastId).toBe(String(first));
    } finally {
      await s.close();
    }
  });

  it('refuses a negative firstMessageId', async () => {
    await expect(startSimulator({ decisionTelecom: { firstMessageId: -1 } })).rejects.toThrow(/firstMessageId/);
  });
});
