export * from './config/index.js';
export * from './errors/index.js';
export * from './limiter/index.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export * from './messages/index.js';
export { THROTTLE_RETRY_BOUND } from './messenger/caller.js';
export type { CreateMessengerOptions } from './messenger/create.js';
export { createMessenger } from './messenger/create.js';
export { newMessageId } from './messenger/ids.js';
export type { SendManyOptions, SendManyOutcome, SendManyProgress } from './messenger/send-many.js';
export type { Messenger, MessengerEvents, SendOptions, SendResult } from './messenger/types.js';
export type { PhoneResult } from './phone.js';
export { normalizePhone } from './phone.js';
export type {
  CallbackStatus,
  Capabilities,
  ProviderContext,
  ProviderDefinition,
  ProviderDriver,
  ProviderRequest,
  ProviderStatus,
  SendContext,
  StatusError,
  TrackingOptions,
} from './provider.js';
export { supportsType } from './provider.js';
export * from './retry/index.js';
export type { RouterOptions } from './router/create-router.js';
export { createRouter } from './router/create-router.js';
export { REDACTED, redactText, reveal, Secret } from './secret.js';
export type { DeliveryStatus, StatusUpdate } from './status.js';
export { DELIVERY_STATUSES, isFinalStatus, isStatusAdvance, statusRank } from './status.js';
export * from './store/index.js';
export { defaultStore } from './store/shared.js';
export * from './telemetry/index.js';
export { DEFAULT_TRACKING } from './tracker/tracker.js';
export * from './transport/index.js';
export * from './webhook/index.js';
