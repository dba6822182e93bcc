#!/usr/bin/env node
import { main } from './main.js';

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

// A reader that went away (`parley send --file rows.csv --json | head`) is no reason to leave a
// campaign half-sent or to print a stack trace: later output to that stream is dropped, and the
// sends go on to their summary and exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  interrupted,
});
