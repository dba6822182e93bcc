/**
 * Provider callbacks: signed per-message callback URLs and the webhook that checks and reads them.
 *
 * @example
 * import { createWebhookHandler, signCallbackUrl } from './webhook/index.js';
 */
export type { InboundMedia, InboundMessage, InboundType } from './events.js';
export type { FastifyLike, FastifyWebhookOptions } from './fastify.js';
export { fastifyWebhook } from './fastify.js';
export type { WebhookHandlerOptions, WebhookParseInput } from './handler.js';
export { createWebhookHandler } from './handler.js';
export { ID_PARAM, SIG_PARAM, signCallbackUrl, verifyCallback } from './sign.js';
export type { WebhookHandler } from './types.js';
