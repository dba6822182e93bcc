import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('runs the README tracing setup: the send span and its HTTP attempt print, without the message', async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./tracing.mjs', import.meta.url))], {
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
  expect(out).toContain("name: 'send decisiontelecom'");
  expect(out).toContain("name: 'POST'");
  expect(out).toMatch(/'messaging\.message\.id': 'pm_/);
  expect(out).not.toContain('3001234567');
  expect(out).not.toContain('Hola');
  expect(out).not.toContain('API_KEY');
}, 60_000);
