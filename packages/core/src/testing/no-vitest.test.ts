import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CORE = fileURLToPath(new URL('../..', import.meta.url));

// A loader hook that makes `vitest` (and its parts) unresolvable, as in a project without it.
const dir = mkdtempSync(join(tmpdir(), 'parley-no-vitest-'));
const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `export async function resolve(specifier, context, next) {
  if (/^(vitest|@vitest\\/|vite)(\\/|$)/.test(specifier)) {
    throw Object.assign(new Error('Cannot find package ' + specifier), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}
`,
);
const register = join(dir, 'register.mjs');
writeFileSync(
  register,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Imports `specifier` in a plain `node` process (no vitest reachable) and runs `body` there. */
async function plainNode(specifier: string, body: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `const kit = await import(${JSON.stringify(specifier)});\n${body}`;
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', register, '--input-type=module', '-e', script],
      {
        cwd: CORE,
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('@parley/core/testing without vitest', () => {
  it('loads the fakes in plain node and a fake messenger sends', async () => {
    const run = await plainNode(
      '@parley/core/testing',
      `const m = kit.createFakeMessenger();
const r = await m.send({ type: 'text', to: '+57 300 123 4567', text: 'hi' });
await m.pushStatus(r.id, 'delivered');
const t = kit.createFakeTransport(() => kit.jsonResponse(200, {}));
console.log(JSON.stringify({ sent: m.sent.length, keys: Object.keys(kit).sort(), t: typeof t.request }));
await m.close();`,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ sent: 1, t: 'function' });
    expect(out.keys).toEqual([
      'FAKE_BASE_URL',
      'assertStatusesRise',
      'checkStoreStatusContract',
      'createFakeMessenger',
      'createFakeTransport',
      'fakeProvider',
      'jsonResponse',
    ]);
  });

  it('makes vitest unresolvable there (the vitest subpath fails to load)', async () => {
    const run = await plainNode('@parley/core/testing/vitest', 'console.log(typeof kit.describeMessengerConformance);');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('Cannot find package vitest');
  });
});
