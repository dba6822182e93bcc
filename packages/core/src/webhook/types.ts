import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `messenger.webhook`: mount it in a Node server as `(req, res)`, or call it with a Fetch
 * `Request` (Hono, Next.js route handlers, Bun, Deno) to get a `Response`.
 */
export interface WebhookHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  (request: Request): Promise<Response>;
}
