import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js';

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
  const tooLong = validatePhoneNumberLength(international);
  if (tooLong !== undefined) {
    return { ok: false, reason: REASONS[tooLong] ?? `is not a possible number (${tooLong})` };
  }
  const parsed = parsePhoneNumberFromString(international);
  if (!parsed?.isPossible()) return { ok: false, reason: REASONS.INVALID_LENGTH as string };
  return { ok: true, digits: parsed.number.slice(1) };
}
