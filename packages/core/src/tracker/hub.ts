import type { ProviderStatus } from '../provider.js';
import { isFinalStatus, isStatusAdvance, type StatusUpdate } from '../status.js';
import type { MessageRecord, Store } from '../store/types.js';

/**
 * The one path every status takes, whether from `send`, a poll, `getStatus` or a webhook:
 * it drops repeats and backward moves, records the new status and emits the event.
 */
export class StatusHub {
  constructor(
    private readonly provider: string,
    private readonly store: Store,
    private readonly retentionMs: number,
    private readonly emit: (update: StatusUpdate) => void,
    private readonly now: () => number,
  ) {}

  /**
   * Applies a status to `record` and emits it if it is an advance. Saves the record unless
   * `save` is false (the tracker saves it itself, with its next poll time).
   * Returns whether the status was an advance.
   */
  async apply(record: MessageRecord, status: ProviderStatus, save = true): Promise<boolean> {
    // Another path (a webhook while a poll was in flight) may have moved the message on.
    const stored = await this.store.getMessage(record.id);
    if (stored && isStatusAdvance(record.status, stored.status)) record.status = stored.status;
    if (!isStatusAdvance(record.status, status.status)) return false;
    record.status = status.status;
    if (save) await this.store.putMessage(record, this.ttlOf(record));
    this.emit(this.update(record.id, status));
    return true;
  }

  /** Emits `accepted` for a message just sent, and saves its record. */
  async accepted(record: MessageRecord, at: Date): Promise<void> {
    await this.store.putMessage(record, this.ttlOf(record));
    this.emit({ id: record.id, provider: this.provider, status: 'accepted', final: false, at });
  }

  /** Makes a `StatusUpdate` for a status, now. */
  update(id: string, status: ProviderStatus): StatusUpdate {
    return {
      id,
      provider: this.provider,
      status: status.status,
      providerStatus: status.providerStatus,
      final: isFinalStatus(status.status),
      at: new Date(this.now()),
      ...(status.error !== undefined ? { error: status.error } : {}),
    };
  }

  /** How long a record has left to live: until `retentionMs` after it was accepted. */
  ttlOf(record: MessageRecord): number {
    return Math.max(1, record.acceptedAt + this.retentionMs - this.now());
  }
}
