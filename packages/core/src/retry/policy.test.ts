import { describe, expect, it } from 'vitest';
import type { Delivery } from '../errors/codes.js';
import { ParleyError } from '../errors/ParleyError.js';
import { DEFAULT_RETRY_POLICY, decideRetry, parseRetryAfter, type RetryDecision, type RetryPolicy } from './policy.js';

function failure(init: { retryable?: boolean; delivery?: Delivery; retryAfterMs?: number } = {}): ParleyError {
  return new ParleyError({
    code: init.retryable === false ? 'AUTH' : 'NETWORK',
    message: 'failed',
    retryable: init.retryable ?? true,
    ...(init.delivery ? { delivery: init.delivery } : {}),
    ...(init.retryAfterMs !== undefined ? { retryAfterMs: init.retryAfterMs } : {}),
  });
}

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

interface Case {
  readonly name: string;
  readonly error: unknown;
  readonly attempt: number;
  readonly isSend: boolean;
  readonly random?: number;
  readonly policy?: Partial<RetryPolicy>;
  readonly expected: { retry: false } | { retry: true; delayMs: number };
}

const cases: readonly Case[] = [
  {
    name: 'a plain Error is not retried',
    error: new Error('boom'),
    attempt: 1,
    isSend: false,
    expected: { retry: false },
  },
  {
    name: 'a non-error value is not retried',
    error: 'nope',
    attempt: 1,
    isSend: false,
    expected: { retry: false },
  },
  {
    name: 'a ParleyError look-alike without the brand is not retried',
    error: { code: 'NETWORK', retryable: true, delivery: 'not_sent' },
    attempt: 1,
    isSend: true,
    expected: { retry: false },
  },
  {
    name: 'a non-retryable error is not retried',
    error: failure({ retryable: false, delivery: 'not_sent' }),
    attempt: 1,
    isSend: true,
    expected: { retry: false },
  },
  {
    name: 'a send whose delivery is unknown is never resent',
    error: failure({ delivery: 'unknown' }),
    attempt: 1,
    isSend: true,
    expected: { retry: false },
  },
  {
    name: 'a send without a delivery is never resent',
    error: failure(),
    attempt: 1,
    isSend: true,
    expected: { retry: false },
  },
  {
    name: 'a send surely not sent is retried after base × random (attempt 1)',
    error: failure({ delivery: 'not_sent' }),
    attempt: 1,
    isSend: true,
    random: 0.5,
    expected: { retry: true, delayMs: 50 },
  },
  {
    name: 'the ceiling doubles per attempt (attempt 3: 400 × 0.5)',
    error: failure({ delivery: 'not_sent' }),
    attempt: 3,
    isSend: true,
    random: 0.5,
    expected: { retry: true, delayMs: 200 },
  },
  {
    name: 'the jittered delay is floored (attempt 2: 200 × 0.333)',
    error: failure({ delivery: 'not_sent' }),
    attempt: 2,
    isSend: true,
    random: 0.333,
    expected: { retry: true, delayMs: 66 },
  },
  {
    name: 'the delay stays below the ceiling (attempt 4: 800 × 0.999)',
    error: failure({ delivery: 'not_sent' }),
    attempt: 4,
    isSend: true,
    random: 0.999,
    policy: { maxAttempts: 10 },
    expected: { retry: true, delayMs: 799 },
  },
  {
    name: 'the ceiling is capped at maxDelayMs',
    error: failure({ delivery: 'not_sent' }),
    attempt: 6,
    isSend: true,
    random: 0.5,
    policy: { maxAttempts: 10 },
    expected: { retry: true, delayMs: 500 },
  },
  {
    name: 'random 0 gives no wait',
    error: failure({ delivery: 'not_sent' }),
    attempt: 1,
    isSend: true,
    random: 0,
    expected: { retry: true, delayMs: 0 },
  },
  {
    name: 'a status poll is retried even when delivery is unknown',
    error: failure({ delivery: 'unknown' }),
    attempt: 1,
    isSend: false,
    random: 0.5,
    expected: { retry: true, delayMs: 50 },
  },
  {
    name: 'a status poll is retried without a delivery',
    error: failure(),
    attempt: 2,
    isSend: false,
    random: 0.25,
    expected: { retry: true, delayMs: 50 },
  },
  {
    name: 'the last allowed attempt may still be followed by one more',
    error: failure({ delivery: 'not_sent' }),
    attempt: 4,
    isSend: true,
    random: 0.5,
    expected: { retry: true, delayMs: 400 },
  },
  {
    name: 'no retry once maxAttempts attempts were made',
    error: failure({ delivery: 'not_sent' }),
    attempt: 5,
    isSend: true,
    random: 0.5,
    expected: { retry: false },
  },
  {
    name: 'maxAttempts 1 means no retry at all',
    error: failure({ delivery: 'not_sent' }),
    attempt: 1,
    isSend: false,
    policy: { maxAttempts: 1 },
    expected: { retry: false },
  },
  {
    name: 'Retry-After is honoured exactly, with no jitter',
    error: failure({ delivery: 'not_sent', retryAfterMs: 750 }),
    attempt: 1,
    isSend: true,
    random: 0.1,
    expected: { retry: true, delayMs: 750 },
  },
  {
    name: 'Retry-After equal to maxDelayMs is honoured',
    error: failure({ delivery: 'not_sent', retryAfterMs: 1000 }),
    attempt: 1,
    isSend: true,
    expected: { retry: true, delayMs: 1000 },
  },
  {
    name: 'Retry-After beyond maxDelayMs ends the retries',
    error: failure({ delivery: 'not_sent', retryAfterMs: 1001 }),
    attempt: 1,
    isSend: true,
    expected: { retry: false },
  },
  {
    name: 'Retry-After 0 retries at once',
    error: failure({ delivery: 'not_sent', retryAfterMs: 0 }),
    attempt: 1,
    isSend: true,
    random: 0.9,
    expected: { retry: true, delayMs: 0 },
  },
  {
    name: 'Retry-After does not make an ambiguous send safe',
    error: failure({ delivery: 'unknown', retryAfterMs: 10 }),
    attempt: 1,
    isSend: true,
    expected: { retry: false },
  },
];

describe('decideRetry', () => {
  it.each(cases)('$name', ({ error, attempt, isSend, random, policy: override, expected }) => {
    const decision: RetryDecision = decideRetry({
      error,
      attempt,
      isSend,
      policy: { ...policy, ...override },
      random: () => random ?? 0.5,
    });
    if (expected.retry) {
      expect(decision).toEqual(expected);
    } else {
      expect(decision.retry).toBe(false);
      expect(decision).toHaveProperty('reason', expect.any(String));
    }
  });

  it('uses the default policy when none is given (3 attempts, 250 ms base)', () => {
    const error = failure({ delivery: 'not_sent' });
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 30_000 });
    expect(decideRetry({ error, attempt: 1, isSend: true, random: () => 0.5 })).toEqual({ retry: true, delayMs: 125 });
    expect(decideRetry({ error, attempt: 2, isSend: true, random: () => 0.5 })).toEqual({ retry: true, delayMs: 250 });
    expect(decideRetry({ error, attempt: 3, isSend: true, random: () => 0.5 }).retry).toBe(false);
  });

  it('falls back to Math.random, staying within the ceiling', () => {
    const error = failure({ delivery: 'not_sent' });
    for (let i = 0; i < 100; i++) {
      const decision = decideRetry({ error, attempt: 2, isSend: false, policy });
      expect(decision.retry).toBe(true);
      if (decision.retry) {
        expect(Number.isInteger(decision.delayMs)).toBe(true);
        expect(decision.delayMs).toBeGreaterThanOrEqual(0);
        expect(decision.delayMs).toBeLessThan(200);
      }
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2026 07:27:00 GMT');

  it.each([
    { value: '2', expected: 2000 },
    { value: '0', expected: 0 },
    { value: ' 120 ', expected: 120_000 },
    { value: '1.5', expected: 1500 },
    { value: '0.25', expected: 250 },
    { value: 'Wed, 21 Oct 2026 07:28:00 GMT', expected: 60_000 },
    { value: 'Wed, 21 Oct 2026 07:27:00 GMT', expected: 0 },
    { value: 'Wed, 21 Oct 2026 07:00:00 GMT', expected: 0 },
    { value: 'Thu, 01 Jan 1970 00:00:00 GMT', expected: 0 },
    { value: 'soon', expected: undefined },
    { value: '', expected: undefined },
    { value: '-5', expected: undefined },
    { value: '1e3', expected: undefined },
    { value: '12abc', expected: undefined },
    { value: undefined, expected: undefined },
  ])('$value → $expected', ({ value, expected }) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('measures an HTTP date from Date.now() by default', () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const ms = parseRetryAfter(inAMinute);
    expect(ms).toBeGreaterThan(58_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });
});
