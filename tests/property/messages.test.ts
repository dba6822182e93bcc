// Property tests of validateMessage, the parser of user messages: any value gives a validated
// message or a VALIDATION ParleyError; a valid message validates to itself again.
import { normalizePhone, validateMessage } from '@parley/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outcome, params } from './arbitraries.js';

/** Calling codes of many numbering plans, the tricky ones included (NANP, Russia/Kazakhstan, Italy, Argentina, Mexico). */
const COUNTRY_CODES = [
  '1',
  '7',
  '20',
  '33',
  '34',
  '39',
  '44',
  '49',
  '52',
  '54',
  '55',
  '57',
  '58',
  '61',
  '81',
  '86',
  '91',
  '234',
  '380',
  '420',
  '593',
  '598',
  '971',
  '998',
];

/** Phone-like text: an international prefix, a calling code and digits with separators. */
const phone = fc
  .tuple(
    fc.constantFrom('+', '00', '', '+ ', ' +'),
    fc.constantFrom(...COUNTRY_CODES),
    fc.array(
      fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...'0123456789') }, fc.constantFrom(' ', '-', '.', '(', ')')),
      {
        minLength: 3,
        maxLength: 18,
      },
    ),
  )
  .map(([prefix, cc, rest]) => `${prefix}${cc}${rest.join('')}`);

/** Numbers that are valid as written. */
const VALID_NUMBERS = [
  '+57 300 123 4567',
  '573001234567',
  '+1 212-555-0123',
  '+44 20 7946 0958',
  '0049 30 1234567',
  '+7 912 345 67 89',
  '+55 (11) 91234-5678',
  '+380 63 123 4567',
  '+39 06 1234 5678',
];

const to = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...VALID_NUMBERS) },
  { weight: 5, arbitrary: phone },
  fc.string(),
  fc.stringMatching(/^\+?\d{0,20}$/),
);

const text = fc.oneof(
  fc.string({ minLength: 1 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.constantFrom('', ' ', 'x'.repeat(4096), 'x'.repeat(4097), '😀'.repeat(4096), '\u0000'),
);

const url = fc.oneof(
  fc.webUrl().map((u) => `${u}/a.png`),
  fc.webUrl(),
  fc.constantFrom(
    'https://cdn.example.com/a.JPG',
    'ftp://x/a.png',
    'https://x/a.png?x=1',
    'https://x/a.gif',
    'not a url',
  ),
);

const parameter = fc.oneof(
  fc.record({ type: fc.constant('text'), text: fc.string() }),
  fc.record({ type: fc.constant('image'), image: fc.record({ link: url }) }),
  fc.record({
    type: fc.constant('document'),
    document: fc.record({ link: url, filename: fc.string() }, { requiredKeys: ['link'] }),
  }),
  fc.record({ type: fc.constant('payload'), payload: fc.string() }),
  fc.record({ type: fc.string(), text: fc.anything() }),
);

const component = fc.record(
  {
    type: fc.constantFrom('header', 'body', 'footer', 'button', 'other'),
    sub_type: fc.constantFrom('quick_reply', 'url', 'x'),
    index: fc.oneof(fc.nat(), fc.integer(), fc.double()),
    parameters: fc.array(parameter, { maxLength: 3 }),
  },
  { requiredKeys: ['type', 'parameters'] },
);

/** Messages of the right shape with fields drawn from valid and invalid values. */
const message = fc.oneof(
  fc.record({ type: fc.constant('text'), to, text }),
  fc.record({ type: fc.constant('image'), to, url, caption: text }, { requiredKeys: ['type', 'to', 'url'] }),
  fc.record(
    {
      type: fc.constant('template'),
      to,
      name: fc.oneof(fc.string(), fc.constantFrom('welcome', ' order_ready ', '')),
      language: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('en', 'en_US', 'pt-BR', 'x', 'zh-Hant-TW') },
        fc.string(),
      ),
      namespace: fc.string(),
      variables: fc.array(fc.string(), { maxLength: 4 }),
      components: fc.array(component, { maxLength: 3 }),
    },
    { requiredKeys: ['type', 'to', 'name'] },
  ),
);

/** A message with one field removed, replaced by anything, or one field added. */
const mutatedMessage = fc
  .tuple(message, fc.constantFrom('drop', 'replace', 'add'), fc.nat(), fc.string({ maxLength: 8 }), fc.anything())
  .map(([m, how, which, key, value]) => {
    const copy: Record<string, unknown> = { ...m };
    const keys = Object.keys(copy);
    const target = keys[which % keys.length] as string;
    if (how === 'drop') delete copy[target];
    if (how === 'replace') copy[target] = value;
    if (how === 'add') copy[key] = value;
    return copy;
  });

const input = fc.oneof(
  { weight: 1, arbitrary: fc.anything() },
  { weight: 4, arbitrary: message },
  { weight: 3, arbitrary: mutatedMessage },
);

/** Whether a normalised recipient normalises to itself (see the known bug below). */
const stable = (digits: string): boolean => {
  const again = normalizePhone(digits);
  return again.ok && again.digits === digits;
};

describe('validateMessage (fast-check)', () => {
  it('any value gives a validated message or a VALIDATION ParleyError; a valid one validates to itself', () => {
    let valid = 0;
    fc.assert(
      fc.property(input, (value) => {
        const result = outcome(() => validateMessage(value, 'decisiontelecom'));
        if (!result.ok) {
          expect(result.error.code).toBe('VALIDATION');
          expect(result.error.delivery).toBe('not_sent');
          expect(result.error.issues?.length).toBeGreaterThan(0);
          return;
        }
        valid++;
        const out = result.value;
        expect(out.to).toMatch(/^\d{2,}$/);
        // Idempotent: the output is a valid message and validates to the same message (where its
        // recipient is stable; the recipients that are not are the known bug below).
        if (stable(out.to)) expect(validateMessage(out)).toEqual(out);
      }),
      params(),
    );
    expect(valid).toBeGreaterThan(1_000);
  });

  // KNOWN BUG (reported, not fixed here: packages/core/src/phone.ts is outside this change).
  // normalizePhone keeps whatever libphonenumber-js parses a "possible" number to, and the parser
  // strips national (trunk) prefixes and carrier codes after the calling code, so some inputs lose
  // digits on every pass: '+49 00612805' -> '490612805' -> '49612805', '+86 1121109449632' ->
  // '8609449632' -> '869449632'. validateMessage is then not idempotent on `to`, and the number
  // sent is not the one written. Fix: accept a parse only if it is a fixpoint (re-parsing
  // `parsed.number` gives the same number), else fail VALIDATION. Flip `it.fails` to `it` then.
  it('normalising a recipient is idempotent: its digits normalise to themselves', () => {
    fc.assert(
      fc.property(phone, (raw) => {
        const first = normalizePhone(raw);
        if (!first.ok) return;
        expect(normalizePhone(first.digits)).toEqual(first);
        expect(normalizePhone(`+${first.digits}`)).toEqual(first);
        expect(validateMessage({ type: 'text', to: first.digits, text: 'x' }).to).toBe(first.digits);
      }),
      { ...params(), examples: [['+49 00612805'], ['+86 1121109449632'], ['+55 9009057319501']] },
    );
  });

  // KNOWN BUG (reported, not fixed here: packages/core/src/phone.ts). E.164 numbers have at most
  // 15 digits (providers.md: "a real number has at most 15 digits"), but normalizePhone takes what
  // libphonenumber-js calls possible, up to 19 digits: '+81 14444444444444444' -> '8114444444444444444',
  // which DecisionTelecom then gets as a 19-digit JSON number. Fix: fail VALIDATION ("is too long")
  // past 15 digits. Flip `it.fails` to `it` then.
  it('a normalised recipient has at most 15 digits (E.164)', () => {
    fc.assert(
      fc.property(phone, (raw) => {
        const result = normalizePhone(raw);
        if (result.ok) expect(result.digits.length).toBeLessThanOrEqual(15);
      }),
      { ...params(), examples: [['+81 14444444444444444'], ['+49 4000000000000 00']] },
    );
  });
});
