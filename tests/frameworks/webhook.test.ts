import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { bodyParser } from '@koa/bodyparser';
import { fastifyWebhook } from '@parley/core';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, FORM_BODY, JSON_BODY, listen, sentOne, statuses, type World } from './support.js';

let server: Server | undefined;
let fastify: FastifyInstance | undefined;
let world: World | undefined;

afterEach(async () => {
  await closeServer(server);
  await fastify?.close();
  await world?.messenger.close();
  server = undefined;
  fastify = undefined;
  world = undefined;
});

const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };
const TEXT_TYPE = { 'content-type': 'text/plain' };

async function post(base: string, w: World, headers: Record<string, string>, body: string): Promise<Response> {
  return fetch(`${base}${w.path}`, { method: 'POST', headers, body });
}

/** The webhook's error events must blame the mounting, never the provider. */
function expectConsumedError(w: World): void {
  expect(w.errors.length).toBeGreaterThan(0);
  const error = w.errors[0]!;
  expect(error.code).toBe('CONFIG');
  expect(error.message).toMatch(/already read by a framework/);
  expect(error.message).not.toMatch(/Unexpected response/);
}

describe('Express 5', () => {
  const parsers = {
    none: undefined,
    json: express.json(),
    urlencoded: express.urlencoded({ extended: false }),
    'urlencoded (extended)': express.urlencoded({ extended: true }),
    raw: express.raw({ type: '*/*' }),
    text: express.text({ type: '*/*' }),
  } as const;

  it.each(Object.keys(parsers) as (keyof typeof parsers)[])(
    'with %s: app.post(path, messenger.webhook)',
    async (name) => {
      world = await sentOne();
      const app = express();
      const parser = parsers[name];
      if (parser) app.use(parser);
      app.post('/hooks/whatsapp', world.messenger.webhook!);
      server = createServer(app);
      const base = await listen(server);
      const form = name.startsWith('urlencoded');
      const res = await post(base, world, form ? FORM_TYPE : JSON_TYPE, form ? FORM_BODY : JSON_BODY);
      expect(res.status).toBe(200);
      expect(statuses(world)).toEqual(['accepted', 'delivered']);
      expect(world.errors).toEqual([]);
    },
  );

  it('a middleware that eats the body without keeping it: 500 and an error that names the fix', async () => {
    world = await sentOne();
    const app = express();
    app.use((req, _res, next) => {
      req.on('end', () => next());
      req.resume();
    });
    app.post('/hooks/whatsapp', world.messenger.webhook!);
    server = createServer(app);
    const res = await post(await listen(server), world, JSON_TYPE, JSON_BODY);
    expect(res.status).toBe(500);
    expect(statuses(world)).toEqual(['accepted']);
    expectConsumedError(world);
    expect(world.errors[0]!.message).toMatch(/express\.raw/);
  });
});

describe('Fastify 5', () => {
  it('app.register(fastifyWebhook(messenger.webhook), { prefix }): JSON', async () => {
    world = await sentOne();
    fastify = Fastify();
    fastify.register(fastifyWebhook(world.messenger.webhook), { prefix: '/hooks/whatsapp' });
    const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
    const res = await post(base, world, JSON_TYPE, JSON_BODY);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(statuses(world)).toEqual(['accepted', 'delivered']);
  });

  it('the plugin reads a form body too, and leaves the rest of the app’s parsers alone', async () => {
    world = await sentOne();
    fastify = Fastify();
    fastify.register(fastifyWebhook(world.messenger.webhook), { prefix: '/hooks/whatsapp' });
    fastify.post('/api/echo', async (req) => req.body);
    const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
    const res = await post(base, world, FORM_TYPE, FORM_BODY);
    expect(res.status).toBe(200);
    expect(statuses(world)).toEqual(['accepted', 'delivered']);
    const echo = await fetch(`${base}/api/echo`, { method: 'POST', headers: JSON_TYPE, body: '{"a":1}' });
    expect(await echo.json()).toEqual({ a: 1 });
  });

  it('the old messenger.webhook(req.raw, reply.raw) now says the body was consumed and how to fix it', async () => {
    world = await sentOne();
    const w = world;
    fastify = Fastify();
    fastify.post('/hooks/whatsapp', (req, reply) => {
      reply.hijack();
      w.messenger.webhook!(req.raw, reply.raw);
    });
    const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
    const res = await post(base, world, JSON_TYPE, JSON_BODY);
    expect(res.status).toBe(500);
    expect(statuses(world)).toEqual(['accepted']);
    expectConsumedError(world);
    expect(world.errors[0]!.message).toMatch(/fastifyWebhook/);
  });
});

describe('Hono', () => {
  it('on Node through @hono/node-server: app.post(path, (c) => messenger.webhook(c.req.raw))', async () => {
    world = await sentOne();
    const w = world;
    const app = new Hono();
    app.post('/hooks/whatsapp', (c) => w.messenger.webhook!(c.req.raw));
    server = createServer(getRequestListener(app.fetch));
    const res = await post(await listen(server), world, FORM_TYPE, FORM_BODY);
    expect(res.status).toBe(200);
    expect(statuses(world)).toEqual(['accepted', 'delivered']);
  });

  it('in the Fetch form (app.fetch, as on Bun, Deno or Workers)', async () => {
    world = await sentOne();
    const w = world;
    const app = new Hono();
    app.post('/hooks/whatsapp', (c) => w.messenger.webhook!(c.req.raw));
    const res = await app.fetch(
      new Request(`https://hooks.example.com${world.path}`, { method: 'POST', headers: JSON_TYPE, body: JSON_BODY }),
    );
    expect(res.status).toBe(200);
    expect(statuses(world)).toEqual(['accepted', 'delivered']);
  });

  it('a body another handler already read: 500 naming the fix, not the provider', async () => {
    world = await sentOne();
    const w = world;
    const app = new Hono();
    app.post('/hooks/whatsapp', async (c) => {
      await c.req.raw.clone().text(); // a clone is fine …
      await c.req.raw.text(); // … reading the original is not
      return w.messenger.webhook!(c.req.raw);
    });
    const res = await app.fetch(
      new Request(`https://hooks.example.com${world.path}`, { method: 'POST', headers: JSON_TYPE, body: JSON_BODY }),
    );
    expect(res.status).toBe(500);
    expectConsumedError(world);
  });
});

describe('Koa 3', () => {
  it('without a body parser: ctx.respond = false; messenger.webhook(ctx.req, ctx.res)', async () => {
    world = await sentOne();
    const w = world;
    const app = new Koa();
    app.use((ctx) => {
      ctx.respond = false;
      w.messenger.webhook!(ctx.req, ctx.res);
    });
    server = createServer(app.callback());
    const res = await post(await listen(server), world, JSON_TYPE, JSON_BODY);
    expect(res.status).toBe(200);
    expect(statuses(world)).toEqual(['accepted', 'delivered']);
  });

  it('behind @koa/bodyparser with patchNode: true', async () => {
    world = await sentOne();
    const w = world;
    const app = new Koa();
    app.use(bodyParser({ patchNode: true, enableTypes: ['json', 'form', 'text'] }));
    app.use((ctx) => {
      ctx.respond = false;
      w.messenger.webhook!(ctx.req, ctx.res);
    });
    server = createServer(app.callback());
    const res = await post(await listen(server), world, FORM_TYPE, FORM_BODY);
    expect(res.status).toBe(200);
    expect(statuses(world)).toEqual(['accepted', 'delivered']);
  });

  it('behind @koa/bodyparser without patchNode: 500 naming patchNode', async () => {
    world = await sentOne();
    const w = world;
    const app = new Koa();
    app.use(bodyParser());
    app.use((ctx) => {
      ctx.respond = false;
      w.messenger.webhook!(ctx.req, ctx.res);
    });
    server = createServer(app.callback());
    const res = await post(await listen(server), world, JSON_TYPE, JSON_BODY);
    expect(res.status).toBe(500);
    expectConsumedError(world);
    expect(world.errors[0]!.message).toMatch(/patchNode: true/);
  });
});

describe('a Next.js-style route handler', () => {
  it('export const POST = (req) => messenger.webhook(req)', async () => {
    world = await sentOne();
    const w = world;
    const route = {
      POST: (req: Request) => w.messenger.webhook!(req),
      GET: (req: Request) => w.messenger.webhook!(req),
    };
    const res = await route.POST(
      new Request(`https://app.example.com${world.path}`, { method: 'POST', headers: TEXT_TYPE, body: JSON_BODY }),
    );
    expect(res.status).toBe(200);
    expect(statuses(world)).toEqual(['accepted', 'delivered']);
    // a GET carrying the fields in the query string (as some providers call back)
    const again = await route.GET(new Request(`https://app.example.com${world.path}&message_id=554&status=1`));
    expect(again.status).toBe(200);
  });
});
