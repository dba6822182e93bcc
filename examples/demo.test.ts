import { expect, it } from 'vitest';
import { runExample } from './run-example.js';

it('runs the offline demo to a summary and exit 0', async () => {
  const { code, out, err } = await runExample('demo.mjs');
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toMatch(/decisiontelecom\s+sent text/);
  expect(out).toMatch(/wolkvox\s+refused image: UNSUPPORTED/);
  expect(out).toMatch(/wolkvox\s+sent text \(window now open\)/);
  expect(out).toMatch(/decisiontelecom\s+status read \(final\)/);
  expect(out).toMatch(/^Summary$/m);
}, 60_000);
