/**
 * Provider callbacks: signed per-message callback URLs and the webhook that checks and reads them.
 *
 * @example
 * import { createWebhookHandler, signCallbackUrl } from './webhook/index.js';
 */
export type { HmacBodyOptions, WebhookAuth, WebhookAuthenticator, WebhookCall, WebhookReply } from './auth.js';
export { hmacBodyAuthenticator, signedUrlAuthenticator } from './auth.js';
export type { BodyLimits } from './body.js';
export { callbackFields, DEFAULT_BODY_LIMITS, readFetchBody, readNodeBody } from './body.js';
export type { InboundMedia, InboundMessage, InboundType, ParsedInbound, WebhookEvent } from './events.js';
export type { FastifyLike, FastifyWebhookOptions } from './fastify.js';
export { fastifyWebhook } from './fastify.js';
export type { WebhookHandlerOptions, WebhookParseInput } from './handler.js';
export { createWebhookHandler } from './handler.js';
export type { DriverWebhook, MessengerWebhookDeps } from './messenger-webhook.js';
export {
  driverWebhookOf,
  messengerWebhook,
  PROVIDER_ID_TTL_MS,
  providerIdKey,
  SESSION_WINDOW_MS,
  sessionWindowKey,
} from './messenger-webhook.js';
export { ID_PARAM, SIG_PARAM, signCallbackUrl, verifyCallback } from './sign.js';
export type { WebhookHandler } from './types.js';
