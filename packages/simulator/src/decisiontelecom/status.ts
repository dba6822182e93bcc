/**
 * DecisionTelecom's status codes (providers.md).
 *
 * @example
 * sim.decisionTelecom.setStatus(id, DT_STATUS.deleted);
 */
export const DT_STATUS = {
  sent: 0,
  delivered: 1,
  rejected: 2,
  error: 3,
  failed: 4,
  deleted: 5,
  pending: 6,
  seen: 7,
} as const;

export type DtStatusName = keyof typeof DT_STATUS;

const FINAL = new Set<number>([2, 3, 4, 5, 7]);

/**
 * Whether a status code can no longer change (providers.md: rejected, error, failed, deleted, seen).
 *
 * @example
 * isFinalDtStatus(DT_STATUS.delivered); // false: it can still become seen
 */
export function isFinalDtStatus(code: number): boolean {
  return FINAL.has(code);
}
