import * as v from 'valibot';
import { normalizePhone } from '../phone.js';

const MAX_TEXT = 4096;

/** Counts Unicode code points, as people and the providers count characters (not UTF-16 units). */
const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

const Text = (field: string) =>
  v.pipe(
    v.string(`${field} must be a string`),
    v.check((s) => s.trim().length >= 1, `${field} must not be empty or blank`),
    v.check((s) => codePoints(s) <= MAX_TEXT, `${field} must be at most ${MAX_TEXT} characters`),
  );

/** A recipient in international form, normalised to its digits (`573001234567`). */
export const Recipient = v.pipe(
  v.string('to must be a phone number string'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const result = normalizePhone(dataset.value);
    if (result.ok) return result.digits;
    addIssue({ message: `to ${result.reason}` });
    return NEVER;
  }),
);

const IMAGE_PATH = /\.(jpe?g|png)$/i;

/** An absolute http(s) URL whose path ends in .jpg, .jpeg or .png (any case). */
export const ImageUrl = v.pipe(
  v.string('url must be a string'),
  v.check((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'url must be an absolute http(s) URL'),
  v.check((s) => {
    try {
      return IMAGE_PATH.test(new URL(s).pathname);
    } catch {
      return true; // reported by the check above
    }
  }, 'url path must end in .jpg, .jpeg or .png'),
);

/** A text message. */
export const TextMessage = v.strictObject({
  type: v.literal('text'),
  to: Recipient,
  text: Text('text'),
});
export type TextMessage = v.InferInput<typeof TextMessage>;

/** An image (jpg/jpeg/png) with an optional caption. */
export const ImageMessage = v.strictObject({
  type: v.literal('image'),
  to: Recipient,
  url: ImageUrl,
  caption: v.optional(Text('caption')),
});
export type ImageMessage = v.InferInput<typeof ImageMessage>;

const link = v.pipe(v.string(), v.url('link must be an absolute URL'));
/** Meta's optional media provider (`{ name }`), for media hosted by a named provider. */
const mediaProvider = v.optional(
  v.strictObject({ name: v.pipe(v.string(), v.minLength(1, 'name must not be empty')) }),
);
const Media = v.strictObject({ link, provider: mediaProvider });
const nonEmpty = (name: string) =>
  v.pipe(v.string(`${name} must be a string`), v.minLength(1, `${name} must not be empty`));

/** One parameter of a template component (Meta's on-premises template format). */
export const TemplateParameter = v.variant('type', [
  v.strictObject({ type: v.literal('text'), text: v.pipe(v.string(), v.minLength(1, 'text must not be empty')) }),
  v.strictObject({ type: v.literal('image'), image: Media }),
  v.strictObject({ type: v.literal('video'), video: Media }),
  v.strictObject({
    type: v.literal('document'),
    document: v.strictObject({ link, provider: mediaProvider, filename: v.optional(v.string()) }),
  }),
  v.strictObject({
    type: v.literal('currency'),
    currency: v.strictObject({
      fallback_value: nonEmpty('fallback_value'),
      code: v.pipe(v.string(), v.regex(/^[A-Z]{3}$/, 'code must be an ISO 4217 code such as USD')),
      amount_1000: v.pipe(v.number('amount_1000 must be a number'), v.integer('amount_1000 must be a whole number')),
    }),
  }),
  v.strictObject({
    type: v.literal('date_time'),
    date_time: v.strictObject({ fallback_value: nonEmpty('fallback_value') }),
  }),
  v.strictObject({ type: v.literal('payload'), payload: v.string() }),
]);
export type TemplateParameter = v.InferInput<typeof TemplateParameter>;

/** A header, body, footer or button component of a template, with its parameters. */
export const TemplateComponent = v.strictObject({
  type: v.picklist(['header', 'body', 'footer', 'button'], 'type must be header, body, footer or button'),
  sub_type: v.optional(v.picklist(['quick_reply', 'url'])),
  /** A button's position: a number or a numeric string (Meta's examples use both). */
  index: v.optional(
    v.union(
      [v.pipe(v.number(), v.integer(), v.minValue(0)), v.pipe(v.string(), v.regex(/^\d{1,2}$/))],
      'index must be a whole number (or a string of digits) of at least 0',
    ),
  ),
  parameters: v.array(TemplateParameter),
});
export type TemplateComponent = v.InferInput<typeof TemplateComponent>;

/** A message built from a template registered with WhatsApp. */
export const TemplateMessage = v.strictObject({
  type: v.literal('template'),
  to: Recipient,
  name: v.pipe(
    v.string('name must be a string'),
    v.trim(),
    v.minLength(1, 'name is required'),
    v.maxLength(512, 'name must be at most 512 characters'),
  ),
  language: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[a-zA-Z]{2,3}([_-][a-zA-Z0-9]{2,8})*$/, 'language must be a code such as en, en_US or pt-BR'),
    ),
  ),
  namespace: v.optional(v.pipe(v.string(), v.minLength(1, 'namespace must not be empty'))),
  variables: v.optional(v.array(v.string('each variable must be a string'))),
  components: v.optional(v.array(TemplateComponent)),
});
export type TemplateMessage = v.InferInput<typeof TemplateMessage>;

/** Any message Parley can send, as the user writes it. */
export const OutboundMessage = v.variant(
  'type',
  [TextMessage, ImageMessage, TemplateMessage],
  'type must be text, image or template',
);
export type OutboundMessage = v.InferInput<typeof OutboundMessage>;

/** A message after validation: same shape, `to` normalised to international digits. */
export type ValidatedMessage = v.InferOutput<typeof OutboundMessage>;
export type MessageType = OutboundMessage['type'];
