import { describe, expect, it } from 'vitest';
import { RawNumber, topLevelRawValue, writeObject } from './raw-json.js';

describe('writeObject', () => {
  it('writes RawNumber digits as they are, skips undefined, keeps order', () => {
    const text = writeObject({ a: 'x"y', id: new RawNumber('9007199254740993'), skip: undefined, n: 1 });
    expect(text).toBe('{"a":"x\\"y","id":9007199254740993,"n":1}');
  });

  it('refuses anything but digits in a RawNumber', () => {
    expect(() => new RawNumber('1e3')).toThrow(TypeError);
    expect(() => new RawNumber('-1')).toThrow(TypeError);
  });
});

describe('topLevelRawValue', () => {
  it.each([
    ['{"message_id":9007199254740993}', '9007199254740993'],
    ['  { "message_id" :\n 12 , "x": 1 }', '12'],
    ['{"a":{"message_id":1},"b":["message_id",{"message_id":2}],"message_id":3}', '3'],
    ['{"s":"\\"message_id\\":4 {","message_id":5}', '5'],
    ['{"message\\u005fid":6}', '6'],
    ['{"message_id":"7"}', '"7"'],
    ['{"message_id":1,"message_id":8}', '8'],
  ])('%s → %s', (json, expected) => {
    expect(topLevelRawValue(json, 'message_id')).toBe(expected);
  });

  it('gives no digits for an object value', () => {
    expect(topLevelRawValue('{"message_id":{"x":1}}', 'message_id')).not.toMatch(/^\d+$/);
  });

  it.each(['{}', '[{"message_id":1}]', '5', '"message_id"', '{"x":{"message_id":1}}'])('%s → undefined', (json) => {
    expect(topLevelRawValue(json, 'message_id')).toBeUndefined();
  });
});
