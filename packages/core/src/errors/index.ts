export type { Delivery, ErrorCode, Issue } from './codes.js';
export { ERROR_CODES } from './codes.js';
export type { ErrorMeaning } from './factories.js';
export type { ParleyErrorOptions } from './ParleyError.js';
export { isParleyError, ParleyError } from './ParleyError.js';
