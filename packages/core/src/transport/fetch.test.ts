import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import { fetchTransport } from './fetch.js';
import type { TransportRequest } from './types.js';

const API = 'https://api.example.test';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

function post(path: string, extra: Partial<TransportRequest> = {}): TransportRequest {
  return {
    method: 'POST',
    url: `${API}${path}`,
    headers: { authorization: 'Bearer t0k', 'content-type': 'application/json' },
    body: '{"to":"573001234567"}',
    ...extra,
  };
}

/** The rejection of `promise`, which must reject with a `ParleyError`. */
async function failure(promise: Promise<unknown>): Promise<ParleyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ParleyError)) throw new Error(`expected a ParleyError, got ${String(error)}`);
  return error;
}

/** A `fetch` that fails as Node's does: `TypeError: fetch failed` wrapping the real cause. */
function failingFetch(cause: unknown): typeof fetch {
  return async () => {
    throw new TypeError('fetch failed', { cause });
  };
}

describe('fetchTransport (nock)', () => {
  it('sends method, headers and body, and returns status, lower-cased headers and body', async () => {
    const scope = nock(API)
      .post('/v1/messages', { to: '573001234567' })
      .matchHeader('authorization', 'Bearer t0k')
      .reply(201, { id: 'm-1' }, { 'Content-Type': 'application/json', 'X-Request-Id': 'r-1' });
    const res = await fetchTransport().request(post('/v1/messages'));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-request-id']).toBe('r-1');
    expect(JSON.parse(res.body)).toEqual({ id: 'm-1' });
    expect(scope.isDone()).toBe(true);
  });

  it('resolves with a non-2xx status and its body', async () => {
    nock(API).post('/v1/messages').reply(503, '<html>Service Unavailable</html>', { 'Content-Type': 'text/html' });
    const res = await fetchTransport().request(post('/v1/messages'));
    expect(res).toMatchObject({ status: 503, body: '<html>Service Unavailable</html>' });
    expect(res.headers['content-type']).toBe('text/html');
  });

  it('does not follow redirects', async () => {
    nock(API)
      .get('/old')
      .reply(302, '', { Location: `${API}/new` });
    const res = await fetchTransport().request({ method: 'GET', url: `${API}/old`, headers: {} });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${API}/new`);
  });

  it('maps ECONNREFUSED to NETWORK (not_sent)', async () => {
    nock(API).post('/v1/messages').replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
    const error = await failure(fetchTransport().request(post('/v1/messages')));
    expect(error).toMatchObject({ code: 'NETWORK', delivery: 'not_sent', retryable: true });
  });

  it('maps ECONNRESET to NETWORK (unknown)', async () => {
    nock(API).post('/v1/messages').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const error = await failure(fetchTransport().request(post('/v1/messages')));
    expect(error).toMatchObject({ code: 'NETWORK', delivery: 'unknown', retryable: true });
  });

  it('fails with TIMEOUT (unknown) when the reply comes after timeoutMs, leaving query and headers out', async () => {
    nock(API).post('/v1/messages').query(true).delay(1_000).reply(200, '{}');
    const started = Date.now();
    const error = await failure(
      fetchTransport({ timeoutMs: 30_000 }).request(
        post('/v1/messages?key=q-secret', { headers: { authorization: 'Bearer h-secret' }, timeoutMs: 100 }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(900);
    expect(error).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown', retryable: true });
    expect(error.message).toContain(`POST ${API}/v1/messages`);
    expect(error.message).not.toContain('secret');
  });

  it('fails with ABORTED (unknown) when the caller aborts mid-request', async () => {
    nock(API).post('/v1/messages').delay(1_000).reply(200, '{}');
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    setTimeout(() => controller.abort(reason), 30);
    const error = await failure(fetchTransport().request(post('/v1/messages', { signal: controller.signal })));
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'unknown', retryable: false });
    expect(error.cause).toBe(reason);
  });

  it('fails with ABORTED (not_sent) and sends nothing when the signal is already aborted', async () => {
    const scope = nock(API).post('/v1/messages').reply(200, '{}');
    const error = await failure(fetchTransport().request(post('/v1/messages', { signal: AbortSignal.abort() })));
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(scope.isDone()).toBe(false);
  });

  it('fails with PROTOCOL when the body is over maxResponseBytes', async () => {
    nock(API).get('/big').reply(200, 'x'.repeat(5_000));
    const error = await failure(
      fetchTransport({ maxResponseBytes: 1_000 }).request({ method: 'GET', url: `${API}/big`, headers: {} }),
    );
    expect(error).toMatchObject({ code: 'PROTOCOL', delivery: 'unknown', httpStatus: 200, body: undefined });
  });

  it('stops reading and cancels the stream once a body of unannounced length passes the cap', async () => {
    let pulled = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1_000) controller.close();
        else controller.enqueue(new Uint8Array(1_024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const fakeFetch: typeof fetch = async () => new Response(stream, { status: 200 });
    const transport = fetchTransport({ fetch: fakeFetch, maxResponseBytes: 4_096 });
    const error = await failure(transport.request({ method: 'GET', url: `${API}/stream`, headers: {} }));
    expect(error).toMatchObject({ code: 'PROTOCOL', delivery: 'unknown', httpStatus: 200 });
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(10);
  });

  it('rejects requests after close() with ABORTED (not_sent)', async () => {
    const scope = nock(API).post('/v1/messages').reply(200, '{}');
    const transport = fetchTransport();
    await transport.close();
    const error = await failure(transport.request(post('/v1/messages')));
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(scope.isDone()).toBe(false);
  });
});

describe('fetchTransport error mapping (`TypeError: fetch failed` with a cause)', () => {
  const cases: [string, unknown, { code: string; delivery: string }][] = [
    [
      'DNS failure',
      Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }),
      { code: 'NETWORK', delivery: 'not_sent' },
    ],
    [
      'DNS retry',
      Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }),
      { code: 'NETWORK', delivery: 'not_sent' },
    ],
    [
      'refused behind an AggregateError',
      new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:443'), { code: 'ECONNREFUSED' })]),
      { code: 'NETWORK', delivery: 'not_sent' },
    ],
    [
      'undici connect timeout',
      Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
      { code: 'TIMEOUT', delivery: 'not_sent' },
    ],
    [
      'other side closed',
      Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      { code: 'NETWORK', delivery: 'unknown' },
    ],
    [
      'headers timeout',
      Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
      { code: 'TIMEOUT', delivery: 'unknown' },
    ],
    [
      'body timeout',
      Object.assign(new Error('Body Timeout Error'), { code: 'UND_ERR_BODY_TIMEOUT' }),
      { code: 'TIMEOUT', delivery: 'unknown' },
    ],
    ['an unknown cause', new Error(`bad port in ${API}/x?secret=1`), { code: 'NETWORK', delivery: 'unknown' }],
  ];

  it.each(cases)('%s', async (_name, cause, expected) => {
    const error = await failure(fetchTransport({ fetch: failingFetch(cause) }).request(post('/v1/messages')));
    expect(error).toMatchObject(expected);
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.message).not.toContain('secret');
  });
});
