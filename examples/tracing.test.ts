import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

it('runs the README tracing setup: the send span and its HTTP attempt print, without the message', async () => {
  const { code, out, err } = await runExample('tracing.mjs');
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toContain("name: 'send decisiontelecom'");
  expect(out).toContain("name: 'POST'");
  expect(out).toMatch(/'messaging\.message\.id': 'pm_/);
  expect(out).not.toContain('3001234567');
  expect(out).not.toContain('Hola');
  expect(out).not.toContain('API_KEY');
}, 60_000);
