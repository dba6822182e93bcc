/** One HTTP request, as an adapter describes it. Headers may hold secrets: never log them. */
export interface TransportRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute URL. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Whole-request time limit in milliseconds (connect, headers and body). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A response read in full (bodies are small JSON documents). */
export interface TransportResponse {
  readonly status: number;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The one seam through which all HTTP goes. A transport resolves with any HTTP status
 * (classifying 4xx/5xx is the adapter's job) and rejects only with a `ParleyError` of code
 * `NETWORK`, `TIMEOUT`, `ABORTED` or `PROTOCOL` (a response over the size cap), whose
 * `delivery` is `not_sent` only where the request surely never reached the server.
 */
export interface Transport {
  request(request: TransportRequest): Promise<TransportResponse>;
  /** Frees sockets. Requests in flight are allowed to settle. */
  close(): Promise<void>;
}

export interface TransportOptions {
  /** Time to establish a connection (ms). Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Default whole-request time limit (ms) when a request gives none. Default 30 000. */
  readonly timeoutMs?: number;
  /** Largest response body read, in bytes; a larger one fails with `PROTOCOL`. Default 1 MiB. */
  readonly maxResponseBytes?: number;
}
