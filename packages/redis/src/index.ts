export type { RedisConnectionOptions } from './connection.js';
export type { RedisLimiter, RedisLimiterOptions } from './limiter/limiter.js';
export { redisLimiter } from './limiter/limiter.js';
export type { RedisStore, RedisStoreOptions } from './store/store.js';
export { redisStore } from './store/store.js';
