import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MessageRecord, memoryStore, type Store } from '@parley/core';

export interface FileStoreOptions {
  /** The clock used for expiry (epoch ms). Default `Date.now`; injected for tests. */
  readonly now?: () => number;
  /** How long to wait for another run's lock before failing (ms). Default 10 s. */
  readonly lockTimeoutMs?: number;
}

/** How long a record kept by a method that gives no expiry lives (the library's tracking age). */
const DEFAULT_RECORD_TTL_MS = 86_400_000;
/** Expired files are looked for at most this often. */
const SWEEP_EVERY_MS = 3_600_000;

/** What is kept on disk for a message: enough for `getStatus` in a later run, no poll schedule. */
type Persisted = Pick<MessageRecord, 'id' | 'scope' | 'providerMessageId' | 'status' | 'acceptedAt'>;

interface FileEntry<T> {
  readonly v: T;
  /** Epoch ms when it expires. */
  readonly x: number;
}

/** Whether a process with this pid runs on this machine. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** The pid in a temporary file's name (`<name>.<pid>.<random>.tmp`). */
const tempOwner = (name: string) => Number(name.split('.').at(-3));

const fileName = (text: string) => `${createHash('sha256').update(text).digest('base64url')}.json`;

function persisted(record: MessageRecord): Persisted {
  return {
    id: record.id,
    scope: record.scope,
    ...(record.providerMessageId !== undefined ? { providerMessageId: record.providerMessageId } : {}),
    status: record.status,
    acceptedAt: record.acceptedAt,
  };
}

/**
 * The CLI's `Store`: message records and plain values (idempotency keys) in files under `dir`,
 * so that a later run knows what an earlier one sent; everything else in memory, through core's
 * `memoryStore` (the poll schedule and leases, which belong to the run that polls, and counters).
 *
 * - Each entry is one file (`messages/<hash>.json`, `values/<hash>.json`), written to a temporary
 *   file and renamed into place, so a reader sees the old entry or the new one, never half.
 * - Every read-check-write runs under a lock file created with O_EXCL (`lock`), so two runs at
 *   once cannot both take one idempotency key. A lock left by a run that died is taken over.
 * - Nothing is written until something must be kept: the directory is created on the first write.
 * - Files hold ids, statuses and send results (no phone numbers or texts), readable only by
 *   their owner.
 *
 * To support a new `Store` method: say whether it changes what a later run must see; if it
 * does, do it under `locked()` on the files, as `putMessage` and `set` do; if not, delegate it
 * to `memory` (methods of core's `memoryStore` that are not overridden here are delegated as is).
 */
export function fileStore(dir: string, options: FileStoreOptions = {}): Store & { close(): Promise<void> } {
  return fileStoreOver(memoryStore(options.now ? { now: options.now } : {}), dir, options);
}

/** `fileStore` over a given in-memory store (for tests: one with a method this file does not know). */
export function fileStoreOver(
  memory: Store & { close(): Promise<void> },
  dir: string,
  options: FileStoreOptions = {},
): Store & { close(): Promise<void> } {
  const now = options.now ?? Date.now;
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  const messagesDir = join(dir, 'messages');
  const valuesDir = join(dir, 'values');
  const lockFile = join(dir, 'lock');
  /** What this run last wrote or read for each message, so an unchanged record is not rewritten. */
  const written = new Map<string, string>();
  let ready: Promise<void> | undefined;
  let swept = false;

  const prepare = () => {
    ready ??= (async () => {
      await mkdir(messagesDir, { recursive: true, mode: 0o700 });
      await mkdir(valuesDir, { recursive: true, mode: 0o700 });
    })();
    return ready;
  };

  /**
   * Takes the lock: a file holding the owner's pid, put in place with link(2), which fails if
   * the file exists, so it appears complete or not at all. A lock whose pid is gone belongs to a
   * run that died and is taken over. (Liveness, not file times: those come from the kernel's
   * clock, which a faked or skewed process clock would not match.)
   */
  async function lock(): Promise<() => Promise<void>> {
    await prepare();
    const deadline = Date.now() + lockTimeoutMs;
    const mine = join(dir, `lock.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(mine, String(process.pid), { mode: 0o600 });
    try {
      for (;;) {
        try {
          await link(mine, lockFile);
          return () => unlink(lockFile).catch(() => undefined);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const owner = Number(await readFile(lockFile, 'utf8').catch(() => ''));
        if (Number.isSafeInteger(owner) && owner > 0 && !isAlive(owner)) {
          // Take it over only if it is still the dead run's lock (not one just taken by another).
          const again = Number(await readFile(lockFile, 'utf8').catch(() => ''));
          if (again === owner) await unlink(lockFile).catch(() => undefined);
          continue;
        }
        if (Date.now() > deadline) {
          throw new Error(`the Parley state in ${dir} stayed locked by another run (pid ${owner || 'unknown'})`);
        }
        await sleep(2 + Math.random() * 8);
      }
    } finally {
      await unlink(mine).catch(() => undefined);
    }
  }

  /** The end of this store's queue of locked sections: they take the file lock one after another. */
  let queue: Promise<unknown> = Promise.resolve();

  /**
   * Runs `fn` under the lock. This store's own callers queue in memory rather than each polling
   * the lock file (a campaign has dozens of writes at once; polling made them wait milliseconds
   * each); other runs still meet at the lock file.
   */
  function locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(async () => {
      const release = await lock();
      try {
        return await fn();
      } finally {
        await release();
      }
    });
    queue = run.catch(() => undefined);
    return run;
  }

  async function readEntry<T>(file: string): Promise<FileEntry<T> | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let entry: FileEntry<T>;
    try {
      entry = JSON.parse(text) as FileEntry<T>;
    } catch {
      return undefined; // not ours (renames are atomic, so never half-written): treat as absent
    }
    if (typeof entry !== 'object' || entry === null || typeof entry.x !== 'number') return undefined;
    return entry.x > now() ? entry : undefined;
  }

  /** Writes a whole file atomically: a temporary file, renamed into place. */
  async function writeEntryRaw(file: string, text: string): Promise<void> {
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, file);
  }

  function writeEntry(file: string, value: unknown, ttlMs: number): Promise<void> {
    return writeEntryRaw(file, JSON.stringify({ v: value, x: now() + ttlMs }));
  }

  /** Once per run, at most hourly across runs: removes expired entries and temporary files of dead runs. */
  async function sweep(): Promise<void> {
    if (swept) return;
    swept = true;
    const marker = join(dir, 'swept');
    const last = Number(await readFile(marker, 'utf8').catch(() => '0'));
    if (now() - last < SWEEP_EVERY_MS && now() >= last) return;
    await writeEntryRaw(marker, String(now()));
    for (const sub of [messagesDir, valuesDir, dir]) {
      for (const name of await readdir(sub).catch(() => [] as string[])) {
        const file = join(sub, name);
        if (name.endsWith('.tmp')) {
          if (!isAlive(tempOwner(name))) await rm(file, { force: true });
        } else if (sub !== dir && (await readEntry(file)) === undefined) await rm(file, { force: true });
      }
    }
  }

  async function afterWrite(): Promise<void> {
    await sweep().catch(() => undefined);
  }

  /** Writes the kept fields of a message that memory holds, if they changed since last written. */
  async function persist(id: string, ttlMs?: number): Promise<void> {
    const record = await memory.getMessage(id);
    if (record === undefined) return;
    const kept = JSON.stringify(persisted(record));
    if (written.get(id) === kept) return;
    const file = join(messagesDir, fileName(id));
    const ttl = ttlMs ?? Math.max(1, ((await readEntry(file))?.x ?? now() + DEFAULT_RECORD_TTL_MS) - now());
    await locked(() => writeEntry(file, persisted(record), ttl));
    written.set(id, kept);
    await afterWrite();
  }

  const store: Store & { close(): Promise<void> } = {
    ...memory,

    async putMessage(record, ttlMs) {
      await memory.putMessage(record, ttlMs);
      await persist(record.id, ttlMs);
    },

    async getMessage(id) {
      const live = await memory.getMessage(id);
      if (live !== undefined) return live;
      const entry = await readEntry<Persisted>(join(messagesDir, fileName(id)));
      if (entry === undefined || entry.v.id !== id) return undefined;
      written.set(id, JSON.stringify(entry.v));
      // Known to memory from now on, so that methods delegated to it see the record too.
      await memory.putMessage({ ...entry.v }, Math.max(1, entry.x - now()));
      return { ...entry.v };
    },

    async deleteMessage(id) {
      await memory.deleteMessage(id);
      written.delete(id);
      // Removing a file is atomic by itself, and a missing one is fine: no lock, no directory made.
      await rm(join(messagesDir, fileName(id)), { force: true });
    },

    async get(key) {
      const entry = await readEntry<{ key: string; value: string }>(join(valuesDir, fileName(key)));
      return entry !== undefined && entry.v.key === key ? entry.v.value : undefined;
    },

    async set(key, value, ttlMs, setOptions) {
      const file = join(valuesDir, fileName(key));
      const stored = await locked(async () => {
        if (setOptions?.onlyIfAbsent && (await readEntry(file)) !== undefined) return false;
        if (ttlMs > 0) await writeEntry(file, { key, value }, ttlMs);
        else await rm(file, { force: true });
        return true;
      });
      if (stored) await afterWrite();
      return stored;
    },

    async delete(key) {
      await rm(join(valuesDir, fileName(key)), { force: true });
    },

    async close() {
      await memory.close();
      written.clear();
    },
  };
  // A Store method this file does not know yet runs on memory; if it took a message id and changed
  // that message, the change is written too, so a later run still sees it.
  const own = new Set(Object.keys(store).filter((k) => store[k as keyof Store] !== memory[k as keyof Store]));
  for (const key of Object.keys(memory) as (keyof Store)[]) {
    const method = memory[key];
    if (own.has(key) || typeof method !== 'function') continue;
    Object.assign(store, {
      [key]: async (...args: unknown[]) => {
        const result = await (method as (...a: unknown[]) => unknown).apply(memory, args);
        if (typeof args[0] === 'string') await persist(args[0]);
        return result;
      },
    });
  }
  return store;
}
