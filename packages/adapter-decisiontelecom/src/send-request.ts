import type { ProviderRequest, SendContext, ValidatedMessage } from '@parley/core';
import { validationError } from '@parley/core/provider';
import { RawNumber, writeObject } from './raw-json.js';
import { templateParams } from './template.js';

/** What every request of one configured account shares. */
export interface RequestSettings {
  readonly provider: string;
  readonly baseUrl: string;
  /** The token after `Basic `. */
  readonly token: string;
  readonly sender: string;
  readonly destinationFormat: 'number' | 'string';
  readonly templateLanguage: string;
}

/** Whether a string can be a DecisionTelecom message id (decimal digits; ids may exceed 2^53). */
export function isProviderMessageId(value: string): boolean {
  return /^\d{1,30}$/.test(value);
}

/** The documented `message_type` of each message type (there is no 3). */
export const MESSAGE_TYPES = { text: 1, image: 2, template: 4 } as const;

/** What every request of one account shares, made once per settings: the headers (frozen) and the URLs. */
interface Prepared {
  readonly headers: Readonly<Record<string, string>>;
  readonly sendUrl: string;
  readonly statusUrl: string;
}

const prepared = new WeakMap<RequestSettings, Prepared>();

function prepare(settings: RequestSettings): Prepared {
  let ready = prepared.get(settings);
  if (ready === undefined) {
    ready = {
      headers: Object.freeze({
        authorization: `Basic ${settings.token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      }),
      sendUrl: `${settings.baseUrl}/send-whatsapp`,
      statusUrl: `${settings.baseUrl}/receive-whatsapp`,
    };
    prepared.set(settings, ready);
  }
  return ready;
}

/** The type-specific fields of the send body, per the field table of the docs. */
function contentFields(message: ValidatedMessage, settings: RequestSettings): Record<string, unknown> {
  switch (message.type) {
    case 'text':
      return { text: message.text };
    case 'image':
      return { text: message.caption, file_url: message.url };
    case 'template':
      return {
        template_name: message.name,
        template_params: JSON.stringify(templateParams(message, settings.templateLanguage, settings.provider)),
      };
  }
}

/**
 * `POST ${baseUrl}/send-whatsapp` with the documented fields, in the documented order:
 * `source_addr`, `destination_addr` (a JSON number of the recipient's digits unless
 * `destinationFormat` is `string`), `message_type`, then `text` / `file_url` / `callback_url` /
 * `template_name` / `template_params` as the message needs. Never a bare Meta body.
 *
 * @example
 * buildSendRequest({ type: 'text', to: '573001234567', text: 'Hola' }, { id: 'pm_1' }, settings).body;
 * // '{"source_addr":"Acme","destination_addr":573001234567,"message_type":1,"text":"Hola"}'
 */
export function buildSendRequest(
  message: ValidatedMessage,
  context: SendContext,
  settings: RequestSettings,
): ProviderRequest {
  const { text, file_url, template_name, template_params } = contentFields(message, settings);
  const { headers, sendUrl } = prepare(settings);
  return {
    method: 'POST',
    url: sendUrl,
    headers,
    body: writeObject({
      source_addr: settings.sender,
      destination_addr: settings.destinationFormat === 'number' ? new RawNumber(message.to) : message.to,
      message_type: MESSAGE_TYPES[message.type],
      text,
      file_url,
      callback_url: context.callbackUrl,
      template_name,
      template_params,
    }),
  };
}

/**
 * `POST ${baseUrl}/receive-whatsapp` with `{"message_id": <digits>}`, the id written as a JSON
 * number from its digits so that ids above 2^53 stay exact.
 *
 * @example
 * buildStatusRequest('9007199254740993', settings).body; // '{"message_id":9007199254740993}'
 */
export function buildStatusRequest(providerMessageId: string, settings: RequestSettings): ProviderRequest {
  if (!isProviderMessageId(providerMessageId)) {
    throw validationError(
      [{ path: 'id', message: 'a DecisionTelecom message id is decimal digits' }],
      settings.provider,
    );
  }
  const { headers, statusUrl } = prepare(settings);
  return {
    method: 'POST',
    url: statusUrl,
    headers,
    body: writeObject({ message_id: new RawNumber(providerMessageId) }),
  };
}
