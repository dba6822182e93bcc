export type { ConformanceSubject } from './conformance.js';
export { describeMessengerConformance } from './conformance.js';
export type { FakeMessenger, FakeMessengerOptions, SentMessage } from './fake-messenger.js';
export { createFakeMessenger } from './fake-messenger.js';
export { FAKE_BASE_URL, fakeProvider } from './fake-provider.js';
export type { FakeHandler, FakeTransport } from './fake-transport.js';
export { createFakeTransport, jsonResponse } from './fake-transport.js';
export { assertStatusesRise, checkStoreStatusContract } from './store-contract.js';
