import type { WebhookHandler } from './types.js';

/** The parts of a Fastify request the plugin reads. */
interface FastifyRequestLike {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body?: unknown;
  readonly hostname?: string;
}

/** The parts of a Fastify reply the plugin writes. */
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(payload: unknown): FastifyReplyLike;
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer' },
    parser: (req: unknown, body: Buffer, done: (error: Error | null, body?: unknown) => void) => void,
  ): void;
  route(options: {
    method: string[];
    url: string;
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>;
  }): unknown;
}

/** Options of {@link fastifyWebhook}. */
export interface FastifyWebhookOptions {
  /** The route inside the plugin's prefix. Default `/`. */
  readonly path?: string;
}

/**
 * A Fastify plugin that serves `messenger.webhook` (GET and POST) with the body's raw bytes:
 * inside the plugin (only there) every content type is read as a Buffer, so signed bodies check
 * out and nothing is lost to Fastify's own parsers.
 *
 * @example
 * import Fastify from 'fastify';
 * import { fastifyWebhook } from '@parley/core';
 *
 * const app = Fastify();
 * app.register(fastifyWebhook(messenger.webhook), { prefix: '/hooks/whatsapp' });
 */
export function fastifyWebhook(
  webhook: WebhookHandler | undefined,
  options: FastifyWebhookOptions = {},
): (instance: FastifyLike, opts: unknown, done: (error?: Error) => void) => void {
  return (instance, _opts, done) => {
    if (webhook === undefined) {
      done(new Error('fastifyWebhook: messenger.webhook is undefined (configure the provider’s webhook first)'));
      return;
    }
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, next) => next(null, body));
    instance.route({
      method: ['GET', 'POST'],
      url: options.path ?? '/',
      handler: async (request, reply) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(request.headers)) {
          if (value === undefined || name.startsWith(':')) continue;
          if (Array.isArray(value)) for (const v of value) headers.append(name, v);
          else headers.set(name, value);
        }
        const host = request.headers.host ?? 'localhost';
        const body = request.method === 'POST' && request.body instanceof Uint8Array ? request.body : undefined;
        const response = await webhook(
          new Request(new URL(request.url, `http://${host}`), {
            method: request.method,
            headers,
            ...(body !== undefined ? { body } : {}),
          }),
        );
        reply.code(response.status);
        for (const [name, value] of response.headers) reply.header(name, value);
        return reply.send(Buffer.from(await response.arrayBuffer()));
      },
    });
    done();
  };
}
