/**
 * Every fenced ts/js example of the root README and of each package README runs as written,
 * against the simulator, in a plain `node` process (TypeScript is only stripped of its types).
 *
 * An HTML comment right above a fence says how the example runs:
 * - none: on its own, as a program;
 * - `<!-- readme-example: with messenger -->`: after a prelude that gives it what the text around
 *   it introduced (`messenger`, `config`, `providers`, `message`, …; only names the example does
 *   not declare itself), and closes `messenger` after it;
 * - add `wolkvox` (`<!-- readme-example: with messenger, wolkvox -->`) for the Wolkvox simulator;
 * - `<!-- readme-example: skip: <why> -->`: not run (a signature listing, a server that listens
 *   forever); the reason is required.
 *
 * The environment points `PARLEY_DSN` at the simulator and gives placeholder credentials; a guard
 * loaded first refuses any DNS lookup or connection that is not loopback, so an example that would
 * reach a real provider fails instead.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Simulator, startSimulator } from '@parley/simulator';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedisServer } from '../../packages/redis/src/test-support/redis-server.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READMES = [
  'README.md',
  // Every package's README: a package added later is covered without a change here.
  ...readdirSync(join(ROOT, 'packages'))
    .filter((p) => existsSync(join(ROOT, 'packages', p, 'README.md')))
    .sort()
    .map((p) => `packages/${p}/README.md`),
];

interface Example {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly mode: 'standalone' | 'with messenger' | 'skip';
  readonly wolkvox: boolean;
  readonly reason?: string;
}

/** The fenced ts/js examples of a Markdown file, with the annotation above each. */
function extractExamples(file: string, text: string): Example[] {
  const examples: Example[] = [];
  const fence = /^```(ts|js|typescript|javascript|mjs)[ \t]*\n([\s\S]*?)^```/gm;
  for (const match of text.matchAll(fence)) {
    const before = text.slice(0, match.index).trimEnd();
    const note = /^<!--\s*readme-example:\s*(.*?)\s*-->$/.exec(before.split('\n').at(-1) ?? '')?.[1];
    const line = text.slice(0, match.index).split('\n').length;
    const code = match[2] as string;
    if (note === undefined) {
      examples.push({ file, line, code, mode: 'standalone', wolkvox: false });
    } else if (note.startsWith('skip')) {
      const reason = note.replace(/^skip:?\s*/, '');
      examples.push({ file, line, code, mode: 'skip', wolkvox: false, reason });
    } else {
      const parts = note.split(',').map((p) => p.trim());
      if (parts[0] !== 'with messenger' && parts[0] !== 'standalone') {
        throw new Error(`${file}:${line}: unknown readme-example note '${note}'`);
      }
      examples.push({ file, line, code, mode: parts[0], wolkvox: parts.includes('wolkvox') });
    }
  }
  return examples;
}

/** Names an example declares or imports at its top level. */
function declaredNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/import\s+(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from/g)) {
    if (m[1]) names.add(m[1]);
    for (const part of (m[2] ?? '').split(',')) {
      const name = part
        .replace(/^\s*type\s+/, '')
        .split(/\s+as\s+/)
        .at(-1)
        ?.trim();
      if (name) names.add(name);
    }
  }
  for (const m of code.matchAll(/^(?:const|let|var)\s+(?:(\w+)|\{([^}]*)\})/gm)) {
    if (m[1]) names.add(m[1]);
    for (const part of (m[2] ?? '').split(',')) {
      const name = part.split(':').at(-1)?.trim();
      if (name) names.add(name);
    }
  }
  return names;
}

/** What `with messenger` examples may use without declaring it, in dependency order. */
const PRELUDE: ReadonlyArray<readonly [string, string]> = [
  ['createMessenger', "import { createMessenger } from '@parley/core';"],
  ['configFromEnv', "import { configFromEnv } from '@parley/core';"],
  ['ParleyError', "import { ParleyError } from '@parley/core';"],
  ['decisionTelecom', "import { decisionTelecom } from '@parley/adapter-decisiontelecom';"],
  ['wolkvox', "import { wolkvox } from '@parley/adapter-wolkvox';"],
  ['providers', 'const providers = [decisionTelecom, wolkvox];'],
  ['config', 'const config = configFromEnv(process.env);'],
  ['messenger', 'const messenger = createMessenger(config, { providers });'],
  ['message', "const message = { type: 'text', to: '+57 300 123 4567', text: 'Hola' };"],
  ['order', 'const order = { id: 42 };'],
  ['primaryDsn', 'const primaryDsn = process.env.PARLEY_DSN;'],
  ['backupDsn', 'const backupDsn = process.env.PARLEY_DSN;'],
  ['url', 'const url = process.env.REDIS_URL;'],
];

const NEEDS: Record<string, readonly string[]> = {
  providers: ['decisionTelecom', 'wolkvox'],
  config: ['configFromEnv'],
  messenger: ['createMessenger', 'config', 'providers'],
};

function program(example: Example): string {
  const js = ts.transpileModule(example.code, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  }).outputText;
  let prelude = '';
  let epilogue = '';
  if (example.mode === 'with messenger') {
    const own = declaredNames(example.code);
    const wanted = new Set<string>();
    const want = (name: string) => {
      if (own.has(name) || wanted.has(name)) return;
      for (const dep of NEEDS[name] ?? []) want(dep);
      wanted.add(name);
    };
    for (const [name] of PRELUDE) if (new RegExp(`\\b${name}\\b`).test(example.code)) want(name);
    want('messenger');
    prelude = PRELUDE.filter(([name]) => wanted.has(name))
      .map(([, line]) => line)
      .join('\n');
    epilogue = 'await messenger.close();';
  }
  // Ran to its end: exit, even if the example left a connection open on purpose (a Redis client).
  return `${prelude}\n${js}\n${epilogue}\nawait new Promise((r) => setTimeout(r, 20));\nprocess.exit(0);\n`;
}

const GUARD = `import dns from 'node:dns';
import net from 'node:net';
const loopback = (host) => host === 'localhost' || host === '::1' || /^127\\./.test(host ?? '');
const refuse = (host) => { throw new Error('readme example tried to reach ' + host + ' (only loopback is allowed)'); };
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) { if (!loopback(host)) refuse(host); return lookup.call(this, host, ...rest); };
const plookup = dns.promises.lookup;
dns.promises.lookup = function (host, ...rest) { if (!loopback(host)) refuse(host); return plookup.call(this, host, ...rest); };
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const o = args[0];
  const host = typeof o === 'object' && o !== null && !Array.isArray(o) ? (o.path ? 'localhost' : (o.host ?? 'localhost')) : typeof args[1] === 'string' ? args[1] : 'localhost';
  if (!loopback(host)) refuse(host);
  return connect.apply(this, args);
};
`;

const examples = READMES.flatMap((file) => extractExamples(file, readFileSync(join(ROOT, file), 'utf8')));
const redis = useRedisServer();
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ wolkvox: { enforceWindow: false } });
  dir = mkdtempSync(join(tmpdir(), 'parley-readme-'));
  // The examples import @parley/* as a user's project would: through a node_modules with them all
  // (the workspace root's, which depends on every package).
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'guard.mjs'), GUARD);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
});
afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('README examples', () => {
  it('finds the examples, and every one runs or says why not', () => {
    expect(examples.length).toBeGreaterThan(20);
    for (const e of examples.filter((x) => x.mode === 'skip')) {
      expect(e.reason, `${e.file}:${e.line}`).toMatch(/\w{3,}/);
    }
  });

  it('links only to files inside the repository that exist', () => {
    for (const file of READMES) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const targets = [
        ...[...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string),
        ...[...text.matchAll(/(?:\.\.\/)+[\w.-]+(?:\/[\w.-]+)*/g)].map((m) => m[0]),
      ].filter((t) => !/^(https?:|mailto:|#)/.test(t));
      for (const target of targets) {
        const path = join(ROOT, dirname(file), target.split('#')[0] as string);
        expect(relative(ROOT, path).startsWith('..'), `${file}: ${target} is outside the repository`).toBe(false);
        expect(existsSync(path), `${file}: ${target} does not exist`).toBe(true);
      }
    }
  });

  it('the guard refuses a real host', async () => {
    const file = join(dir, 'reach-out.mjs');
    writeFileSync(file, "await fetch('http://example.com/');\n");
    const result = await run(process.execPath, ['--import', './guard.mjs', file], { cwd: dir }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('only loopback is allowed');
  });

  for (const [i, example] of examples.entries()) {
    const name = `${example.file}:${example.line}`;
    if (example.mode === 'skip') {
      it.skip(`${name} (${example.reason})`, () => {});
      continue;
    }
    it(`${name} runs against the simulator`, async () => {
      const file = join(dir, `example-${i}.mjs`);
      writeFileSync(file, program(example));
      const host = (base: string) => base.replace('http://', '');
      const dsn = example.wolkvox
        ? `wolkvox://readme-token@${host(sim.wolkvox.baseUrl)}?server=0042&connector=1`
        : `decisiontelecom://readme-key@${host(sim.decisionTelecom.baseUrl)}?sender=Acme`;
      const result = await run(process.execPath, ['--import', './guard.mjs', relative(dir, file)], {
        cwd: dir,
        timeout: 15_000,
        env: {
          PATH: process.env.PATH ?? '',
          PARLEY_DSN: dsn,
          REDIS_URL: redis.url,
          DT_KEY: 'readme-key',
          DECISIONTELECOM_API_KEY: 'readme-key',
          WOLKVOX_TOKEN: 'readme-token',
          PARLEY_WEBHOOK_SECRET: 'readme-webhook-secret-0123456789',
        },
      }).then(
        ({ stderr }) => ({ code: 0, stderr }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(result.stderr, `${name}\n${program(example)}`).toBe('');
      expect(result.code).toBe(0);
    });
  }
});
