export type { Delivery, ErrorCode, Issue } from './codes.js';
export { ERROR_CODES } from './codes.js';
export type { ProviderErrorInit } from './factories.js';
export {
  abortedError,
  configError,
  networkError,
  protocolError,
  providerError,
  timeoutError,
  unsupportedError,
  validationError,
} from './factories.js';
export type { ParleyErrorOptions } from './ParleyError.js';
export { isParleyError, ParleyError } from './ParleyError.js';
