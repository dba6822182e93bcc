import type { ProviderStatus } from '../provider.js';
import { isFinalStatus, type StatusUpdate } from '../status.js';
import type { MessageRecord, StatusAdvanceResult, Store } from '../store/types.js';

/**
 * The one owner of status changes. Every status a message takes, whether from `send`
 * (`accepted`), a poll, `getStatus` or a callback, goes through `Store.advanceStatus`, one atomic
 * step that applies it only if it moves forward; only an advance is emitted, and only by the
 * caller whose advance won. So with many processes sharing a store, each status of a message is
 * emitted exactly once, and never after a later one (their `at` rise strictly).
 */
export class StatusHub {
  constructor(
    private readonly provider: string,
    private readonly scope: string,
    private readonly store: Store,
    private readonly retentionMs: number,
    private readonly emit: (update: StatusUpdate) => void,
    private readonly now: () => number,
  ) {}

  /**
   * Records a message just accepted (written once, with its first poll time when tracked) and
   * emits `accepted`, unless a callback that came first already did.
   */
  async accepted(record: MessageRecord): Promise<void> {
    const outcome = await this.store.advanceStatus(record.id, {
      status: 'accepted',
      at: record.acceptedAt,
      create: record,
      ttlMs: this.ttlOf(record),
    });
    if (outcome.created) this.emitAccepted(record.id, record.acceptedAt);
  }

  /**
   * Applies a status from a poll, `getStatus` or a callback, and emits it if it was an advance.
   * With `create` (a callback about a message this store does not know: its send's answer was
   * lost, or its record expired), the message is recorded first and its events start with
   * `accepted`.
   */
  async advance(id: string, status: ProviderStatus, create = false): Promise<StatusAdvanceResult> {
    const at = this.now();
    const record: MessageRecord | undefined = create
      ? { id, scope: this.scope, status: 'accepted', acceptedAt: at }
      : undefined;
    const outcome = await this.store.advanceStatus(id, {
      status: status.status,
      at,
      ...(record ? { create: record, ttlMs: this.ttlOf(record) } : {}),
    });
    if (outcome.created) this.emitAccepted(id, at);
    if (outcome.advanced && status.status !== 'accepted') this.emit(this.update(id, status, outcome.at));
    return outcome;
  }

  /** Makes a `StatusUpdate` for a status, at `at` (default now). */
  update(id: string, status: ProviderStatus, at = this.now()): StatusUpdate {
    return {
      id,
      provider: this.provider,
      status: status.status,
      providerStatus: status.providerStatus,
      final: isFinalStatus(status.status),
      at: new Date(at),
      ...(status.error !== undefined ? { error: status.error } : {}),
    };
  }

  /** How long a record has left to live: until `retentionMs` after it was accepted. */
  ttlOf(record: MessageRecord): number {
    return Math.max(1, record.acceptedAt + this.retentionMs - this.now());
  }

  private emitAccepted(id: string, at: number): void {
    this.emit({ id, provider: this.provider, status: 'accepted', final: false, at: new Date(at) });
  }
}
