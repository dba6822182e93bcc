import type { ProviderName } from '../inspect.js';

/**
 * A message's status as Parley's unified statuses name it (`@parley/core`'s `DeliveryStatus`).
 * `rejected` also marks a request the provider refused outright.
 */
export type PhoneStatus =
  | 'accepted'
  | 'pending'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'failed'
  | 'rejected'
  | 'deleted'
  | 'unknown';

/** A template as the provider received it. */
export interface PhoneTemplate {
  readonly name: string;
  /** DecisionTelecom's `template.language.code`; Wolkvox sends none. */
  readonly language?: string;
  /** The filled variables, in order. */
  readonly variables: readonly string[];
}

/** Why a request was refused: the provider's answer (or the lack of one). */
export interface PhoneError {
  /** The HTTP status answered; `undefined` when the connection was reset instead. */
  readonly httpStatus: number | undefined;
  /** A one-line reading of the provider's error: its `name` / `msg`, or what happened. */
  readonly message: string;
  /** The response body as sent (truncated to 2 000 characters). */
  readonly body: string | undefined;
}

/**
 * One bubble of the dev phone: an outbound message the provider accepted, one it refused, or a
 * reply typed as the customer.
 */
export interface PhoneMessage {
  /** The phone's own id, `m<seq>`; stable for the life of the message. */
  readonly id: string;
  /** Arrival order across the simulator (the request's `seq`; replies get one too). */
  readonly seq: number;
  readonly provider: ProviderName;
  /** The provider account: DecisionTelecom's `source_addr` (sender), Wolkvox's `connector_id`, the Cloud API's phone number id. */
  readonly account: string;
  /** The customer's number in E.164 (`+573005550001`); `''` when the request named none. */
  readonly to: string;
  readonly direction: 'outbound' | 'inbound';
  readonly kind: 'text' | 'image' | 'template' | 'reply' | 'other';
  readonly text?: string;
  readonly imageUrl?: string;
  readonly template?: PhoneTemplate;
  /** The unified status now. */
  readonly status: PhoneStatus;
  /**
   * The provider's raw status or answer code (DecisionTelecom `7`, Wolkvox `201`, the Cloud API's
   * webhook status `read` or `failed 131026`, an HTTP status for a refusal or for the app's answer
   * to a Cloud API reply).
   */
  readonly providerStatus: string | undefined;
  /** DecisionTelecom's `message_id`, the Cloud API's `wamid` (of a reply too, once sent); Wolkvox gives none. */
  readonly providerMessageId?: string;
  /** Set when the provider refused the request (the message never left), or the app's webhook did not take a Cloud API reply. */
  readonly error?: PhoneError;
  /** `now()` when the request arrived. */
  readonly at: number;
  /** Bumped on every change; the page keeps the highest it saw. */
  readonly rev: number;
}

/** One conversation: a customer's number with one provider account, newest first in lists. */
export interface PhoneConversation {
  /** `provider:account:digits`. */
  readonly key: string;
  readonly provider: ProviderName;
  readonly account: string;
  readonly to: string;
  readonly messages: number;
  readonly last: PhoneMessage;
}

/** What `waitForMessage` looks for. Every given field must match. */
export interface MessageQuery {
  /** The recipient, in any form (`+57 300 555 0001`, `573005550001`): compared by digits. */
  readonly to?: string;
  /** Contained in the message's text, caption or template variables (a string), or tested (a RegExp). */
  readonly text?: string | RegExp;
  readonly provider?: ProviderName;
  /** Wait until the message has this unified status. */
  readonly status?: PhoneStatus;
  /** Also match requests the provider refused. Default false: only accepted messages. */
  readonly refused?: boolean;
  /** Also match replies typed as the customer. Default false. */
  readonly inbound?: boolean;
}

/** A fault for the next request(s), as the page and `POST /_sim/faults` arm it. */
export interface PhoneFault {
  readonly provider: ProviderName;
  /** A `failNext` kind of that provider (`rate_limit`, `server_error`, `drop`, `concurrency`, `daily_limit`, …). */
  readonly kind: string;
  /** How many matching requests fail. Default 1. */
  readonly times?: number;
  /** As `failNext`'s `endpoint`. */
  readonly endpoint?: string;
}

/** The dev phone of a running simulator: what the page shows, and its actions, for tests. */
export interface DevPhone {
  /** `${url}/`: open it in a browser. */
  readonly pageUrl: string;
  /** Every kept message, oldest first (the newest `maxMessages`). */
  readonly messages: PhoneMessage[];
  /** Conversations, the most recent first; `query` filters by number (digits) or text. */
  conversations(query?: string): PhoneConversation[];
  /** The kept message with the phone id `m…`, DecisionTelecom `message_id` or Cloud API `wamid`, if any. */
  get(id: string): PhoneMessage | undefined;
  /** Messages matching `query`, oldest first. */
  find(query: MessageQuery): PhoneMessage[];
  /**
   * Resolves with the first message matching `query`, already there or to come; rejects after
   * `timeoutMs` (default 5000) with an error saying what was awaited.
   */
  waitForMessage(query: MessageQuery & { readonly timeoutMs?: number }): Promise<PhoneMessage>;
  /**
   * Types `text` as the customer at `to`: shown as an inbound bubble; on Wolkvox it opens the
   * 24-hour window for that number, as a real reply would. On the Cloud API it goes through
   * `sim.whatsappCloud.inbound` (window opened, signed `messages` webhook to the app, addressed
   * to `account` as phone number id): the bubble is `pending`, then `delivered` once the app
   * answered 2xx, or `failed` with the reason. `provider` defaults to the provider of the latest
   * conversation with that number (else Wolkvox).
   */
  reply(reply: {
    readonly to: string;
    readonly text: string;
    readonly provider?: ProviderName;
    readonly account?: string;
  }): PhoneMessage;
  /**
   * Moves a DecisionTelecom message (phone id or `message_id`) to `status` by hand (natural
   * progression stops), or a Cloud API message (phone id or `wamid`) through `pushStatus`: a
   * signed status webhook (`failed` carries 131026 "Message undeliverable"); `rejected` is
   * DecisionTelecom's only.
   */
  setStatus(id: string, status: 'sent' | 'delivered' | 'read' | 'failed' | 'rejected'): PhoneMessage;
  /** Makes the next matching request(s) fail: the provider side's `failNext`. */
  fault(fault: PhoneFault): void;
  /** Faults armed and not used up yet, per provider. */
  readonly pendingFaults: {
    readonly decisiontelecom: { kind: string; endpoint: string; times: number }[];
    readonly wolkvox: { kind: string; endpoint: string; times: number }[];
    readonly 'whatsapp-cloud': { kind: string; endpoint: string; times: number }[];
  };
  /** Forgets every message and resets every provider side (`sim.reset()`). */
  clear(): void;
  /** Pages open now (Server-Sent Events streams). */
  readonly openPages: number;
}
