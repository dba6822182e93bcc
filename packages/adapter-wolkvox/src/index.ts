export {
  DEFAULT_TIMEOUT_MS,
  defaultBaseUrl,
  MAX_CONCURRENT_PER_TOKEN,
  PROVIDER_MAX_REQUEST_MS,
  WolkvoxConfig,
} from './config.js';
export type { ErrorOutcome, ErrorRule, WolkvoxApi } from './errors.js';
export { classifyError, WINDOW_WORDING, WOLKVOX_ERRORS } from './errors.js';
export { wolkvox } from './provider.js';
export { WOLKVOX_APIS } from './requests.js';
