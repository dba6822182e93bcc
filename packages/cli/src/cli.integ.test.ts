import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Simulator, startSimulator } from '@parley/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The committed bin file, as `pnpm exec parley` and a global install run it.
const BIN = fileURLToPath(new URL('../bin/parley.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let stateHome: string;
beforeEach(() => {
  // Each test keeps the CLI's state in a directory of its own, never in the user's home.
  stateHome = mkdtempSync(join(tmpdir(), 'parley-cli-state-'));
  return () => rmSync(stateHome, { recursive: true, force: true });
});

function parley(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', XDG_STATE_HOME: stateHome, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child);
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

async function collect(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

let sim: Simulator;
let dtDsn: string;
let wvDsn: string;
beforeAll(async () => {
  sim = await startSimulator({ decisionTelecom: { progression: { stepMs: 150, outcomes: { seen: 1 } } } });
  const host = (url: string) => url.replace('http://', '');
  dtDsn = `decisiontelecom://cli-key@${host(sim.decisionTelecom.baseUrl)}?sender=Parley&tracking.firstPollMs=100&tracking.maxIntervalMs=200`;
  wvDsn = `wolkvox://cli-token@${host(sim.wolkvox.baseUrl)}?server=0042&connector=1`;
});
afterAll(async () => {
  await sim.close();
});

describe('parley (the real binary)', () => {
  it('prints help for the program and for each command', async () => {
    const main = await parley(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/parley send[\s\S]*parley status[\s\S]*parley simulator/);
    for (const command of ['send', 'status', 'simulator']) {
      const run = await parley([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: parley ${command}`);
    }
    expect((await parley(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 on bad usage, naming the problem', async () => {
    const unknown = await parley(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const noConfig = await parley(['send', '--to', '+573001234567', '--text', 'hi']);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain('no provider configured');
    const twoKinds = await parley(['send', '--dsn', dtDsn, '--to', '1', '--text', 'a', '--image', 'b']);
    expect(twoKinds.code).toBe(2);
    expect(twoKinds.stderr).toContain('exactly one of --text, --image or --template');
    const badFlag = await parley(['send', '--bogus']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--bogus');
  });

  it('sends through PARLEY_DSN and prints the result as JSON', async () => {
    const before = sim.decisionTelecom.counts.accepted;
    const run = await parley(['send', '--to', '+57 300 123 4567', '--text', 'Hola', '--json'], { PARLEY_DSN: dtDsn });
    expect(run.code).toBe(0);
    const { result } = JSON.parse(run.stdout.trim().split('\n')[0] as string);
    expect(result).toMatchObject({ provider: 'decisiontelecom', status: 'accepted' });
    expect(result.providerMessageId).toMatch(/^\d+$/);
    expect(sim.decisionTelecom.counts.accepted).toBe(before + 1);
  });

  it('prints a ParleyError with its code and fields, exit 2, before any request', async () => {
    const before = sim.decisionTelecom.requests.length;
    const run = await parley(['send', '--dsn', dtDsn, '--to', '+1 555', '--image', 'ftp://x/a.gif']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error VALIDATION');
    expect(run.stderr).toMatch(/- to: to is too short/);
    expect(run.stderr).toMatch(/- url: /);
    expect(sim.decisionTelecom.requests.length).toBe(before);
    const config = await parley([
      'send',
      '--dsn',
      'decisiontelecom://k@default',
      '--to',
      '573001234567',
      '--text',
      'x',
    ]);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('error CONFIG');
    expect(config.stderr).toContain('sender');
  });

  it('exits 1 with the code of a provider failure', async () => {
    sim.wolkvox.failNext('auth');
    const run = await parley(['send', '--dsn', wvDsn, '--to', '573001234567', '--template', 'welcome', '--var', 'Ana']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error AUTH');
    expect(run.stderr).not.toContain('cli-token');
  });

  it('follows a message with --wait until it is final', async () => {
    const run = await parley([
      'send',
      '--dsn',
      dtDsn,
      '--to',
      '573001234567',
      '--text',
      'track me',
      '--wait',
      '--timeout',
      '20',
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^sent pm_\S+ via decisiontelecom \(provider id \d+\)$/);
    // Polls may skip a step (sent, say), but what shows is in order, once each, and ends with read.
    const order = ['accepted', 'pending', 'sent', 'delivered', 'read'];
    const shown = lines.slice(1).map((line) => order.indexOf(line.split(/\s+/)[1] as string));
    expect(shown.length).toBeGreaterThanOrEqual(3);
    expect(shown).toEqual([...new Set(shown)].sort((a, b) => a - b));
    expect(lines.at(-1)).toMatch(/^\S+Z {2}read \(provider status 7\), final$/);
    expect(new Set(lines).size).toBe(lines.length); // no line printed twice
    expect(run.stderr).toBe(''); // piped: no spinner anywhere
  });

  it('answers parley status for a provider id from a new process', async () => {
    const sent = await parley(['send', '--dsn', dtDsn, '--to', '573001234567', '--text', 'hi', '--json']);
    const { result } = JSON.parse(sent.stdout.trim());
    const run = await parley(['status', result.providerMessageId, '--json'], { PARLEY_DSN: dtDsn });
    expect(run.code).toBe(0);
    const { status } = JSON.parse(run.stdout.trim());
    expect(status).toMatchObject({ id: result.providerMessageId, provider: 'decisiontelecom' });
    expect(['pending', 'sent', 'delivered', 'read']).toContain(status.status);
    const unsupported = await parley(['status', 'x', '--dsn', wvDsn]);
    expect(unsupported.code).toBe(2);
    expect(unsupported.stderr).toContain('error UNSUPPORTED');
  });

  it('runs the simulator in the foreground until interrupted', async () => {
    const child = spawn(process.execPath, [BIN, 'simulator', '--json', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    const info = JSON.parse(first.toString().split('\n')[0] as string);
    expect(info.decisionTelecom).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/decisiontelecom\/v1\/api$/);
    expect(info.dsns.wolkvox).toContain('wolkvox://');
    expect(info.whatsappCloud).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/whatsapp-cloud$/);
    // The Cloud API DSN it prints sends through the CLI as it is.
    const cloud = await parley([
      'send',
      '--dsn',
      info.dsns['whatsapp-cloud'],
      '--to',
      '+57 300 123 4567',
      '--template',
      'hello_world',
      '--json',
    ]);
    expect(cloud.code, cloud.stderr).toBe(0);
    expect(JSON.parse(cloud.stdout.split('\n')[0] as string)).toMatchObject({
      result: { provider: 'whatsapp-cloud', status: 'accepted' },
    });
    const reply = await fetch(`${info.wolkvox}/whatsapp.php?api=send_template_official`, {
      method: 'POST',
      headers: { 'wolkvox-token': 't', 'content-type': 'application/json' },
      body: JSON.stringify({ connector_id: '1', telephone: '573001234567', template_name: 'w', template_vars: '' }),
    });
    expect(reply.status).toBe(200);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('logs each request the simulator answers, one line each, unless --quiet', async () => {
    const child = spawn(process.execPath, [BIN, 'simulator'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await until(() => out.includes('Wolkvox '));
    const base = /Wolkvox\s+(\S+)/.exec(out)?.[1] as string;
    const send = (token: string) =>
      fetch(`${base}/whatsapp.php?api=send_template_official`, {
        method: 'POST',
        headers: { 'wolkvox-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ connector_id: '1', telephone: '573001234567', template_name: 'w', template_vars: '' }),
      });
    expect((await send('t')).status).toBe(200);
    expect((await send('')).status).not.toBe(200);
    await until(() => out.split('\n').filter((l) => l.includes('send_template_official')).length === 2);
    child.kill('SIGINT');
    await once(child, 'exit');
    const lines = out.split('\n').filter((l) => l.includes('send_template_official'));
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} {2}wolkvox +POST \/whatsapp\.php\?api=send_template_official {2}200$/,
    );
    expect(lines[1]).toMatch(/ {2}4\d\d$/);
    expect(out).not.toContain('573001234567');
  });

  it('says in one line, exit 2, that a --port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const run = await parley(['simulator', '--port', String(port)]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([
        `parley simulator: port ${port} is already in use: pick another --port, or leave it out for a free one`,
      ]);
    } finally {
      blocker.close();
    }
  });

  it('exits 3 when --wait --timeout runs out, saying the message was sent', async () => {
    const slow = await startSimulator({ decisionTelecom: { progression: { stepMs: 60_000 } } });
    try {
      const dsn = `decisiontelecom://k@${slow.decisionTelecom.baseUrl.replace('http://', '')}?sender=Parley`;
      const run = await parley([
        'send',
        '--dsn',
        dsn,
        '--to',
        '573001234567',
        '--text',
        'x',
        '--wait',
        '--timeout',
        '0.5',
      ]);
      expect(run.code).toBe(3);
      expect(run.stderr.trim()).toMatch(
        /^still not final after 0\.5s \(it was sent; ask later with: parley status pm_\S+\)$/,
      );
      expect(run.stdout).not.toContain('still not final');
      const json = await parley([
        'send',
        '--dsn',
        dsn,
        '--to',
        '573001234567',
        '--text',
        'x',
        '--wait',
        '--timeout',
        '0.5',
        '--json',
      ]);
      expect(json.code).toBe(3);
      const last = JSON.parse(json.stdout.trim().split('\n').at(-1) as string);
      expect(last).toMatchObject({ exitCode: 3 });
    } finally {
      await slow.close();
    }
  });

  it('lists every exit code in --help', async () => {
    const help = (await parley(['--help'])).stdout;
    for (const code of ['0', '1', '2', '3', '130']) expect(help).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
  });

  it('says that --wait has nothing to follow with tracking=false', async () => {
    const run = await parley([
      'send',
      '--dsn',
      dtDsn,
      '--set',
      'tracking=false',
      '--to',
      '573001234567',
      '--text',
      'x',
      '--wait',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr.trim()).toMatch(
      /^status polling is off for this decisiontelecom config \(tracking=false\), so there is nothing to follow; ask later with: parley status pm_\S+$/,
    );
    const wv = await parley(['send', '--dsn', wvDsn, '--to', '573001234567', '--template', 'w', '--wait']);
    expect(wv.code).toBe(0);
    expect(wv.stderr.trim()).toBe('wolkvox reports no status after accepted');
  });

  it('polls often enough with --wait to show each status within a second of the provider', async () => {
    const paced = await startSimulator({
      decisionTelecom: { callbacks: false, progression: { stepMs: 1_500, outcomes: { seen: 1 } } },
    });
    try {
      // No tracking fields: the library would wait 2 s, 4 s, 8 s… between polls.
      const dsn = `decisiontelecom://k@${paced.decisionTelecom.baseUrl.replace('http://', '')}?sender=Parley`;
      const run = await parley([
        'send',
        '--dsn',
        dsn,
        '--to',
        '573001234567',
        '--text',
        'x',
        '--wait',
        '--timeout',
        '30',
      ]);
      expect(run.code).toBe(0);
      const polls = paced.decisionTelecom.requests.filter((r) => r.path.startsWith('/receive-whatsapp'));
      expect(polls.length).toBeGreaterThanOrEqual(4);
      const gaps = polls.slice(1).map((r, i) => r.receivedAt - (polls[i] as { receivedAt: number }).receivedAt);
      expect(Math.max(...gaps)).toBeLessThan(1_000);
    } finally {
      await paced.close();
    }
  });
});

describe('parley keeps its state across runs', () => {
  /** Send requests the simulator received (status polls aside). */
  const sends = () => sim.decisionTelecom.requests.filter((r) => r.path.startsWith('/send-whatsapp')).length;
  const send = (extra: string[], env: Record<string, string> = {}) =>
    parley(['send', '--dsn', dtDsn, '--to', '573001234567', '--text', 'once', '--json', ...extra], env);

  it('sends at most once for an --idempotency-key, run after run', async () => {
    const before = sends();
    const first = await send(['--idempotency-key', 'order-42']);
    const second = await send(['--idempotency-key', 'order-42']);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).result).toEqual(JSON.parse(first.stdout).result);
    expect(sends()).toBe(before + 1);
    const other = await parley([
      'send',
      '--dsn',
      dtDsn,
      '--to',
      '573001234567',
      '--text',
      'changed',
      '--idempotency-key',
      'order-42',
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('already used with a different message');
  });

  it('sends at most once when two runs race for one key', async () => {
    const before = sends();
    const runs = await Promise.all([1, 2, 3].map(() => send(['--idempotency-key', 'race-1'])));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    const ids = new Set(runs.map((r) => JSON.parse(r.stdout).result.id));
    expect(ids.size).toBe(1);
    expect(sends()).toBe(before + 1);
  });

  it('answers parley status <Parley id> in a later run', async () => {
    const sent = await send([]);
    const { result } = JSON.parse(sent.stdout);
    const run = await parley(['status', result.id, '--json'], { PARLEY_DSN: dtDsn });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { status } = JSON.parse(run.stdout);
    expect(status).toMatchObject({ id: result.id, provider: 'decisiontelecom' });
    expect(['pending', 'sent', 'delivered', 'read']).toContain(status.status);
  });

  it('writes only the record status needs for a plain send, and nothing for a provider without statuses', async () => {
    await send([]);
    const dir = join(stateHome, 'parley');
    expect(filesUnder(dir).filter((f) => f.startsWith('messages/'))).toHaveLength(1);
    expect(filesUnder(dir).filter((f) => f.startsWith('values/'))).toEqual([]);
    const wvHome = mkdtempSync(join(tmpdir(), 'parley-cli-wv-'));
    try {
      const run = await parley(['send', '--dsn', wvDsn, '--to', '573001234567', '--template', 'w'], {
        XDG_STATE_HOME: wvHome,
      });
      expect(run.code).toBe(0);
      expect(filesUnder(wvHome)).toEqual([]);
    } finally {
      rmSync(wvHome, { recursive: true, force: true });
    }
  });

  it('keeps it where --state says, else under ~/.local/state/parley', async () => {
    const home = mkdtempSync(join(tmpdir(), 'parley-cli-home-'));
    try {
      const moved = join(home, 'elsewhere');
      await send(['--state', moved], { XDG_STATE_HOME: '', HOME: home });
      expect(filesUnder(moved).some((f) => f.startsWith('messages/'))).toBe(true);
      await send([], { XDG_STATE_HOME: '', HOME: home });
      expect(filesUnder(join(home, '.local', 'state', 'parley')).some((f) => f.startsWith('messages/'))).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('the committed bin file', () => {
  it('is what package.json names, so pnpm links it at install, before any build', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.bin.parley).toBe('./bin/parley.js');
    expect(pkg.files).toContain('bin');
    expect(fileURLToPath(new URL(`../${pkg.bin.parley}`, import.meta.url))).toBe(BIN);
    expect(existsSync(BIN)).toBe(true);
  });

  it('says what to do when the CLI is not built yet', async () => {
    const pkg = mkdtempSync(join(tmpdir(), 'parley-cli-unbuilt-'));
    try {
      mkdirSync(join(pkg, 'bin'));
      copyFileSync(BIN, join(pkg, 'bin', 'parley.js'));
      const child = spawn(process.execPath, [join(pkg, 'bin', 'parley.js'), '--help'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const run = await collect(child);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('@parley/cli is not built yet');
      expect(run.stderr).toContain('pnpm build');
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});

function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, 10);
    };
    tick();
  });
}
