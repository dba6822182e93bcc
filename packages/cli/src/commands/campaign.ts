import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createMessenger, type Messenger, type OutboundMessage, type ParleyConfig, type Store } from '@parley/core';
import { abortedError, idempotencyUnknownError, type RawConfig } from '@parley/core/provider';
import { Journal } from '../campaign/journal.js';
import { CampaignReport, jsonError } from '../campaign/report.js';
import { checkRow, type PlanFlags, type Row, readRows, rowError } from '../campaign/rows.js';
import { type Io, write } from '../io.js';
import { providers } from '../providers.js';
import { openStore } from '../state/open.js';

/** The flags of `parley send --file`. */
export interface CampaignFlags extends PlanFlags {
  readonly file: string;
  readonly json: boolean;
  readonly resume: boolean;
  readonly resendPending: boolean;
  readonly skipInvalid: boolean;
  /** The campaign's name in the journal; default the file's absolute path. */
  readonly campaign?: string | undefined;
  readonly state?: string | undefined;
  readonly redis?: string | undefined;
}

/** What tests can watch or change; the command itself passes none. */
export interface CampaignHooks {
  /** Called as each row is read from the file for sending (not in the checking pass). */
  readonly onRead?: (row: number) => void;
  /** `sendMany`'s window (default its own, 64). */
  readonly concurrency?: number;
}

/** How long Ctrl-C lets the sends under way finish before aborting them. */
const GRACE_MS = 10_000;

/** Rows listed one per line when the check before sending finds bad rows. */
const MAX_LISTED = 20;

/**
 * `parley send --file`: checks the header and every row before the first send (a bad header is
 * exit 2; bad rows too, unless `--skip-invalid` reports them as failed and sends the rest), then
 * streams the rows into `messenger.sendMany`, with `--resume` skipping what an earlier run sent or
 * may have sent. Exit 0 when every row is sent (now or earlier), 1 when any failed or is pending,
 * 2 for a bad file before any send, 130 when interrupted.
 */
export async function campaign(
  flags: CampaignFlags,
  config: ParleyConfig,
  io: Io,
  hooks: CampaignHooks = {},
): Promise<number> {
  // Statuses of a whole campaign are not followed: polling thousands of messages would compete
  // with the sends for the provider's rate. `--set tracking.…` turns it back on.
  const raw = config as Record<string, unknown>;
  const definition = providers.find((p) => p.name === raw.provider);
  const entries = (definition?.configSchema as { entries?: Record<string, unknown> } | undefined)?.entries;
  const tuned = entries && 'tracking' in entries && raw.tracking === undefined ? { ...raw, tracking: false } : raw;
  const store = await openStore(flags, io.env);
  try {
    const messenger = createMessenger(tuned as RawConfig, { providers, store });
    try {
      return await run(flags, messenger, store, io, hooks);
    } finally {
      await messenger.close();
    }
  } finally {
    await store.close();
  }
}

async function run(flags: CampaignFlags, messenger: Messenger, store: Store, io: Io, hooks: CampaignHooks) {
  const provider = messenger.provider;
  const check = (row: Row): Row => {
    const checked = checkRow(row, provider);
    if (checked.message && !messenger.capabilities[checked.message.type]) {
      return {
        row: row.row,
        error: rowError(
          [{ path: 'type', message: `${provider} cannot send ${checked.message.type} messages` }],
          provider,
        ),
      };
    }
    return checked;
  };

  // 1. The whole file, before anything is sent: the header, every row, and how many there are.
  // Without --skip-invalid a bad row stops the campaign: each is printed as found (only the first
  // MAX_LISTED without --json), none is kept.
  let total = 0;
  let badCount = 0;
  for await (const row of readRows(flags.file, flags)) {
    total++;
    const checked = check(row);
    if (!checked.error) continue;
    badCount++;
    if (flags.skipInvalid) continue; // reported as failed when its turn comes
    const e = checked.error;
    if (flags.json) {
      write(io.stdout, JSON.stringify({ row: row.row, ok: false, status: 'invalid', error: jsonError(e) }));
    } else if (badCount <= MAX_LISTED) write(io.stderr, `row ${row.row}: error ${e.code}: ${e.message}`);
  }
  if (badCount > 0 && !flags.skipInvalid) {
    if (!flags.json && badCount > MAX_LISTED) write(io.stderr, `…and ${badCount - MAX_LISTED} more`);
    write(
      io.stderr,
      `${badCount} of ${total} rows are invalid, so nothing was sent: fix them, or pass --skip-invalid to send the others`,
    );
    return 2;
  }

  // 2. Send, reading the file again, lazily, as sendMany asks for rows.
  const campaignId = flags.campaign ?? (await realpath(resolve(flags.file)));
  const journal = flags.resume ? new Journal(store, campaignId) : undefined;
  const report = new CampaignReport(io, flags.json, total);
  const stop = new AbortController();
  let interrupted = false;
  let grace: NodeJS.Timeout | undefined;
  void io.interrupted.then(() => {
    // Read no more rows, let the sends under way finish (their outcomes are then known), and
    // abort what still waits after a grace period. A second Ctrl-C ends the process at once: its
    // rows in flight are then pending for --resume.
    interrupted = true;
    write(
      io.stderr,
      `interrupted: finishing the sends under way (at most ${GRACE_MS / 1000}s; Ctrl-C again to quit now)`,
    );
    grace = setTimeout(() => stop.abort(abortedError('not_sent', new Error('interrupted'))), GRACE_MS);
  });
  /** Rows handed to sendMany and not settled yet, by sendMany's index. */
  const inFlight = new Map<number, { row: number; key: string | undefined }>();
  let handed = 0;
  let read = 0;

  async function* toSend(): AsyncGenerator<OutboundMessage> {
    for await (const row of readRows(flags.file, flags)) {
      if (interrupted) return;
      read++;
      hooks.onRead?.(row.row);
      const checked = check(row);
      if (checked.error) {
        report.outcome({ row: row.row, status: 'failed', error: checked.error }, false);
        continue;
      }
      const message = checked.message;
      let key: string | undefined;
      if (journal) {
        key = journal.key(message);
        const earlier = await journal.claim(key, flags.resendPending);
        if (earlier !== undefined) {
          if (earlier.s === 'sent') {
            const result = {
              id: earlier.id,
              ...(earlier.providerMessageId ? { providerMessageId: earlier.providerMessageId } : {}),
            };
            report.outcome({ row: row.row, status: 'already_sent', result }, false);
          } else {
            report.outcome({ row: row.row, status: earlier.s, error: idempotencyUnknownError(provider) }, false);
          }
          continue;
        }
        if (interrupted) {
          await journal.notSent(key);
          read--; // not sent yet, as the rows never read
          return;
        }
      }
      inFlight.set(handed++, { row: row.row, key });
      report.sending();
      yield message;
    }
  }

  let failure: unknown;
  try {
    const outcomes = messenger.sendMany(toSend(), {
      signal: stop.signal,
      ...(hooks.concurrency !== undefined ? { concurrency: hooks.concurrency } : {}),
    });
    for await (const outcome of outcomes) {
      const meta = inFlight.get(outcome.index) as { row: number; key: string | undefined };
      inFlight.delete(outcome.index);
      if (outcome.ok) {
        if (journal && meta.key) await journal.sent(meta.key, outcome.result).catch(() => undefined);
        report.outcome({ row: meta.row, status: 'sent', result: outcome.result }, true);
        continue;
      }
      const error =
        outcome.error.code === 'VALIDATION' && outcome.error.issues
          ? rowError(outcome.error.issues, provider)
          : outcome.error;
      if (journal && meta.key) {
        await (error.delivery === 'unknown' ? journal.unknown(meta.key, error.code) : journal.notSent(meta.key)).catch(
          () => undefined,
        );
      }
      report.outcome({ row: meta.row, status: 'failed', error }, true);
    }
  } catch (error) {
    failure = error;
  } finally {
    clearTimeout(grace);
  }
  const notRead = total - read;
  report.finish(interrupted ? Math.max(0, notRead) : 0, interrupted, flags.resume);
  if (failure !== undefined) throw failure;
  if (interrupted) return 130;
  const c = report.counts;
  return c.failed + c.pending + c.unknown > 0 ? 1 : 0;
}
