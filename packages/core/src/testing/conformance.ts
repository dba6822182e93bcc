import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import type { OutboundMessage } from '../messages/schemas.js';
import type { Messenger } from '../messenger/types.js';
import type { DeliveryStatus, StatusUpdate } from '../status.js';

/** What one conformance test needs from the adapter under test. */
export interface ConformanceSubject {
  readonly messenger: Messenger;
  /** Requests the provider side has received so far (to prove nothing was sent). */
  requestCount(): number;
  /** Secret values of the messenger's config, to prove they never leak. */
  readonly secrets: readonly string[];
  /** A message this provider accepts (default: a text message). */
  readonly sample?: OutboundMessage;
  /** Makes the provider report `status` for message `id` (by callback or on the next poll). */
  pushStatus?(id: string, status: DeliveryStatus): Promise<void>;
  /** Makes the provider fail the next call with an authentication error. */
  failNextWithAuthError?(): void;
  /** Frees what `setup` started (servers), after the messenger was closed. */
  cleanup?(): Promise<void>;
}

const TEXT: OutboundMessage = { type: 'text', to: '+57 300 123 4567', text: 'conformance' };
const SAMPLES: Record<OutboundMessage['type'], OutboundMessage> = {
  text: TEXT,
  image: { type: 'image', to: '+57 300 123 4567', url: 'https://cdn.example.com/a.png' },
  template: { type: 'template', to: '+57 300 123 4567', name: 'conformance', variables: ['x'] },
};

async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    return error as ParleyError;
  }
  throw new Error('expected the call to fail');
}

function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/**
 * The behaviour every adapter must show, as one vitest suite. Call it in the adapter's tests
 * with a `setup` that builds a messenger against a local stand-in of the provider.
 *
 * @example
 * describeMessengerConformance('wolkvox', async () => {
 *   const server = await startFakeWolkvox();
 *   const messenger = createMessenger({ provider: 'wolkvox', token, server: '0042', connectorId: '1', baseUrl: server.url }, { providers: [wolkvox] });
 *   return { messenger, secrets: [token], requestCount: () => server.requests.length, cleanup: () => server.close() };
 * });
 */
export function describeMessengerConformance(name: string, setup: () => Promise<ConformanceSubject>): void {
  describe(`${name}: messenger conformance`, () => {
    let subject: ConformanceSubject | undefined;
    const open = async () => {
      subject = await setup();
      return subject;
    };
    afterEach(async () => {
      await subject?.messenger.close();
      await subject?.cleanup?.();
      subject = undefined;
    });

    it('rejects a bad message with VALIDATION before any request', async () => {
      const s = await open();
      const before = s.requestCount();
      const error = await rejection(s.messenger.send({ type: 'text', to: '12', text: '' }));
      expect(error.code).toBe('VALIDATION');
      expect(error.delivery).toBe('not_sent');
      expect(error.issues?.map((i) => i.path).sort()).toEqual(['text', 'to']);
      expect(s.requestCount()).toBe(before);
    });

    it('answers UNSUPPORTED, before any request, for what the provider cannot do', async () => {
      const s = await open();
      const before = s.requestCount();
      for (const type of ['text', 'image', 'template'] as const) {
        if (s.messenger.capabilities[type]) continue;
        const error = await rejection(s.messenger.send(SAMPLES[type]));
        expect(error.code).toBe('UNSUPPORTED');
        expect(error.delivery).toBe('not_sent');
      }
      if (!s.messenger.capabilities.statusQuery) {
        expect((await rejection(s.messenger.getStatus('anything'))).code).toBe('UNSUPPORTED');
      }
      expect(s.requestCount()).toBe(before);
    });

    it('resolves a send with a SendResult and emits accepted first', async () => {
      const s = await open();
      const events: StatusUpdate[] = [];
      s.messenger.on('status', (u) => events.push(u));
      const result = await s.messenger.send(s.sample ?? TEXT);
      expect(result).toMatchObject({ provider: s.messenger.provider, status: 'accepted' });
      expect(typeof result.id).toBe('string');
      expect(result.id.length).toBeGreaterThan(0);
      expect(result.acceptedAt).toBeInstanceOf(Date);
      if (result.providerMessageId !== undefined) expect(typeof result.providerMessageId).toBe('string');
      await until(() => events.length > 0);
      expect(events[0]).toMatchObject({
        id: result.id,
        provider: s.messenger.provider,
        status: 'accepted',
        final: false,
      });
      expect(events[0]?.at).toBeInstanceOf(Date);
      const second = await s.messenger.send(s.sample ?? TEXT);
      expect(second.id).not.toBe(result.id);
    });

    it('emits status changes once each and never backwards', async () => {
      const s = await open();
      if (!s.pushStatus) return;
      const events: StatusUpdate[] = [];
      s.messenger.on('status', (u) => events.push(u));
      const { id } = await s.messenger.send(s.sample ?? TEXT);
      await s.pushStatus(id, 'delivered');
      await until(() => events.some((e) => e.status === 'delivered'));
      await s.pushStatus(id, 'sent');
      await s.pushStatus(id, 'delivered');
      await s.pushStatus(id, 'read');
      await until(() => events.some((e) => e.status === 'read'));
      const mine = events.filter((e) => e.id === id).map((e) => e.status);
      expect(mine).toEqual(['accepted', 'delivered', 'read']);
      expect(events.find((e) => e.status === 'read')?.final).toBe(true);
    });

    it('keeps secrets out of inspect, JSON, String and errors', async () => {
      const s = await open();
      const views = [inspect(s.messenger, { depth: 10 }), JSON.stringify(s.messenger), String(s.messenger)];
      if (s.failNextWithAuthError) {
        s.failNextWithAuthError();
        const error = await rejection(s.messenger.send(s.sample ?? TEXT));
        views.push(error.message, JSON.stringify(error), inspect(error, { depth: 10 }), String(error.body));
      }
      for (const secret of s.secrets) {
        for (const view of views) expect(view).not.toContain(secret);
      }
    });

    it('leaves no timers or sockets behind after close()', async () => {
      const before = resources();
      const s = await open();
      const events: StatusUpdate[] = [];
      s.messenger.on('status', (u) => events.push(u));
      await s.messenger.send(s.sample ?? TEXT);
      await s.messenger.close();
      await s.cleanup?.();
      subject = undefined;
      await new Promise((resolve) => setImmediate(resolve));
      const after = resources();
      for (const kind of ['Timeout', 'TCPSocketWrap', 'TCPServerWrap']) {
        expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
      }
      const error = await rejection(s.messenger.send(s.sample ?? TEXT));
      expect(error.code).toBe('ABORTED');
      expect(error.delivery).toBe('not_sent');
    });
  });
}
