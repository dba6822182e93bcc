export type { WhatsAppCloudConfigInput } from './config.js';
export {
  DEFAULT_API_VERSION,
  DEFAULT_TEMPLATE_LANGUAGE,
  WHATSAPP_CLOUD_BASE_URL,
  WhatsAppCloudConfig,
} from './config.js';
export type { ErrorMeaning } from './errors.js';
export { ERROR_TABLE, graphError, parseSendResponse } from './errors.js';
export { whatsappCloud } from './provider.js';
export { buildSendRequest, templateComponents } from './requests.js';
export { cloudWebhook, handshake, parseNotification, redactPayload, STATUS_TABLE } from './webhook.js';
