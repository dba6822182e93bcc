// No test runner is imported from here (the vitest conformance suite is `@parley/core/testing/vitest`),
// so the fakes work under Jest, `node:test` or none.
export type { FakeMessenger, FakeMessengerOptions, SentMessage } from './fake-messenger.js';
export { createFakeMessenger } from './fake-messenger.js';
export { FAKE_BASE_URL, fakeProvider } from './fake-provider.js';
export type { FakeHandler, FakeTransport } from './fake-transport.js';
export { createFakeTransport, jsonResponse } from './fake-transport.js';
export { assertStatusesRise, checkStoreStatusContract } from './store-contract.js';
