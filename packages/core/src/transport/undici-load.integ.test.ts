// How undiciTransport loads undici: its own Agent comes from undici's own files without the rest
// of the package (a cold send loads a third of the modules), and is undici's Agent all the same.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const DIST = fileURLToPath(new URL('../../dist/transport/undici.js', import.meta.url));

/** A fresh node process: one request through the built transport to a loopback server it starts. */
const CHILD = `
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
const { undiciTransport } = await import(process.argv[1]);
const server = createServer((req, res) => res.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const transport = undiciTransport();
const res = await transport.request({ method: 'GET', url: 'http://127.0.0.1:' + server.address().port + '/', headers: {} });
await transport.close();
server.close();
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\\\/]undici[\\\\/]/.test(path));
process.stdout.write(JSON.stringify({ status: res.status, body: res.body, loaded }));
`;

afterEach(() => {
  vi.doUnmock('undici/lib/api/index.js');
  vi.resetModules();
});

describe('undiciTransport loading undici', () => {
  it('sends with its own Agent without loading the rest of undici (its entry, fetch, mocks, caches)', () => {
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', CHILD, DIST], { encoding: 'utf8' }),
    ) as { status: number; body: string; loaded: string[] };
    expect(out).toMatchObject({ status: 200, body: 'ok' });
    const files = out.loaded.map((path) => path.replace(/.*[\\/]undici[\\/]/, ''));
    expect(files).toContain('lib/dispatcher/agent.js');
    expect(files).toContain('lib/api/api-request.js');
    expect(files).not.toContain('index.js');
    expect(files.some((file) => /^lib\/(web\/fetch|mock|cache)\//.test(file))).toBe(false);
    expect(files.length).toBeLessThan(60);
  });

  it('uses undici’s own Agent class, with undici’s request API on it', async () => {
    const { undiciAgentClass } = await import('./undici.js');
    const Agent = await undiciAgentClass();
    const undici = await import('undici');
    expect(Agent).toBe(undici.Agent);
    expect(Agent.prototype.request).toBe(undici.Dispatcher.prototype.request);
  });

  it('falls back to the whole of undici where its files are laid out otherwise', async () => {
    vi.doMock('undici/lib/api/index.js', () => ({ default: {} }));
    const { undiciAgentClass, undiciTransport } = await import('./undici.js');
    const undici = await import('undici');
    expect(await undiciAgentClass()).toBe(undici.Agent);
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.end('fallback'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const transport = undiciTransport();
      const res = await transport.request({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {} });
      await transport.close();
      expect(res).toMatchObject({ status: 200, body: 'fallback' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
