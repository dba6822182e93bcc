import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** A redis-server of our own on a free loopback port, no persistence, stopped after the file's tests. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (its data is lost) and starts a new one on the same port. */
  restart(): Promise<void>;
}

/** One running redis-server, under a watchdog of its own. */
export interface RunningRedis {
  readonly port: number;
  /** The redis-server process (not the watchdog). */
  readonly pid: number;
  /** The watchdog, leader of the process group both run in. */
  readonly watchdogPid: number;
  /** SIGTERM to the group, then SIGKILL if it is still there after 2 s; resolves once it is gone. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
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

/** The watchdog (see the file): kills redis-server as soon as the process that started it is gone. */
export const WATCHDOG = fileURLToPath(new URL('../../test-support/redis-watchdog.cjs', import.meta.url));

/**
 * The environment for redis-server: ours, without a preloaded fake clock. Under
 * `faketime -f '+400d'` (as CI runs the suite), libfaketime makes redis-server hang at start
 * ("unexpected recursive calls to clock_gettime()"); Redis's clock is its own anyway (the
 * limiter's leases read Redis's TIME, and store expiries are relative).
 */
export function redisEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...env, NODE_OPTIONS: '' };
  for (const name of Object.keys(clean)) {
    if (name === 'LD_PRELOAD' || name === 'DYLD_INSERT_LIBRARIES' || name.startsWith('FAKETIME')) delete clean[name];
  }
  return clean;
}

/** Everything started here and not yet stopped, killed at once (SIGKILL to each group) if the worker exits. */
const live = new Set<ChildProcess>();
const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
};
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/**
 * Starts redis-server on `port` and resolves once it accepts connections; rejects (never skips)
 * when it is missing or does not start within 10 s (and then leaves nothing running).
 */
export function startRedis(port: number): Promise<RunningRedis> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  // detached: the watchdog leads a process group of its own, so one kill(-pid) reaches redis-server too.
  const child = spawn(process.execPath, [WATCHDOG, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: redisEnv(),
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  }).then(() => {
    // The group may outlive its leader for a moment: make sure redis-server is gone too.
    killGroup(child, 'SIGKILL');
    live.delete(child);
  });
  const stop = async () => {
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  };
  let output = '';
  let redisPid = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start in 10 s:\n${output}`)), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      killGroup(child, 'SIGKILL');
      reject(error);
    };
    child.once('error', fail);
    const onEarlyExit = (code: number | null) =>
      fail(
        code === 127 && output.includes('ENOENT redis-server')
          ? new Error(
              'redis-server is not installed. These tests need a real Redis: apt-get install redis-server (.ci/run does it).',
            )
          : new Error(`redis-server exited with ${code}:\n${output}`),
      );
    child.once('exit', onEarlyExit);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      redisPid ||= Number(/redis-pid (\d+)/.exec(output)?.[1] ?? 0);
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ port, pid: redisPid, watchdogPid: child.pid ?? 0, stop });
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
 * another process takes the port first) and stopped in `afterAll`. It never outlives the test
 * worker: its watchdog kills it when the worker is gone, however the worker ended.
 *
 * @example
 * const redis = useRedisServer();
 * it('…', () => { const store = redisStore({ url: redis.url }); });
 */
export function useRedisServer(): RedisServer {
  let running: RunningRedis | undefined;
  const server: RedisServer & { url: string; port: number } = {
    url: '',
    port: 0,
    async restart() {
      await running?.stop();
      running = undefined;
      running = await startRedis(server.port);
    },
  };
  beforeAll(async () => {
    let last: unknown;
    for (let attempt = 0; attempt < 3 && running === undefined; attempt++) {
      const port = await freePort();
      try {
        running = await startRedis(port);
        server.port = port;
        server.url = `redis://127.0.0.1:${port}`;
      } catch (error) {
        last = error;
        if (error instanceof Error && error.message.startsWith('redis-server is not installed')) break;
      }
    }
    if (running === undefined) throw last;
  });
  afterAll(async () => {
    await running?.stop();
    running = undefined;
  });
  return server;
}
