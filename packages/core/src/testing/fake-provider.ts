import * as v from 'valibot';
import { commonConfigEntries, publicUrlField, secretField } from '../config/fields.js';
import { protocolError } from '../errors/factories.js';
import type { Capabilities, ProviderDefinition, ProviderStatus } from '../provider.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../status.js';

export const FAKE_BASE_URL = 'http://fake.parley.invalid';

const FakeConfig = v.strictObject({
  apiKey: secretField('apiKey'),
  callbackUrl: v.optional(publicUrlField('callbackUrl')),
  webhookSecret: v.optional(secretField('webhookSecret')),
  ...commonConfigEntries,
});

function readStatus(fields: Readonly<Record<string, unknown>>): ProviderStatus {
  const status = fields.status;
  if (typeof status !== 'string' || !DELIVERY_STATUSES.includes(status as DeliveryStatus)) {
    throw protocolError('status is missing or unknown', { body: JSON.stringify(fields) }, 'fake');
  }
  return { status: status as DeliveryStatus, providerStatus: status };
}

function parseJson(body: string, status: number): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw protocolError('not JSON', { status, body }, 'fake');
  }
}

/**
 * A provider definition that talks to `createFakeTransport`'s JSON conventions: `POST /send`
 * answers `{ id }`, `POST /status` answers `{ status }` (a unified status name). Used by
 * `createFakeMessenger`; handy for testing code that takes any provider.
 */
export function fakeProvider(
  capabilities: Capabilities,
  name = 'fake',
): ProviderDefinition<v.InferOutput<typeof FakeConfig>> {
  return {
    name,
    configSchema: FakeConfig,
    secretFields: ['apiKey', 'webhookSecret'],
    capabilities,
    create(config, context) {
      const apiKey = config.apiKey.reveal();
      const scope = context.hashKey(name, apiKey);
      const callbacks =
        config.callbackUrl && config.webhookSecret
          ? { url: config.callbackUrl, secret: config.webhookSecret.reveal() }
          : undefined;
      return {
        capabilities,
        secrets: [apiKey, ...(callbacks ? [callbacks.secret] : [])],
        scope,
        ...(capabilities.statusTracking === 'poll' ? { tracking: { firstPollMs: 50, maxIntervalMs: 200 } } : {}),
        ...(callbacks ? { callbacks } : {}),
        ...(config.retry?.maxAttempts !== undefined ? { maxAttempts: config.retry.maxAttempts } : {}),
        buildSend(message, ctx) {
          return {
            method: 'POST',
            url: `${FAKE_BASE_URL}/send`,
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ id: ctx.id, message, callbackUrl: ctx.callbackUrl }),
          };
        },
        parseSend(response) {
          const body = parseJson(response.body, response.status);
          if (response.status >= 300 || body.id === undefined) {
            throw protocolError('no id in the send response', response, name);
          }
          return { providerMessageId: String(body.id) };
        },
        buildStatus(providerMessageId) {
          return {
            method: 'POST',
            url: `${FAKE_BASE_URL}/status`,
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ id: providerMessageId }),
          };
        },
        parseStatus: (response) => readStatus(parseJson(response.body, response.status)),
        parseCallback: (fields) => readStatus(fields),
        isProviderMessageId: (value) => /^\d+$/.test(value),
      } as const;
    },
  };
}
