import type { Capabilities, ProviderDefinition, ProviderDriver } from '@parley/core';
import {
  DEFAULT_TIMEOUT_MS,
  defaultBaseUrl,
  MAX_CONCURRENT_PER_TOKEN,
  PROVIDER_MAX_REQUEST_MS,
  WolkvoxConfig,
} from './config.js';
import { buildSendRequest } from './requests.js';
import { parseSendResponse } from './responses.js';

/**
 * Text and templates; no free-form image (the official free-form call takes text only) and no
 * statuses beyond `accepted` (Wolkvox returns no message id and has no status API).
 */
const capabilities: Capabilities = {
  text: true,
  image: false,
  template: true,
  statusTracking: 'none',
  statusQuery: false,
  webhook: false,
  inbound: false,
};

/**
 * The Wolkvox provider (official WhatsApp line). Every request takes a slot of core's limiter
 * keyed by a hash of the token (at most `maxConcurrent`, default 2, in flight per token across
 * the process); with `dailyLimit`, core counts requests per token and UTC day in the `Store`.
 *
 * @example
 * import { createMessenger } from '@parley/core';
 * import { wolkvox } from '@parley/adapter-wolkvox';
 *
 * const messenger = createMessenger('wolkvox://TOKEN@default?server=0042&connector=1', { providers: [wolkvox] });
 * await messenger.send({ type: 'template', to: '+57 300 123 4567', name: 'welcome', variables: ['Ana'] });
 */
export const wolkvox: ProviderDefinition<WolkvoxConfig> = {
  name: 'wolkvox',
  configSchema: WolkvoxConfig,
  secretFields: ['token'],
  dsnAliases: { connector: 'connectorId' },
  capabilities,
  create(config, context): ProviderDriver {
    const token = config.token.reveal();
    const key = context.hashKey('wolkvox', token);
    const target = { baseUrl: config.baseUrl ?? defaultBaseUrl(config.server), token, connectorId: config.connectorId };
    return {
      capabilities,
      secrets: [token],
      scope: key,
      // The provider may work on a request for up to 60 s, whether or not the client still waits.
      concurrency: {
        key,
        max: config.maxConcurrent ?? MAX_CONCURRENT_PER_TOKEN,
        holdUntilSettledMs: PROVIDER_MAX_REQUEST_MS,
      },
      ...(config.dailyLimit !== undefined ? { dailyQuota: { key, limit: config.dailyLimit } } : {}),
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(config.retry?.maxAttempts !== undefined ? { maxAttempts: config.retry.maxAttempts } : {}),
      buildSend: (message) => buildSendRequest(target, message),
      parseSend: (response, request) => parseSendResponse(response, request),
    };
  },
};
