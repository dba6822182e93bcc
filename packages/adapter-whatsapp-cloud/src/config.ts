import { baseUrlField, commonConfigEntries, secretField, stringField } from '@parley/core/provider';
import * as v from 'valibot';

/**
 * Meta's Graph API root; sends go to `${baseUrl}/${apiVersion}/${phoneNumberId}/messages`.
 *
 * @example
 * `${config.baseUrl ?? WHATSAPP_CLOUD_BASE_URL}/${apiVersion}/${phoneNumberId}/messages`;
 */
export const WHATSAPP_CLOUD_BASE_URL = 'https://graph.facebook.com';

/**
 * The Graph API version used when the config names none: v26.0, the newest version in Meta's
 * Graph API changelog (introduced 29 July 2026, "available until" not yet set), so the one
 * with the longest support ahead of it. Pin `apiVersion` to keep a version across upgrades of
 * this package.
 *
 * @example
 * createMessenger({ provider: 'whatsapp-cloud', accessToken, phoneNumberId, apiVersion: 'v25.0' }, { providers });
 */
export const DEFAULT_API_VERSION = 'v26.0';

/**
 * The template language used when neither the message nor `templateLanguage` gives one.
 *
 * @example
 * createMessenger({ provider: 'whatsapp-cloud', accessToken, phoneNumberId, templateLanguage: 'es' }, { providers });
 */
export const DEFAULT_TEMPLATE_LANGUAGE = 'en_US';

const LANGUAGE = /^[a-zA-Z]{2,3}([_-][a-zA-Z0-9]{2,8})*$/;

const fields = v.strictObject({
  accessToken: secretField('accessToken'),
  phoneNumberId: v.pipe(
    stringField('phoneNumberId', 32),
    v.regex(/^\d+$/, 'phoneNumberId must be the digits of the business phone number’s id (not the number itself)'),
  ),
  apiVersion: v.optional(
    v.pipe(v.string(), v.regex(/^v\d{1,3}\.0$/, 'apiVersion must be a Graph version such as v26.0')),
  ),
  appSecret: v.optional(secretField('appSecret')),
  verifyToken: v.optional(secretField('verifyToken')),
  baseUrl: v.optional(baseUrlField('baseUrl')),
  templateLanguage: v.optional(
    v.pipe(v.string(), v.regex(LANGUAGE, 'templateLanguage must be a code such as en, en_US or pt_BR')),
  ),
  ...commonConfigEntries,
});

/**
 * The config of a WhatsApp Cloud API messenger (without `provider`). `appSecret` turns the
 * webhook on (Meta signs every call with it); `verifyToken` answers Meta's subscription handshake
 * and needs `appSecret`.
 *
 * @example
 * createMessenger(
 *   { provider: 'whatsapp-cloud', accessToken: process.env.WA_TOKEN!, phoneNumberId: '106540352242922',
 *     appSecret: process.env.META_APP_SECRET!, verifyToken: process.env.WA_VERIFY_TOKEN! },
 *   { providers: [whatsappCloud] },
 * );
 */
export const WhatsAppCloudConfig = v.pipe(
  fields,
  v.forward(
    v.partialCheck(
      [['verifyToken'], ['appSecret']],
      (c) => c.verifyToken === undefined || c.appSecret !== undefined,
      'appSecret is required with webhooks (verifyToken is set): Meta signs every webhook call with the app secret',
    ),
    ['appSecret'],
  ),
);

/** A validated WhatsApp Cloud API config. */
export type WhatsAppCloudConfig = v.InferOutput<typeof WhatsAppCloudConfig>;
/** A WhatsApp Cloud API config as written by the user. */
export type WhatsAppCloudConfigInput = v.InferInput<typeof WhatsAppCloudConfig>;
