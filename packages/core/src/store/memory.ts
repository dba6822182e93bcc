import { isFinalStatus, isStatusAdvance } from '../status.js';
import type { MessageRecord, Store } from './types.js';

export interface MemoryStoreOptions {
  /** The clock used for expiry (epoch ms). Default `Date.now`; injected for tests. */
  readonly now?: () => number;
}

/** A stored message: the record (a private copy) and its bookkeeping, kept to three fields. */
interface Slot {
  /** The record. */
  r: MessageRecord;
  /** Epoch ms when it expires. */
  x: number;
  /** The `nextPollAt` of its live heap entry; `undefined` when not scheduled or leased. */
  h: number | undefined;
}

/** A plain value or a counter, and when it expires (epoch ms). */
interface Value {
  v: string | number;
  x: number;
}

/**
 * The poll schedule of one scope: a binary min-heap kept as two parallel arrays (a packed
 * array of doubles and an array of ids), so an entry costs about 16 bytes. Entries are never
 * removed in place: an entry whose record is gone, leased or rescheduled is stale, skipped
 * when it surfaces, and dropped in bulk when stale ones outnumber live ones.
 */
interface Schedule {
  at: number[];
  ids: string[];
  /** Records of this scope with a live entry (`Slot.h` set). */
  live: number;
}

/** Entries checked for expiry on each write, in each map. */
const SWEEP_STEP = 4;
/** Below this size a schedule is never compacted. */
const COMPACT_MIN = 64;

/**
 * The default `Store`: everything in this process's memory. It sets no timers (it never keeps
 * the process alive); expired entries are dropped when read and by a small sweep that runs on
 * every write. Records are copied on the way in and out, as a remote store would do, so a
 * caller that changes a record it holds does not change the stored one.
 *
 * @example
 * const store = memoryStore();
 * await store.putMessage({ id: 'm1', scope, status: 'accepted', acceptedAt: Date.now(), nextPollAt: Date.now() + 2000 }, 86_400_000);
 * const due = await store.claimDue(scope, Date.now(), 50);
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store & { close(): Promise<void> } {
  const now = options.now ?? Date.now;
  const messages = new Map<string, Slot>();
  const values = new Map<string, Value>();
  const schedules = new Map<string, Schedule>();
  let messageCursor: MapIterator<[string, Slot]> | undefined;
  let valueCursor: MapIterator<[string, Value]> | undefined;

  // --- the heap -----------------------------------------------------------------------

  function heapPush(s: Schedule, at: number, id: string): void {
    let i = s.at.length;
    s.at.push(at);
    s.ids.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pAt = s.at[parent]!;
      if (pAt <= at) break;
      s.at[i] = pAt;
      s.ids[i] = s.ids[parent]!;
      i = parent;
    }
    s.at[i] = at;
    s.ids[i] = id;
  }

  function heapPop(s: Schedule): void {
    const lastAt = s.at.pop()!;
    const lastId = s.ids.pop()!;
    const n = s.at.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && s.at[right]! < s.at[left]! ? right : left;
      const cAt = s.at[child]!;
      if (cAt >= lastAt) break;
      s.at[i] = cAt;
      s.ids[i] = s.ids[child]!;
      i = child;
    }
    s.at[i] = lastAt;
    s.ids[i] = lastId;
  }

  function schedule(scope: string): Schedule {
    let s = schedules.get(scope);
    if (s === undefined) {
      s = { at: [], ids: [], live: 0 };
      schedules.set(scope, s);
    }
    return s;
  }

  /** Takes a record of `scope` off the schedule count; frees or compacts the schedule as needed. */
  function unschedule(scope: string): void {
    const s = schedules.get(scope);
    if (s === undefined) return;
    s.live--;
    if (s.live <= 0) schedules.delete(scope);
    else if (s.at.length > COMPACT_MIN && s.at.length > 2 * s.live) compact(scope, s);
  }

  /** Rebuilds a schedule from its live entries (each record once). */
  function compact(scope: string, s: Schedule): void {
    const at: number[] = [];
    const ids: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < s.at.length; i++) {
      const id = s.ids[i]!;
      if (!seen.has(id) && isLive(scope, s.at[i]!, id)) {
        seen.add(id);
        at.push(s.at[i]!);
        ids.push(id);
      }
    }
    s.at = [];
    s.ids = [];
    for (let i = 0; i < at.length; i++) heapPush(s, at[i]!, ids[i]!);
  }

  /** Whether a heap entry still stands for a stored, scheduled, unleased record of `scope`. */
  function isLive(scope: string, at: number, id: string): boolean {
    const slot = messages.get(id);
    return slot !== undefined && slot.h === at && slot.r.scope === scope;
  }

  /**
   * Drops stale and expired entries from the top of `scope`'s heap and returns the schedule
   * with a live entry on top, or `undefined` when the scope has none.
   */
  function top(scope: string, t: number): Schedule | undefined {
    const s = schedules.get(scope);
    if (s === undefined) return undefined;
    while (s.at.length > 0) {
      const at = s.at[0]!;
      const id = s.ids[0]!;
      if (isLive(scope, at, id)) {
        const slot = messages.get(id)!;
        if (slot.x > t) return s;
        heapPop(s);
        messages.delete(id);
        slot.h = undefined;
        s.live--;
        continue;
      }
      heapPop(s);
    }
    schedules.delete(scope);
    return undefined;
  }

  // --- expiry -------------------------------------------------------------------------

  function dropMessage(id: string, slot: Slot): void {
    messages.delete(id);
    if (slot.h !== undefined) {
      slot.h = undefined;
      unschedule(slot.r.scope);
    }
  }

  /** Checks a few entries of each map for expiry; over many writes, it visits them all. */
  function sweep(t: number): void {
    for (let i = 0; i < SWEEP_STEP && messages.size > 0; i++) {
      messageCursor ??= messages.entries();
      const next = messageCursor.next();
      if (next.done) {
        messageCursor = undefined;
        continue;
      }
      const [id, slot] = next.value;
      if (slot.x <= t) dropMessage(id, slot);
    }
    for (let i = 0; i < SWEEP_STEP && values.size > 0; i++) {
      valueCursor ??= values.entries();
      const next = valueCursor.next();
      if (next.done) {
        valueCursor = undefined;
        continue;
      }
      const [key, value] = next.value;
      if (value.x <= t) values.delete(key);
    }
  }

  function liveValue(key: string, t: number): Value | undefined {
    const value = values.get(key);
    if (value === undefined) return undefined;
    if (value.x > t) return value;
    values.delete(key);
    return undefined;
  }

  /** Puts a stored record on its scope's schedule at `at` (it must have no live entry). */
  function enqueue(slot: Slot, at: number): void {
    const s = schedule(slot.r.scope);
    heapPush(s, at, slot.r.id);
    s.live++;
    slot.h = at;
  }

  /** Takes a stored record off its schedule (live entry or lease) and out of `nextPollAt`. */
  function dequeue(slot: Slot): void {
    if (slot.h !== undefined) {
      slot.h = undefined;
      unschedule(slot.r.scope);
    }
    delete slot.r.nextPollAt;
    delete slot.r.intervalMs;
    delete slot.r.failures;
  }

  /** The live slot of `id`, dropping it if it expired. */
  function liveSlot(id: string, t: number): Slot | undefined {
    const slot = messages.get(id);
    if (slot === undefined) return undefined;
    if (slot.x > t) return slot;
    dropMessage(id, slot);
    return undefined;
  }

  // --- the Store ----------------------------------------------------------------------

  return {
    async putMessage(record, ttlMs) {
      const t = now();
      sweep(t);
      const copy: MessageRecord = { ...record };
      const at = copy.nextPollAt;
      const h = at !== undefined && !Number.isNaN(at) ? at : undefined;
      const old = messages.get(copy.id);
      const slot: Slot = { r: copy, x: t + ttlMs, h };
      // A record saved again with the same schedule keeps its heap entry.
      const keepsEntry = old !== undefined && old.h !== undefined && old.h === h && old.r.scope === copy.scope;
      if (!keepsEntry && old?.h !== undefined) {
        // Unlink the old slot first, so a stale entry of it can never look live.
        old.h = undefined;
        unschedule(old.r.scope);
      }
      messages.set(copy.id, slot);
      if (!keepsEntry && h !== undefined) {
        const s = schedule(copy.scope);
        heapPush(s, h, copy.id);
        s.live++;
      }
      if (slot.x <= t) dropMessage(copy.id, slot);
    },

    async getMessage(id) {
      const slot = liveSlot(id, now());
      return slot === undefined ? undefined : { ...slot.r };
    },

    // Synchronous from here to the end of each of the next two methods: nothing can come between
    // the read, the comparison and the write, so they are atomic within the process.
    async advanceStatus(id, advance) {
      const t = now();
      let slot = liveSlot(id, t);
      let created = false;
      if (slot === undefined) {
        if (advance.create === undefined) return { created: false, advanced: false, status: undefined, at: advance.at };
        sweep(t);
        const r: MessageRecord = { ...advance.create, status: 'accepted', statusAt: advance.create.acceptedAt };
        slot = { r, x: t + Math.max(1, advance.ttlMs ?? 1), h: undefined };
        messages.set(id, slot);
        const at = r.nextPollAt;
        if (at !== undefined && !Number.isNaN(at)) enqueue(slot, at);
        else dequeue(slot);
        created = true;
      } else if (advance.create !== undefined) {
        const r = slot.r as { -readonly [K in keyof MessageRecord]: MessageRecord[K] };
        const { providerMessageId, nextPollAt, intervalMs } = advance.create;
        if (r.providerMessageId === undefined && providerMessageId !== undefined)
          r.providerMessageId = providerMessageId;
        if (!isFinalStatus(r.status) && r.nextPollAt === undefined && nextPollAt !== undefined) {
          r.nextPollAt = nextPollAt;
          if (intervalMs !== undefined) r.intervalMs = intervalMs;
          enqueue(slot, nextPollAt);
        }
      }
      const r = slot.r;
      if (advance.status === 'accepted' || !isStatusAdvance(r.status, advance.status)) {
        return { created, advanced: created, status: r.status, at: r.statusAt ?? r.acceptedAt };
      }
      const at = Math.max(advance.at, (r.statusAt ?? r.acceptedAt) + 1);
      r.status = advance.status;
      r.statusAt = at;
      if (isFinalStatus(r.status)) dequeue(slot);
      return { created, advanced: true, status: r.status, at };
    },

    async schedule(id, next) {
      const slot = liveSlot(id, now());
      if (slot === undefined) return false;
      dequeue(slot);
      if (next === undefined || isFinalStatus(slot.r.status)) return false;
      slot.r.nextPollAt = next.nextPollAt;
      slot.r.intervalMs = next.intervalMs;
      slot.r.failures = next.failures;
      enqueue(slot, next.nextPollAt);
      return true;
    },

    async deleteMessage(id) {
      const slot = messages.get(id);
      if (slot !== undefined) dropMessage(id, slot);
    },

    async claimDue(scope, due, limit) {
      const claimed: MessageRecord[] = [];
      const t = now();
      while (claimed.length < limit) {
        const s = top(scope, t);
        if (s === undefined || s.at[0]! > due) break;
        const slot = messages.get(s.ids[0]!)!;
        heapPop(s);
        // Leased: no live entry until the record is saved again.
        slot.h = undefined;
        unschedule(scope);
        claimed.push({ ...slot.r });
      }
      return claimed;
    },

    async nextDueAt(scope) {
      const s = top(scope, now());
      return s?.at[0];
    },

    async increment(key, ttlMs) {
      const t = now();
      sweep(t);
      const value = liveValue(key, t);
      if (value === undefined) {
        // The expiry is set when the counter starts; later increments keep it (a fixed window).
        if (ttlMs > 0) values.set(key, { v: 1, x: t + ttlMs });
        return 1;
      }
      const current = typeof value.v === 'number' ? value.v : Number(value.v);
      if (!Number.isSafeInteger(current)) throw new TypeError(`The value of ${JSON.stringify(key)} is not a counter`);
      value.v = current + 1;
      return value.v;
    },

    async get(key) {
      const value = liveValue(key, now());
      return value === undefined ? undefined : String(value.v);
    },

    async set(key, value, ttlMs, setOptions) {
      const t = now();
      sweep(t);
      if (setOptions?.onlyIfAbsent && liveValue(key, t) !== undefined) return false;
      if (ttlMs > 0) values.set(key, { v: value, x: t + ttlMs });
      else values.delete(key);
      return true;
    },

    async delete(key) {
      values.delete(key);
    },

    async close() {
      messages.clear();
      values.clear();
      schedules.clear();
      messageCursor = undefined;
      valueCursor = undefined;
    },
  };
}
