export type { MemoryStoreOptions } from './memory.js';
export { memoryStore } from './memory.js';
export type { MessageRecord, Store } from './types.js';
