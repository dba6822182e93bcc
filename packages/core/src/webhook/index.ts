/**
 * Provider callbacks: signed per-message callback URLs and the webhook that checks and reads them.
 *
 * @example
 * import { createWebhookHandler, signCallbackUrl } from './webhook/index.js';
 */
export type { WebhookHandlerOptions } from './handler.js';
export { createWebhookHandler } from './handler.js';
export { ID_PARAM, SIG_PARAM, signCallbackUrl, verifyCallback } from './sign.js';
export type { WebhookHandler } from './types.js';
