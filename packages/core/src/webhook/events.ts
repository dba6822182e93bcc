import type { CallbackStatus } from '../status.js';

/** The kinds of inbound message Parley tells apart; anything else is `unknown` (see `raw`). */
export type InboundType =
  | 'text'
  | 'image'
  | 'audio'
  | 'video'
  | 'document'
  | 'sticker'
  | 'location'
  | 'contacts'
  | 'button'
  | 'interactive'
  | 'reaction'
  | 'unknown';

/** A media attachment of an inbound message: the provider's reference, to be downloaded from it. */
export interface InboundMedia {
  /** The provider's media id (Meta: fetch `GET /{media-id}` for a short-lived URL). */
  readonly id: string;
  readonly mimeType?: string;
  readonly sha256?: string;
  readonly caption?: string;
}

/**
 * A customer's message, as `messenger.on('message', listener)` receives it.
 *
 * @example
 * messenger.on('message', (m) => {
 *   if (m.type === 'text') console.log(m.from, m.text, m.replyTo ?? '(not a reply)');
 * });
 */
export interface InboundMessage {
  /** The provider's id of the inbound message (Meta: its `wamid`). */
  readonly id: string;
  readonly provider: string;
  /** The sender's number in E.164 digits, without `+` (e.g. `573001234567`). */
  readonly from: string;
  readonly type: InboundType;
  /** The text of a `text` message (and the title of a `button` or `interactive` reply). */
  readonly text?: string;
  /** The attachment of an `image`, `audio`, `video`, `document` or `sticker` message. */
  readonly media?: InboundMedia;
  /** When the customer sent it (the provider's timestamp). */
  readonly at: Date;
  /** The Parley id of the message of ours it answers, where it quotes one this store knows. */
  readonly replyTo?: string;
  /** The provider's payload of this message, with texts, names and numbers redacted. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** An inbound message as a driver reads it: core adds `provider` and resolves `replyTo`. */
export interface ParsedInbound extends Omit<InboundMessage, 'provider' | 'replyTo'> {
  /** The provider's id of the message it answers (Meta: `context.id`). */
  readonly replyToProviderMessageId?: string;
}

/** What one webhook call carries, as the driver reads it. */
export type WebhookEvent =
  | {
      readonly kind: 'status';
      /** Parley's id, where the payload carries it (Meta echoes `biz_opaque_callback_data`). */
      readonly id?: string;
      readonly status: CallbackStatus;
    }
  | { readonly kind: 'message'; readonly message: ParsedInbound };
