import { DELIVERY_STATUSES, type DeliveryStatus, isFinalStatus, isStatusAdvance } from '../status.js';
import type { MessageRecord, Store } from './types.js';

export interface MemoryStoreOptions {
  /** The clock used for expiry (epoch ms). Default `Date.now`; injected for tests. */
  readonly now?: () => number;
}

/** A plain value or a counter, and when it expires (epoch ms). */
interface Value {
  v: string | number;
  x: number;
}

/**
 * The poll schedule of one scope: a binary min-heap of slots ordered by `nextPollAt`, kept in
 * two typed arrays (12 bytes an entry). Each slot knows its place in the heap (`Columns.pos`),
 * so a rescheduled, finished or deleted message leaves it at once: no stale entries.
 */
interface Heap {
  at: Float64Array;
  slot: Int32Array;
  n: number;
}

/** Strings seen often (scopes, statuses) kept once, each by a small number. */
class Interner {
  readonly names: string[] = [];
  readonly codes = new Map<string, number>();
  code(name: string): number {
    let code = this.codes.get(name);
    if (code === undefined) {
      code = this.names.length;
      this.names.push(name);
      this.codes.set(name, code);
    }
    return code;
  }
}

/** Entries checked for expiry on each write, in each map. */
const SWEEP_STEP = 4;
/** Slots the message columns start with; they double when full. */
const FIRST_CAPACITY = 1024;
/** The smallest heap arrays; a heap shrinks by half when a quarter full, not below this. */
const HEAP_MIN = 64;
/** Provider ids that are small decimal integers are kept as numbers (no string object each). */
const SMALL_ID_MAX = 0x3fffffff;

/** NaN in a column: the field is absent. */
const absent = Number.isNaN;

/**
 * The default `Store`: everything in this process's memory. It sets no timers (it never keeps
 * the process alive); expired entries are dropped when read and by a small sweep that runs on
 * every write. Records are copied on the way in and out, as a remote store would do, so a
 * caller that changes a record it holds does not change the stored one.
 *
 * Messages are kept column by column (struct of arrays), not as one object each: a `Map` from
 * id to a slot number, and per slot a few typed-array cells (times as doubles, NaN for an
 * absent field; status and scope as small numbers; a provider id that is a small integer as a
 * number), so a tracked message costs about 200 bytes and almost nothing for the garbage
 * collector to trace, however many are tracked at once. The columns double when full and are
 * kept for reuse as messages expire.
 *
 * @example
 * const store = memoryStore();
 * await store.putMessage({ id: 'm1', scope, status: 'accepted', acceptedAt: Date.now(), nextPollAt: Date.now() + 2000 }, 86_400_000);
 * const due = await store.claimDue(scope, Date.now(), 50);
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store & { close(): Promise<void> } {
  const now = options.now ?? Date.now;
  const values = new Map<string, Value>();
  let valueCursor: MapIterator<[string, Value]> | undefined;

  // --- messages, column by column ------------------------------------------------------

  const index = new Map<string, number>();
  const scopes = new Interner();
  const statuses = new Interner();
  for (const status of DELIVERY_STATUSES) statuses.code(status);
  /** Per slot: the id (`undefined` when the slot is free) and the provider id. */
  let ids: (string | undefined)[] = [];
  let pms: (string | number | undefined)[] = [];
  let capacity = 0;
  let acceptedAt = new Float64Array(0);
  let statusAt = new Float64Array(0);
  let expiry = new Float64Array(0);
  let nextPollAt = new Float64Array(0);
  let intervalMs = new Float64Array(0);
  let failures = new Float64Array(0);
  let status = new Uint16Array(0);
  let scope = new Uint32Array(0);
  /** Place in its scope's heap, or -1: not scheduled (or leased). */
  let pos = new Int32Array(0);
  let free = new Int32Array(0);
  let freeCount = 0;
  /** Slots ever used: 0 … used - 1. */
  let used = 0;
  let sweepCursor = 0;
  let heaps: (Heap | undefined)[] = [];

  function grow(): void {
    const next = Math.max(FIRST_CAPACITY, capacity * 2);
    const f64 = (old: Float64Array) => {
      const a = new Float64Array(next);
      a.set(old);
      return a;
    };
    acceptedAt = f64(acceptedAt);
    statusAt = f64(statusAt);
    expiry = f64(expiry);
    nextPollAt = f64(nextPollAt);
    intervalMs = f64(intervalMs);
    failures = f64(failures);
    const s = new Uint16Array(next);
    s.set(status);
    status = s;
    const sc = new Uint32Array(next);
    sc.set(scope);
    scope = sc;
    const p = new Int32Array(next);
    p.set(pos);
    pos = p;
    free = new Int32Array(next);
    // The free list is empty whenever the columns grow.
    capacity = next;
  }

  /** A slot for a new message `id` (indexed; its cells are the caller's to fill). */
  function alloc(id: string): number {
    let s: number;
    if (freeCount > 0) s = free[--freeCount]!;
    else {
      if (used === capacity) grow();
      s = used++;
    }
    ids[s] = id;
    pos[s] = -1;
    index.set(id, s);
    return s;
  }

  /** Drops the message in slot `s`: out of the index and its heap; the slot is free again. */
  function drop(s: number): void {
    index.delete(ids[s]!);
    if (pos[s]! >= 0) heapRemove(s);
    ids[s] = undefined;
    pms[s] = undefined;
    free[freeCount++] = s;
  }

  /** The live slot of `id`, dropping it if it expired. */
  function liveSlot(id: string, t: number): number | undefined {
    const s = index.get(id);
    if (s === undefined) return undefined;
    if (expiry[s]! > t) return s;
    drop(s);
    return undefined;
  }

  const packProviderId = (value: string | undefined): string | number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    return n >= 0 && n <= SMALL_ID_MAX && Number.isInteger(n) && String(n) === value ? n : value;
  };

  /** Fills slot `s` from `r` (all but the expiry and the schedule's heap). */
  function write(s: number, r: MessageRecord): void {
    pms[s] = packProviderId(r.providerMessageId);
    scope[s] = scopes.code(r.scope);
    status[s] = statuses.code(r.status);
    acceptedAt[s] = r.acceptedAt;
    statusAt[s] = r.statusAt ?? Number.NaN;
    nextPollAt[s] = r.nextPollAt ?? Number.NaN;
    intervalMs[s] = r.intervalMs ?? Number.NaN;
    failures[s] = r.failures ?? Number.NaN;
  }

  /** A fresh record of slot `s`, with only the fields it has. */
  function read(s: number): MessageRecord {
    const r: { -readonly [K in keyof MessageRecord]: MessageRecord[K] } = {
      id: ids[s]!,
      scope: scopes.names[scope[s]!]!,
      status: statuses.names[status[s]!] as DeliveryStatus,
      acceptedAt: acceptedAt[s]!,
    };
    const pm = pms[s];
    if (pm !== undefined) r.providerMessageId = typeof pm === 'number' ? String(pm) : pm;
    if (!absent(statusAt[s]!)) r.statusAt = statusAt[s]!;
    if (!absent(nextPollAt[s]!)) r.nextPollAt = nextPollAt[s]!;
    if (!absent(intervalMs[s]!)) r.intervalMs = intervalMs[s]!;
    if (!absent(failures[s]!)) r.failures = failures[s]!;
    return r;
  }

  const statusOf = (s: number) => statuses.names[status[s]!] as DeliveryStatus;

  // --- the heaps ------------------------------------------------------------------------

  function place(h: Heap, i: number, at: number, s: number): void {
    h.at[i] = at;
    h.slot[i] = s;
    pos[s] = i;
  }

  function siftUp(h: Heap, i: number, at: number, s: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pAt = h.at[parent]!;
      if (pAt <= at) break;
      place(h, i, pAt, h.slot[parent]!);
      i = parent;
    }
    place(h, i, at, s);
  }

  function siftDown(h: Heap, i: number, at: number, s: number): void {
    const n = h.n;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && h.at[right]! < h.at[left]! ? right : left;
      const cAt = h.at[child]!;
      if (cAt >= at) break;
      place(h, i, cAt, h.slot[child]!);
      i = child;
    }
    place(h, i, at, s);
  }

  function resize(h: Heap, size: number): void {
    const at = new Float64Array(size);
    const slot = new Int32Array(size);
    at.set(h.at.subarray(0, h.n));
    slot.set(h.slot.subarray(0, h.n));
    h.at = at;
    h.slot = slot;
  }

  /** Puts slot `s` on its scope's schedule at `at` (taking it off first if it is on). */
  function enqueue(s: number, at: number): void {
    if (pos[s]! >= 0) heapRemove(s);
    const code = scope[s]!;
    let h = heaps[code];
    if (h === undefined) {
      h = { at: new Float64Array(HEAP_MIN), slot: new Int32Array(HEAP_MIN), n: 0 };
      heaps[code] = h;
    }
    if (h.n === h.at.length) resize(h, h.n * 2);
    siftUp(h, h.n++, at, s);
  }

  /** Takes slot `s` off its scope's heap (it must be on it). */
  function heapRemove(s: number): void {
    const code = scope[s]!;
    const h = heaps[code]!;
    const i = pos[s]!;
    pos[s] = -1;
    const last = --h.n;
    if (i !== last) {
      const at = h.at[last]!;
      const moved = h.slot[last]!;
      if (i > 0 && h.at[(i - 1) >> 1]! > at) siftUp(h, i, at, moved);
      else siftDown(h, i, at, moved);
    }
    if (h.n === 0) heaps[code] = undefined;
    else if (h.at.length > HEAP_MIN && h.n <= h.at.length >> 2) resize(h, h.at.length >> 1);
  }

  /** Takes slot `s` off the schedule (live entry or lease) and out of `nextPollAt`. */
  function dequeue(s: number): void {
    if (pos[s]! >= 0) heapRemove(s);
    nextPollAt[s] = Number.NaN;
    intervalMs[s] = Number.NaN;
    failures[s] = Number.NaN;
  }

  /**
   * Drops expired messages from the top of `scope`'s heap and returns the heap with a live
   * message on top, or `undefined` when the scope has none scheduled.
   */
  function top(name: string, t: number): Heap | undefined {
    const code = scopes.codes.get(name);
    if (code === undefined) return undefined;
    for (;;) {
      const h = heaps[code];
      if (h === undefined) return undefined;
      const s = h.slot[0]!;
      if (expiry[s]! > t) return h;
      drop(s);
    }
  }

  // --- expiry -------------------------------------------------------------------------

  /** Checks a few entries of each kind for expiry; over many writes, it visits them all. */
  function sweep(t: number): void {
    for (let i = 0; i < SWEEP_STEP && index.size > 0; i++) {
      if (sweepCursor >= used) sweepCursor = 0;
      const s = sweepCursor++;
      if (ids[s] !== undefined && expiry[s]! <= t) drop(s);
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

  // --- the Store ----------------------------------------------------------------------

  return {
    async putMessage(record, ttlMs) {
      const t = now();
      sweep(t);
      let s = index.get(record.id);
      if (s === undefined) s = alloc(record.id);
      else if (pos[s]! >= 0) heapRemove(s);
      write(s, record);
      expiry[s] = t + ttlMs;
      const at = record.nextPollAt;
      if (at !== undefined && !Number.isNaN(at)) enqueue(s, at);
      if (expiry[s]! <= t) drop(s);
    },

    async getMessage(id) {
      const s = liveSlot(id, now());
      return s === undefined ? undefined : read(s);
    },

    // Synchronous from here to the end of each of the next two methods: nothing can come between
    // the read, the comparison and the write, so they are atomic within the process.
    async advanceStatus(id, advance) {
      const t = now();
      let s = liveSlot(id, t);
      let created = false;
      const create = advance.create;
      if (s === undefined) {
        if (create === undefined) return { created: false, advanced: false, status: undefined, at: advance.at };
        sweep(t);
        s = alloc(id);
        write(s, create);
        status[s] = statuses.code('accepted');
        statusAt[s] = create.acceptedAt;
        expiry[s] = t + Math.max(1, advance.ttlMs ?? 1);
        const at = create.nextPollAt;
        if (at !== undefined && !Number.isNaN(at)) enqueue(s, at);
        else dequeue(s);
        created = true;
      } else if (create !== undefined) {
        if (pms[s] === undefined && create.providerMessageId !== undefined) {
          pms[s] = packProviderId(create.providerMessageId);
        }
        if (!isFinalStatus(statusOf(s)) && absent(nextPollAt[s]!) && create.nextPollAt !== undefined) {
          nextPollAt[s] = create.nextPollAt;
          if (create.intervalMs !== undefined) intervalMs[s] = create.intervalMs;
          enqueue(s, create.nextPollAt);
        }
      }
      const current = statusOf(s);
      const since = absent(statusAt[s]!) ? acceptedAt[s]! : statusAt[s]!;
      if (advance.status === 'accepted' || !isStatusAdvance(current, advance.status)) {
        return { created, advanced: created, status: current, at: since };
      }
      const at = Math.max(advance.at, since + 1);
      status[s] = statuses.code(advance.status);
      statusAt[s] = at;
      if (isFinalStatus(advance.status)) dequeue(s);
      return { created, advanced: true, status: advance.status, at };
    },

    async schedule(id, next) {
      const s = liveSlot(id, now());
      if (s === undefined) return false;
      dequeue(s);
      if (next === undefined || isFinalStatus(statusOf(s))) return false;
      nextPollAt[s] = next.nextPollAt;
      intervalMs[s] = next.intervalMs;
      failures[s] = next.failures;
      enqueue(s, next.nextPollAt);
      return true;
    },

    async deleteMessage(id) {
      const s = index.get(id);
      if (s !== undefined) drop(s);
    },

    async claimDue(name, due, limit) {
      const claimed: MessageRecord[] = [];
      const t = now();
      while (claimed.length < limit) {
        const h = top(name, t);
        if (h === undefined || h.at[0]! > due) break;
        const s = h.slot[0]!;
        // Leased: off the heap (its nextPollAt kept) until the record is saved again.
        heapRemove(s);
        claimed.push(read(s));
      }
      return claimed;
    },

    async nextDueAt(name) {
      return top(name, now())?.at[0];
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
      index.clear();
      ids = [];
      pms = [];
      heaps = [];
      capacity = 0;
      used = 0;
      freeCount = 0;
      sweepCursor = 0;
      acceptedAt = statusAt = expiry = nextPollAt = intervalMs = failures = new Float64Array(0);
      status = new Uint16Array(0);
      scope = new Uint32Array(0);
      pos = free = new Int32Array(0);
      values.clear();
      valueCursor = undefined;
    },
  };
}
