// Capabilities tell the truth: every flag of `messenger.capabilities`, for each adapter and
// config shape, held against what the messenger does (against the simulator, over real HTTP).
import { type Capabilities, createRouter, type Messenger, type OutboundMessage } from '@parley/core';
import type { Simulator } from '@parley/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { failure, Resources, recordEvents, TO, until } from './support.js';

const res = new Resources();
afterEach(() => res.closeAll());

const SECRET = 'capabilities-webhook-secret-0123456789';
const SAMPLES: Record<'text' | 'image' | 'template', OutboundMessage> = {
  text: { type: 'text', to: TO, text: 'capabilities' },
  image: { type: 'image', to: TO, url: 'https://cdn.example.com/a.png' },
  template: { type: 'template', to: TO, name: 'welcome', variables: ['Ana'] },
};

interface Subject {
  readonly messenger: Messenger;
  /** Makes the customer write to the business, where the provider has inbound messages. */
  inbound?(text: string): Promise<unknown>;
  /** Status queries the provider side received. */
  statusQueries(): number;
}

type Open = (sim: Simulator) => Promise<Subject>;

const dtQueries = (sim: Simulator) => () =>
  sim.decisionTelecom.requests.filter((r) => r.path === '/receive-whatsapp').length;

async function dt(sim: Simulator, config: Record<string, unknown>, hooks = false): Promise<Subject> {
  const server = hooks ? await res.hookServer() : undefined;
  const messenger = res.messenger({
    provider: 'decisiontelecom',
    apiKey: 'caps-key',
    sender: 'Acme',
    baseUrl: sim.decisionTelecom.baseUrl,
    ...(server ? { callbackUrl: server.url, webhookSecret: SECRET } : {}),
    ...config,
  });
  if (server && messenger.webhook) server.mount(messenger.webhook);
  return { messenger, statusQueries: dtQueries(sim) };
}

// Free-form messages are not refused for want of a customer's reply: that is not what is tested here.
const OPEN = { wolkvox: { enforceWindow: false }, whatsappCloud: { enforceWindow: false, stepMs: 30 } };
const CLOUD_SECRET = 'capabilities-cloud-app-secret';
const CLOUD_NUMBER_ID = '106540352242922';
const FAST = { firstPollMs: 20, maxIntervalMs: 50 };
const subjects: [string, Open, Partial<Capabilities>][] = [
  ['decisiontelecom, polling', (sim) => dt(sim, { tracking: FAST }), { statusTracking: 'poll', webhook: false }],
  ['decisiontelecom, no tracking', (sim) => dt(sim, { tracking: false }), { statusTracking: 'none', webhook: false }],
  [
    'decisiontelecom, callbacks only',
    (sim) => dt(sim, { tracking: false }, true),
    { statusTracking: 'webhook', webhook: true },
  ],
  [
    'decisiontelecom, polling and callbacks',
    (sim) => dt(sim, { tracking: FAST }, true),
    { statusTracking: 'poll', webhook: true },
  ],
  [
    'wolkvox',
    async (sim) => ({
      messenger: res.messenger({
        provider: 'wolkvox',
        token: 'caps-token',
        server: '0042',
        connectorId: '1',
        baseUrl: sim.wolkvox.baseUrl,
      }),
      statusQueries: () => 0,
    }),
    { statusTracking: 'none', webhook: false, image: false, statusQuery: false },
  ],
  [
    'whatsapp-cloud with webhooks',
    async (sim) => {
      const server = await res.hookServer();
      const messenger = res.messenger({
        provider: 'whatsapp-cloud',
        accessToken: 'caps-cloud-token',
        phoneNumberId: CLOUD_NUMBER_ID,
        appSecret: CLOUD_SECRET,
        baseUrl: sim.whatsappCloud.baseUrl,
      });
      server.mount(messenger.webhook!);
      sim.whatsappCloud.setWebhook(server.url, CLOUD_SECRET);
      return {
        messenger,
        statusQueries: () => 0,
        inbound: (text) => sim.whatsappCloud.inbound(TO, { text }, { phoneNumberId: CLOUD_NUMBER_ID }),
      };
    },
    { statusTracking: 'webhook', webhook: true, statusQuery: false, inbound: true },
  ],
  [
    'whatsapp-cloud without webhooks',
    async (sim) => ({
      messenger: res.messenger({
        provider: 'whatsapp-cloud',
        accessToken: 'caps-cloud-token',
        phoneNumberId: CLOUD_NUMBER_ID,
        baseUrl: sim.whatsappCloud.baseUrl,
      }),
      statusQueries: () => 0,
    }),
    { statusTracking: 'none', webhook: false, statusQuery: false, inbound: false },
  ],
  [
    'a router of decisiontelecom (callbacks) and wolkvox',
    async (sim) => {
      const first = await dt(sim, { tracking: false }, true);
      const second = res.messenger({
        provider: 'wolkvox',
        token: 'caps-token',
        server: '0042',
        connectorId: '1',
        baseUrl: sim.wolkvox.baseUrl,
      });
      return {
        messenger: createRouter({ strategy: 'failover', messengers: [first.messenger, second] }),
        statusQueries: first.statusQueries,
      };
    },
    // each member's webhook is mounted on its own; the router has none
    { webhook: false, statusTracking: 'webhook' },
  ],
];

describe.each(subjects)('%s: capabilities tell the truth', (_name, open, expected) => {
  it('matches the expected flags', async () => {
    const sim = await res.simulator(OPEN);
    const { messenger } = await open(sim);
    expect(messenger.capabilities).toMatchObject(expected);
  });

  it('webhook is true exactly when messenger.webhook exists', async () => {
    const sim = await res.simulator(OPEN);
    const { messenger } = await open(sim);
    expect(messenger.capabilities.webhook).toBe(typeof messenger.webhook === 'function');
  });

  it.each(['text', 'image', 'template'] as const)('%s: sends exactly when the flag says so', async (type) => {
    const sim = await res.simulator(OPEN);
    const { messenger } = await open(sim);
    const sending = messenger.send(SAMPLES[type]);
    if (messenger.capabilities[type]) {
      await expect(sending).resolves.toMatchObject({ status: 'accepted' });
    } else {
      expect((await failure(sending)).code).toBe('UNSUPPORTED');
    }
  });

  it('statusQuery: getStatus answers exactly when the flag says so', async () => {
    const sim = await res.simulator(OPEN);
    const { messenger } = await open(sim);
    const { id } = await messenger.send(SAMPLES.text);
    const asking = messenger.getStatus(id);
    if (messenger.capabilities.statusQuery) {
      await expect(asking).resolves.toMatchObject({ id });
    } else {
      expect((await failure(asking)).code).toBe('UNSUPPORTED');
    }
  });

  it('statusTracking: statuses beyond accepted come by polling, by webhook, or not at all, as it says', async () => {
    const sim = await res.simulator({ ...OPEN, decisionTelecom: { progression: { stepMs: 30 } } });
    const subject = await open(sim);
    const { messenger } = subject;
    const { statuses } = recordEvents(messenger);
    const { id } = await messenger.send(SAMPLES.text);
    const tracking = messenger.capabilities.statusTracking;
    if (tracking === 'none') {
      expect(messenger.webhook).toBeUndefined();
      expect(subject.statusQueries()).toBe(0);
      return;
    }
    await until(() => statuses.some((u) => u.id === id && u.status !== 'accepted'), 5_000, 'a status beyond accepted');
    if (tracking === 'poll') expect(subject.statusQueries()).toBeGreaterThan(0);
    if (tracking === 'webhook') expect(subject.statusQueries()).toBe(0);
  });

  it('inbound: a customer’s message becomes a message event exactly where the flag says so', async () => {
    const sim = await res.simulator(OPEN);
    const subject = await open(sim);
    const heard: string[] = [];
    subject.messenger.on('message', (m) => heard.push(m.text ?? ''));
    // Only a provider with an inbound API has a way for the customer to write at all.
    expect(subject.inbound !== undefined).toBe(subject.messenger.capabilities.inbound);
    if (subject.inbound) {
      await subject.inbound('hola');
      expect(heard).toEqual(['hola']);
    }
  });
});
