import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Simulator, startSimulator } from '@parley/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function parley(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child);
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
    // Polls may skip a step (sent, say), but what shows is in order and ends with read.
    const order = ['accepted', 'pending', 'sent', 'delivered', 'read'];
    const shown = lines.slice(1, -1).map((line) => order.indexOf(line.split(/\s+/)[1] as string));
    expect(shown.length).toBeGreaterThanOrEqual(2);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(shown.at(-1)).toBe(order.indexOf('read'));
    expect(lines.at(-1)).toContain('read (provider status 7), final');
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
    const child = spawn(process.execPath, [BIN, 'simulator', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    const info = JSON.parse(first.toString().split('\n')[0] as string);
    expect(info.decisionTelecom).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/decisiontelecom\/v1\/api$/);
    expect(info.dsns.wolkvox).toContain('wolkvox://');
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
});
