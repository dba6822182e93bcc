import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { EventHub, MAX_BATCH } from './sse.js';

/** A ServerResponse stand-in that records what is written to it. */
function fakeResponse(full = false) {
  const res = Object.assign(new EventEmitter(), {
    writes: [] as string[],
    writeHead: () => res,
    write: (chunk: string | Buffer) => {
      res.writes.push(String(chunk));
      return !full;
    },
    end: () => {},
    destroy: () => res.emit('close'),
    socket: { setNoDelay: () => {} },
  });
  return res;
}
const open = (hub: EventHub<{ id: string }>, full = false) => {
  const res = fakeResponse(full);
  hub.open(res as unknown as ServerResponse);
  res.writes.length = 0; // the `retry:` preamble
  return res;
};

describe('EventHub', () => {
  it('does nothing at all while no page is open', () => {
    const hub = new EventHub<{ id: string }>();
    for (let i = 0; i < 1000; i++) hub.changed({ id: `m${i}` });
    hub.flush();
    expect(hub.flushes).toBe(0);
    hub.close();
  });

  it('coalesces changes into one write per page per flush, serialised once for every page', () => {
    const hub = new EventHub<{ id: string; n?: number }>(() => ({ faults: 'x' }));
    const pages = Array.from({ length: 100 }, () => open(hub));
    for (let i = 0; i < 50; i++) hub.changed({ id: `m${i % 10}`, n: i }); // 10 messages, 5 changes each
    hub.flush();
    expect(hub.flushes).toBe(1);
    for (const page of pages) expect(page.writes).toHaveLength(1);
    const payload = JSON.parse(pages[0]!.writes[0]!.slice('data: '.length));
    expect(payload.messages).toHaveLength(10); // the latest state of each of 10 messages
    expect(payload.messages[0]).toEqual({ id: 'm0', n: 40 });
    expect(payload.extra).toEqual({ faults: 'x' });
    expect(new Set(pages.map((p) => p.writes[0])).size).toBe(1);
    hub.close();
  });

  it('past MAX_BATCH changes, sends only the newest, marked skipped', () => {
    const hub = new EventHub<{ id: string }>();
    const page = open(hub);
    for (let i = 0; i < MAX_BATCH * 5; i++) hub.changed({ id: `m${i}` });
    hub.flush();
    expect(page.writes).toHaveLength(1);
    const payload = JSON.parse(page.writes[0]!.slice('data: '.length));
    expect(payload.skipped).toBe(true);
    expect(payload.messages.map((m: { id: string }) => m.id)).toEqual(
      Array.from({ length: MAX_BATCH }, (_, i) => `m${MAX_BATCH * 4 + i}`),
    );
    hub.close();
  });

  it('skips a page whose socket is full, and tells it to resync once it drains', () => {
    const hub = new EventHub<{ id: string }>();
    const slow = open(hub, true);
    hub.changed({ id: 'a' });
    hub.flush();
    hub.changed({ id: 'b' });
    hub.flush();
    expect(slow.writes).toHaveLength(1);
    slow.emit('drain');
    expect(slow.writes[1]).toMatch(/^event: resync\n/);
    hub.close();
  });
});
