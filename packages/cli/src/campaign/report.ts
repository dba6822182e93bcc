import type { ParleyError, SendResult } from '@parley/core';
import { MultiBar, type SingleBar } from 'cli-progress';
import { type Io, write } from '../io.js';

/** What became of one row, as `--json` prints it (never the phone number or the text). */
export type RowOutcome =
  | {
      readonly row: number;
      readonly status: 'sent' | 'already_sent';
      readonly result: Pick<SendResult, 'id' | 'providerMessageId'>;
    }
  | { readonly row: number; readonly status: 'failed' | 'pending' | 'unknown'; readonly error: ParleyError };

/** Counts of a campaign run, for the progress and the summary. */
export interface Counts {
  sent: number;
  failed: number;
  alreadySent: number;
  /** Left pending (or unknown) by an earlier run: not sent again. */
  pending: number;
  unknown: number;
  /** Failures by error code. */
  readonly byCode: Map<string, number>;
}

/** Rows whose failure is printed one line each without `--json`; the rest are counted only. */
const MAX_ROW_LINES = 50;
/** Without a terminal: a progress line at each tenth of the rows, and at least this often (ms). */
const PLAIN_EVERY_MS = 5_000;

const seconds = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000).toString());

function duration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds)) return '?';
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * What a campaign shows while it runs and when it ends. Outcomes go to stdout as JSON lines with
 * `--json`; everything for people goes to stderr: on a terminal (stdout and stderr both, as the
 * `--wait` spinner) a live cli-progress bar (rows done of total, sent, failed, msg/s, ETA); else
 * plain progress lines, no control characters, at each tenth of the rows and every 5 s.
 */
export class CampaignReport {
  readonly counts: Counts = { sent: 0, failed: 0, alreadySent: 0, pending: 0, unknown: 0, byCode: new Map() };
  /** Rows settled by sends of this run (rate and ETA are about them). */
  #sentNow = 0;
  #done = 0;
  #rowLines = 0;
  #firstSendAt: number | undefined;
  readonly #started: number;
  #lastLineAt: number;
  #lastTenth = 0;
  readonly #multi: MultiBar | undefined;
  readonly #bar: SingleBar | undefined;

  constructor(
    private readonly io: Io,
    private readonly json: boolean,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#started = now();
    this.#lastLineAt = this.#started;
    if (io.stderr.isTTY === true && io.stdout.isTTY === true && total > 0) {
      this.#multi = new MultiBar({
        stream: io.stderr,
        format:
          '{bar} {percentage}% | {value}/{total} rows | sent {sent} | failed {failed} | {rate} msg/s | ETA {remaining}',
        barsize: 16,
        hideCursor: true,
        clearOnComplete: true,
        gracefulExit: false,
        fps: 5,
      });
      this.#bar = this.#multi.create(total, 0, this.#fields());
    }
  }

  /** When the first send of this run started (rate and ETA count from there). */
  sending(): void {
    this.#firstSendAt ??= this.now();
  }

  #rate(): number {
    const since = this.#firstSendAt ?? this.#started;
    const elapsed = (this.now() - since) / 1000;
    return elapsed > 0 ? this.#sentNow / elapsed : 0;
  }

  #eta(): string {
    const rate = this.#rate();
    const left = this.total - this.#done;
    if (left <= 0) return '0s';
    return rate > 0 ? duration(left / rate) : '?';
  }

  #fields() {
    const c = this.counts;
    // (`eta` is a placeholder of cli-progress's own, from its own estimate: ours is `remaining`.)
    return { sent: c.sent + c.alreadySent, failed: c.failed, rate: this.#rate().toFixed(1), remaining: this.#eta() };
  }

  /** Records one row's outcome: its JSON line, its line for people if it failed, the progress. */
  outcome(outcome: RowOutcome, sentNow: boolean): void {
    const c = this.counts;
    this.#done++;
    if (sentNow) this.#sentNow++;
    switch (outcome.status) {
      case 'sent':
        c.sent++;
        break;
      case 'already_sent':
        c.alreadySent++;
        break;
      case 'pending':
        c.pending++;
        break;
      case 'unknown':
        c.unknown++;
        break;
      case 'failed':
        c.failed++;
        c.byCode.set(outcome.error.code, (c.byCode.get(outcome.error.code) ?? 0) + 1);
        break;
    }
    if (this.json) write(this.io.stdout, JSON.stringify(jsonLine(outcome)));
    else if ('error' in outcome) this.#rowLine(outcome);
    this.#progress();
  }

  #rowLine(outcome: Extract<RowOutcome, { error: ParleyError }>): void {
    this.#rowLines++;
    if (this.#rowLines > MAX_ROW_LINES) return;
    let line: string;
    if (outcome.status === 'pending') {
      line = `row ${outcome.row}: pending: an earlier run stopped while sending it; it may have reached the provider, so it is not sent again`;
    } else if (outcome.status === 'unknown') {
      line = `row ${outcome.row}: unknown: an earlier send may have reached the provider (${outcome.error.code}), so it is not sent again`;
    } else {
      const e = outcome.error;
      line = `row ${outcome.row}: error ${e.code}: ${e.message}`;
      if (e.delivery === 'unknown') line += ' (the provider may have accepted it)';
    }
    if (this.#rowLines === MAX_ROW_LINES)
      line += `\n(more rows failed: only the first ${MAX_ROW_LINES} are listed; --json lists every row)`;
    this.#say(line);
  }

  /** A line for people on stderr, above the bar when one is drawn. */
  #say(line: string): void {
    if (this.#multi) this.#multi.log(`${line}\n`);
    else write(this.io.stderr, line);
  }

  #progress(): void {
    if (this.#bar) {
      this.#bar.update(this.#done, this.#fields());
      return;
    }
    const tenth = this.total > 0 ? Math.floor((this.#done * 10) / this.total) : 10;
    const at = this.now();
    if (tenth > this.#lastTenth || at - this.#lastLineAt >= PLAIN_EVERY_MS) {
      this.#lastTenth = Math.max(this.#lastTenth, tenth);
      this.#lastLineAt = at;
      const f = this.#fields();
      const percent = this.total > 0 ? Math.floor((this.#done * 100) / this.total) : 100;
      write(
        this.io.stderr,
        `progress: ${this.#done}/${this.total} rows (${percent}%), sent ${f.sent}, failed ${f.failed}, ${f.rate} msg/s, ETA ${f.remaining}`,
      );
    }
  }

  /** Stops the bar and prints the summary on stderr; `notRead` rows were never reached (interrupted). */
  finish(notRead: number, interrupted: boolean, resume: boolean): void {
    if (this.#multi) {
      this.#bar?.update(this.#done, this.#fields());
      // A last frame: stop() alone would drop row lines logged since the last one (cli-progress
      // prints its log only when it draws).
      this.#multi.update();
      this.#multi.stop();
    }
    const c = this.counts;
    const elapsed = this.now() - this.#started;
    const codes = [...c.byCode.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    const parts = [`${c.sent} sent`, `${c.failed} failed${codes ? ` (${codes})` : ''}`];
    if (c.alreadySent > 0) parts.push(`${c.alreadySent} already sent`);
    if (c.pending + c.unknown > 0) parts.push(`${c.pending + c.unknown} pending`);
    if (notRead > 0) parts.push(`${notRead} not sent yet`);
    write(
      this.io.stderr,
      `${interrupted ? 'interrupted' : 'done'}: ${this.#done + notRead} row${this.#done + notRead === 1 ? '' : 's'}: ${parts.join(', ')}; ${seconds(elapsed)}s, ${this.#rate().toFixed(1)} msg/s`,
    );
    if (c.pending + c.unknown > 0) {
      write(
        this.io.stderr,
        `${c.pending + c.unknown} rows were being sent when an earlier run stopped (killed, or a timeout): they may have reached the provider, so they were not sent again. Check them with the provider or the recipients (their rows are listed${this.json ? ' with "status":"pending"' : ' above'}); to send them anyway, rerun with --resume --resend-pending.`,
      );
    }
    const unsent = notRead > 0 || c.failed > 0;
    if (unsent && !resume) {
      write(this.io.stderr, 'without --resume nothing records what was sent: a rerun would send every row again');
    } else if (notRead > 0 || (interrupted && c.failed > 0)) {
      write(this.io.stderr, 'run the same command with --resume to send what was not sent (nothing is sent twice)');
    } else if (c.failed > 0 && [...c.byCode.keys()].some((k) => k !== 'VALIDATION' && k !== 'UNSUPPORTED')) {
      write(
        this.io.stderr,
        'a rerun with --resume sends again the rows that surely did not reach the provider, and nothing else',
      );
    }
  }
}

/** A row's error as `--json` prints it: code, message, delivery and issues (never a row's content). */
export function jsonError(e: ParleyError): Record<string, unknown> {
  return {
    code: e.code,
    message: e.message,
    ...(e.delivery !== undefined ? { delivery: e.delivery } : {}),
    ...(e.issues !== undefined ? { issues: e.issues } : {}),
  };
}

function jsonLine(outcome: RowOutcome): Record<string, unknown> {
  if ('result' in outcome) {
    return {
      row: outcome.row,
      ok: true,
      status: outcome.status,
      id: outcome.result.id,
      ...(outcome.result.providerMessageId !== undefined
        ? { providerMessageId: outcome.result.providerMessageId }
        : {}),
    };
  }
  return { row: outcome.row, ok: false, status: outcome.status, error: jsonError(outcome.error) };
}
