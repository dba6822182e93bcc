import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type Simulator, startSimulator } from '@parley/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { main } from './main.js';

/** A stream that says it is a terminal, and what was written to it. */
function terminal(): PassThrough & { isTTY: true; text(): string } {
  const stream = new PassThrough() as PassThrough & { isTTY: true; text(): string };
  let text = '';
  stream.on('data', (d) => (text += d));
  stream.isTTY = true;
  stream.text = () => text;
  return stream;
}

let sim: Simulator;
let dsn: string;
let state: string;
beforeAll(async () => {
  sim = await startSimulator({
    decisionTelecom: { callbacks: false, progression: { stepMs: 300, outcomes: { seen: 1 } } },
  });
  dsn = `decisiontelecom://k@${sim.decisionTelecom.baseUrl.replace('http://', '')}?sender=Parley`;
  state = mkdtempSync(join(tmpdir(), 'parley-tty-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(state, { recursive: true, force: true });
});

async function run(args: string[], piped = false) {
  const stdout = terminal();
  if (piped) Reflect.deleteProperty(stdout, 'isTTY');
  const stderr = terminal();
  const io: Io = { env: {}, stdout, stderr, interrupted: new Promise(() => {}) };
  const code = await main(['send', '--dsn', dsn, '--to', '573001234567', '--text', 'x', '--state', state, ...args], io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('parley send --wait on a terminal', () => {
  it('with --json, keeps stdout to JSON lines and draws the spinner on stderr', async () => {
    const { code, stdout, stderr } = await run(['--wait', '--json']);
    expect(code).toBe(0);
    expect(stdout.includes('\r') || stdout.includes('\x1b')).toBe(false); // no cursor moves
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toHaveProperty('result');
    expect(lines.slice(1).every((l) => 'status' in l)).toBe(true);
    expect(lines.at(-1)?.status).toMatchObject({ status: 'read', final: true });
    expect(stderr).toMatch(/waiting: /);
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true); // the spinner is cleared at the end
  });

  it('without --json, prints each status once on stdout, the spinner on stderr', async () => {
    const { code, stdout, stderr } = await run(['--wait']);
    expect(code).toBe(0);
    expect(stdout.includes('\r') || stdout.includes('\x1b')).toBe(false); // no cursor moves
    const lines = stdout.trim().split('\n');
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.at(-1)).toMatch(/read \(provider status 7\), final$/);
    expect(stderr).toMatch(/waiting: /);
  });

  it('draws no spinner when stdout goes on to another program', async () => {
    const { code, stdout, stderr } = await run(['--wait', '--json'], true);
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').at(-1) as string).status).toMatchObject({ final: true });
    expect(stderr).toBe('');
  });
});
