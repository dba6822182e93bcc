import type { Transport, TransportRequest, TransportResponse } from '../transport/types.js';

export type FakeHandler = (request: TransportRequest) => TransportResponse | Promise<TransportResponse>;

/** A transport that answers from a function and records every request; no sockets. */
export interface FakeTransport extends Transport {
  readonly requests: TransportRequest[];
  closed: boolean;
}

/**
 * A `Transport` for tests: answers each request with `handler` and records it.
 *
 * @example
 * const transport = createFakeTransport(() => ({ status: 200, headers: {}, body: '{"message_id":1}' }));
 * const messenger = createMessenger(config, { providers, transport });
 */
export function createFakeTransport(handler: FakeHandler): FakeTransport {
  const transport: FakeTransport = {
    requests: [],
    closed: false,
    async request(request) {
      transport.requests.push(request);
      return handler(request);
    },
    async close() {
      transport.closed = true;
    },
  };
  return transport;
}

/** A JSON response, for fake handlers. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): TransportResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
