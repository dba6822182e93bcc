export type { CallbackCounts, CallbackRecord } from './decisiontelecom/dispatcher.js';
export type { DtErrorBody } from './decisiontelecom/errors.js';
export type { OutcomeWeights, ProgressionOptions } from './decisiontelecom/progression.js';
export type { RateLimitOptions } from './decisiontelecom/rate-limit.js';
export type { DtStatusName } from './decisiontelecom/status.js';
export { DT_STATUS, isFinalDtStatus } from './decisiontelecom/status.js';
export type {
  DecisionTelecomEndpoint,
  DecisionTelecomFailure,
  DecisionTelecomMessage,
  DecisionTelecomOptions,
  DecisionTelecomSimulator,
} from './decisiontelecom/types.js';
export type { FailNextOptions } from './fail-queue.js';
export type { FaultOptions, Latency } from './faults.js';
export { fingerprint } from './fingerprint.js';
export type { RecordedRequest, RequestCounts, TokenConcurrency } from './inspect.js';
export type { Simulator, SimulatorOptions } from './options.js';
export { DECISIONTELECOM_PREFIX, WHATSAPP_CLOUD_PREFIX, WOLKVOX_PREFIX } from './options.js';
export { PHONE_PREFIX } from './phone/routes.js';
export type {
  DevPhone,
  MessageQuery,
  PhoneConversation,
  PhoneError,
  PhoneFault,
  PhoneMessage,
  PhoneStatus,
  PhoneTemplate,
} from './phone/types.js';
export { mulberry32 } from './random.js';
export { startSimulator } from './server.js';
export type {
  InboundInput,
  InboundOptions,
  WhatsAppCloudFailure,
  WhatsAppCloudOptions,
  WhatsAppCloudSentMessage,
  WhatsAppCloudSimulator,
  WhatsAppCloudWebhookRecord,
} from './whatsapp-cloud/types.js';
export type { WolkvoxBody } from './wolkvox/errors.js';
export type { WolkvoxFailure, WolkvoxOptions, WolkvoxSimulator } from './wolkvox/types.js';
export type { WolkvoxApi, WolkvoxSentMessage } from './wolkvox/validate.js';
