import { describe, expect, it } from 'vitest';
import { isFinalStatus, isStatusAdvance } from './status.js';

describe('status order', () => {
  it.each([
    [undefined, 'accepted', true],
    ['accepted', 'pending', true],
    ['pending', 'sent', true],
    ['sent', 'delivered', true],
    ['delivered', 'read', true],
    ['delivered', 'deleted', true],
    ['sent', 'failed', true],
    ['accepted', 'unknown', true],
    ['delivered', 'sent', false],
    ['delivered', 'delivered', false],
    ['read', 'deleted', false],
    ['failed', 'delivered', false],
    ['sent', 'unknown', false],
    ['unknown', 'pending', true],
  ] as const)('%s → %s is an advance: %s', (from, to, expected) => {
    expect(isStatusAdvance(from, to)).toBe(expected);
  });

  it('marks read, failed, rejected and deleted final, and delivered not', () => {
    expect(['read', 'failed', 'rejected', 'deleted'].every((s) => isFinalStatus(s as never))).toBe(true);
    expect(isFinalStatus('delivered')).toBe(false);
    expect(isFinalStatus('unknown')).toBe(false);
  });
});
