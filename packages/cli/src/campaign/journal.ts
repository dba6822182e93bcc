import { createHash } from 'node:crypto';
import type { OutboundMessage, SendResult, Store } from '@parley/core';

/** How long `--resume` remembers a row. */
export const JOURNAL_TTL_MS = 7 * 86_400_000;

/**
 * What an earlier (or a concurrent) run left for a row:
 * - `pending`: its send had started and no outcome was written: the run was killed (or is still
 *   sending it). It may have reached the provider.
 * - `sent`: accepted, with its ids.
 * - `unknown`: the send failed in a way that may have reached the provider (a timeout, a dropped
 *   connection after the request went out).
 * A send that surely did not reach the provider leaves nothing, so a rerun sends it.
 */
export type JournalEntry =
  | { readonly s: 'pending' }
  | { readonly s: 'sent'; readonly id: string; readonly providerMessageId?: string }
  | { readonly s: 'unknown'; readonly code: string };

const hash = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * The `--resume` journal of one campaign in the CLI's state store (files or Redis): one entry per
 * row, claimed (`pending`) before the row is handed to `sendMany` and settled after its outcome,
 * so a rerun sends nothing that an earlier run may have sent.
 *
 * A row's key is the campaign (`--campaign`, else the file's absolute path), the row's message
 * (recipient, text or template and variables) and which occurrence of that message in the file it
 * is: not the row number, so fixing, adding or removing other rows does not make sent rows look
 * new. Keys and entries hold hashes and ids, never a phone number or a text.
 */
export class Journal {
  /** Occurrences of each message so far in this pass (only hashes are kept). */
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly campaign: string,
  ) {}

  /** The key of the next row with `message`; call once per row, in file order. */
  key(message: OutboundMessage): string {
    const content = hash(JSON.stringify(message));
    const n = (this.#seen.get(content) ?? 0) + 1;
    this.#seen.set(content, n);
    return `parley-cli:campaign:${hash(JSON.stringify([this.campaign, content, n]))}`;
  }

  /** Takes the row for this run: `undefined` when taken, else what another run left. */
  async claim(key: string, resend: boolean): Promise<JournalEntry | undefined> {
    for (;;) {
      if (await this.store.set(key, JSON.stringify({ s: 'pending' }), JOURNAL_TTL_MS, { onlyIfAbsent: true })) {
        return undefined;
      }
      const raw = await this.store.get(key);
      if (raw === undefined) continue; // settled as not sent meanwhile: take it
      const entry = read(raw);
      if (resend && entry.s !== 'sent') {
        await this.store.set(key, JSON.stringify({ s: 'pending' }), JOURNAL_TTL_MS);
        return undefined;
      }
      return entry;
    }
  }

  sent(key: string, result: SendResult): Promise<unknown> {
    const entry: JournalEntry = {
      s: 'sent',
      id: result.id,
      ...(result.providerMessageId !== undefined ? { providerMessageId: result.providerMessageId } : {}),
    };
    return this.store.set(key, JSON.stringify(entry), JOURNAL_TTL_MS);
  }

  unknown(key: string, code: string): Promise<unknown> {
    return this.store.set(key, JSON.stringify({ s: 'unknown', code } satisfies JournalEntry), JOURNAL_TTL_MS);
  }

  /** Not sent: forgotten, so a rerun sends it. */
  notSent(key: string): Promise<unknown> {
    return this.store.delete(key);
  }
}

function read(raw: string): JournalEntry {
  try {
    const entry = JSON.parse(raw) as JournalEntry;
    if (entry && (entry.s === 'sent' || entry.s === 'unknown' || entry.s === 'pending')) return entry;
  } catch {
    // fall through: unreadable means we cannot tell, so it counts as possibly sent
  }
  return { s: 'pending' };
}
