/** The unified delivery status of a message, whatever the provider. */
export type DeliveryStatus =
  | 'accepted'
  | 'pending'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'failed'
  | 'rejected'
  | 'deleted'
  | 'unknown';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'accepted',
  'pending',
  'sent',
  'delivered',
  'read',
  'failed',
  'rejected',
  'deleted',
  'unknown',
];

/** One change of a message's unified status. */
export interface StatusUpdate {
  /** Parley's id of the message (`SendResult.id`). */
  readonly id: string;
  readonly provider: string;
  readonly status: DeliveryStatus;
  /** The provider's raw status code, always kept (absent for `accepted`). */
  readonly providerStatus?: string | number;
  /** No later status will follow. */
  readonly final: boolean;
  readonly at: Date;
  /** Why a `failed`/`rejected` message failed, where the provider says (e.g. Meta's code 131026). */
  readonly error?: { readonly code: string | number; readonly message: string };
}

/**
 * Progress order. A status may only follow one of lower rank, so a late `sent` after
 * `delivered` is dropped. `unknown` (a code we cannot map) ranks just above `accepted`: it is
 * shown while nothing better is known and never replaces a known status. The terminal failures
 * rank above everything, so they can follow `delivered`; nothing follows a final status.
 */
const RANK: Record<DeliveryStatus, number> = {
  accepted: 0,
  unknown: 1,
  pending: 2,
  sent: 3,
  delivered: 4,
  read: 5,
  failed: 6,
  rejected: 6,
  deleted: 6,
};

const FINAL: ReadonlySet<DeliveryStatus> = new Set(['read', 'failed', 'rejected', 'deleted']);

/** Whether no later status can follow `status`. `delivered` is not final: it can become `read`. */
export function isFinalStatus(status: DeliveryStatus): boolean {
  return FINAL.has(status);
}

/** The progress rank of a status; higher is further along. */
export function statusRank(status: DeliveryStatus): number {
  return RANK[status];
}

/**
 * Whether moving from `current` to `next` is a change worth an event: never the same status
 * twice, never backwards, nothing after a final status.
 */
export function isStatusAdvance(current: DeliveryStatus | undefined, next: DeliveryStatus): boolean {
  if (current === undefined) return true;
  if (current === next || isFinalStatus(current)) return false;
  return RANK[next] > RANK[current];
}

/** A provider's status, mapped to the unified one by the adapter. */
export interface ProviderStatus {
  readonly status: DeliveryStatus;
  /** The raw code, kept as the provider sent it. */
  readonly providerStatus: string | number;
  /** Why a `failed` or `rejected` message failed, where the provider says (Meta: its error code and title). */
  readonly error?: StatusError;
}

/** The provider's reason for a failed message. */
export interface StatusError {
  readonly code: string | number;
  readonly message: string;
}

/** A status carried by a callback, with the provider's message id where the payload has one. */
export interface CallbackStatus extends ProviderStatus {
  readonly providerMessageId?: string;
}
