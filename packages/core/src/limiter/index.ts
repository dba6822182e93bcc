export { hashKey } from './key.js';
export type { MemoryLimiter, MemoryLimiterOptions } from './memory.js';
export { defaultLimiter, memoryLimiter, sharedLimiter } from './memory.js';
export type { RateClock, RateFeedback, RateState, RateTurn } from './rate.js';
export { RATE_TUNING } from './rate.js';
export type { Limiter, Release } from './types.js';
