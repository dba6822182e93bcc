import type { ParleyError, StatusUpdate } from '@parley/core';
import { type Io, write } from './io.js';

/** Prints a `ParleyError` with its code, fields and retry advice. */
export function printError(io: Io, error: ParleyError, json: boolean): void {
  if (json) {
    write(io.stdout, JSON.stringify({ error: error.toJSON() }));
    return;
  }
  write(io.stderr, `error ${error.code}: ${error.message}`);
  for (const issue of error.issues ?? []) write(io.stderr, `  - ${issue.path || '(config)'}: ${issue.message}`);
  if (error.delivery === 'unknown') write(io.stderr, '  the provider may have accepted it: check before sending again');
  else if (error.retryable) write(io.stderr, '  not sent; trying again later may succeed');
}

export function describeStatus(update: StatusUpdate): string {
  const raw = update.providerStatus === undefined ? '' : ` (provider status ${update.providerStatus})`;
  return `${update.status}${raw}${update.final ? ', final' : ''}`;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A progress display while waiting: on a terminal one live line (spinner, elapsed time, the
 * current status); elsewhere one line per change.
 */
export class Progress {
  private frame = 0;
  private current = 'accepted';
  private readonly started = Date.now();
  private readonly live: boolean;

  constructor(private readonly io: Io) {
    this.live = io.stdout.isTTY === true;
  }

  status(update: StatusUpdate): void {
    this.current = describeStatus(update);
    if (this.live) this.tick();
    else write(this.io.stdout, `${update.at.toISOString()}  ${this.current}`);
  }

  tick(): void {
    if (!this.live) return;
    this.frame = (this.frame + 1) % FRAMES.length;
    const seconds = ((Date.now() - this.started) / 1000).toFixed(0);
    this.io.stdout.write(`\r\x1b[2K${FRAMES[this.frame]} ${this.current}  ${seconds}s`);
  }

  done(line: string): void {
    if (this.live) this.io.stdout.write('\r\x1b[2K');
    write(this.io.stdout, line);
  }
}
