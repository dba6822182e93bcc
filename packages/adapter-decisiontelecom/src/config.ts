import { Secret } from '@parley/core';
import {
  baseUrlField,
  booleanField,
  commonConfigEntries,
  integerField,
  publicUrlField,
  secretField,
  stringField,
} from '@parley/core/provider';
import * as v from 'valibot';

/**
 * DecisionTelecom's API root; endpoints are `${baseUrl}/send-whatsapp` and `${baseUrl}/receive-whatsapp`.
 *
 * @example
 * `${config.baseUrl ?? DECISIONTELECOM_BASE_URL}/send-whatsapp`;
 */
export const DECISIONTELECOM_BASE_URL = 'https://web.it-decision.com/v1/api';

/**
 * The template language used when neither the message nor `templateLanguage` gives one.
 *
 * @example
 * createMessenger({ provider: 'decisiontelecom', apiKey, sender: 'Acme', templateLanguage: 'es' }, { providers });
 */
export const DEFAULT_TEMPLATE_LANGUAGE = 'en_US';

const DAY_MS = 86_400_000;
const LANGUAGE = /^[a-zA-Z]{2,3}([_-][a-zA-Z0-9]{2,8})*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const webhookSecretField = v.pipe(
  secretField('webhookSecret'),
  v.check((s) => s.length >= 16, 'webhookSecret must be at least 16 characters'),
);

const trackingObject = v.strictObject({
  firstPollMs: v.optional(integerField('tracking.firstPollMs', 1, DAY_MS)),
  maxIntervalMs: v.optional(integerField('tracking.maxIntervalMs', 1, DAY_MS)),
  maxAgeMs: v.optional(integerField('tracking.maxAgeMs', 1_000, 30 * DAY_MS)),
});

const fields = v.strictObject({
  apiKey: secretField('apiKey'),
  sender: stringField('sender', 20),
  baseUrl: v.optional(baseUrlField('baseUrl')),
  callbackUrl: v.optional(publicUrlField('callbackUrl')),
  webhookSecret: v.optional(webhookSecretField),
  tracking: v.optional(
    v.union(
      [booleanField('tracking'), trackingObject],
      'tracking must be false, or an object of firstPollMs, maxIntervalMs and maxAgeMs',
    ),
  ),
  apiKeyEncoding: v.optional(
    v.picklist(
      ['encode', 'encode-with-colon', 'already-encoded'],
      'apiKeyEncoding must be encode, encode-with-colon or already-encoded',
    ),
  ),
  destinationFormat: v.optional(v.picklist(['number', 'string'], 'destinationFormat must be number or string')),
  templateLanguage: v.optional(
    v.pipe(v.string(), v.regex(LANGUAGE, 'templateLanguage must be a code such as en, en_US or pt_BR')),
  ),
  ...commonConfigEntries,
});

/**
 * The config of a DecisionTelecom messenger (without `provider`). Numbers and booleans also
 * take their string forms, as they arrive from a DSN or the environment.
 *
 * @example
 * createMessenger(
 *   { provider: 'decisiontelecom', apiKey: process.env.DT_KEY!, sender: 'Acme',
 *     callbackUrl: 'https://example.com/hooks/whatsapp', webhookSecret: process.env.HOOK_SECRET! },
 *   { providers: [decisionTelecom] },
 * );
 */
export const DecisionTelecomConfig = v.pipe(
  fields,
  v.forward(
    v.partialCheck(
      [['callbackUrl'], ['webhookSecret']],
      (c) => c.callbackUrl === undefined || c.webhookSecret !== undefined,
      'webhookSecret is required when callbackUrl is set (it signs the callback URLs)',
    ),
    ['webhookSecret'],
  ),
  v.forward(
    v.partialCheck(
      [['apiKey'], ['apiKeyEncoding']],
      (c) => c.apiKeyEncoding !== 'already-encoded' || BASE64.test(Secret.from(c.apiKey).reveal()),
      'apiKey must be base64 text when apiKeyEncoding is already-encoded',
    ),
    ['apiKey'],
  ),
);

/** A validated DecisionTelecom config. */
export type DecisionTelecomConfig = v.InferOutput<typeof DecisionTelecomConfig>;
/** A DecisionTelecom config as written by the user (strings allowed for numbers and booleans). */
export type DecisionTelecomConfigInput = v.InferInput<typeof DecisionTelecomConfig>;
/** How the API key becomes the `Authorization: Basic` token. */
export type ApiKeyEncoding = NonNullable<DecisionTelecomConfig['apiKeyEncoding']>;
