import { describe, expect, it } from 'vitest';
import { Progression, TIMELINES } from './progression.js';

describe('Progression', () => {
  it('walks each timeline one step per stepMs and stays at its end', () => {
    const p = new Progression({ stepMs: 100 });
    expect([0, 99, 100, 250, 300, 10_000].map((t) => p.statusAt(0, 0, t))).toEqual([6, 6, 0, 1, 7, 7]);
    expect([0, 100, 200, 300].map((t) => p.statusAt(1, 0, t))).toEqual([6, 0, 1, 1]);
    expect([0, 100, 200].map((t) => p.statusAt(2, 0, t))).toEqual([6, 2, 2]);
    expect([0, 100, 200, 300].map((t) => p.statusAt(3, 0, t))).toEqual([6, 0, 4, 4]);
    expect(TIMELINES).toHaveLength(4);
  });

  it('jumps to the end at once with stepMs 0, and never before acceptance', () => {
    expect(new Progression({ stepMs: 0 }).statusAt(0, 50, 50)).toBe(7);
    expect(new Progression({ stepMs: 10 }).statusAt(0, 50, 0)).toBe(6);
  });

  it('picks outcomes in the weighted share, the same for the same seed', () => {
    const p = new Progression({ outcomes: { seen: 3, failed: 1 } }, 42);
    const outcomes = Array.from({ length: 1000 }, (_, i) => p.outcomeFor(i));
    expect(outcomes.filter((o) => o === 3).length).toBeGreaterThanOrEqual(248);
    expect(outcomes.filter((o) => o === 3).length).toBeLessThanOrEqual(252);
    expect(outcomes.filter((o) => o === 1 || o === 2)).toEqual([]);
    const again = new Progression({ outcomes: { seen: 3, failed: 1 } }, 42);
    expect(Array.from({ length: 1000 }, (_, i) => again.outcomeFor(i))).toEqual(outcomes);
  });

  it('refuses bad options', () => {
    expect(() => new Progression({ stepMs: -1 })).toThrow(RangeError);
    expect(() => new Progression({ outcomes: { seen: 0 } })).toThrow(RangeError);
    expect(() => new Progression({ outcomes: { seen: -1, failed: 2 } })).toThrow(RangeError);
  });
});
