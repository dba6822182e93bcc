/**
 * `@parley/core/provider`: what an adapter (or a limiter or store) author needs and an app does
 * not: the driver types, the error meanings and the one builder of provider failures, config field
 * helpers, and the small pieces core's own adapters share. The main entry keeps the app-facing API.
 *
 * @example
 * import { httpMeaning, providerFailure, type ProviderDefinition, stringField } from '@parley/core/provider';
 */

export {
  baseUrlField,
  booleanField,
  commonConfigEntries,
  integerField,
  isLoopbackHost,
  publicUrlField,
  secretField,
  stringField,
} from './config/fields.js';
export type { RawConfig } from './config/raw.js';
export { isSafeKey, setPath } from './config/raw.js';
export { resolveConfig, secretValues } from './config/resolve.js';
export { httpMeaning, RATE_LIMITED, readJsonObject, UNKNOWN_ANSWER } from './errors/classify.js';
export type { Delivery, ErrorCode, Issue } from './errors/codes.js';
export type { ErrorMeaning, ProviderErrorInit, ProviderFailureInit, WebhookErrorInit } from './errors/factories.js';
export {
  abortedError,
  concurrencyLimitError,
  configError,
  describeBody,
  idempotencyUnknownError,
  networkError,
  protocolError,
  providerError,
  providerFailure,
  quotaExceededError,
  timeoutError,
  unexpectedError,
  unsupportedError,
  validationError,
  webhookError,
} from './errors/factories.js';
export { isParleyError, ParleyError } from './errors/ParleyError.js';
export { hashKey } from './limiter/key.js';
export type { RateFeedback, RateState, RateTurn } from './limiter/rate.js';
export { learnedRate, newRateState, RATE_TUNING, rateFeedback, rateReserve, rateTake } from './limiter/rate.js';
export type { Limiter, Release } from './limiter/types.js';
export type { TemplateComponent } from './messages/index.js';
export type { MessageType, ValidatedMessage } from './messages/schemas.js';
export type {
  CallbackStatus,
  Capabilities,
  ProviderContext,
  ProviderDefinition,
  ProviderDriver,
  ProviderRequest,
  ProviderStatus,
  SendContext,
  TrackingOptions,
} from './provider.js';
export { supportsType } from './provider.js';
export { parseRetryAfter } from './retry/policy.js';
export type { RunWithRetryOptions } from './retry/run.js';
export { runWithRetry, sleep } from './retry/run.js';
export { redactText, reveal, Secret } from './secret.js';
export type { DeliveryStatus } from './status.js';
export { isStatusAdvance, statusRank } from './status.js';
export type { MessageRecord, Store } from './store/types.js';
export type { StopReason, TransportErrorContext, TransportPhase } from './transport/errors.js';
export { toTransportError } from './transport/errors.js';
export type { Transport, TransportRequest, TransportResponse } from './transport/types.js';
export type { HmacBodyOptions, WebhookAuth, WebhookAuthenticator, WebhookCall, WebhookReply } from './webhook/auth.js';
export { hmacBodyAuthenticator, signedUrlAuthenticator } from './webhook/auth.js';
export type { BodyLimits } from './webhook/body.js';
export { callbackFields, DEFAULT_BODY_LIMITS, readFetchBody, readNodeBody } from './webhook/body.js';
export type { InboundMedia, InboundMessage, InboundType, ParsedInbound, WebhookEvent } from './webhook/events.js';
export type { DriverWebhook, MessengerWebhookDeps } from './webhook/messenger-webhook.js';
export {
  driverWebhookOf,
  messengerWebhook,
  PROVIDER_ID_TTL_MS,
  providerIdKey,
  SESSION_WINDOW_MS,
  sessionWindowKey,
} from './webhook/messenger-webhook.js';
