export type { Delivery, ErrorCode, Issue } from './codes.js';
export { ERROR_CODES } from './codes.js';
export type { ProviderErrorInit, WebhookErrorInit } from './factories.js';
export {
  abortedError,
  concurrencyLimitError,
  configError,
  idempotencyUnknownError,
  networkError,
  protocolError,
  providerError,
  quotaExceededError,
  timeoutError,
  unexpectedError,
  unsupportedError,
  validationError,
  webhookError,
} from './factories.js';
export type { ParleyErrorOptions } from './ParleyError.js';
export { isParleyError, ParleyError } from './ParleyError.js';
