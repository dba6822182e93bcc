import type { RecordedRequest, RequestCounts } from '../inspect.js';

/** The WhatsApp Cloud API side's options. */
export interface WhatsAppCloudOptions {
  /** The accepted access token (or tokens). Default: any non-empty Bearer token. */
  readonly accessToken?: string | readonly string[];
  /** Where statuses and inbound messages are POSTed (loopback only); also settable later with `setWebhook`. */
  readonly webhookUrl?: string;
  /** The app secret that signs each webhook call (`X-Hub-Signature-256`). Required with `webhookUrl`. */
  readonly appSecret?: string;
  /** Time between a message's `sent`, `delivered` and `read` webhooks, in ms. Default 1000. */
  readonly stepMs?: number;
  /** Refuse free-form messages (text, image) to a number that sent nothing in 24 hours (code 131047). Default true. */
  readonly enforceWindow?: boolean;
}

/** A failure `failNext` can force. */
export type WhatsAppCloudFailure =
  | 'rate_limit'
  | 'pair_rate_limit'
  | 'session_window'
  | 'auth'
  | 'template'
  | 'server_error'
  | 'drop'
  | 'hang';

/** A message the Cloud API side accepted. */
export interface WhatsAppCloudSentMessage {
  /** The `wamid` answered as `messages[0].id`. */
  readonly id: string;
  readonly phoneNumberId: string;
  readonly to: string;
  readonly type: 'text' | 'image' | 'template';
  /** The request body as received. */
  readonly body: Readonly<Record<string, unknown>>;
  /** `biz_opaque_callback_data`, echoed in its status webhooks. */
  readonly bizOpaqueCallbackData: string | undefined;
  readonly acceptedAt: number;
}

/** One webhook call the simulator made (or refused to make). */
export interface WhatsAppCloudWebhookRecord {
  readonly kind: 'status' | 'message';
  /** The status (`sent`, `delivered`, `read`, `failed`) or the inbound message's `wamid`. */
  readonly what: string;
  readonly url: string;
  readonly at: number;
  /** `sent`: answered 2xx; `failed`: another status or a network error; `refused`: no webhook, or not loopback. */
  readonly outcome: 'sent' | 'failed' | 'refused';
  readonly httpStatus: number | undefined;
}

/** What a simulated customer sends: a text, or an image. */
export type InboundInput =
  | { readonly text: string }
  | { readonly image: { readonly id?: string; readonly mimeType?: string; readonly caption?: string } };

/** Options of an inbound message. */
export interface InboundOptions {
  /** The `wamid` of the business message it replies to (sent as `context.id`). */
  readonly replyTo?: string;
  /** The business phone number id it is addressed to. Default: the one of the latest send request, else `"0"`. */
  readonly phoneNumberId?: string;
  /** The customer's profile name. Default `Customer`. */
  readonly name?: string;
}

/** The WhatsApp Cloud API side of a running simulator. */
export interface WhatsAppCloudSimulator {
  /** `${url}/whatsapp-cloud`: the adapter's `baseUrl`. */
  readonly baseUrl: string;
  /** Requests received, oldest first. */
  readonly requests: RecordedRequest[];
  readonly counts: RequestCounts;
  /** Messages accepted, oldest first. */
  readonly sent: WhatsAppCloudSentMessage[];
  /** Webhook calls made, oldest first. */
  readonly webhookLog: WhatsAppCloudWebhookRecord[];
  /** Where webhooks go from now on, and the app secret that signs them. */
  setWebhook(url: string, appSecret: string): void;
  /**
   * A customer's message: opens that number's 24-hour window and POSTs a signed `messages`
   * webhook. Resolves with the inbound `wamid` and how the app answered. The dev phone's
   * "Reply as customer" box calls this.
   */
  inbound(
    from: string,
    input: InboundInput,
    options?: InboundOptions,
  ): Promise<{ id: string; httpStatus: number | undefined }>;
  /** POSTs one status webhook for an accepted message now (out of the normal progression). */
  pushStatus(
    wamid: string,
    status: 'sent' | 'delivered' | 'read' | 'failed',
    error?: { code: number; title: string },
  ): Promise<number | undefined>;
  /** Whether free-form messages to `to` would be accepted now. */
  isWindowOpen(to: string): boolean;
  /** Makes the next `times` (default 1) sends fail as `kind`. */
  failNext(kind: WhatsAppCloudFailure, options?: { times?: number }): void;
  /** Resolves once no webhook is scheduled or in flight. */
  idle(): Promise<void>;
  /** Forgets requests, sends, windows, webhook records and forced failures. */
  reset(): void;
}
