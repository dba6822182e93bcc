// Switching provider by configuration alone: one scenario, written once against the `Messenger`
// contract, run unchanged on messengers built from DSN strings and from the environment, for
// both providers, against the simulator over real HTTP on loopback.
import { configFromEnv, type Messenger, ParleyError, type SendResult, type StatusUpdate } from '@parley/core';
import { fingerprint, type Simulator } from '@parley/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dsnHost, failure, Resources, sleep, until } from './support.js';

interface Outcome {
  readonly results: SendResult[];
  readonly events: StatusUpdate[];
  /** What `getStatus` of the first message gave: a status, or the error where there is no status API. */
  readonly status: StatusUpdate | ParleyError;
}

/** The one scenario: a template, the customer answers, a free-form text, a status query, the statuses. */
async function scenario(messenger: Messenger, to: string): Promise<Outcome> {
  const events: StatusUpdate[] = [];
  messenger.on('status', (u) => events.push(u));
  const results: SendResult[] = [];
  results.push(
    await messenger.send({ type: 'template', to, name: 'order_ready', language: 'es', variables: ['Ana', '#1042'] }),
  );
  await sleep(80); // the customer answers the template
  results.push(await messenger.send({ type: 'text', to, text: 'Your order #1042 is ready for pickup.' }));
  let status: StatusUpdate | ParleyError;
  try {
    status = await messenger.getStatus(results[0]?.id as string);
  } catch (error) {
    if (!(error instanceof ParleyError)) throw error;
    status = error;
  }
  if (messenger.capabilities.statusTracking !== 'none') {
    await until(
      () => results.every((r) => events.some((e) => e.id === r.id && e.final)),
      5_000,
      'every message to reach a final status',
    );
  }
  return { results, events, status };
}

const res = new Resources();
let sim: Simulator;
beforeAll(async () => {
  sim = await res.simulator({
    latencyMs: [2, 10],
    decisionTelecom: { progression: { stepMs: 50, outcomes: { seen: 1 } } },
    wolkvox: { simulateReplies: { afterMs: 30 } },
  });
});
afterEach(() => res.closeMessengers());
afterAll(() => res.closeAll());

interface Case {
  readonly name: string;
  readonly provider: 'decisiontelecom' | 'wolkvox';
  readonly secret: string;
  readonly config: () => Parameters<Resources['messenger']>[0];
}

const dtDsn = (key: string) =>
  `decisiontelecom://${key}@${dsnHost(sim.decisionTelecom.baseUrl)}?sender=Parley` +
  '&tracking.firstPollMs=30&tracking.maxIntervalMs=60';
const wvDsn = (token: string) => `wolkvox://${token}@${dsnHost(sim.wolkvox.baseUrl)}?server=0042&connector=1`;

const cases: Case[] = [
  { name: 'a DecisionTelecom DSN', provider: 'decisiontelecom', secret: 'dsn-key', config: () => dtDsn('dsn-key') },
  { name: 'a Wolkvox DSN', provider: 'wolkvox', secret: 'dsn-token', config: () => wvDsn('dsn-token') },
  {
    name: 'PARLEY_DSN (DecisionTelecom)',
    provider: 'decisiontelecom',
    secret: 'env-dsn-key',
    config: () => configFromEnv({ PARLEY_DSN: dtDsn('env-dsn-key') }),
  },
  {
    name: 'PARLEY_DSN (Wolkvox)',
    provider: 'wolkvox',
    secret: 'env-dsn-token',
    config: () => configFromEnv({ PARLEY_DSN: wvDsn('env-dsn-token') }),
  },
  {
    name: 'PARLEY_PROVIDER=decisiontelecom and its variables',
    provider: 'decisiontelecom',
    secret: 'env-vars-key',
    config: () =>
      configFromEnv({
        PARLEY_PROVIDER: 'decisiontelecom',
        PARLEY_DECISIONTELECOM_API_KEY: 'env-vars-key',
        PARLEY_DECISIONTELECOM_SENDER: 'Parley',
        PARLEY_DECISIONTELECOM_BASE_URL: sim.decisionTelecom.baseUrl,
        PARLEY_DECISIONTELECOM_TRACKING__FIRST_POLL_MS: '30',
        PARLEY_DECISIONTELECOM_TRACKING__MAX_INTERVAL_MS: '60',
      }),
  },
  {
    name: 'PARLEY_PROVIDER=wolkvox and its variables',
    provider: 'wolkvox',
    secret: 'env-vars-token',
    config: () =>
      configFromEnv({
        PARLEY_PROVIDER: 'wolkvox',
        PARLEY_WOLKVOX_TOKEN: 'env-vars-token',
        PARLEY_WOLKVOX_SERVER: '0042',
        PARLEY_WOLKVOX_CONNECTOR_ID: '1',
        PARLEY_WOLKVOX_BASE_URL: sim.wolkvox.baseUrl,
      }),
  },
];

const ACCEPTED_KEYS = ['at', 'final', 'id', 'provider', 'status'];

describe('one scenario, any provider: only the configuration differs', () => {
  const outcomes = new Map<string, Outcome>();

  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const messenger = res.messenger(c.config());
    expect(messenger.provider).toBe(c.provider);
    const to = `+57 300 555 00${String(i).padStart(2, '0')}`;
    const outcome = await scenario(messenger, to);
    outcomes.set(c.name, outcome);

    // Both messages accepted, by the provider the configuration named.
    expect(outcome.results.map((r) => [r.provider, r.status])).toEqual([
      [c.provider, 'accepted'],
      [c.provider, 'accepted'],
    ]);
    const side = c.provider === 'decisiontelecom' ? sim.decisionTelecom : sim.wolkvox;
    const mine = side.requests.filter((r) => r.credential === fingerprint(c.secret));
    const digits = to.replace(/\D/g, '');
    if (c.provider === 'decisiontelecom') {
      const sends = mine.filter((r) => r.path === '/send-whatsapp');
      expect(sends.map((r) => [r.status, (r.body as { message_type: number }).message_type])).toEqual([
        [200, 4],
        [200, 1],
      ]);
      expect(sends.every((r) => (r.body as { destination_addr: unknown }).destination_addr === Number(digits))).toBe(
        true,
      );
      expect(outcome.results.map((r) => r.providerMessageId)).toEqual(
        sends.map((r) => /"message_id":(\d+)/.exec(r.responseBody ?? '')?.[1]),
      );
      expect(outcome.status).toMatchObject({ id: outcome.results[0]?.id, provider: 'decisiontelecom' });
      for (const r of outcome.results) {
        const events = outcome.events.filter((e) => e.id === r.id);
        expect(events[0]?.status).toBe('accepted');
        expect(events.at(-1)).toMatchObject({ status: 'read', providerStatus: 7, final: true });
      }
    } else {
      expect(mine.map((r) => [r.status, r.path, (r.body as { telephone: string }).telephone])).toEqual([
        [200, '/whatsapp.php?api=send_template_official', digits],
        [200, '/whatsapp.php?api=send_message_official', digits],
      ]);
      expect(outcome.status).toBeInstanceOf(ParleyError);
      expect((outcome.status as ParleyError).code).toBe('UNSUPPORTED');
      expect(outcome.events.map((e) => [e.id, e.status])).toEqual(outcome.results.map((r) => [r.id, 'accepted']));
    }

    // The unified status events have one shape whatever the provider.
    for (const e of outcome.events) {
      const keys = Object.keys(e).sort();
      if (e.status === 'accepted') expect(keys).toEqual(ACCEPTED_KEYS);
      else expect(keys).toEqual([...ACCEPTED_KEYS, 'providerStatus'].sort());
      expect(typeof e.id).toBe('string');
      expect(e.provider).toBe(c.provider);
      expect(typeof e.final).toBe('boolean');
      expect(e.at).toBeInstanceOf(Date);
    }
    // …and so do the results, but for the provider's own id where the provider gives one.
    for (const r of outcome.results) {
      const keys = Object.keys(r).filter((k) => k !== 'providerMessageId');
      expect(keys.sort()).toEqual(['acceptedAt', 'id', 'provider', 'status']);
      expect('providerMessageId' in r).toBe(c.provider === 'decisiontelecom');
    }
  });

  it('every configuration ran the scenario, and the accepted events of both providers have identical keys', () => {
    expect([...outcomes.keys()]).toEqual(cases.map((c) => c.name));
    const shapes = new Set(
      [...outcomes.values()].flatMap((o) =>
        o.events.filter((e) => e.status === 'accepted').map((e) => Object.keys(e).sort().join(',')),
      ),
    );
    expect([...shapes]).toEqual([ACCEPTED_KEYS.join(',')]);
  });
});

describe('a bad configuration fails before the network', () => {
  it('PARLEY_PROVIDER=wolkvox without a server: CONFIG naming the field, no request, no token shown', async () => {
    const before = sim.wolkvox.requests.length;
    let error: unknown;
    try {
      res.messenger(
        configFromEnv({
          PARLEY_PROVIDER: 'wolkvox',
          PARLEY_WOLKVOX_TOKEN: 'secret-token',
          PARLEY_WOLKVOX_CONNECTOR_ID: '1',
        }),
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('CONFIG');
    expect((error as ParleyError).issues?.map((i) => i.path)).toContain('server');
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain('secret-token');
    expect(sim.wolkvox.requests.length).toBe(before);
  });

  it('PARLEY_DSN for one provider and PARLEY_PROVIDER naming the other: CONFIG', async () => {
    const error = await failure(
      Promise.resolve().then(() => configFromEnv({ PARLEY_DSN: wvDsn('t'), PARLEY_PROVIDER: 'decisiontelecom' })),
    );
    expect(error.code).toBe('CONFIG');
    expect(error.issues?.map((i) => i.path)).toEqual(['PARLEY_PROVIDER']);
  });
});
