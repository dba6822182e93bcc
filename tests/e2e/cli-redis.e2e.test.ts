import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Simulator, startSimulator } from '@parley/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedisServer } from '../../packages/redis/src/test-support/redis-server.js';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/parley.js', import.meta.url));
const redis = useRedisServer();

let sim: Simulator;
let dsn: string;
let home: string;
beforeAll(async () => {
  sim = await startSimulator();
  dsn = `decisiontelecom://k@${sim.decisionTelecom.baseUrl.replace('http://', '')}?sender=Parley`;
  home = mkdtempSync(join(tmpdir(), 'parley-cli-redis-'));
});
afterAll(async () => {
  await sim?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function parley(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', XDG_STATE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('parley --redis', () => {
  it('keeps idempotency keys and records in Redis, not in files', async () => {
    const args = ['send', '--dsn', dsn, '--to', '573001234567', '--text', 'x', '--json', '--redis', redis.url];
    const before = sim.decisionTelecom.counts.accepted;
    const first = await parley([...args, '--idempotency-key', 'r-1']);
    const second = await parley([...args, '--idempotency-key', 'r-1']);
    expect(first.stderr).toBe('');
    expect(JSON.parse(second.stdout).result).toEqual(JSON.parse(first.stdout).result);
    expect(sim.decisionTelecom.counts.accepted).toBe(before + 1);
    const { result } = JSON.parse(first.stdout);
    const status = await parley(['status', result.id, '--dsn', dsn, '--json', '--redis', redis.url]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).status).toMatchObject({ id: result.id });
    expect(readdirSync(home)).toEqual([]);
  });
});
