import { inspect } from 'node:util';
import {
  configFromEnv,
  createMessenger,
  memoryLimiter,
  memoryStore,
  type ParleyError,
  resolveConfig,
  Secret,
  undiciTransport,
} from '@parley/core';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { basicToken } from './auth.js';
import { decisionTelecom } from './provider.js';
import { WEBHOOK_SECRET } from './test-support/cases.js';
import { type FakeDecisionTelecom, startFakeDecisionTelecom } from './test-support/fake-decisiontelecom.js';
import { ORIGIN, randomKey, SEND_PATH } from './test-support/harness.js';

const providers = [decisionTelecom];
const TEXT = { type: 'text', to: '+380 63 123 4567', text: 'hi' } as const;

function configError(config: Parameters<typeof createMessenger>[0]): ParleyError {
  try {
    createMessenger(config, { providers }).close();
  } catch (error) {
    expect((error as ParleyError).code).toBe('CONFIG');
    return error as ParleyError;
  }
  throw new Error('expected a CONFIG error');
}

const paths = (error: ParleyError): string[] => (error.issues ?? []).map((i) => i.path).sort();

describe('DecisionTelecom config', () => {
  it('takes rateLimit.perSecond, and names it when it is not a positive number', () => {
    for (const perSecond of [0, -1, 'fast', Number.NaN]) {
      const error = configError({
        provider: 'decisiontelecom',
        apiKey: 'k',
        sender: 'Acme',
        rateLimit: { perSecond },
      } as never);
      expect(paths(error)).toEqual(['rateLimit.perSecond']);
    }
    createMessenger(
      { provider: 'decisiontelecom', apiKey: 'k', sender: 'Acme', rateLimit: { perSecond: '12.5' } } as never,
      {
        providers,
      },
    ).close();
  });

  it('hands rateLimit.perSecond to the limiter’s rate control on every request', async () => {
    const seen: (number | undefined)[] = [];
    const inner = memoryLimiter();
    const limiter = {
      acquire: inner.acquire,
      feedback: inner.feedback,
      pace: (key: string, options: { perSecond?: number; signal?: AbortSignal }) => {
        seen.push(options.perSecond);
        return inner.pace(key, options);
      },
    };
    const transport = {
      request: async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"message_id":1}' }),
      close: async () => {},
    };
    const messenger = createMessenger(
      { provider: 'decisiontelecom', apiKey: 'k', sender: 'Acme', rateLimit: { perSecond: 20 } },
      { providers, transport, limiter, store: memoryStore() },
    );
    await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'hi' });
    await messenger.close();
    expect(seen).toEqual([20]);
  });

  it('names every bad field', () => {
    const error = configError({
      provider: 'decisiontelecom',
      apiKey: 'k',
      sender: 'A sender name over twenty',
      callbackUrl: 'https://example.com/hook',
      apiKeyEncoding: 'base64',
      destinationFormat: 'int',
      templateLanguage: 'english!',
      extra: 1,
    });
    expect(paths(error)).toEqual([
      'apiKeyEncoding',
      'destinationFormat',
      'extra',
      'sender',
      'templateLanguage',
      'webhookSecret',
    ]);
    expect(error.issues?.find((i) => i.path === 'webhookSecret')?.message).toContain('required when callbackUrl');
    expect(error.issues?.find((i) => i.path === 'sender')?.message).toContain('at most 20');
  });

  it('requires apiKey and sender, and a webhookSecret of 16 characters or more', () => {
    expect(paths(configError({ provider: 'decisiontelecom' }))).toEqual(['apiKey', 'sender']);
    const short = configError({
      provider: 'decisiontelecom',
      apiKey: 'k',
      sender: 'Acme',
      callbackUrl: 'https://example.com/hook',
      webhookSecret: 'short',
    });
    expect(paths(short)).toEqual(['webhookSecret']);
  });

  it('refuses a non-https baseUrl other than loopback, and bad tracking values', () => {
    const error = configError({
      provider: 'decisiontelecom',
      apiKey: 'k',
      sender: 'Acme',
      baseUrl: 'http://api.example.com/v1/api',
      tracking: { firstPollMs: 'soon' },
    });
    expect(paths(error)).toEqual(['baseUrl', 'tracking']);
  });

  it('refuses an already-encoded key that is not base64, without echoing it', () => {
    const key = `not base64 ${randomKey()}`;
    const error = configError({
      provider: 'decisiontelecom',
      apiKey: key,
      sender: 'Acme',
      apiKeyEncoding: 'already-encoded',
    });
    expect(paths(error)).toEqual(['apiKey']);
    expect(JSON.stringify(error)).not.toContain(key);
  });

  it('reads strings as they come from the environment', () => {
    const { config } = resolveConfig(
      configFromEnv({
        PARLEY_PROVIDER: 'decisiontelecom',
        PARLEY_DECISIONTELECOM_API_KEY: 'env-key',
        PARLEY_DECISIONTELECOM_SENDER: 'Acme',
        PARLEY_DECISIONTELECOM_TRACKING__FIRST_POLL_MS: '500',
        PARLEY_DECISIONTELECOM_TIMEOUT_MS: '15000',
        PARLEY_DECISIONTELECOM_RETRY__MAX_ATTEMPTS: '2',
      }),
      providers,
    );
    expect(config).toMatchObject({ sender: 'Acme', tracking: { firstPollMs: 500 }, timeoutMs: 15_000 });
    expect((config as { apiKey: Secret }).apiKey.reveal()).toBe('env-key');
  });

  it.each([
    ['false', {}, 'none'],
    ['false', { callbackUrl: 'https://example.com/hook', webhookSecret: WEBHOOK_SECRET }, 'webhook'],
    [false, { callbackUrl: 'https://example.com/hook', webhookSecret: WEBHOOK_SECRET }, 'webhook'],
    [undefined, {}, 'poll'],
    [{ maxAgeMs: 60_000 }, {}, 'poll'],
  ] as const)('tracking %j with %j tracks by %s', async (tracking, extra, expected) => {
    const messenger = createMessenger(
      {
        provider: 'decisiontelecom',
        apiKey: 'k',
        sender: 'Acme',
        ...extra,
        ...(tracking === undefined ? {} : { tracking }),
      },
      { providers, transport: undiciTransport({ dispatcher: new MockAgent() }) },
    );
    expect(messenger.capabilities).toEqual({
      text: true,
      image: true,
      template: true,
      statusQuery: true,
      webhook: 'callbackUrl' in extra,
      inbound: false,
      statusTracking: expected,
    });
    expect(messenger.webhook === undefined).toBe(!('callbackUrl' in extra));
    await messenger.close();
  });
});

describe('DecisionTelecom DSN', () => {
  let agent: MockAgent | undefined;
  let fake: FakeDecisionTelecom | undefined;
  afterEach(async () => {
    await agent?.close();
    await fake?.close();
    agent = undefined;
    fake = undefined;
  });

  it('decisiontelecom://KEY@default?sender=Acme posts to the real base URL with the key', async () => {
    agent = new MockAgent();
    agent.disableNetConnect();
    let authorization: unknown;
    agent
      .get(ORIGIN)
      .intercept({ path: SEND_PATH, method: 'POST' })
      .reply((opts) => {
        authorization = (opts.headers as Record<string, string>).authorization;
        return { statusCode: 200, data: '{"message_id":1}' };
      });
    const messenger = createMessenger('decisiontelecom://KEY@default?sender=Acme&tracking=false', {
      providers,
      transport: undiciTransport({ dispatcher: agent }),
      store: memoryStore(),
    });
    expect((await messenger.send(TEXT)).providerMessageId).toBe('1');
    expect(authorization).toBe(`Basic ${Buffer.from('KEY').toString('base64')}`);
    await messenger.close();
  });

  it('decisiontelecom://KEY@127.0.0.1:PORT/v1/api?sender=Acme talks http to the loopback stand-in', async () => {
    fake = await startFakeDecisionTelecom({ token: basicToken('KEY') });
    const port = new URL(fake.baseUrl).port;
    const messenger = createMessenger(`decisiontelecom://KEY@127.0.0.1:${port}/v1/api?sender=Acme`, { providers });
    try {
      expect((await messenger.send(TEXT)).providerMessageId).toBe('554');
      expect(fake.sends()[0]?.json).toMatchObject({ source_addr: 'Acme', destination_addr: 380631234567 });
    } finally {
      await messenger.close();
    }
  });
});

describe('DecisionTelecom secrets', () => {
  let fake: FakeDecisionTelecom | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('never shows the key, the Authorization token or the webhook secret', async () => {
    const apiKey = randomKey();
    const webhookSecret = randomKey();
    const token = basicToken(apiKey, 'encode-with-colon');
    fake = await startFakeDecisionTelecom({ token });
    const config = {
      provider: 'decisiontelecom',
      apiKey: new Secret(apiKey),
      sender: 'Acme',
      baseUrl: fake.baseUrl,
      apiKeyEncoding: 'encode-with-colon',
      callbackUrl: 'https://example.com/hook',
      webhookSecret: new Secret(webhookSecret),
      tracking: false,
    };
    const messenger = createMessenger(config, { providers });
    try {
      fake.failNextWithAuthError();
      let error: ParleyError | undefined;
      await messenger.send(TEXT).catch((e: ParleyError) => {
        error = e;
      });
      expect(error?.code).toBe('AUTH');
      // The fake echoed "Basic <token>": the error must not carry it.
      expect(fake.requests[0]?.headers.authorization).toBe(`Basic ${token}`);
      expect(error?.body).toContain('[redacted]');
      // Plain strings this time, and a bad config: the CONFIG error must not echo them either.
      const bad = configError({ ...config, apiKey, webhookSecret, sender: '', extra: apiKey });
      const views = [
        inspect(messenger, { depth: 10 }),
        JSON.stringify(messenger),
        String(messenger),
        inspect(config.apiKey),
        JSON.stringify(config),
        error?.message,
        JSON.stringify(error),
        inspect(error, { depth: 10 }),
        String(error?.body),
        bad.message,
        JSON.stringify(bad),
        inspect(bad, { depth: 10 }),
      ];
      for (const secret of [apiKey, token, webhookSecret]) {
        for (const view of views) expect(view).not.toContain(secret);
      }
    } finally {
      await messenger.close();
    }
  });
});
