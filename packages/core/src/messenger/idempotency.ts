import { createHash, randomUUID } from 'node:crypto';
import { idempotencyUnknownError, validationError } from '../errors/factories.js';
import { ParleyError } from '../errors/ParleyError.js';
import { sleep } from '../retry/run.js';
import type { Store } from '../store/types.js';
import type { SendResult } from './types.js';

/** How long a result answers a repeated key. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 86_400_000;
/**
 * A send in flight keeps a heartbeat key beside its entry, renewed every `RENEW_MS` and living
 * `LIVE_TTL_MS`: a waiter that finds the entry pending and the heartbeat gone knows its owner died
 * mid-send (a killed process), so the message may have reached the provider: the key turns
 * `unknown`, and it is never sent again. The pending entry itself lives as long as a result would,
 * so a rerun long after the crash still finds it.
 */
const LIVE_TTL_MS = 15_000;
const RENEW_MS = 5_000;
const POLL_MS = 100;

type Entry =
  | { readonly state: 'pending'; readonly fp: string; readonly owner?: string }
  | {
      readonly state: 'done';
      readonly fp: string;
      readonly result: Omit<SendResult, 'acceptedAt'> & { acceptedAt: number };
    }
  | { readonly state: 'unknown'; readonly fp: string };

/** In-process sends in flight per store key, so a repeat joins the same promise. */
const inFlight = new Map<string, { fp: string; promise: Promise<SendResult> }>();

export interface IdempotencyDeps {
  readonly store: Store;
  readonly scope: string;
  readonly provider: string;
  readonly ttlMs: number;
  readonly closing: AbortSignal;
}

const hash = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * Sends at most once per idempotency key: the first send's result answers every repeat (for
 * `ttlMs`), a repeat while it is in flight joins it, and a first send that may have reached the
 * provider (`delivery: 'unknown'`) is never sent again. Keys live in the `Store`, so a shared
 * store extends the guarantee across processes; a key reused with a different message is a
 * `VALIDATION` error.
 */
export async function sendOnce(
  deps: IdempotencyDeps,
  key: string,
  message: unknown,
  signal: AbortSignal | undefined,
  send: () => Promise<SendResult>,
): Promise<SendResult> {
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw validationError([{ path: 'idempotencyKey', message: 'idempotencyKey must be 1 to 255 characters' }]);
  }
  const storeKey = `idem:${deps.scope}:${hash(key)}`;
  const fp = hash(JSON.stringify(message));
  const joined = inFlight.get(storeKey);
  if (joined) {
    assertSameMessage(joined.fp, fp);
    return joined.promise;
  }
  const promise = acquireAndSend(deps, storeKey, fp, signal, send);
  inFlight.set(storeKey, { fp, promise });
  try {
    return await promise;
  } finally {
    inFlight.delete(storeKey);
  }
}

async function acquireAndSend(
  deps: IdempotencyDeps,
  storeKey: string,
  fp: string,
  signal: AbortSignal | undefined,
  send: () => Promise<SendResult>,
): Promise<SendResult> {
  const waitSignal = signal ? AbortSignal.any([signal, deps.closing]) : deps.closing;
  for (;;) {
    const owner = randomUUID();
    // The heartbeat first, so that no waiter ever sees this entry pending without it.
    await deps.store.set(liveKey(storeKey, owner), '1', LIVE_TTL_MS);
    const pending: Entry = { state: 'pending', fp, owner };
    if (
      await deps.store.set(storeKey, JSON.stringify(pending), Math.max(deps.ttlMs, LIVE_TTL_MS), { onlyIfAbsent: true })
    ) {
      return runOwned(deps, storeKey, fp, owner, send);
    }
    await deps.store.delete(liveKey(storeKey, owner));
    const raw = await deps.store.get(storeKey);
    if (raw === undefined) continue; // the owner gave the key up (its send was surely not sent)
    const entry = readEntry(raw);
    if (entry === undefined) throw idempotencyUnknownError(deps.provider);
    assertSameMessage(entry.fp, fp);
    if (entry.state === 'done') return { ...entry.result, acceptedAt: new Date(entry.result.acceptedAt) };
    if (entry.state === 'unknown') throw idempotencyUnknownError(deps.provider);
    if (entry.owner !== undefined && (await ownerDied(deps, storeKey, raw, entry.owner))) {
      throw idempotencyUnknownError(deps.provider);
    }
    await sleep(POLL_MS, waitSignal); // another process is sending it
  }
}

const liveKey = (storeKey: string, owner: string) => `${storeKey}:live:${owner}`;

/**
 * Whether the owner of a pending entry is gone (its heartbeat expired): then the entry, if it
 * is still that one, is marked `unknown`, for this waiter and every later one.
 */
async function ownerDied(deps: IdempotencyDeps, storeKey: string, raw: string, owner: string): Promise<boolean> {
  if ((await deps.store.get(liveKey(storeKey, owner))) !== undefined) return false;
  if ((await deps.store.get(storeKey)) !== raw) return false; // it has moved on: look again
  const fp = (JSON.parse(raw) as Entry).fp;
  await deps.store.set(storeKey, JSON.stringify({ state: 'unknown', fp } satisfies Entry), deps.ttlMs);
  return true;
}

async function runOwned(
  deps: IdempotencyDeps,
  storeKey: string,
  fp: string,
  owner: string,
  send: () => Promise<SendResult>,
): Promise<SendResult> {
  const live = liveKey(storeKey, owner);
  const heartbeat = setInterval(() => {
    deps.store.set(live, '1', LIVE_TTL_MS).catch(() => undefined);
  }, RENEW_MS);
  heartbeat.unref?.();
  try {
    return await sendOwned(deps, storeKey, fp, send);
  } finally {
    clearInterval(heartbeat);
    await deps.store.delete(live).catch(() => undefined);
  }
}

async function sendOwned(
  deps: IdempotencyDeps,
  storeKey: string,
  fp: string,
  send: () => Promise<SendResult>,
): Promise<SendResult> {
  let result: SendResult;
  try {
    result = await send();
  } catch (error) {
    const unsent = error instanceof ParleyError && error.delivery === 'not_sent';
    // A store failure here must not hide the send's own error.
    await (unsent
      ? deps.store.delete(storeKey)
      : deps.store.set(storeKey, JSON.stringify({ state: 'unknown', fp } satisfies Entry), deps.ttlMs)
    ).catch(() => undefined);
    throw error;
  }
  const done: Entry = { state: 'done', fp, result: { ...result, acceptedAt: result.acceptedAt.getTime() } };
  // The provider accepted it: a store failure now must not turn the send into a failure.
  await deps.store.set(storeKey, JSON.stringify(done), deps.ttlMs).catch(() => undefined);
  return result;
}

function readEntry(raw: string): Entry | undefined {
  try {
    const entry = JSON.parse(raw) as Entry;
    return typeof entry === 'object' && entry !== null && typeof entry.fp === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

function assertSameMessage(expected: string, actual: string): void {
  if (expected !== actual) {
    throw validationError([
      { path: 'idempotencyKey', message: 'idempotencyKey was already used with a different message' },
    ]);
  }
}
