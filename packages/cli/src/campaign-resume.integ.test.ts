import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseDsn } from '@parley/core';
import { type Simulator, startSimulator } from '@parley/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaign } from './commands/campaign.js';
import type { Io } from './io.js';

// The redis-server helper of @parley/redis's own tests (a server under a watchdog, stopped after
// this file), loaded by path: it is test code of another package, outside this one's sources.
const helper = '../../redis/src/test-support/redis-server.js';
const { useRedisServer } = (await import(/* @vite-ignore */ helper)) as {
  useRedisServer(): { readonly url: string };
};
const redis = useRedisServer();

const BIN = fileURLToPath(new URL('../bin/parley.js', import.meta.url));
const phone = (i: number) => `57300${String(i).padStart(7, '0')}`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-campaign-resume-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function spawnParley(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', XDG_STATE_HOME: join(dir, 'state') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { row: number; ok: boolean; status: string; id?: string });

function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

describe('parley send --file --resume --redis, killed mid-batch', () => {
  let sim: Simulator;
  afterAll(async () => {
    await sim?.close();
  });

  it('sends every row at most once across the killed run and the rerun, and accounts for each', async () => {
    const ROWS = 400;
    // Slow answers, so that the kill lands while sends are on the wire.
    sim = await startSimulator({ latencyMs: 150, decisionTelecom: { callbacks: false } });
    const dsn = `decisiontelecom://k@${sim.decisionTelecom.baseUrl.replace('http://', '')}?sender=Parley`;
    const file = join(dir, 'big.csv');
    writeFileSync(file, `to,text\n${Array.from({ length: ROWS }, (_, i) => `${phone(i + 1)},r${i + 1}`).join('\n')}\n`);
    const args = ['send', '--dsn', dsn, '--file', file, '--resume', '--redis', redis.url, '--json'];
    /** Row number (the header is row 1) of each send the simulator received. */
    const received = () =>
      sim.decisionTelecom.requests
        .filter((r) => r.path.startsWith('/send-whatsapp'))
        .map((r) => Number(String((r.body as { destination_addr: unknown }).destination_addr).slice(5)) + 1);

    const first = spawnParley(args);
    let firstOut = '';
    first.stdout?.on('data', (d) => (firstOut += d));
    await until(() => received().length >= 60);
    first.kill('SIGKILL');
    await once(first, 'exit');
    const reachedInRun1 = new Set(received());
    expect(reachedInRun1.size).toBeLessThan(ROWS); // killed mid-batch
    // What run 1 reported before it died: complete lines only.
    const run1 = jsonLines(firstOut.slice(0, firstOut.lastIndexOf('\n') + 1));
    const run1Sent = new Map(run1.filter((l) => l.status === 'sent').map((l) => [l.row, l.id]));

    const second = spawnParley(args);
    let out = '';
    let err = '';
    second.stdout?.on('data', (d) => (out += d));
    second.stderr?.on('data', (d) => (err += d));
    const [code] = (await once(second, 'exit')) as [number | null];
    const run2 = jsonLines(out);

    // Every row reached the simulator at most once, over both runs.
    const all = received();
    expect(all.length).toBe(new Set(all).size);
    // Every row is accounted for exactly once by the rerun.
    const rows = run2.map((l) => l.row).sort((a, b) => a - b);
    expect(rows).toEqual(Array.from({ length: ROWS }, (_, i) => i + 2));
    const byStatus = (s: string) => run2.filter((l) => l.status === s);
    const pending = byStatus('pending');
    expect(byStatus('sent').length + byStatus('already_sent').length + pending.length).toBe(ROWS);
    // What run 1 saw accepted is reported as already sent, with the same id; it was not sent again.
    for (const [row, id] of run1Sent)
      expect(run2.find((l) => l.row === row)).toMatchObject({ status: 'already_sent', id });
    for (const l of byStatus('already_sent')) expect(reachedInRun1.has(l.row)).toBe(true);
    // Sent by the rerun: not reached in run 1, and reached exactly once now.
    for (const l of byStatus('sent')) expect(reachedInRun1.has(l.row)).toBe(false);
    // Sends in flight when run 1 died are pending: reported, never resent.
    expect(pending.length).toBeGreaterThan(0);
    for (const l of pending) expect(all.filter((r) => r === l.row).length).toBeLessThanOrEqual(1);
    expect(code).toBe(1); // pending rows need a look
    expect(err).toMatch(new RegExp(`${pending.length} rows were being sent when an earlier run stopped`));
    expect(err).toContain('--resend-pending');

    // A third run changes nothing and sends nothing.
    const before = received().length;
    const third = spawnParley(args);
    let out3 = '';
    third.stdout?.on('data', (d) => (out3 += d));
    await once(third, 'exit');
    expect(received().length).toBe(before);
    expect(jsonLines(out3).filter((l) => l.status === 'sent')).toEqual([]);

    // Asked to, after checking them: --resend-pending sends the pending rows (only them), once.
    const fourth = spawnParley([...args, '--resend-pending']);
    let out4 = '';
    fourth.stdout?.on('data', (d) => (out4 += d));
    const [code4] = (await once(fourth, 'exit')) as [number | null];
    expect(code4).toBe(0);
    const resent = jsonLines(out4).filter((l) => l.status === 'sent');
    expect(resent.map((l) => l.row).sort()).toEqual(pending.map((l) => l.row).sort());
    expect(received().length).toBe(before + pending.length);
  }, 60_000);
});

describe('parley send --file reads the file lazily', () => {
  let sim: Simulator;
  afterAll(async () => {
    await sim?.close();
  });

  it('never reads more than sendMany’s window ahead of the outcomes, on a 100,000-row file', async () => {
    const ROWS = 100_000;
    const WINDOW = 16;
    sim = await startSimulator({ latencyMs: 20, decisionTelecom: { callbacks: false } });
    const dsn = `decisiontelecom://k@${sim.decisionTelecom.baseUrl.replace('http://', '')}?sender=Parley`;
    const file = join(dir, 'huge.csv');
    const lines = ['to,text'];
    for (let i = 1; i <= ROWS; i++) lines.push(`${phone(i)},m${i}`);
    writeFileSync(file, `${lines.join('\n')}\n`);

    let outcomes = 0;
    let read = 0;
    let mostAhead = 0;
    let stop!: () => void;
    const interrupted = new Promise<void>((resolve) => (stop = resolve));
    // Counts outcome lines as they are written (synchronously, unlike a stream's 'data' events).
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const byte of chunk) if (byte === 10) outcomes++;
        if (outcomes >= 400) stop();
        done();
      },
    });
    const stderr = new PassThrough();
    stderr.resume();
    const io: Io = { env: {}, stdout, stderr, interrupted };
    const code = await campaign(
      { file, json: true, resume: false, resendPending: false, skipInvalid: false, state: join(dir, 'lazy-state') },
      parseDsn(dsn),
      io,
      {
        concurrency: WINDOW,
        onRead: () => {
          read++;
          mostAhead = Math.max(mostAhead, read - outcomes);
        },
      },
    );
    expect(code).toBe(130);
    // Rows read but not settled never exceed the window (plus the one being read).
    expect(mostAhead).toBeLessThanOrEqual(WINDOW + 1);
    expect(read).toBeLessThan(400 + 2 * WINDOW);
    expect(read).toBeGreaterThanOrEqual(400);
  }, 60_000);
});
