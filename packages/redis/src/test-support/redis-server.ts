import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/** A redis-server of our own on a free loopback port, no persistence, stopped after the file's tests. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The environment without libfaketime's variables. */
function withoutFakeTime(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = { ...env };
  for (const name of Object.keys(clean)) if (name === 'LD_PRELOAD' || name.startsWith('FAKETIME')) delete clean[name];
  return clean;
}

/** Starts redis-server and resolves once it accepts connections; rejects (never skips) when it is missing. */
async function startOnce(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    // Under `faketime` (CI runs the suite once more with the clock 400 days ahead) redis-server
    // keeps the real clock: its allocator clashes with libfaketime, and a store whose clock
    // differs from the messenger's is a case the library must handle anyway (it tells Redis
    // relative times only).
    { stdio: ['ignore', 'pipe', 'pipe'], env: withoutFakeTime(process.env) },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start in 10 s:\n${output}`)), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ENOENT'
          ? new Error(
              'redis-server is not installed. These tests need a real Redis: apt-get install redis-server (.ci/run does it).',
            )
          : error,
      ),
    );
    child.once('exit', (code) => fail(new Error(`redis-server exited with ${code}:\n${output}`)));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  });
}

/**
 * Gives the calling test file a Redis server: started in `beforeAll` (a few tries, in case
 * another process takes the port first) and stopped in `afterAll`.
 *
 * @example
 * const redis = useRedisServer();
 * it('…', () => { const store = redisStore({ url: redis.url }); });
 */
export function useRedisServer(): RedisServer {
  const server = { url: '', port: 0 };
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    let last: unknown;
    for (let attempt = 0; attempt < 3 && child === undefined; attempt++) {
      const port = await freePort();
      try {
        child = await startOnce(port);
        server.port = port;
        server.url = `redis://127.0.0.1:${port}`;
      } catch (error) {
        last = error;
        if (error instanceof Error && error.message.startsWith('redis-server is not installed')) break;
      }
    }
    if (child === undefined) throw last;
    // Never outlive the test worker, even if it dies before afterAll.
    const running = child;
    process.once('exit', () => running.kill('SIGKILL'));
  });
  afterAll(async () => {
    const running = child;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  });
  return server;
}
