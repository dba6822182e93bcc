import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type Simulator, startSimulator } from '@parley/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { main } from './main.js';

const BIN = fileURLToPath(new URL('../bin/parley.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-campaign-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

function spawnParley(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', XDG_STATE_HOME: join(dir, 'state') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function collect(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

const parley = (args: string[]) => collect(spawnParley(args));

/** Writes a CSV file (lines joined with \n) in the test's directory and returns its path. */
function csv(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** `n` distinct recipients: 573000000001, 573000000002, … */
const phone = (i: number) => `57300${String(i).padStart(7, '0')}`;

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let sim: Simulator;
let dsn: string;
beforeAll(async () => {
  sim = await startSimulator({ decisionTelecom: { callbacks: false } });
  dsn = `decisiontelecom://cli-key@${sim.decisionTelecom.baseUrl.replace('http://', '')}?sender=Parley`;
});
afterAll(async () => {
  await sim.close();
});

/** Send requests the simulator received since `from` (an index into its requests). */
const sendsSince = (s: Simulator, from: number) =>
  s.decisionTelecom.requests.slice(from).filter((r) => r.path.startsWith('/send-whatsapp'));
const bodyOf = (r: { body: unknown }) => r.body as Record<string, unknown>;

describe('parley send --file: the file is checked before the first send', () => {
  const cases: [string, string[], string[], RegExp][] = [
    [
      'no to column',
      ['phone,text', `${phone(1)},hi`],
      [],
      /to: the header of no-to-column\.csv \(its first row\) has no 'to' column/,
    ],
    [
      'neither text nor --template',
      ['to,body', `${phone(1)},hi`],
      [],
      /text: neither-text-nor---template\.csv has no 'text' column; give one, or --template NAME/,
    ],
    [
      'a text column and --template',
      ['to,text', `${phone(1)},hi`],
      ['--template', 'w'],
      /text: .* has a 'text' column, and --template sends a template/,
    ],
    [
      'var columns without --template',
      ['to,text,var1', `${phone(1)},hi,x`],
      [],
      /var1: var columns are template variables, and need --template NAME/,
    ],
    [
      'a gap in the var columns',
      ['to,var1,var3', `${phone(1)},a,b`],
      ['--template', 'w'],
      /var2: the header of .* has var3 but no var2/,
    ],
    [
      'a column parley does not use',
      ['to,text,txt', `${phone(1)},hi,x`],
      [],
      /columns: .* has columns parley does not use \(txt\)/,
    ],
    ['an empty file', [], [], /file: an-empty-file\.csv is empty/],
  ];
  for (const [what, lines, flags, message] of cases) {
    it(`refuses ${what}, exit 2, before any request`, async () => {
      const file = csv(`${what.replace(/[^a-z-]+/g, '-')}.csv`, lines);
      if (lines.length === 0) writeFileSync(file, '');
      const before = sim.decisionTelecom.requests.length;
      const run = await parley(['send', '--dsn', dsn, '--file', file, ...flags]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('error VALIDATION');
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain(phone(1));
      expect(sim.decisionTelecom.requests.length).toBe(before);
    });
  }

  it('refuses a missing file, and --file with --to or --text, exit 2', async () => {
    const missing = await parley(['send', '--dsn', dsn, '--file', join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('file: nope.csv does not exist');
    const file = csv('ok.csv', ['to,text', `${phone(1)},hi`]);
    const both = await parley(['send', '--dsn', dsn, '--file', file, '--text', 'x']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('leave out --text');
    const resumeAlone = await parley(['send', '--dsn', dsn, '--to', phone(1), '--text', 'x', '--resume']);
    expect(resumeAlone.code).toBe(2);
    expect(resumeAlone.stderr).toContain('--resume goes with --file');
  });

  it('lists every bad row by number and column, never its content, and sends nothing', async () => {
    const file = csv('bad-rows.csv', [
      'to,var1,var2',
      `${phone(1)},Ana,42`,
      '+1 555,Ana,42', // row 3: too short a number
      `${phone(3)},Ana`, // row 4: a field missing
      `${phone(4)},Ana,`, // row 5: var2 empty
    ]);
    const before = sim.decisionTelecom.requests.length;
    const run = await parley(['send', '--dsn', dsn, '--file', file, '--template', 'order_ready']);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([
      'row 3: error VALIDATION: Invalid message: to is too short for its country',
      'row 4: error VALIDATION: Invalid message: columns: the row has 2 fields, the header 3',
      'row 5: error VALIDATION: Invalid message: var2 is empty',
      '3 of 4 rows are invalid, so nothing was sent: fix them, or pass --skip-invalid to send the others',
    ]);
    expect(run.stderr).not.toContain('555');
    expect(run.stderr).not.toContain('Ana');
    expect(sim.decisionTelecom.requests.length).toBe(before);

    const json = await parley(['send', '--dsn', dsn, '--file', file, '--template', 'order_ready', '--json']);
    expect(json.code).toBe(2);
    const rows = jsonLines(json.stdout);
    expect(rows.map((r) => [r.row, r.status])).toEqual([
      [3, 'invalid'],
      [4, 'invalid'],
      [5, 'invalid'],
    ]);
    expect((rows[2]?.error as { issues: unknown } | undefined)?.issues).toEqual([
      { path: 'var2', message: 'var2 is empty' },
    ]);

    const skipped = await parley([
      'send',
      '--dsn',
      dsn,
      '--file',
      file,
      '--template',
      'order_ready',
      '--skip-invalid',
      '--json',
    ]);
    expect(skipped.code).toBe(1);
    // Bad rows settle as they are read; sent ones when the provider answers.
    expect(
      jsonLines(skipped.stdout)
        .map((r) => [r.row, r.status])
        .sort(),
    ).toEqual([
      [2, 'sent'],
      [3, 'failed'],
      [4, 'failed'],
      [5, 'failed'],
    ]);
    expect(sendsSince(sim, before)).toHaveLength(1);
  }, 60_000);
});

describe('parley send --file: a campaign against the simulator', () => {
  it('sends a text campaign, one request per row, and prints one JSON line per row on stdout', async () => {
    const rows = [1, 2, 3, 4, 5].map((i) => `${phone(i)},"Hola, cliente ${i}"`);
    const file = csv('text.csv', ['to,text', ...rows]);
    const before = sim.decisionTelecom.requests.length;
    const run = await parley(['send', '--dsn', dsn, '--file', file, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const received = sendsSince(sim, before).map(bodyOf);
    expect(received.map((b) => [String(b.destination_addr), b.message_type, b.text]).sort()).toEqual(
      [1, 2, 3, 4, 5].map((i) => [phone(i), 1, `Hola, cliente ${i}`]).sort(),
    );
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.row).sort()).toEqual([2, 3, 4, 5, 6]);
    for (const line of lines) {
      expect(line).toMatchObject({ ok: true, status: 'sent', id: expect.stringMatching(/^pm_/) });
      expect(line.providerMessageId).toMatch(/^\d+$/);
      expect(Object.keys(line).sort()).toEqual(['id', 'ok', 'providerMessageId', 'row', 'status']);
    }
    // Never the phone number or the text, on stdout or stderr.
    expect(run.stdout + run.stderr).not.toMatch(/57300|cliente/);
    expect(run.stderr).toMatch(/^done: 5 rows: 5 sent, 0 failed; \d+(\.\d)?s, \d+\.\d msg\/s$/m);
  });

  it('sends a template campaign: var1..varN in order, the language from --language or a language column', async () => {
    const file = csv('template.csv', ['to,var2,var1,language', `${phone(1)},1042,Ana,`, `${phone(2)},1043,Luis,pt_BR`]);
    const before = sim.decisionTelecom.requests.length;
    const run = await parley(['send', '--dsn', dsn, '--file', file, '--template', 'order_ready', '--language', 'es']);
    expect(run.code, run.stderr).toBe(0);
    const received = sendsSince(sim, before)
      .map(bodyOf)
      .sort((a, b) => String(a.destination_addr).localeCompare(String(b.destination_addr)));
    expect(received.map((b) => [String(b.destination_addr), b.message_type, b.template_name])).toEqual([
      [phone(1), 4, 'order_ready'],
      [phone(2), 4, 'order_ready'],
    ]);
    const params = received.map((b) => JSON.parse(b.template_params as string).template);
    expect(params[0]).toMatchObject({
      language: { code: 'es' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana' },
            { type: 'text', text: '1042' },
          ],
        },
      ],
    });
    expect(params[1]).toMatchObject({
      language: { code: 'pt_BR' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Luis' },
            { type: 'text', text: '1043' },
          ],
        },
      ],
    });
  });

  it('reports a row the provider refuses as failed with its code, sends the rest, exit 1', async () => {
    const file = csv('refused.csv', ['to,text', `${phone(1)},a`, `${phone(2)},b`, `${phone(3)},c`]);
    sim.decisionTelecom.failNext('balance');
    const run = await parley(['send', '--dsn', dsn, '--file', file, '--json']);
    expect(run.code).toBe(1);
    const lines = jsonLines(run.stdout);
    expect(lines.filter((l) => l.status === 'sent')).toHaveLength(2);
    expect(lines.filter((l) => l.status === 'failed').map((l) => (l.error as { code: string }).code)).toEqual([
      'INSUFFICIENT_BALANCE',
    ]);
    expect(run.stderr).toMatch(/^done: 3 rows: 2 sent, 1 failed \(INSUFFICIENT_BALANCE 1\);/m);
  });

  it('with --resume, a rerun sends nothing twice and reports what an earlier run sent', async () => {
    const file = csv('resume.csv', ['to,text', ...[1, 2, 3, 4].map((i) => `${phone(i)},r${i}`)]);
    const before = sim.decisionTelecom.requests.length;
    sim.decisionTelecom.failNext('balance');
    const first = await parley(['send', '--dsn', dsn, '--file', file, '--resume', '--json']);
    const firstLines = jsonLines(first.stdout);
    const firstSent = firstLines.filter((l) => l.status === 'sent');
    expect(first.code).toBe(1); // one row failed, surely not sent
    expect(firstSent).toHaveLength(3);
    const afterFirst = sim.decisionTelecom.requests.length;

    const second = await parley(['send', '--dsn', dsn, '--file', file, '--resume', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const lines = jsonLines(second.stdout);
    const already = lines.filter((l) => l.status === 'already_sent');
    expect(already.map((l) => [l.row, l.id]).sort()).toEqual(firstSent.map((l) => [l.row, l.id]).sort());
    // Only the row that failed as not sent went out again.
    expect(lines.filter((l) => l.status === 'sent')).toHaveLength(1);
    expect(sendsSince(sim, afterFirst)).toHaveLength(1);
    expect(second.stderr).toMatch(/1 sent, 0 failed, 3 already sent/);

    const third = await parley(['send', '--dsn', dsn, '--file', file, '--resume']);
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/^done: 4 rows: 0 sent, 0 failed, 4 already sent;/m);
    const destinations = sendsSince(sim, before).map((r) => String(bodyOf(r).destination_addr));
    // The failed first attempt of one row, then one send of it: every other row exactly once.
    expect(destinations).toHaveLength(5);
    expect(new Set(destinations).size).toBe(4);
  }, 60_000);

  it('keys --resume by the campaign and the rows, not their numbers nor (with --campaign) the path', async () => {
    const rows = [1, 2, 3].map((i) => `${phone(i)},k${i}`);
    const file = csv('keyed.csv', ['to,text', ...rows]);
    const first = await parley(['send', '--dsn', dsn, '--file', file, '--resume', '--campaign', 'july', '--json']);
    expect(first.code).toBe(0);
    const before = sim.decisionTelecom.requests.length;
    // Moved, reordered, a row added: only the new row is sent.
    const moved = csv('moved.csv', [
      'to,text',
      `${phone(9)},k9`,
      rows[2] as string,
      rows[0] as string,
      rows[1] as string,
    ]);
    const second = await parley(['send', '--dsn', dsn, '--file', moved, '--resume', '--campaign', 'july', '--json']);
    expect(second.code).toBe(0);
    expect(
      jsonLines(second.stdout)
        .map((l) => [l.row, l.status])
        .sort(),
    ).toEqual([
      [2, 'sent'],
      [3, 'already_sent'],
      [4, 'already_sent'],
      [5, 'already_sent'],
    ]);
    expect(sendsSince(sim, before).map((r) => String(bodyOf(r).destination_addr))).toEqual([phone(9)]);
    // Another campaign name is another campaign: all of it goes.
    const other = await parley(['send', '--dsn', dsn, '--file', file, '--resume', '--campaign', 'august']);
    expect(other.stderr).toMatch(/^done: 3 rows: 3 sent, 0 failed;/m);
  }, 60_000);

  it('leaves the columns --ignore-columns names unused', async () => {
    const file = csv('ignored.csv', ['name,to,text,customer_id', `Ana,${phone(1)},hola,77`]);
    const refused = await parley(['send', '--dsn', dsn, '--file', file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('has columns parley does not use (name, customer_id)');
    const before = sim.decisionTelecom.requests.length;
    const run = await parley(['send', '--dsn', dsn, '--file', file, '--ignore-columns', 'name,customer_id']);
    expect(run.code, run.stderr).toBe(0);
    expect(sendsSince(sim, before).map((r) => [String(bodyOf(r).destination_addr), bodyOf(r).text])).toEqual([
      [phone(1), 'hola'],
    ]);
  });
});

/** A writable that records what is written to it, optionally claiming to be a terminal. */
function sink(tty: boolean): PassThrough & { isTTY?: boolean; text(): string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; text(): string };
  let text = '';
  stream.on('data', (d) => (text += d));
  if (tty) stream.isTTY = true;
  stream.text = () => text;
  return stream;
}

describe('parley send --file progress', () => {
  it('prints plain progress lines and the summary on stderr when it is not a terminal', async () => {
    const file = csv('plain.csv', ['to,text', ...Array.from({ length: 20 }, (_, i) => `${phone(i + 1)},p${i}`)]);
    const stdout = sink(false);
    const stderr = sink(false);
    const io: Io = { env: {}, stdout, stderr, interrupted: new Promise(() => {}) };
    const code = await main(['send', '--dsn', dsn, '--file', file, '--state', join(dir, 'state')], io);
    expect(code).toBe(0);
    expect(stdout.text()).toBe('');
    const text = stderr.text();
    expect(text.includes('\r') || text.includes('\x1b')).toBe(false); // no cursor moves
    const lines = text.trim().split('\n');
    const progress = lines.filter((l) => l.startsWith('progress: '));
    // A line at each tenth of the rows, the last at 20/20.
    expect(progress.length).toBeGreaterThanOrEqual(10);
    for (const line of progress) {
      expect(line).toMatch(
        /^progress: \d+\/20 rows \(\d+%\), sent \d+, failed 0, \d+\.\d msg\/s, ETA (\d+s|\?|\d+m\d\ds)$/,
      );
    }
    expect(progress.at(-1)).toMatch(/^progress: 20\/20 rows \(100%\), sent 20, failed 0, .* ETA 0s$/);
    expect(lines.at(-1)).toMatch(/^done: 20 rows: 20 sent, 0 failed; /);
  });

  it('draws a progress bar on a terminal, row failures above it, and clears it before the summary', async () => {
    const file = csv('bar.csv', ['to,text', ...Array.from({ length: 30 }, (_, i) => `${phone(i + 1)},b${i}`)]);
    sim.decisionTelecom.failNext('balance');
    const stderr = Object.assign(sink(true), { columns: 120 }); // a terminal's width: cli-progress cuts lines to it
    const io: Io = { env: {}, stdout: sink(true), stderr, interrupted: new Promise(() => {}) };
    const code = await main(['send', '--dsn', dsn, '--file', file, '--state', join(dir, 'state')], io);
    expect(code).toBe(1);
    const text = stderr.text();
    // At least the last frame is drawn, however fast the run.
    expect(text).toMatch(/30\/30 rows \| sent 29 \| failed 1 \| \d+\.\d msg\/s \| ETA 0s/);
    expect(text).toMatch(/row \d+: error INSUFFICIENT_BALANCE: /);
    expect(text).not.toContain('progress: ');
    // The bar is cleared (cli-progress's clearOnComplete) before the summary line.
    const summary = text.slice(text.lastIndexOf('done: '));
    expect(summary).toMatch(/^done: 30 rows: 29 sent, 1 failed \(INSUFFICIENT_BALANCE 1\); [^\r]*\n/);
    expect(summary.includes('\x1b')).toBe(false);
    expect(text.slice(0, text.lastIndexOf('done: ')).endsWith('\x1b[0J')).toBe(true); // cleared right before it
  });
});

describe('the README campaign example', () => {
  it('runs as written in bash, against the simulator, and the rerun sends nothing', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /A campaign against the simulator[^\n]*\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const script = (block as string).replace('127.0.0.1:PORT', `127.0.0.1:${sim.port}`);
    // `parley` on the PATH, as a global install puts it.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(BIN, join(bin, 'parley'));
    const before = sim.decisionTelecom.requests.length;
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: dir,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, XDG_STATE_HOME: join(dir, 'state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = await collect(child);
    expect(run.code, run.stderr).toBe(0);
    expect(sendsSince(sim, before).map((r) => bodyOf(r).template_name)).toEqual(['order_ready', 'order_ready']);
    expect(jsonLines(run.stdout).map((l) => l.status)).toEqual(['already_sent', 'already_sent']);
  }, 60_000);
});

describe('parley send --file, interrupted', () => {
  it('stops reading on Ctrl-C, exit 130, and --resume then sends only what was left', async () => {
    const slow = await startSimulator({ latencyMs: 100, decisionTelecom: { callbacks: false } });
    try {
      const slowDsn = `decisiontelecom://k@${slow.decisionTelecom.baseUrl.replace('http://', '')}?sender=Parley`;
      const file = csv('ctrl-c.csv', ['to,text', ...Array.from({ length: 300 }, (_, i) => `${phone(i + 1)},c${i}`)]);
      const args = ['send', '--dsn', slowDsn, '--file', file, '--resume', '--json', '--state', join(dir, 'state')];
      let stop!: () => void;
      const stdout = sink(false);
      const stderr = sink(false);
      const io: Io = { env: {}, stdout, stderr, interrupted: new Promise<void>((r) => (stop = r)) };
      const running = main(args, io);
      const sends = () => sendsSince(slow, 0).length;
      while (sends() < 20) await new Promise((r) => setTimeout(r, 5));
      stop();
      expect(await running).toBe(130);
      const first = jsonLines(stdout.text());
      const summary = stderr.text().trim().split('\n');
      expect(summary[0]).toMatch(/^interrupted: finishing the sends under way/);
      // What was on the wire finished: sent, not aborted.
      expect(summary.at(-2)).toMatch(/^interrupted: 300 rows: [1-9]\d* sent, 0 failed, \d+ not sent yet; /);
      expect(summary.at(-1)).toBe(
        'run the same command with --resume to send what was not sent (nothing is sent twice)',
      );
      expect(first.length).toBeLessThan(300);
      const afterFirst = sends();

      const rerun = { stdout: sink(false), stderr: sink(false) };
      const code = await main(args, { env: {}, ...rerun, interrupted: new Promise(() => {}) });
      const second = jsonLines(rerun.stdout.text());
      expect(second).toHaveLength(300);
      const sentFirst = new Set(first.filter((l) => l.status === 'sent').map((l) => l.row));
      for (const l of second) {
        if (sentFirst.has(l.row as number)) expect(l.status).toBe('already_sent');
      }
      // Aborted before going out: sent by the rerun. Each row reached the provider at most once.
      const destinations = sendsSince(slow, 0).map((r) => String(bodyOf(r).destination_addr));
      expect(new Set(destinations).size).toBe(destinations.length);
      expect(sends() - afterFirst).toBe(second.filter((l) => l.status === 'sent').length);
      expect(code).toBe(second.some((l) => l.status === 'pending' || l.status === 'unknown') ? 1 : 0);
    } finally {
      await slow.close();
    }
  }, 60_000);
});

describe('parley send --file: a reader of --json that goes away', () => {
  it('stops nothing: every row is still sent, no stack trace, exit 0', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `${phone(900 + i)},Hola`);
    const file = csv('epipe.csv', ['to,text', ...rows]);
    const before = sendsSince(sim, 0).length;
    const child = spawn(
      process.execPath,
      [BIN, 'send', '--dsn', dsn, '--file', file, '--json', '--state', join(dir, 'epipe-state')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    // Like `| head -1`: read the first line, then close the pipe.
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'exit')) as [number];
    expect(err).not.toMatch(/EPIPE|Unhandled/);
    expect(err).toMatch(/done: 200 rows: 200 sent, 0 failed/);
    expect(code).toBe(0);
    expect(sendsSince(sim, 0).length - before).toBe(200);
  });
});
