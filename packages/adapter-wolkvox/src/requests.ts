import type { ProviderRequest, ValidatedMessage } from '@parley/core';
import { unsupportedError } from '@parley/core/provider';
import { templateFields } from './template.js';

/** The Wolkvox APIs this adapter calls (the `api` query value). */
export const WOLKVOX_APIS = {
  text: 'send_message_official',
  template: 'send_template_official',
} as const;

/** What every request of one messenger shares. */
export interface RequestTarget {
  /** e.g. `https://wv0042.wolkvox.com/api/v2`, no trailing slash. */
  readonly baseUrl: string;
  /** The raw token, for the `wolkvox-token` header only. */
  readonly token: string;
  readonly connectorId: string;
}

/**
 * The URL of one Wolkvox WhatsApp API.
 *
 * @example
 * endpointUrl('https://wv0042.wolkvox.com/api/v2', 'send_message_official');
 * // 'https://wv0042.wolkvox.com/api/v2/whatsapp.php?api=send_message_official'
 */
export function endpointUrl(baseUrl: string, api: string): string {
  return `${baseUrl}/whatsapp.php?api=${encodeURIComponent(api)}`;
}

/**
 * Builds the POST for a text (`send_message_official`) or template (`send_template_official`)
 * message. Every body value is a string, as the provider documents; `telephone` is the
 * recipient's international digits. Images have no official free-form call: `UNSUPPORTED`.
 *
 * @example
 * buildSendRequest(target, { type: 'text', to: '573001234567', text: 'Hola' });
 * // POST …/whatsapp.php?api=send_message_official  {"connector_id":"1","telephone":"573001234567","message":"Hola"}
 */
export function buildSendRequest(target: RequestTarget, message: ValidatedMessage): ProviderRequest {
  const base = { connector_id: target.connectorId, telephone: message.to.replace(/\D/g, '') };
  switch (message.type) {
    case 'text':
      return post(target, WOLKVOX_APIS.text, { ...base, message: message.text });
    case 'template':
      return post(target, WOLKVOX_APIS.template, { ...base, ...templateFields(message) });
    default:
      throw unsupportedError(`${message.type} messages`, 'wolkvox');
  }
}

function post(target: RequestTarget, api: string, body: Readonly<Record<string, string>>): ProviderRequest {
  return {
    method: 'POST',
    url: endpointUrl(target.baseUrl, api),
    headers: { 'wolkvox-token': target.token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}
