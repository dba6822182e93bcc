// Shared generators and checks for the property suites: every parser of untrusted data must give
// a value or a ParleyError for any input, never another exception.
import { ParleyError } from '@parley/core';
import fc from 'fast-check';

/** Runs per property (issue 8: at least 10 000 each). */
export const RUNS = Number(process.env.PARLEY_FUZZ_RUNS ?? 10_000);

/** Seeded from the environment when given (to replay a CI failure); fast-check's own seed otherwise. */
export const FC_SEED = process.env.PARLEY_FUZZ_SEED === undefined ? undefined : Number(process.env.PARLEY_FUZZ_SEED);

export const params = (numRuns = RUNS): fc.Parameters<unknown> => ({
  numRuns,
  ...(FC_SEED === undefined ? {} : { seed: FC_SEED }),
});

/** What one call gave: its value, or the ParleyError it threw. Any other exception is rethrown (and fails the property). */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ParleyError };

export function outcome<T>(run: () => T): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof ParleyError) return { ok: false, error };
    throw error;
  }
}

export async function outcomeAsync<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof ParleyError) return { ok: false, error };
    throw error;
  }
}

/** One edit of a mutation: delete, insert (random text or a dictionary token), truncate, duplicate, flip a char. */
type Edit =
  | { readonly kind: 'delete'; readonly at: number; readonly len: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'dup'; readonly at: number; readonly len: number }
  | { readonly kind: 'flip'; readonly at: number; readonly char: string };

function editArb(dictionary: readonly string[]): fc.Arbitrary<Edit> {
  const at = fc.nat({ max: 10_000 });
  return fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at, len: fc.integer({ min: 1, max: 12 }) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at,
      text: fc.oneof(
        fc.constantFrom(...dictionary),
        fc.string({ maxLength: 6 }),
        fc.string({ unit: 'binary', maxLength: 4 }),
      ),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at }),
    fc.record({ kind: fc.constant('dup' as const), at, len: fc.integer({ min: 1, max: 24 }) }),
    fc.record({
      kind: fc.constant('flip' as const),
      at,
      char: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
    }),
  );
}

function applyEdit(text: string, edit: Edit): string {
  const at = text.length === 0 ? 0 : edit.at % (text.length + 1);
  switch (edit.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + edit.len);
    case 'insert':
      return text.slice(0, at) + edit.text + text.slice(at);
    case 'truncate':
      return text.slice(0, at);
    case 'dup':
      return text.slice(0, at + edit.len) + text.slice(at);
    case 'flip':
      return text.slice(0, at) + edit.char + text.slice(at + 1);
  }
}

/** Valid samples mutated by 1 to 4 edits (grammar-aware fuzzing: the edits use a dictionary of the format's tokens). */
export function mutated(samples: readonly string[], dictionary: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.array(editArb(dictionary), { minLength: 1, maxLength: 4 }))
    .map(([sample, edits]) => edits.reduce(applyEdit, sample));
}

/** Tokens of JSON, for mutating JSON bodies. */
export const JSON_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  '\\u0000',
  '\\ud800',
  'null',
  'true',
  'false',
  '-',
  '0',
  '1e400',
  '-0',
  '9007199254740993',
  '99999999999999999999999999999999999',
  '1.5',
  '"message_id"',
  '"status"',
  '"code"',
  '"name"',
  '"message"',
  '"error"',
  '"msg"',
  '"__proto__"',
  ' ',
  '\n',
  '\u2028',
];

/** HTTP statuses a transport can hand a parser, weighted to the interesting ones. */
export const httpStatus = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(200, 201, 202, 204, 299, 400, 401, 402, 403, 404, 408, 429, 500, 502, 503) },
  { weight: 2, arbitrary: fc.integer({ min: 100, max: 599 }) },
  { weight: 1, arbitrary: fc.integer() },
);

/** Response headers, with `retry-after` in every form (seconds, dates, garbage, huge). */
export const responseHeaders = fc.dictionary(
  fc.constantFrom('retry-after', 'content-type', 'x-request-id', 'content-length'),
  fc.oneof(
    fc.string(),
    fc.nat().map(String),
    fc.constantFrom(
      '0',
      '1.5',
      '-1',
      '1e3',
      '99999999999999999999999',
      'Wed, 21 Oct 2015 07:28:00 GMT',
      'Fri, 31 Dec 9999 23:59:59 GMT',
      'soon',
      '',
    ),
    fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
  ),
  { maxKeys: 4 },
);

/** A JSON value rendered as text, sometimes with odd spacing. */
export const jsonText = (value: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc.tuple(value, fc.constantFrom(undefined, 1, 2, '\t')).map(([v, space]) => JSON.stringify(v, null, space) ?? 'null');

/** A scalar JSON value of any type, plus the edge numbers. */
export const scalar = fc.oneof(
  fc.jsonValue({ maxDepth: 0 }),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
  fc.constantFrom(0, -0, 1, 7, 8, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, '1', ' 7 ', '0x1', '1e2', '', null),
);
