import type { Capabilities, ProviderDefinition, ProviderDriver, TrackingOptions } from '@parley/core';
import { basicToken } from './auth.js';
import { parseCallback } from './callback.js';
import { DECISIONTELECOM_BASE_URL, DEFAULT_TEMPLATE_LANGUAGE, DecisionTelecomConfig } from './config.js';
import { parseSendResponse, parseStatusResponse } from './responses.js';
import { buildSendRequest, buildStatusRequest, isProviderMessageId, type RequestSettings } from './send-request.js';

const NAME = 'decisiontelecom';

/** The tracking settings of a config: `undefined` when polling is off, core's defaults where a field is absent. */
function trackingOf(tracking: DecisionTelecomConfig['tracking']): TrackingOptions | undefined {
  if (tracking === false) return undefined;
  if (tracking === undefined || tracking === true) return {};
  return {
    ...(tracking.firstPollMs !== undefined ? { firstPollMs: tracking.firstPollMs } : {}),
    ...(tracking.maxIntervalMs !== undefined ? { maxIntervalMs: tracking.maxIntervalMs } : {}),
    ...(tracking.maxAgeMs !== undefined ? { maxAgeMs: tracking.maxAgeMs } : {}),
  };
}

/** A configured DecisionTelecom account: builds requests and reads responses; core does the rest. */
function createDriver(config: DecisionTelecomConfig, hashKey: (...parts: string[]) => string): ProviderDriver {
  const apiKey = config.apiKey.reveal();
  const token = basicToken(apiKey, config.apiKeyEncoding);
  const settings: RequestSettings = {
    provider: NAME,
    baseUrl: config.baseUrl ?? DECISIONTELECOM_BASE_URL,
    token,
    sender: config.sender,
    destinationFormat: config.destinationFormat ?? 'number',
    templateLanguage: config.templateLanguage ?? DEFAULT_TEMPLATE_LANGUAGE,
  };
  const tracking = trackingOf(config.tracking);
  const webhookSecret = config.webhookSecret?.reveal();
  const callbacks =
    config.callbackUrl !== undefined && webhookSecret !== undefined
      ? { url: config.callbackUrl, secret: webhookSecret }
      : undefined;
  const capabilities: Capabilities = {
    text: true,
    image: true,
    template: true,
    statusTracking: tracking ? 'poll' : callbacks ? 'webhook' : 'none',
    statusQuery: true,
    webhook: callbacks !== undefined,
    inbound: false,
  };
  return {
    capabilities,
    secrets: [apiKey, token, ...(webhookSecret !== undefined ? [webhookSecret] : [])],
    scope: hashKey(NAME, apiKey),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.retry?.maxAttempts !== undefined ? { maxAttempts: config.retry.maxAttempts } : {}),
    ...(tracking ? { tracking } : {}),
    ...(callbacks ? { callbacks } : {}),
    buildSend: (message, context) => buildSendRequest(message, context, settings),
    parseSend: parseSendResponse,
    buildStatus: (providerMessageId) => buildStatusRequest(providerMessageId, settings),
    parseStatus: (response, providerMessageId) => parseStatusResponse(response, providerMessageId),
    parseCallback,
    isProviderMessageId,
  };
}

/**
 * The DecisionTelecom WhatsApp provider. Pass it to `createMessenger`; select it with
 * `provider: 'decisiontelecom'` or a `decisiontelecom://API_KEY@default?sender=Acme` DSN.
 *
 * @example
 * import { createMessenger } from '@parley/core';
 * import { decisionTelecom } from '@parley/adapter-decisiontelecom';
 *
 * const messenger = createMessenger(
 *   { provider: 'decisiontelecom', apiKey: process.env.DECISIONTELECOM_API_KEY!, sender: 'Acme' },
 *   { providers: [decisionTelecom] },
 * );
 * const { id } = await messenger.send({ type: 'text', to: '+380 63 123 4567', text: 'Hello' });
 */
export const decisionTelecom: ProviderDefinition<DecisionTelecomConfig> = {
  name: NAME,
  configSchema: DecisionTelecomConfig,
  secretFields: ['apiKey', 'webhookSecret'],
  capabilities: {
    text: true,
    image: true,
    template: true,
    statusTracking: 'poll',
    statusQuery: true,
    webhook: true,
    inbound: false,
  },
  create: (config, context) => createDriver(config, context.hashKey),
};
