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
const CLEAR_LINE = '\r\x1b[2K';

/**
 * What `--wait` prints. Each status goes to stdout once, as one line (a JSON object with
 * `--json`). While waiting on a terminal (stdout and stderr both), a live spinner line goes to
 * stderr, never to stdout, so stdout stays clean for a JSON reader; it is cleared before each
 * stdout line.
 */
export class Progress {
  private frame = 0;
  private current = 'accepted';
  private readonly started = Date.now();
  private readonly live: boolean;
  private drawn = false;

  constructor(
    private readonly io: Io,
    private readonly json: boolean,
  ) {
    // Only when a person watches both: with stdout piped on, the next program's output would land
    // on the terminal in the middle of the spinner line.
    this.live = io.stderr.isTTY === true && io.stdout.isTTY === true;
  }

  status(update: StatusUpdate): void {
    this.current = describeStatus(update);
    this.clear();
    if (this.json) write(this.io.stdout, JSON.stringify({ status: update }));
    else write(this.io.stdout, `${update.at.toISOString()}  ${this.current}`);
    if (!update.final) this.tick();
  }

  tick(): void {
    if (!this.live) return;
    this.frame = (this.frame + 1) % FRAMES.length;
    const seconds = ((Date.now() - this.started) / 1000).toFixed(0);
    this.io.stderr.write(`${CLEAR_LINE}${FRAMES[this.frame]} waiting: ${this.current}  ${seconds}s`);
    this.drawn = true;
  }

  /** Clears the spinner line, if one is drawn. */
  clear(): void {
    if (!this.drawn) return;
    this.io.stderr.write(CLEAR_LINE);
    this.drawn = false;
  }
}
