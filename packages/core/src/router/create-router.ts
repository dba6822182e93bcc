import { inspect } from 'node:util';
import { EventEmitter } from 'eventemitter3';
import { configError, unsupportedError, validationError } from '../errors/factories.js';
import { ParleyError } from '../errors/ParleyError.js';
import type { OutboundMessage } from '../messages/schemas.js';
import { type SendManyOptions, type SendManyOutcome, sendMany } from '../messenger/send-many.js';
import type { Messenger, MessengerEvents, SendOptions, SendResult } from '../messenger/types.js';
import type { Capabilities } from '../provider.js';
import type { StatusUpdate } from '../status.js';
import type { InboundMessage } from '../webhook/events.js';

export interface RouterOptions {
  /** `failover`: always the first healthy member first; `round-robin`: spread sends across members. */
  readonly strategy: 'failover' | 'round-robin';
  readonly messengers: readonly Messenger[];
  /** How long a member that failed rests before it is tried again (ms). Default 30 000. */
  readonly cooldownMs?: number;
  /** Sends remembered for `getStatus` routing. Default 100 000 (oldest forgotten first). */
  readonly maxRemembered?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

/** Failures that say nothing about a member's health: the message itself was refused. */
const NOT_HEALTH = new Set([
  'VALIDATION',
  'UNSUPPORTED',
  'SESSION_WINDOW_CLOSED',
  'MEDIA_REJECTED',
  'PROVIDER_REJECTED',
]);

/**
 * A `Messenger` over several messengers. A send goes to one member; it moves on to the next
 * only when the failure surely left the message unsent (`delivery: 'not_sent'`), never on an
 * ambiguous one, so nothing is sent twice. A member that failed rests for `cooldownMs`.
 * Status events of every member reach the router's listeners.
 *
 * @example
 * const router = createRouter({
 *   strategy: 'failover',
 *   messengers: [createMessenger(primaryDsn, { providers }), createMessenger(backupDsn, { providers })],
 * });
 * router.on('status', (u) => console.log(u.provider, u.id, u.status));
 * await router.send({ type: 'template', to: '+57 300 123 4567', name: 'welcome' });
 */
export function createRouter(options: RouterOptions): Messenger {
  if (options.messengers.length === 0) {
    throw configError([{ path: 'messengers', message: 'messengers must hold at least one messenger' }]);
  }
  if (options.strategy !== 'failover' && options.strategy !== 'round-robin') {
    throw configError([{ path: 'strategy', message: "strategy must be 'failover' or 'round-robin'" }]);
  }
  return new Router(options);
}

class Router extends EventEmitter<MessengerEvents> implements Messenger {
  readonly provider = 'router';
  readonly capabilities: Capabilities;
  readonly #members: readonly Messenger[];
  readonly #restingUntil: number[];
  readonly #sentBy = new Map<string, Messenger>();
  readonly #cooldownMs: number;
  readonly #maxRemembered: number;
  readonly #now: () => number;
  readonly #strategy: RouterOptions['strategy'];
  readonly #detach: (() => void)[] = [];
  #next = 0;

  constructor(options: RouterOptions) {
    super();
    this.#members = [...options.messengers];
    this.#restingUntil = this.#members.map(() => 0);
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#maxRemembered = options.maxRemembered ?? 100_000;
    this.#now = options.now ?? Date.now;
    this.#strategy = options.strategy;
    this.capabilities = unionOf(this.#members.map((m) => m.capabilities));
    for (const member of this.#members) {
      const onStatus = (u: StatusUpdate) => this.emit('status', u);
      const onError = (e: ParleyError) => this.emit('error', e);
      const onMessage = (m: InboundMessage) => this.emit('message', m);
      member.on('status', onStatus);
      member.on('error', onError);
      member.on('message', onMessage);
      this.#detach.push(() => {
        member.off('status', onStatus);
        member.off('error', onError);
        member.off('message', onMessage);
      });
    }
  }

  async send(message: OutboundMessage, options: SendOptions = {}): Promise<SendResult> {
    const order = this.#order();
    const capable = order.filter((i) => this.#members[i]?.capabilities[message.type] === true);
    if (capable.length === 0) throw unsupportedError(`${message.type} messages`, 'router');
    const now = this.#now();
    const healthy = capable.filter((i) => (this.#restingUntil[i] ?? 0) <= now);
    // When every capable member rests, try them anyway rather than refuse outright.
    const candidates = healthy.length > 0 ? healthy : capable;
    let last: unknown;
    for (const index of candidates) {
      const member = this.#members[index] as Messenger;
      try {
        const result = await member.send(message, options);
        this.#remember(result.id, member);
        return result;
      } catch (error) {
        last = error;
        if (!(error instanceof ParleyError) || error.delivery !== 'not_sent') throw error;
        if (error.code === 'ABORTED') throw error;
        // A refusal of this message (a provider rule, the session window) is no sign of ill health.
        if (!NOT_HEALTH.has(error.code)) this.#restingUntil[index] = this.#now() + this.#cooldownMs;
      }
    }
    throw last;
  }

  sendMany(
    messages: Iterable<OutboundMessage> | AsyncIterable<OutboundMessage>,
    options?: SendManyOptions,
  ): AsyncIterable<SendManyOutcome> {
    return sendMany((message, sendOptions) => this.send(message, sendOptions), messages, options);
  }

  async getStatus(id: string, options: { signal?: AbortSignal } = {}): Promise<StatusUpdate> {
    const member = this.#sentBy.get(id);
    if (member) return member.getStatus(id, options);
    const queryable = this.#members.filter((m) => m.capabilities.statusQuery);
    if (queryable.length === 0) throw unsupportedError('status queries', 'router');
    if (queryable.length > 1) {
      throw validationError([{ path: 'id', message: `no message ${id} was sent through this router` }], 'router');
    }
    return (queryable[0] as Messenger).getStatus(id, options);
  }

  async close(): Promise<void> {
    for (const detach of this.#detach.splice(0)) detach();
    await Promise.all(this.#members.map((m) => m.close()));
  }

  #order(): number[] {
    const n = this.#members.length;
    const start = this.#strategy === 'round-robin' ? this.#next++ % n : 0;
    return Array.from({ length: n }, (_, k) => (start + k) % n);
  }

  #remember(id: string, member: Messenger): void {
    this.#sentBy.set(id, member);
    if (this.#sentBy.size > this.#maxRemembered) {
      const oldest = this.#sentBy.keys().next().value;
      if (oldest !== undefined) this.#sentBy.delete(oldest);
    }
  }

  toJSON(): Record<string, unknown> {
    return { provider: this.provider, members: this.#members.map((m) => m.provider) };
  }

  [inspect.custom](): string {
    return `Router { strategy: '${this.#strategy}', members: [${this.#members.map((m) => `'${m.provider}'`).join(', ')}] }`;
  }
}

function unionOf(all: readonly Capabilities[]): Capabilities {
  const tracking = all.some((c) => c.statusTracking === 'poll')
    ? 'poll'
    : all.some((c) => c.statusTracking === 'webhook')
      ? 'webhook'
      : 'none';
  return {
    text: all.some((c) => c.text),
    image: all.some((c) => c.image),
    template: all.some((c) => c.template),
    statusTracking: tracking,
    statusQuery: all.some((c) => c.statusQuery),
    // each member's webhook is mounted on its own: the router has none
    webhook: false,
    inbound: all.some((c) => c.inbound),
  };
}
