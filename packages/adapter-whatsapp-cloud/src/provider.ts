import type { Capabilities, ProviderDefinition, ProviderDriver } from '@parley/core/provider';
import {
  DEFAULT_API_VERSION,
  DEFAULT_TEMPLATE_LANGUAGE,
  WHATSAPP_CLOUD_BASE_URL,
  WhatsAppCloudConfig,
} from './config.js';
import { parseSendResponse } from './errors.js';
import { buildSendRequest, type RequestSettings } from './requests.js';
import { cloudWebhook } from './webhook.js';

const NAME = 'whatsapp-cloud';

function createDriver(config: WhatsAppCloudConfig, hashKey: (...parts: string[]) => string): ProviderDriver {
  const token = config.accessToken.reveal();
  const appSecret = config.appSecret?.reveal();
  const verifyToken = config.verifyToken?.reveal();
  const settings: RequestSettings = {
    provider: NAME,
    baseUrl: config.baseUrl ?? WHATSAPP_CLOUD_BASE_URL,
    apiVersion: config.apiVersion ?? DEFAULT_API_VERSION,
    phoneNumberId: config.phoneNumberId,
    token,
    templateLanguage: config.templateLanguage ?? DEFAULT_TEMPLATE_LANGUAGE,
  };
  const webhook = appSecret !== undefined ? cloudWebhook(appSecret, verifyToken, config.phoneNumberId) : undefined;
  const capabilities: Capabilities = {
    text: true,
    image: true,
    template: true,
    // The Cloud API has no per-message status query: statuses come only by webhook.
    statusTracking: webhook ? 'webhook' : 'none',
    statusQuery: false,
    webhook: webhook !== undefined,
    inbound: webhook !== undefined,
  };
  return {
    capabilities,
    secrets: [
      token,
      ...(appSecret !== undefined ? [appSecret] : []),
      ...(verifyToken !== undefined ? [verifyToken] : []),
    ],
    // One account is one phone number of one token: its messages, windows and index live under this scope.
    scope: hashKey(NAME, config.phoneNumberId, token),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.retry?.maxAttempts !== undefined ? { maxAttempts: config.retry.maxAttempts } : {}),
    ...(webhook ? { webhook } : {}),
    buildSend: (message, context) => buildSendRequest(message, context, settings),
    parseSend: parseSendResponse,
  };
}

/**
 * Meta's WhatsApp Cloud API. Pass it to `createMessenger`; select it with
 * `provider: 'whatsapp-cloud'` or a `whatsapp-cloud://ACCESS_TOKEN@default?phoneNumberId=…` DSN.
 *
 * @example
 * import { createMessenger } from '@parley/core';
 * import { whatsappCloud } from '@parley/adapter-whatsapp-cloud';
 *
 * const messenger = createMessenger(
 *   { provider: 'whatsapp-cloud', accessToken: process.env.WA_TOKEN!, phoneNumberId: process.env.WA_PHONE_NUMBER_ID! },
 *   { providers: [whatsappCloud] },
 * );
 * await messenger.send({ type: 'template', to: '+57 300 123 4567', name: 'hello_world' });
 */
export const whatsappCloud: ProviderDefinition<WhatsAppCloudConfig> = {
  name: NAME,
  configSchema: WhatsAppCloudConfig,
  secretFields: ['accessToken', 'appSecret', 'verifyToken'],
  capabilities: {
    text: true,
    image: true,
    template: true,
    statusTracking: 'webhook',
    statusQuery: false,
    webhook: true,
    inbound: true,
  },
  create: (config, context) => createDriver(config, context.hashKey),
};
