// `@opentelemetry/api` is an optional peer: these run the built package in child processes,
// once in a project where the API cannot be resolved at all, once where it can but nothing
// registered a provider (then it must not even be loaded).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CORE = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(CORE, 'dist');
const DEPENDENCIES = ['eventemitter3', 'libphonenumber-js', 'undici', 'valibot'];

/** A send through a fake provider and an in-memory transport; prints what happened as JSON. */
const SCRIPT = (core: string) => `
import { createRequire } from 'node:module';
import { subscribe } from 'node:diagnostics_channel';
import { createMessenger, memoryStore } from ${JSON.stringify(`${core}/dist/index.js`)};
import { fakeProvider } from ${JSON.stringify(`${core}/dist/testing/fake-provider.js`)};

const require = createRequire(${JSON.stringify(`${core}/dist/index.js`)});
const loaded = () => Object.keys(require.cache).some((path) => path.includes('@opentelemetry'));
let resolvable = true;
try { require.resolve('@opentelemetry/api'); } catch { resolvable = false; }
const channel = [];
subscribe('tracing:parley:send:asyncEnd', (context) => channel.push(context.result.status));
const transport = {
  async request(request) {
    const body = request.url.endsWith('/send') ? { id: 7 } : { status: 'delivered' };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  },
  async close() {},
};
const capabilities = { text: true, image: true, template: true, statusTracking: 'none', statusQuery: true, webhook: false };
const messenger = createMessenger({ provider: 'fake', apiKey: 'k' }, { providers: [fakeProvider(capabilities)], transport, store: memoryStore() });
const sent = await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'hola' });
const status = await messenger.getStatus(sent.id);
const out = { resolvable, loadedBefore: loaded(), status: status.status, channel };
if (process.env.REGISTER === 'fake-global') {
  // Something else registered a global tracer provider, but this project has no API to use it with.
  globalThis[Symbol.for('opentelemetry.js.api.1')] = { version: '1.9.1', trace: {}, metrics: {} };
  out.afterGlobal = (await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'hola' })).status;
}
if (process.env.REGISTER === 'sdk') {
  const { trace } = require('@opentelemetry/api');
  const sdk = createRequire(${JSON.stringify(`${CORE}/../../package.json`)})('@opentelemetry/sdk-trace-base');
  const exporter = new sdk.InMemorySpanExporter();
  trace.setGlobalTracerProvider(new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] }));
  await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'hola' });
  out.spans = exporter.getFinishedSpans().map((s) => s.name);
}
await messenger.close();
console.log(JSON.stringify(out));
`;

let project: string;

beforeAll(() => {
  if (!existsSync(join(DIST, 'index.js'))) throw new Error('build @parley/core first (pnpm build)');
  // A project with @parley/core and its dependencies, and no @opentelemetry/api anywhere above it.
  project = mkdtempSync(join(tmpdir(), 'parley-no-otel-'));
  const installed = join(project, 'node_modules', '@parley', 'core');
  mkdirSync(installed, { recursive: true });
  cpSync(DIST, join(installed, 'dist'), { recursive: true });
  cpSync(join(CORE, 'package.json'), join(installed, 'package.json'));
  for (const name of DEPENDENCIES) {
    symlinkSync(realpathSync(join(CORE, 'node_modules', name)), join(project, 'node_modules', name), 'dir');
  }
  writeFileSync(join(project, 'package.json'), '{"type":"module"}');
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

async function child(script: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const file = join(project, `run-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script);
  // npx and pnpm put their own node_modules in NODE_PATH: the child must resolve like an application.
  const { NODE_PATH: _, ...inherited } = process.env;
  const { stdout } = await run(process.execPath, [file], { cwd: project, env: { ...inherited, ...env } });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

describe('without @opentelemetry/api', () => {
  it('loads, sends and queries, and the diagnostics channels still work', async () => {
    const out = await child(SCRIPT(pathToFileURL(join(project, 'node_modules', '@parley', 'core')).pathname));
    expect(out).toEqual({ resolvable: false, loadedBefore: false, status: 'delivered', channel: ['accepted'] });
  });

  it('still sends when another copy of the API registered a global provider', async () => {
    const out = await child(SCRIPT(pathToFileURL(join(project, 'node_modules', '@parley', 'core')).pathname), {
      REGISTER: 'fake-global',
    });
    expect(out).toMatchObject({ resolvable: false, afterGlobal: 'accepted' });
  });
});

describe('with @opentelemetry/api installed', () => {
  it('does not load it while no provider is registered, and traces once one is', async () => {
    const out = await child(SCRIPT(CORE), { REGISTER: 'sdk' });
    expect(out).toEqual({
      resolvable: true,
      loadedBefore: false,
      status: 'delivered',
      channel: ['accepted', 'accepted'],
      spans: ['POST', 'send fake'],
    });
  });
});
