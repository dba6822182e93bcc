import type { SideEvents } from '../context.js';
import type { DecisionTelecomSide } from '../decisiontelecom/simulator.js';
import type { DecisionTelecomFailure } from '../decisiontelecom/types.js';
import type { MutableRecord, ProviderName } from '../inspect.js';
import type { WhatsAppCloudSide } from '../whatsapp-cloud/simulator.js';
import type { WhatsAppCloudFailure } from '../whatsapp-cloud/types.js';
import type { WolkvoxSide } from '../wolkvox/simulator.js';
import type { WolkvoxFailure } from '../wolkvox/types.js';
import { dtUnified, type Reading, readDecisionTelecom, readWhatsAppCloud, readWolkvox } from './interpret.js';
import { EventHub } from './sse.js';
import type { DevPhone, MessageQuery, PhoneConversation, PhoneFault, PhoneMessage } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** How often DecisionTelecom statuses are re-read while a page or a waiter needs them. */
export const SWEEP_MS = 50;

export const DT_FAULTS: readonly DecisionTelecomFailure[] = [
  'server_error',
  'rate_limit',
  'balance',
  'session_window',
  'mime_type',
  'auth',
  'drop',
  'drop_after',
  'hang',
];
export const WOLKVOX_FAULTS: readonly WolkvoxFailure[] = [
  'server_error',
  'maintenance',
  'concurrency',
  'daily_limit',
  'auth',
  'window',
  'drop',
  'drop_after',
  'hang',
];

export const CLOUD_FAULTS: readonly WhatsAppCloudFailure[] = [
  'session_window',
  'rate_limit',
  'pair_rate_limit',
  'server_error',
  'auth',
  'template',
  'drop',
  'hang',
];

const HAND_STATUS: Record<string, number> = { sent: 0, delivered: 1, rejected: 2, failed: 4, read: 7 };

/** The Cloud API's webhook statuses in the order they only move forward (`failed` ends it). */
const CLOUD_RANK: Record<string, number> = { accepted: 0, sent: 1, delivered: 2, read: 3, failed: 4 };
/** The error a Cloud message marked failed by hand carries in its status webhook. */
const HAND_FAILED = { code: 131026, title: 'Message undeliverable' } as const;

/** A kept message and when its DecisionTelecom status may next change. */
interface Entry {
  /** The message's id: the event hub coalesces by it. */
  readonly id: string;
  readonly msg: Mutable<PhoneMessage>;
  /** Sent whole to the pages already: later changes go as short tuples. */
  announced: boolean;
  /** `now()` from which the status must be read again; `Infinity` once it cannot change by itself. */
  due: number;
}

interface Waiter {
  readonly query: MessageQuery;
  readonly resolve: (msg: PhoneMessage) => void;
}

type ReplyInput = Parameters<DevPhone['reply']>[0];

export interface PhoneDeps {
  readonly now: () => number;
  readonly nextSeq: () => number;
  readonly maxMessages: number;
  readonly pageUrl: string;
  readonly dt: () => DecisionTelecomSide;
  readonly wv: () => WolkvoxSide;
  readonly wa: () => WhatsAppCloudSide;
  /** The latency now, for the page. */
  readonly latencyMs: () => unknown;
  /** Resets both providers (which in turn clears the phone through `events.reset`). */
  readonly resetAll: () => void;
}

const digits = (value: string) => value.replace(/\D/g, '');
const keyOf = (m: PhoneMessage) => `${m.provider}:${m.account}:${digits(m.to)}`;

function textOf(m: PhoneMessage): string {
  return [m.text, m.imageUrl, m.template?.name, ...(m.template?.variables ?? []), m.error?.message]
    .filter((s): s is string => typeof s === 'string')
    .join('\n');
}

/** Whether `m` matches `q` (every given field). */
export function matches(m: PhoneMessage, q: MessageQuery): boolean {
  if (m.direction === 'inbound' && !q.inbound) return false;
  if (m.error !== undefined && !q.refused) return false;
  if (q.provider !== undefined && m.provider !== q.provider) return false;
  if (q.to !== undefined && digits(q.to) !== digits(m.to)) return false;
  if (q.status !== undefined && m.status !== q.status) return false;
  if (q.text !== undefined) {
    const haystack = textOf(m);
    if (typeof q.text === 'string' ? !haystack.includes(q.text) : !q.text.test(haystack)) return false;
  }
  return true;
}

/**
 * Search as the page does: digits in the query are looked for in the number; otherwise (or as
 * well) the words, case-insensitive, in any message of the conversation.
 */
export function searchMatches(conversation: { to: string }, messages: readonly PhoneMessage[], query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const d = digits(q);
  if (d !== '' && /^[\d\s+()-]+$/.test(q) && digits(conversation.to).includes(d)) return true;
  return messages.some((m) => textOf(m).toLowerCase().includes(q));
}

/**
 * The dev phone's state: every send the providers answered, as conversations and bubbles, kept
 * in a ring of the newest `maxMessages`, with live updates for pages (`EventHub`) and waits for
 * tests. The provider path pays one reading of the request and an O(1) store; with pages open,
 * one `Map.set` more.
 */
export class Phone implements SideEvents {
  readonly hub: EventHub<Entry>;
  readonly #deps: PhoneDeps;
  #ring: (Entry | undefined)[];
  #start = 0;
  #count = 0;
  readonly #byId = new Map<string, Entry>();
  readonly #byDtId = new Map<string, Entry>();
  /** Cloud API messages by `wamid`: their statuses arrive by `cloudStatus`. */
  readonly #byWamid = new Map<string, Entry>();
  #waiters: Waiter[] = [];
  #rev = 0;
  #epoch = 0;
  #sweep: NodeJS.Timeout | undefined;
  /** Entries whose status may still move by itself, kept only while a page or a waiter needs them. */
  #moving: Entry[] = [];
  #closed = false;

  constructor(deps: PhoneDeps) {
    if (!(Number.isInteger(deps.maxMessages) && deps.maxMessages >= 1)) {
      throw new RangeError('simulator: maxMessages must be an integer >= 1');
    }
    this.#deps = deps;
    this.#ring = new Array(deps.maxMessages);
    this.hub = new EventHub(
      () => ({ faults: this.pendingFaults, latencyMs: deps.latencyMs() }),
      (items) => this.#serialize(items),
    );
  }

  /** Highest `rev` given out: changes whenever anything on the phone changed. */
  get rev(): number {
    return this.#rev;
  }

  get pendingFaults(): DevPhone['pendingFaults'] {
    return {
      decisiontelecom: this.#deps.dt().pendingFailures(),
      wolkvox: this.#deps.wv().pendingFailures(),
      'whatsapp-cloud': this.#deps.wa().pendingFailures(),
    };
  }

  // ---- feed from the provider sides -------------------------------------------------------

  /** `Exchange`'s hook: every answered or dropped request. */
  readonly observe = (record: MutableRecord): void => {
    const reading =
      record.provider === 'decisiontelecom'
        ? readDecisionTelecom(record)
        : record.provider === 'wolkvox'
          ? readWolkvox(record)
          : readWhatsAppCloud(record);
    if (reading === undefined) return;
    const now = record.receivedAt;
    const msg = this.#messageOf(record.provider, record.seq, now, reading);
    const entry: Entry = { id: msg.id, msg, due: Number.POSITIVE_INFINITY, announced: false };
    if (record.provider === 'decisiontelecom' && reading.providerMessageId !== undefined) {
      this.#byDtId.set(reading.providerMessageId, entry);
      entry.due = this.#deps.now();
      this.#refresh(entry, entry.due); // reads when it moves next
    }
    if (record.provider === 'whatsapp-cloud' && reading.providerMessageId !== undefined) {
      this.#byWamid.set(reading.providerMessageId, entry);
    }
    this.#push(entry);
    this.#changed(entry);
    if (entry.due !== Number.POSITIVE_INFINITY && this.#watched) {
      this.#moving.push(entry);
      this.#armSweep();
    }
  };

  /** Whether a page or a waiter wants live statuses. */
  get #watched(): boolean {
    return this.hub.active || this.#waiters.length > 0;
  }

  #messageOf(provider: ProviderName, seq: number, at: number, r: Reading): Mutable<PhoneMessage> {
    const msg: Mutable<PhoneMessage> = {
      id: `m${seq}`,
      seq,
      provider,
      account: r.account,
      to: r.digits === '' ? '' : `+${r.digits}`,
      direction: 'outbound',
      kind: r.kind,
      status: r.error ? 'rejected' : provider === 'decisiontelecom' ? 'pending' : 'accepted',
      providerStatus: r.providerStatus,
      at,
      rev: 0,
    };
    if (r.text !== undefined) msg.text = r.text;
    if (r.imageUrl !== undefined) msg.imageUrl = r.imageUrl;
    if (r.template !== undefined) msg.template = r.template;
    if (r.providerMessageId !== undefined) msg.providerMessageId = r.providerMessageId;
    if (r.error !== undefined) msg.error = r.error;
    return msg;
  }

  dtStatusSet(id: string): void {
    const entry = this.#byDtId.get(id);
    if (entry === undefined) return;
    entry.due = this.#deps.now();
    this.#refresh(entry, entry.due);
  }

  cloudStatus(wamid: string, status: string, error?: { readonly code: number; readonly title: string }): void {
    const entry = this.#byWamid.get(wamid);
    const rank = CLOUD_RANK[status];
    if (entry === undefined || rank === undefined) return;
    // As WhatsApp shows it: a late or repeated webhook never moves the ticks backwards.
    if (rank <= (CLOUD_RANK[entry.msg.status] ?? 0)) return;
    entry.msg.status = status as PhoneMessage['status'];
    entry.msg.providerStatus = error === undefined ? status : `${status} ${error.code}`;
    this.#changed(entry);
  }

  reset(provider: ProviderName): void {
    const kept = this.#entries().filter((e) => e.msg.provider !== provider);
    this.#ring = new Array(this.#deps.maxMessages);
    this.#start = 0;
    this.#count = 0;
    this.#byId.clear();
    this.#byDtId.clear();
    this.#byWamid.clear();
    for (const entry of kept) {
      this.#push(entry);
      const id = entry.msg.providerMessageId;
      if (id === undefined || entry.msg.direction !== 'outbound') continue;
      if (entry.msg.provider === 'decisiontelecom') this.#byDtId.set(id, entry);
      if (entry.msg.provider === 'whatsapp-cloud') this.#byWamid.set(id, entry);
    }
    this.#rev++;
    this.#epoch++;
    this.hub.resync();
  }

  /** Bumped by every reset: a page that sees it change drops what it had. */
  get epoch(): number {
    return this.#epoch;
  }

  /** One flush's fields: new messages whole, status changes of known ones as short tuples. */
  #serialize(items: Entry[]): Record<string, unknown> {
    const messages: PhoneMessage[] = [];
    const statuses: [string, string, string | undefined, number][] = [];
    for (const entry of items) {
      const m = entry.msg;
      if (entry.announced) statuses.push([m.id, m.status, m.providerStatus, m.rev]);
      else {
        entry.announced = true;
        messages.push(m);
      }
    }
    return statuses.length === 0 ? { messages } : { messages, statuses };
  }

  // ---- storage ----------------------------------------------------------------------------

  #push(entry: Entry): void {
    const capacity = this.#ring.length;
    if (this.#count === capacity) {
      const old = this.#ring[this.#start]!;
      this.#byId.delete(old.msg.id);
      if (old.msg.providerMessageId !== undefined) {
        this.#byDtId.delete(old.msg.providerMessageId);
        this.#byWamid.delete(old.msg.providerMessageId);
      }
      this.#ring[this.#start] = entry;
      this.#start = (this.#start + 1) % capacity;
    } else {
      this.#ring[(this.#start + this.#count) % capacity] = entry;
      this.#count++;
    }
    this.#byId.set(entry.msg.id, entry);
  }

  /** Entries oldest first. */
  #entries(): Entry[] {
    const out: Entry[] = new Array(this.#count);
    const capacity = this.#ring.length;
    for (let i = 0; i < this.#count; i++) out[i] = this.#ring[(this.#start + i) % capacity]!;
    return out;
  }

  #changed(entry: Entry): void {
    entry.msg.rev = ++this.#rev;
    this.hub.changed(entry);
    if (this.#waiters.length > 0) {
      const waiting = this.#waiters;
      this.#waiters = [];
      for (const w of waiting) {
        if (matches(entry.msg, w.query)) w.resolve(entry.msg);
        else this.#waiters.push(w);
      }
    }
  }

  /** Reads a DecisionTelecom message's status again if it may have moved by `now`. */
  #refresh(entry: Entry, now: number): void {
    if (entry.due > now) return;
    const dt = this.#deps.dt();
    const id = entry.msg.providerMessageId;
    const state = id === undefined ? undefined : dt.statusOf(id);
    if (state === undefined) {
      entry.due = Number.POSITIVE_INFINITY;
      return;
    }
    const status = dtUnified(state.code);
    entry.due = state.nextChangeAt ?? Number.POSITIVE_INFINITY;
    if (status !== entry.msg.status || String(state.code) !== entry.msg.providerStatus) {
      entry.msg.status = status;
      entry.msg.providerStatus = String(state.code);
      this.#changed(entry);
    }
  }

  /** Brings every kept status up to date (reads only those that may have moved). */
  #refreshAll(): void {
    const now = this.#deps.now();
    const capacity = this.#ring.length;
    for (let i = 0; i < this.#count; i++) this.#refresh(this.#ring[(this.#start + i) % capacity]!, now);
  }

  #armSweep(): void {
    if (this.#sweep !== undefined || this.#closed || !this.#watched) return;
    this.#sweep = setTimeout(() => this.#runSweep(), SWEEP_MS);
  }

  /**
   * Re-reads the statuses that may have moved: only the messages still moving, so the cost
   * follows the recent send rate, never the number of messages kept.
   */
  #runSweep(): void {
    this.#sweep = undefined;
    const now = this.#deps.now();
    const still: Entry[] = [];
    for (const entry of this.#moving) {
      this.#refresh(entry, now);
      if (entry.due !== Number.POSITIVE_INFINITY) still.push(entry);
    }
    this.#moving = still;
    if (still.length > 0) this.#armSweep();
  }

  /** Starts following every kept message that may still move (a page or a waiter arrived). */
  #watch(): void {
    this.#refreshAll();
    this.#moving = this.#entries().filter((e) => e.due !== Number.POSITIVE_INFINITY);
    if (this.#moving.length > 0) this.#armSweep();
  }

  /** A page connected: start the sweep if anything may still move. */
  pageOpened(): void {
    this.#watch();
  }

  // ---- the API ----------------------------------------------------------------------------

  /** The newest `limit` messages, oldest first, their statuses brought up to date. */
  latest(limit: number): PhoneMessage[] {
    const now = this.#deps.now();
    const n = Math.min(limit, this.#count);
    const capacity = this.#ring.length;
    const out: PhoneMessage[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const entry = this.#ring[(this.#start + this.#count - n + i) % capacity]!;
      this.#refresh(entry, now);
      out[i] = entry.msg;
    }
    return out;
  }

  get messages(): PhoneMessage[] {
    this.#refreshAll();
    return this.#entries().map((e) => e.msg);
  }

  get(id: string): PhoneMessage | undefined {
    const entry = this.#byId.get(id) ?? this.#byDtId.get(id) ?? this.#byWamid.get(id);
    if (entry) this.#refresh(entry, this.#deps.now());
    return entry?.msg;
  }

  find(query: MessageQuery): PhoneMessage[] {
    return this.messages.filter((m) => matches(m, query));
  }

  conversations(query = ''): PhoneConversation[] {
    const groups = new Map<string, PhoneMessage[]>();
    for (const m of this.messages) {
      const key = keyOf(m);
      const list = groups.get(key);
      if (list) list.push(m);
      else groups.set(key, [m]);
    }
    const out: PhoneConversation[] = [];
    for (const [key, list] of groups) {
      const last = list[list.length - 1]!;
      if (!searchMatches(last, list, query)) continue;
      out.push({ key, provider: last.provider, account: last.account, to: last.to, messages: list.length, last });
    }
    return out.sort((a, b) => b.last.seq - a.last.seq);
  }

  waitForMessage(query: MessageQuery & { readonly timeoutMs?: number }): Promise<PhoneMessage> {
    const { timeoutMs = 5000, ...q } = query;
    const found = this.find(q)[0];
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const sameNumber = q.to === undefined ? undefined : this.find({ to: q.to, refused: true });
        const wanted = [
          q.provider && `provider ${q.provider}`,
          q.to !== undefined && 'the given number',
          q.text !== undefined && 'the given text',
          q.status && `status ${q.status}`,
        ].filter(Boolean);
        reject(
          new Error(
            `simulator: waitForMessage timed out after ${timeoutMs} ms: no message matched ${wanted.join(', ') || 'the query'}` +
              (sameNumber ? ` (${sameNumber.length} message(s) to that number were seen)` : '') +
              `; ${this.#count} message(s) kept in all`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        query: q,
        resolve: (msg) => {
          clearTimeout(timer);
          resolve(msg);
        },
      };
      this.#waiters.push(waiter);
      this.#watch();
    });
  }

  reply(input: ReplyInput): PhoneMessage {
    return this.replyAndDeliver(input).message;
  }

  /**
   * `reply`, and when the Cloud API side sends it on as a signed webhook, a promise of the
   * bubble once the app answered it (`delivered`; `failed` with the reason otherwise).
   */
  replyAndDeliver(input: ReplyInput): { message: PhoneMessage; delivered: Promise<PhoneMessage> } {
    const to = typeof input?.to === 'string' ? digits(input.to) : '';
    if (to === '' || to.length > 20) throw new TypeError('simulator: reply.to must be a phone number');
    if (typeof input.text !== 'string' || input.text.trim() === '' || [...input.text].length > 4096) {
      throw new TypeError('simulator: reply.text must be 1..4096 characters');
    }
    if (
      input.provider !== undefined &&
      input.provider !== 'decisiontelecom' &&
      input.provider !== 'wolkvox' &&
      input.provider !== 'whatsapp-cloud'
    ) {
      throw new TypeError('simulator: reply.provider must be decisiontelecom, wolkvox or whatsapp-cloud');
    }
    const latest = this.#entries()
      .reverse()
      .find(
        (e) =>
          digits(e.msg.to) === to &&
          (input.provider === undefined || e.msg.provider === input.provider) &&
          (input.account === undefined || e.msg.account === input.account),
      )?.msg;
    const provider = input.provider ?? latest?.provider ?? 'wolkvox';
    const account = input.account ?? latest?.account ?? '';
    const now = this.#deps.now();
    if (provider === 'wolkvox') this.#deps.wv().api.markReplied(to, now);
    const seq = this.#deps.nextSeq();
    const msg: Mutable<PhoneMessage> = {
      id: `m${seq}`,
      seq,
      provider,
      account,
      to: `+${to}`,
      direction: 'inbound',
      kind: 'reply',
      text: input.text,
      status: provider === 'whatsapp-cloud' ? 'pending' : 'delivered',
      providerStatus: undefined,
      at: now,
      rev: 0,
    };
    const entry: Entry = { id: msg.id, msg, due: Number.POSITIVE_INFINITY, announced: false };
    this.#push(entry);
    this.#changed(entry);
    if (provider !== 'whatsapp-cloud') return { message: msg, delivered: Promise.resolve(msg) };
    // The Cloud API side opens the window at once and POSTs the signed `messages` webhook.
    const delivered = this.#deps
      .wa()
      .api.inbound(to, { text: input.text }, account === '' ? {} : { phoneNumberId: account })
      .then(({ id, httpStatus }) => {
        msg.providerMessageId = id;
        msg.providerStatus = httpStatus === undefined ? undefined : String(httpStatus);
        if (httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300) msg.status = 'delivered';
        else {
          msg.status = 'failed';
          msg.error = {
            httpStatus,
            message:
              httpStatus === undefined
                ? "the app's webhook was not reached (no webhook set, or no answer): nothing got this message"
                : `the app's webhook answered HTTP ${httpStatus}`,
            body: undefined,
          };
        }
        if (!this.#closed) this.#changed(entry);
        return msg as PhoneMessage;
      });
    return { message: msg, delivered };
  }

  setStatus(id: string, status: string): PhoneMessage {
    const entry = this.#byId.get(id) ?? this.#byDtId.get(id) ?? this.#byWamid.get(id);
    if (entry === undefined) throw new RangeError('simulator: no such message on the phone');
    const code = HAND_STATUS[status];
    if (code === undefined) throw new RangeError('simulator: status must be sent, delivered, read, failed or rejected');
    const dtId = entry.msg.providerMessageId;
    if (entry.msg.provider === 'whatsapp-cloud' && entry.msg.direction === 'outbound' && dtId !== undefined) {
      if (status === 'rejected')
        throw new RangeError('simulator: a Cloud API status is sent, delivered, read or failed');
      // A status webhook as Meta would send it; `cloudStatus` updates the bubble at once.
      void this.#deps
        .wa()
        .api.pushStatus(dtId, status as 'sent', status === 'failed' ? HAND_FAILED : undefined)
        .catch(() => {});
      return entry.msg;
    }
    if (entry.msg.provider !== 'decisiontelecom' || dtId === undefined) {
      throw new RangeError('simulator: only an accepted DecisionTelecom or Cloud API message has a status to move');
    }
    this.#deps.dt().api.setStatus(dtId, code); // tells dtStatusSet, which updates the bubble
    return entry.msg;
  }

  fault(fault: PhoneFault): void {
    const times = fault.times ?? 1;
    if (fault.provider === 'decisiontelecom') {
      if (!DT_FAULTS.includes(fault.kind as DecisionTelecomFailure)) {
        throw new RangeError(`simulator: DecisionTelecom faults are ${DT_FAULTS.join(', ')}`);
      }
      const endpoint = (fault.endpoint ?? 'send') as 'send' | 'status' | 'any';
      if (!['send', 'status', 'any'].includes(endpoint))
        throw new RangeError('simulator: endpoint must be send, status or any');
      this.#deps.dt().api.failNext(fault.kind as DecisionTelecomFailure, { times, endpoint });
    } else if (fault.provider === 'wolkvox') {
      if (!WOLKVOX_FAULTS.includes(fault.kind as WolkvoxFailure)) {
        throw new RangeError(`simulator: Wolkvox faults are ${WOLKVOX_FAULTS.join(', ')}`);
      }
      const endpoint = (fault.endpoint ?? 'any') as 'send_message_official' | 'send_template_official' | 'any';
      if (!['send_message_official', 'send_template_official', 'any'].includes(endpoint)) {
        throw new RangeError('simulator: endpoint must be send_message_official, send_template_official or any');
      }
      this.#deps.wv().api.failNext(fault.kind as WolkvoxFailure, { times, endpoint });
    } else if (fault.provider === 'whatsapp-cloud') {
      if (!CLOUD_FAULTS.includes(fault.kind as WhatsAppCloudFailure)) {
        throw new RangeError(`simulator: WhatsApp Cloud API faults are ${CLOUD_FAULTS.join(', ')}`);
      }
      if ((fault.endpoint ?? 'any') !== 'any') throw new RangeError('simulator: Cloud API faults apply to any request');
      if (!(Number.isInteger(times) && times >= 1))
        throw new RangeError('simulator: fault.times must be an integer >= 1');
      this.#deps.wa().api.failNext(fault.kind as WhatsAppCloudFailure, { times });
    } else {
      throw new TypeError('simulator: fault.provider must be decisiontelecom, wolkvox or whatsapp-cloud');
    }
    this.hub.touch();
  }

  clear(): void {
    this.#deps.resetAll();
  }

  close(): void {
    this.#closed = true;
    if (this.#sweep) clearTimeout(this.#sweep);
    this.#sweep = undefined;
    this.hub.close();
  }

  /** The public face handed out as `sim.phone`. */
  api(): DevPhone {
    const phone = this;
    return {
      pageUrl: this.#deps.pageUrl,
      get messages() {
        return phone.messages;
      },
      conversations: (query) => phone.conversations(query),
      get: (id) => phone.get(id),
      find: (query) => phone.find(query),
      waitForMessage: (query) => phone.waitForMessage(query),
      reply: (input) => phone.reply(input),
      setStatus: (id, status) => phone.setStatus(id, status),
      fault: (fault) => phone.fault(fault),
      get pendingFaults() {
        return phone.pendingFaults;
      },
      clear: () => phone.clear(),
      get openPages() {
        return phone.hub.size;
      },
    };
  }
}
