import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('runs the offline demo to a summary and exit 0', async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./demo.mjs', import.meta.url))], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const [code] = (await once(child, 'exit')) as [number];
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toMatch(/decisiontelecom\s+sent text/);
  expect(out).toMatch(/wolkvox\s+refused image: UNSUPPORTED/);
  expect(out).toMatch(/wolkvox\s+sent text \(window now open\)/);
  expect(out).toMatch(/decisiontelecom\s+status read \(final\)/);
  expect(out).toMatch(/^Summary$/m);
}, 60_000);
