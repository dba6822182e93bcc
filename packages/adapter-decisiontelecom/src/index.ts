export { basicToken } from './auth.js';
export type { ApiKeyEncoding, DecisionTelecomConfigInput } from './config.js';
export { DECISIONTELECOM_BASE_URL, DEFAULT_TEMPLATE_LANGUAGE, DecisionTelecomConfig } from './config.js';
export type { ErrorMeaning } from './errors.js';
export { ERROR_TABLE } from './errors.js';
export { decisionTelecom } from './provider.js';
export { STATUS_TABLE } from './status.js';
