// The recipient check's verdicts, pinned: over every example number libphonenumber-js ships (it
// ships mobile examples only, `libphonenumber-js/mobile/examples`, one per region) and over
// phone-like text, `normalizePhone` must give exactly the verdicts of the reference below (the
// check as it stood when this test was written). A faster check has to pass this unchanged.
import fc from 'fast-check';
import {
  type CountryCode,
  getCountries,
  getExampleNumber,
  ParseError,
  type PhoneNumber,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { normalizePhone, type PhoneResult } from './phone.js';

// --- the reference: normalizePhone as of issue 18, kept verbatim ----------------------------

const REASONS: Record<string, string> = {
  NOT_A_NUMBER: 'is not a phone number',
  INVALID_COUNTRY: 'has no valid country calling code (use international form, e.g. +57 300 123 4567)',
  TOO_SHORT: 'is too short for its country',
  TOO_LONG: 'is too long for its country',
  INVALID_LENGTH: 'has a length that no number of its country has',
};

function reference(input: string): PhoneResult {
  const trimmed = input.trim();
  if (!/^(\+|00)?[\d\s().-]+$/.test(trimmed)) {
    return { ok: false, reason: 'may hold only digits, spaces, dashes, dots, parentheses and a leading +' };
  }
  const compact = trimmed.replace(/[\s().-]/g, '');
  const international = compact.startsWith('+')
    ? compact
    : compact.startsWith('00')
      ? `+${compact.slice(2)}`
      : `+${compact}`;
  let parsed: PhoneNumber;
  try {
    parsed = parsePhoneNumberWithError(international, { extract: false }, metadata);
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, reason: referenceReason(error.message) };
    throw error;
  }
  if (parsed.isPossible()) {
    const digits = parsed.number.slice(1);
    if (digits.length > 15) return { ok: false, reason: REASONS.TOO_LONG as string };
    if (parsed.number !== international) {
      const again = reference(parsed.number);
      if (!again.ok || again.digits !== digits) {
        return { ok: false, reason: 'is ambiguous: it changes when normalised again (check its prefix digits)' };
      }
    }
    return { ok: true, digits };
  }
  const why = validatePhoneNumberLength(international, metadata);
  return { ok: false, reason: why === undefined ? (REASONS.INVALID_LENGTH as string) : referenceReason(why) };
}

function referenceReason(code: string): string {
  return REASONS[code] ?? `is not a possible number (${code})`;
}

// --- the example numbers -----------------------------------------------------------------

const REGIONS = Object.keys(examples) as CountryCode[];

/** Every region's example number, in E.164 (`+573211234567`). */
const EXAMPLES = REGIONS.map((region) => {
  const example = getExampleNumber(region, examples, metadata);
  if (example === undefined) throw new Error(`no example number for ${region}`);
  return { region, e164: example.number as string, international: example.formatInternational() };
});

/** The ways a user writes a number in international form. */
const writings = (e: (typeof EXAMPLES)[number]): string[] => [
  e.e164,
  e.international,
  `00${e.e164.slice(1)}`,
  e.e164.slice(1),
  ` ${e.international.replace(/ /g, '-')} `,
];

describe('normalizePhone over the example numbers libphonenumber-js ships', () => {
  it('has an example for every region of the metadata (mobile is the only type shipped)', () => {
    expect(REGIONS.length).toBeGreaterThan(200);
    expect([...REGIONS].sort()).toEqual([...getCountries(metadata)].sort());
  });

  it('accepts every region’s example, written five ways, as its E.164 digits, as the reference does', () => {
    for (const example of EXAMPLES) {
      for (const written of writings(example)) {
        const verdict = normalizePhone(written);
        expect(verdict, `${example.region} ${written}`).toEqual({ ok: true, digits: example.e164.slice(1) });
        expect(verdict).toEqual(reference(written));
      }
    }
  });

  it('gives the reference’s verdict for every example with a digit dropped, added, doubled or a calling code changed', () => {
    let rejected = 0;
    for (const { e164 } of EXAMPLES) {
      const digits = e164.slice(1);
      const variants = [
        digits.slice(0, -1),
        digits.slice(0, -2),
        `${digits}0`,
        `${digits}12`,
        `${digits.slice(0, 3)}0${digits.slice(3)}`,
        `9${digits}`,
        `0${digits}`,
        digits.slice(1),
      ];
      for (const variant of variants) {
        const verdict = normalizePhone(`+${variant}`);
        expect(verdict, `+${variant}`).toEqual(reference(`+${variant}`));
        if (!verdict.ok) rejected++;
      }
    }
    // The variants reach the rejecting branches too, not only the accepting one.
    expect(rejected).toBeGreaterThan(EXAMPLES.length);
  });
});

/** Phone-like text: an international prefix, a calling code, digits and separators. */
const phoneLike = fc
  .tuple(
    fc.constantFrom('+', '00', '', ' +', '+ ', '0', '++'),
    fc.oneof(
      fc.constantFrom(...EXAMPLES.map((e) => e.e164.slice(1))),
      fc.stringMatching(/^[0-9]{1,18}$/),
      fc.constantFrom('1', '7', '20', '44', '49', '39', '52', '54', '55', '57', '61', '86', '91', '380', '998'),
    ),
    fc.array(fc.constantFrom(...'0123456789 -.()/x'), { maxLength: 10 }),
  )
  .map(([prefix, head, tail]) => `${prefix}${head}${tail.join('')}`);

describe('normalizePhone against the reference (property)', () => {
  it('gives the same verdict for any phone-like text', () => {
    fc.assert(
      fc.property(phoneLike, (text) => {
        expect(normalizePhone(text)).toEqual(reference(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('gives the same verdict for any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        expect(normalizePhone(text)).toEqual(reference(text));
      }),
      { numRuns: 2_000 },
    );
  });
});
