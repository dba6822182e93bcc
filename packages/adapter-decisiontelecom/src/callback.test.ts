import { isParleyError } from '@parley/core';
import { describe, expect, it } from 'vitest';
import { parseCallback } from './callback.js';

describe('parseCallback', () => {
  it.each([
    [
      { message_id: '554', status: '1' },
      { status: 'delivered', providerStatus: '1', providerMessageId: '554' },
    ],
    [
      { message_id: 554, status: 7 },
      { status: 'read', providerStatus: 7, providerMessageId: '554' },
    ],
    [{ status: 0 }, { status: 'sent', providerStatus: 0 }],
    [
      { status: 42, message_id: 'abc' },
      { status: 'unknown', providerStatus: 42 },
    ],
    // A JSON number above 2^53 has lost its digits before the adapter sees it: left out.
    [
      { status: 6, message_id: JSON.parse('9007199254740993') as number },
      { status: 'pending', providerStatus: 6 },
    ],
    [
      { status: 6, message_id: '9007199254740993' },
      { status: 'pending', providerStatus: 6, providerMessageId: '9007199254740993' },
    ],
  ])('%j → %j', (fields, expected) => {
    expect(parseCallback(fields)).toEqual(expected);
  });

  it.each([
    ['sent', 'sent'],
    ['Delivered', 'delivered'],
    ['rejected', 'rejected'],
    ['error', 'failed'],
    ['failed', 'failed'],
    ['deleted', 'deleted'],
    ['PENDING', 'pending'],
    ['seen', 'read'],
    ['read', 'read'],
  ])('a status by name, %s, is %s', (name, status) => {
    expect(parseCallback({ message_id: '554', status: name })).toEqual({
      status,
      providerStatus: name,
      providerMessageId: '554',
    });
  });

  it.each([{}, { status: 'lost' }, { status: '__proto__' }, { status: null }, { status: '' }, { status: ['1'] }])(
    '%j is PROTOCOL',
    (fields) => {
      let error: unknown;
      try {
        parseCallback(fields);
      } catch (e) {
        error = e;
      }
      expect(isParleyError(error) && error.code).toBe('PROTOCOL');
    },
  );
});
