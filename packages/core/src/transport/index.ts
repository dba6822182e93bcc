export type { FetchTransportOptions } from './fetch.js';
export { fetchTransport } from './fetch.js';
export type { Transport, TransportOptions, TransportRequest, TransportResponse } from './types.js';
export type { UndiciTransportOptions } from './undici.js';
export { undiciTransport } from './undici.js';
