import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort, redisEnv, startRedis, WATCHDOG } from './redis-server.js';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function untilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
  return !alive(pid);
}

describe('the redis-server test helper', () => {
  it('leaves no redis-server behind when the process that started it is killed with SIGKILL', async () => {
    const port = await freePort();
    // A stand-in for a test worker: it starts the watchdog as startRedis does, then is killed
    // the way a runner kills a worker that timed out (no exit handlers run).
    const worker = spawn(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('node:child_process');
         const w = spawn(process.execPath, ${JSON.stringify([WATCHDOG, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'])}, { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
         w.stdout.pipe(process.stdout);
         process.stdin.on('data', () => {}).once('end', () => process.exit(0));`,
      ],
      // The stand-in ends with this test's worker too (its stdin ends), so a failure here leaves nothing.
      { stdio: ['pipe', 'pipe', 'inherit'], env: redisEnv() },
    );
    try {
      let output = '';
      await new Promise<void>((resolve, reject) => {
        worker.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) resolve();
        });
        worker.once('exit', () => reject(new Error(`the worker exited early:\n${output}`)));
      });
      const pid = Number(/redis-pid (\d+)/.exec(output)?.[1]);
      expect(alive(pid)).toBe(true);
      worker.kill('SIGKILL');
      expect(await untilGone(pid)).toBe(true);
    } finally {
      worker.kill('SIGKILL');
    }
  });

  it.skipIf(!existsSync(LIBFAKETIME))('starts redis-server when the tests run under faketime', async () => {
    const saved = { LD_PRELOAD: process.env.LD_PRELOAD, FAKETIME: process.env.FAKETIME };
    process.env.LD_PRELOAD = LIBFAKETIME;
    process.env.FAKETIME = '+400d';
    try {
      const running = await startRedis(await freePort());
      await running.stop();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('stops redis-server and its watchdog', async () => {
    const running = await startRedis(await freePort());
    expect(alive(running.pid)).toBe(true);
    await running.stop();
    expect(await untilGone(running.pid)).toBe(true);
    expect(await untilGone(running.watchdogPid)).toBe(true);
  });
});
