import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageRecord } from '@parley/core';
import { memoryStore } from '@parley/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileStore, fileStoreOver } from './file-store.js';
import { stateDir } from './open.js';

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'parley-state-'));
  dir = join(root, 'state');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const DAY = 86_400_000;
/** Above Linux's largest pid_max (2^22): no process has it. */
const DEAD_PID = 4_194_305;
const record = (id: string, extra: Partial<MessageRecord> = {}): MessageRecord => ({
  id,
  scope: 'decisiontelecom:abc',
  providerMessageId: '1000',
  status: 'accepted',
  acceptedAt: 1_000,
  ...extra,
});

const files = (sub: string) => (existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)) : []);

describe('fileStore', () => {
  it('writes nothing until something must be kept', async () => {
    const store = fileStore(dir);
    expect(await store.getMessage('pm_x')).toBeUndefined();
    expect(await store.get('idem:x')).toBeUndefined();
    await store.deleteMessage('pm_x');
    await store.delete('idem:x');
    expect(await store.increment('quota:x', DAY)).toBe(1); // counters stay in memory
    await store.close();
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps message records for a later store on the same directory, without the poll schedule', async () => {
    const first = fileStore(dir);
    await first.putMessage(record('pm_a', { nextPollAt: 5_000, intervalMs: 2_000 }), DAY);
    await first.close();
    const later = fileStore(dir);
    expect(await later.getMessage('pm_a')).toEqual(record('pm_a'));
    // Nothing is due in a later run: polling belongs to the run that sent it.
    expect(await later.claimDue('decisiontelecom:abc', Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    await later.putMessage({ ...record('pm_a'), status: 'delivered' }, DAY);
    expect((await fileStore(dir).getMessage('pm_a'))?.status).toBe('delivered');
    await later.deleteMessage('pm_a');
    expect(await fileStore(dir).getMessage('pm_a')).toBeUndefined();
  });

  it('writes what a Store method it does not know changed in a message (one core adds later)', async () => {
    const memory = memoryStore();
    const advance = async (id: string) => {
      const r = await memory.getMessage(id);
      if (r === undefined) return false;
      await memory.putMessage({ ...r, status: 'delivered' }, DAY);
      return true;
    };
    const store = fileStoreOver(Object.assign(memory, { advance }), dir) as unknown as { advance: typeof advance };
    await fileStore(dir).putMessage(record('pm_n'), DAY); // an earlier run's record, on disk only
    await (store as unknown as ReturnType<typeof fileStore>).getMessage('pm_n');
    expect(await store.advance('pm_n')).toBe(true);
    expect((await fileStore(dir).getMessage('pm_n'))?.status).toBe('delivered');
  });

  it('does not rewrite a record whose kept fields did not change', async () => {
    const store = fileStore(dir);
    await store.putMessage(record('pm_b'), DAY);
    const [name] = files('messages');
    const path = join(dir, 'messages', name as string);
    const before = statSync(path).ino;
    await store.putMessage(record('pm_b', { nextPollAt: 9_000, intervalMs: 2_000 }), DAY);
    expect(statSync(path).ino).toBe(before);
    await store.putMessage(record('pm_b', { status: 'sent' }), DAY);
    expect(statSync(path).ino).not.toBe(before); // replaced by a rename
  });

  it('keeps values (idempotency keys) across stores, honours onlyIfAbsent and expiry', async () => {
    let t = 1_000_000;
    const now = () => t;
    const a = fileStore(dir, { now });
    expect(await a.set('idem:k', 'pending', 60_000, { onlyIfAbsent: true })).toBe(true);
    const b = fileStore(dir, { now });
    expect(await b.set('idem:k', 'other', 60_000, { onlyIfAbsent: true })).toBe(false);
    expect(await b.get('idem:k')).toBe('pending');
    await b.set('idem:k', 'done', 60_000);
    expect(await a.get('idem:k')).toBe('done');
    t += 60_000;
    expect(await a.get('idem:k')).toBeUndefined();
    expect(await b.set('idem:k', 'again', 60_000, { onlyIfAbsent: true })).toBe(true);
    await b.delete('idem:k');
    expect(await a.get('idem:k')).toBeUndefined();
  });

  it('lets exactly one of many racing stores take a key', async () => {
    const stores = Array.from({ length: 6 }, () => fileStore(dir));
    const wins = await Promise.all(
      stores.flatMap((store, i) =>
        Array.from({ length: 5 }, (_, j) => store.set('idem:race', `${i}:${j}`, DAY, { onlyIfAbsent: true })),
      ),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(files('values')).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual(['messages', 'swept', 'values']); // no lock, no temporary file left
  });

  it('queues its own writes in memory instead of polling the lock file for each', async () => {
    // A lock timeout in the past: any wait at the lock file fails at once, so only writes that
    // never meet each other at the lock can all succeed.
    const store = fileStore(dir, { lockTimeoutMs: -1 });
    const keys = Array.from({ length: 50 }, (_, i) => `campaign:${i}`);
    const taken = await Promise.all(keys.map((k) => store.set(k, 'pending', DAY, { onlyIfAbsent: true })));
    expect(taken.every(Boolean)).toBe(true);
    await Promise.all(keys.map((_, i) => store.putMessage(record(`pm_${i}`), DAY)));
    expect(await Promise.all(keys.map((k) => store.get(k)))).toEqual(keys.map(() => 'pending'));
    await store.close();
  });

  it('writes files only its owner can read, and no phone number or text', async () => {
    const store = fileStore(dir);
    await store.putMessage(record('pm_c'), DAY);
    await store.set('idem:k', '{"state":"done"}', DAY);
    for (const sub of ['messages', 'values']) {
      for (const name of files(sub)) {
        const path = join(dir, sub, name);
        expect(statSync(path).mode & 0o777).toBe(0o600);
        expect(readFileSync(path, 'utf8')).not.toMatch(/573001234567|Hola/);
      }
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('takes over a lock left by a run that died, and waits for a live one', async () => {
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, 'lock');
    writeFileSync(lock, String(DEAD_PID)); // its run is gone
    const store = fileStore(dir, { lockTimeoutMs: 200 });
    expect(await store.set('idem:a', 'x', DAY)).toBe(true);
    writeFileSync(lock, String(process.pid)); // a live run holds it
    await expect(store.set('idem:b', 'y', DAY)).rejects.toThrow(/stayed locked by another run/);
    rmSync(lock);
    expect(await store.set('idem:b', 'y', DAY)).toBe(true);
  });

  it('sweeps expired entries at most once an hour', async () => {
    let t = 10 * DAY;
    const now = () => t;
    const first = fileStore(dir, { now });
    await first.putMessage(record('pm_old'), 1_000);
    await first.set('idem:old', 'x', 1_000);
    expect(files('messages')).toHaveLength(1);
    t += 2 * 3_600_000;
    writeFileSync(join(dir, 'values', `x.json.${DEAD_PID}.ab.tmp`), '{'); // left by a run that died mid-write
    const later = fileStore(dir, { now });
    await later.set('idem:new', 'y', DAY);
    expect(files('messages')).toHaveLength(0);
    expect(files('values')).toHaveLength(1);
    // Within the hour, no sweep: an expired entry stays until read.
    await later.set('idem:short', 'z', 1);
    t += 10;
    await fileStore(dir, { now }).set('idem:other', 'w', DAY);
    expect(files('values')).toHaveLength(3);
  });
});

describe('stateDir', () => {
  it('is --state, else $XDG_STATE_HOME/parley, else ~/.local/state/parley', () => {
    expect(stateDir('/tmp/here', { XDG_STATE_HOME: '/x' })).toBe('/tmp/here');
    expect(stateDir(undefined, { XDG_STATE_HOME: '/x', HOME: '/home/ana' })).toBe('/x/parley');
    expect(stateDir(undefined, { XDG_STATE_HOME: 'relative', HOME: '/home/ana' })).toBe(
      '/home/ana/.local/state/parley',
    );
    expect(stateDir(undefined, { HOME: '/home/ana' })).toBe('/home/ana/.local/state/parley');
  });
});
