import { setMaxListeners } from 'node:events';
import { inspect } from 'node:util';
import { EventEmitter } from 'eventemitter3';
import { type ParleyConfig, resolveConfig, secretValues } from '../config/resolve.js';
import { abortedError, unsupportedError, validationError } from '../errors/factories.js';
import { ParleyError } from '../errors/ParleyError.js';
import { hashKey } from '../limiter/key.js';
import { defaultLimiter } from '../limiter/memory.js';
import type { Limiter } from '../limiter/types.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { OutboundMessage, ValidatedMessage } from '../messages/schemas.js';
import { validateMessage } from '../messages/validate.js';
import type { Capabilities, ProviderDefinition, ProviderDriver, ProviderStatus } from '../provider.js';
import type { StatusUpdate } from '../status.js';
import { memoryStore } from '../store/memory.js';
import { defaultStore } from '../store/shared.js';
import type { MessageRecord, Store } from '../store/types.js';
import { Telemetry, type TelemetryOptions } from '../telemetry/telemetry.js';
import { StatusHub } from '../tracker/hub.js';
import { DEFAULT_TRACKING, StatusTracker } from '../tracker/tracker.js';
import type { Transport, TransportResponse } from '../transport/types.js';
import { undiciTransport } from '../transport/undici.js';
import { driverWebhookOf, messengerWebhook, PROVIDER_ID_TTL_MS, providerIdKey } from '../webhook/messenger-webhook.js';
import { signCallbackUrl } from '../webhook/sign.js';
import type { WebhookHandler } from '../webhook/types.js';
import { type CallOptions, ProviderCaller } from './caller.js';
import { DEFAULT_IDEMPOTENCY_TTL_MS, sendOnce } from './idempotency.js';
import { newMessageId } from './ids.js';
import { finalizeError } from './redact-error.js';
import { redactingLogger } from './redacting-logger.js';
import { type SendManyOptions, type SendManyOutcome, sendMany } from './send-many.js';
import type { Messenger, MessengerEvents, SendOptions, SendResult } from './types.js';

export interface CreateMessengerOptions extends TelemetryOptions {
  /** The provider definitions to choose from, e.g. `[decisionTelecom, wolkvox]`. */
  readonly providers: readonly ProviderDefinition[];
  /** Where all HTTP goes. Default: `undiciTransport()`, owned and closed by the messenger. */
  readonly transport?: Transport;
  /** Concurrency slots. Default: one in-memory limiter per process, shared by all messengers. */
  readonly limiter?: Limiter;
  /** Message state, counters and idempotency keys. Default: one in-memory store per process. */
  readonly store?: Store;
  readonly logger?: Logger;
  /** How long an idempotency key answers repeats with its first result (ms). Default 24 h. */
  readonly idempotencyTtlMs?: number;
  /**
   * The one clock (epoch ms) that every time-dependent decision of this messenger reads: record
   * expiry, quota days, idempotency TTLs, the poll schedule, the times of status events.
   * Default `Date.now`. A messenger given its own clock and no `store` gets a memory store of its
   * own on that clock (the process-wide default store runs on `Date.now`).
   */
  readonly now?: () => number;
}

/**
 * Creates a messenger for the provider a config names, validating the config first (a `CONFIG`
 * `ParleyError` names every bad field, before anything touches the network).
 *
 * @example
 * import { createMessenger, configFromEnv } from '@parley/core';
 * import { decisionTelecom } from '@parley/adapter-decisiontelecom';
 * import { wolkvox } from '@parley/adapter-wolkvox';
 *
 * const messenger = createMessenger(configFromEnv(process.env), { providers: [decisionTelecom, wolkvox] });
 * messenger.on('status', (u) => console.log(u.id, u.status));
 * await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'Hola' });
 */
export function createMessenger(config: ParleyConfig, options: CreateMessengerOptions): Messenger {
  const { definition, config: validated } = resolveConfig(config, options.providers);
  // ONE list of secrets for the logger and for errors: the config's, then what the driver derives
  // from them (DecisionTelecom's base64 credential, say). The logger reads the list when it
  // logs, so what the driver adds also covers what it logs while it is being created.
  const secrets = secretValues(definition, validated);
  const logger = redactingLogger(options.logger ?? silentLogger, secrets);
  const driver = definition.create(validated, { logger, hashKey });
  for (const secret of driver.secrets) if (secret.length > 0 && !secrets.includes(secret)) secrets.push(secret);
  const { rateLimit } = validated as { rateLimit?: { perSecond: number } };
  return new CoreMessenger(definition.name, driver, options, logger, secrets, hashKey, rateLimit);
}

/** The call options of every send without a signal. */
const SEND_CALL: CallOptions = { isSend: true };

class CoreMessenger extends EventEmitter<MessengerEvents> implements Messenger {
  readonly provider: string;
  readonly capabilities: Capabilities;
  readonly webhook?: WebhookHandler;
  readonly #driver: ProviderDriver;
  readonly #transport: Transport;
  readonly #ownsTransport: boolean;
  readonly #store: Store;
  readonly #hub: StatusHub;
  readonly #tracker: StatusTracker | undefined;
  readonly #caller: ProviderCaller;
  readonly #logger: Logger;
  /** The one secret list, shared with the logger. */
  readonly #secrets: readonly string[];
  readonly #now: () => number;
  readonly #closing = new AbortController();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #keepsRecords: boolean;
  readonly #idempotencyTtlMs: number;
  readonly #telemetry: Telemetry | undefined;
  #closed: Promise<void> | undefined;

  constructor(
    provider: string,
    driver: ProviderDriver,
    options: CreateMessengerOptions,
    logger: Logger,
    secrets: readonly string[],
    hash: (...parts: string[]) => string,
    rateLimit?: { perSecond: number },
  ) {
    super();
    // Every call waiting for a limiter slot or a retry listens here until its wait ends: a queue
    // of more than 10 is normal (Wolkvox allows 2 in flight per token), not a leak.
    setMaxListeners(0, this.#closing.signal);
    this.provider = provider;
    this.#driver = driver;
    const telemetry = options.telemetry === false ? undefined : new Telemetry(provider, secrets, options);
    this.#telemetry = telemetry;
    this.#logger = logger;
    this.#secrets = secrets;
    this.#now = options.now ?? Date.now;
    this.#idempotencyTtlMs = options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    this.#ownsTransport = options.transport === undefined;
    this.#transport = options.transport ?? undiciTransport();
    this.#store = options.store ?? (options.now ? memoryStore({ now: options.now }) : defaultStore());
    this.#caller = new ProviderCaller({
      provider,
      driver,
      transport: this.#transport,
      limiter: options.limiter ?? defaultLimiter(),
      store: this.#store,
      logger,
      now: this.#now,
      closing: this.#closing.signal,
      telemetry,
      rateLimit,
    });
    const tracking = driver.tracking === undefined ? undefined : { ...DEFAULT_TRACKING, ...driver.tracking };
    const retentionMs = tracking?.maxAgeMs ?? DEFAULT_TRACKING.maxAgeMs;
    this.#hub = new StatusHub(
      provider,
      driver.scope,
      this.#store,
      retentionMs,
      (u) => this.emit('status', u),
      this.#now,
    );
    this.#keepsRecords =
      driver.capabilities.statusQuery ||
      driver.callbacks !== undefined ||
      driver.webhook !== undefined ||
      tracking !== undefined;
    if (tracking !== undefined && driver.buildStatus) {
      this.#tracker = new StatusTracker(tracking, {
        scope: driver.scope,
        store: this.#store,
        hub: this.#hub,
        now: this.#now,
        poll: (record) =>
          telemetry ? telemetry.status('poll', record.id, () => this.#poll(record)) : this.#poll(record),
        onError: (error) => this.#emitError(error),
      });
      // A shared store may hold messages of this account that an earlier process accepted.
      this.#tracker.resume();
    }
    const hook = driverWebhookOf(driver);
    if (hook) {
      const webhook = messengerWebhook(hook, {
        provider,
        scope: driver.scope,
        store: this.#store,
        now: this.#now,
        hashKey: hash,
        onStatus: (id, status) => this.#onCallback(id, status),
        onMessage: (message) => this.emit('message', message),
        onError: (error) => {
          telemetry?.webhookFailed(error);
          this.#emitError(error);
        },
      });
      this.webhook = telemetry ? telemetry.webhook(webhook) : webhook;
    }
    // What the messenger does, not what the provider could: no webhook, no `webhook: true`.
    this.capabilities = { ...driver.capabilities, webhook: this.webhook !== undefined };
  }

  /** Every `status` event, wherever it is emitted, also goes to the telemetry. */
  override emit<E extends EventEmitter.EventNames<MessengerEvents>>(
    event: E,
    ...args: EventEmitter.EventArgs<MessengerEvents, E>
  ): boolean {
    if (event === 'status') this.#telemetry?.statusChanged(args[0] as StatusUpdate);
    return super.emit(event, ...args);
  }

  send(message: Parameters<Messenger['send']>[0], options: SendOptions = {}): Promise<SendResult> {
    const telemetry = this.#telemetry;
    return this.#track(
      telemetry?.observesSends()
        ? telemetry.send(message, () => this.#send(message, options))
        : this.#send(message, options),
    );
  }

  async #send(message: unknown, options: SendOptions): Promise<SendResult> {
    try {
      if (this.#closed) throw abortedError('not_sent', new Error('the messenger is closed'));
      const validated = validateMessage(message, this.provider);
      if (!this.capabilities[validated.type]) {
        throw unsupportedError(`${validated.type} messages`, this.provider);
      }
      let fallback: ValidatedMessage | undefined;
      if (options.fallback !== undefined) {
        // The fallback is checked as fully as the message, before anything is sent.
        try {
          fallback = validateMessage(options.fallback, this.provider);
        } catch (error) {
          const issues = error instanceof ParleyError ? error.issues : undefined;
          if (!issues) throw error;
          throw validationError(
            issues.map((i) => ({ path: i.path ? `fallback.${i.path}` : 'fallback', message: i.message })),
            this.provider,
          );
        }
        if (fallback.type !== 'template') {
          throw validationError(
            [{ path: 'fallback.type', message: 'fallback must be a template message' }],
            this.provider,
          );
        }
        if (fallback.to !== validated.to) {
          throw validationError(
            [{ path: 'fallback.to', message: 'fallback.to must be the recipient of the message' }],
            this.provider,
          );
        }
        if (!this.capabilities.template) throw unsupportedError('template messages', this.provider);
      }
      if (options.idempotencyKey === undefined) return await this.#deliver(validated, options, fallback);
      const deps = {
        store: this.#store,
        scope: this.#driver.scope,
        provider: this.provider,
        ttlMs: this.#idempotencyTtlMs,
        closing: this.#closing.signal,
      };
      return await sendOnce(deps, options.idempotencyKey, validated, options.signal, () =>
        this.#deliver(validated, options, fallback),
      );
    } catch (error) {
      throw finalizeError(error, this.provider, this.#secrets);
    }
  }

  /**
   * One send of a validated message: the request, the provider's answer, the accepted event. A
   * closed session window sends `fallback` (a template to the same recipient) instead, once.
   */
  async #deliver(validated: ValidatedMessage, options: SendOptions, fallback?: ValidatedMessage): Promise<SendResult> {
    if (fallback !== undefined) {
      try {
        return await this.#deliver(validated, options);
      } catch (error) {
        if (!(error instanceof ParleyError) || error.code !== 'SESSION_WINDOW_CLOSED') throw error;
        this.#logger.debug('session window closed; sending the fallback template', { provider: this.provider });
        return { ...(await this.#deliver(fallback, options)), usedFallback: true };
      }
    }
    const id = newMessageId();
    const callbacks = this.#driver.callbacks;
    const request = this.#driver.buildSend(
      validated,
      callbacks ? { id, callbackUrl: signCallbackUrl(callbacks.url, id, callbacks.secret) } : { id },
    );
    const callOptions: CallOptions = options.signal ? { isSend: true, signal: options.signal } : SEND_CALL;
    let providerMessageId: string | undefined;
    try {
      ({ providerMessageId } = await this.#caller.call(
        request,
        (res) => this.#driver.parseSend(res, request),
        callOptions,
      ));
    } catch (error) {
      // The provider may have it: its later statuses will carry this id, so the error does too.
      if (error instanceof ParleyError && error.delivery === 'unknown') throw error.with({ messageId: id });
      throw error;
    }
    const acceptedAt = new Date(this.#now());
    const result: SendResult =
      providerMessageId !== undefined
        ? { id, provider: this.provider, providerMessageId, status: 'accepted', acceptedAt }
        : { id, provider: this.provider, status: 'accepted', acceptedAt };
    // The provider has the message: a store that fails now must not turn the send into an error.
    try {
      await this.#accepted(result);
    } catch (error) {
      this.#emitError(
        error,
        `Message ${id} was accepted, but its record could not be saved (no status events will follow for it)`,
      );
    }
    if (this.#driver.webhook && providerMessageId !== undefined) {
      // Its webhook names messages by the provider's id (statuses, replies): index it.
      await this.#store
        .set(providerIdKey(this.#driver.scope, providerMessageId), id, PROVIDER_ID_TTL_MS)
        .catch((error: unknown) =>
          this.#emitError(error, `Message ${id} was accepted, but its provider id could not be indexed`),
        );
    }
    return result;
  }

  async #accepted(result: SendResult): Promise<void> {
    if (!this.#keepsRecords) {
      this.emit('status', {
        id: result.id,
        provider: this.provider,
        status: 'accepted',
        final: false,
        at: result.acceptedAt,
      });
      return;
    }
    const schedule = result.providerMessageId !== undefined ? this.#tracker?.firstSchedule() : undefined;
    const { id, providerMessageId } = result;
    const scope = this.#driver.scope;
    const acceptedAt = result.acceptedAt.getTime();
    // Plain literals where they do (no spread): the store copies the record, and a copy of an
    // object built by spreading takes V8's slow path, once per send.
    const record: MessageRecord =
      schedule !== undefined
        ? {
            id,
            scope,
            status: 'accepted',
            acceptedAt,
            ...(providerMessageId !== undefined ? { providerMessageId } : {}),
            ...schedule,
          }
        : providerMessageId !== undefined
          ? { id, scope, status: 'accepted', acceptedAt, providerMessageId }
          : { id, scope, status: 'accepted', acceptedAt };
    await this.#hub.accepted(record);
    if (schedule) this.#tracker?.scheduled(schedule.nextPollAt);
  }

  sendMany(
    messages: Iterable<OutboundMessage> | AsyncIterable<OutboundMessage>,
    options?: SendManyOptions,
  ): AsyncIterable<SendManyOutcome> {
    return sendMany((message, sendOptions) => this.send(message, sendOptions), messages, options);
  }

  getStatus(id: string, options: { signal?: AbortSignal } = {}): Promise<StatusUpdate> {
    const telemetry = this.#telemetry;
    return this.#track(
      telemetry ? telemetry.status('getStatus', id, () => this.#getStatus(id, options)) : this.#getStatus(id, options),
    );
  }

  async #getStatus(id: string, options: { signal?: AbortSignal }): Promise<StatusUpdate> {
    try {
      if (!this.capabilities.statusQuery || !this.#driver.buildStatus) {
        throw unsupportedError('status queries', this.provider);
      }
      if (typeof id !== 'string' || id.length === 0) throw validationError([{ path: 'id', message: 'id is required' }]);
      const record = await this.#store.getMessage(id);
      const providerMessageId = record?.providerMessageId ?? (this.#driver.isProviderMessageId?.(id) ? id : undefined);
      if (providerMessageId === undefined) {
        throw validationError([{ path: 'id', message: `no message ${id} is known to this messenger` }], this.provider);
      }
      const status = await this.#queryStatus(providerMessageId, options.signal);
      if (record) {
        const outcome = await this.#hub.advance(record.id, status);
        if (outcome.advanced) return this.#hub.update(id, status, outcome.at);
      }
      return this.#hub.update(id, status);
    } catch (error) {
      throw finalizeError(error, this.provider, this.#secrets);
    }
  }

  #queryStatus(providerMessageId: string, signal?: AbortSignal): Promise<ProviderStatus> {
    const driver = this.#driver;
    if (!driver.buildStatus || !driver.parseStatus) throw unsupportedError('status queries', this.provider);
    const parseStatus = driver.parseStatus.bind(driver);
    const parse = (response: TransportResponse) => parseStatus(response, providerMessageId);
    return this.#caller.call(driver.buildStatus(providerMessageId), parse, {
      isSend: false,
      ...(signal ? { signal } : {}),
    });
  }

  #poll(record: MessageRecord): Promise<ProviderStatus> {
    // A status query is safe to abandon: close() does not wait for a slow provider to answer it.
    return this.#queryStatus(record.providerMessageId as string, this.#closing.signal).catch((error: unknown) => {
      throw finalizeError(error, this.provider, this.#secrets);
    });
  }

  async #onCallback(id: string, status: ProviderStatus): Promise<void> {
    // A message this store does not know (its send's answer was lost, so the error carried its id
    // as `messageId`, or its record expired) is recorded here: its events still start with
    // `accepted`. A final status takes it off the poll schedule in the same atomic step; a
    // callback never re-queues a message another process is polling.
    await this.#hub.advance(id, status, true);
  }

  #emitError(error: unknown, context?: string): void {
    const base = finalizeError(error, this.provider, this.#secrets);
    const clean = context === undefined ? base : base.with({ message: `${context}: ${base.message}` });
    this.#logger.warn(clean.message, { code: clean.code });
    this.emit('error', clean);
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(abortedError('not_sent', new Error('the messenger was closed')));
      await this.#tracker?.stop();
      await Promise.allSettled([...this.#inFlight]);
      // Requests whose callers gave up but the provider may still work on (Wolkvox) settle first.
      await this.#caller.settled();
      if (this.#ownsTransport) await this.#transport.close();
    })();
    return this.#closed;
  }

  toJSON(): Record<string, unknown> {
    return { provider: this.provider, capabilities: this.capabilities };
  }

  [inspect.custom](): string {
    return `Messenger { provider: '${this.provider}', capabilities: ${inspect(this.capabilities)} }`;
  }
}
