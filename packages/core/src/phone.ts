// The core entry plus the "min" metadata is exactly what the package's default entry is, without
// loading the parts of the library Parley never calls (it halves the import time).
import {
  ParseError,
  type PhoneNumber,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';

const REASONS: Record<string, string> = {
  NOT_A_NUMBER: 'is not a phone number',
  INVALID_COUNTRY: 'has no valid country calling code (use international form, e.g. +57 300 123 4567)',
  TOO_SHORT: 'is too short for its country',
  TOO_LONG: 'is too long for its country',
  INVALID_LENGTH: 'has a length that no number of its country has',
};

/** The outcome of normalising a recipient: international digits, or why not. */
export type PhoneResult = { ok: true; digits: string } | { ok: false; reason: string };

/**
 * Normalises a phone number in international form (`+57 300 123 4567`, `573001234567`,
 * `0057 300-123-4567`) to its digits with the country code and no `+` (`573001234567`),
 * checking with libphonenumber-js that such a number is possible for its country.
 *
 * @example
 * normalizePhone('+57 300 123 4567'); // { ok: true, digits: '573001234567' }
 * normalizePhone('+1 555');           // { ok: false, reason: 'is too short for its country' }
 */
export function normalizePhone(input: string): PhoneResult {
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
  // One parse, as `validatePhoneNumberLength` would do it (`extract: false`); its length check
  // is the one `isPossible()` makes. Only a number that fails asks it again, for the reason.
  let parsed: PhoneNumber;
  try {
    parsed = parsePhoneNumberWithError(international, { extract: false }, metadata);
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, reason: reasonFor(error.message) };
    throw error;
  }
  if (parsed.isPossible()) {
    const digits = parsed.number.slice(1);
    // E.164 numbers have at most 15 digits, whatever libphonenumber-js deems possible.
    if (digits.length > 15) return { ok: false, reason: REASONS.TOO_LONG as string };
    // Where the parse dropped digits (a trunk prefix, "+44 (0)20…"), the result must be stable:
    // a number that would lose more digits when normalised again is ambiguous.
    if (parsed.number !== international) {
      const again = normalizePhone(parsed.number);
      if (!again.ok || again.digits !== digits) {
        return { ok: false, reason: 'is ambiguous: it changes when normalised again (check its prefix digits)' };
      }
    }
    return { ok: true, digits };
  }
  const why = validatePhoneNumberLength(international, metadata);
  return { ok: false, reason: why === undefined ? (REASONS.INVALID_LENGTH as string) : reasonFor(why) };
}

function reasonFor(code: string): string {
  return REASONS[code] ?? `is not a possible number (${code})`;
}
