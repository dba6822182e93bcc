export type {
  ChannelError,
  RetryChannelMessage,
  SendChannelContext,
  StatusChannelMessage,
} from './channels.js';
export { RETRY_CHANNEL, SEND_CHANNEL, STATUS_CHANNEL } from './channels.js';
export type { MeterProviderLike, TelemetryOptions, TracerProviderLike } from './telemetry.js';
