/**
 * N dev-phone pages in a child process, doing on the wire what the page's script does: open
 * `/_sim/events`, load a snapshot once the stream is open, fetch everything 1.5 s after the
 * last event marked `skipped` (a burst is over), and on each `resync` event fetch the newest
 * 200 messages, at most once every 2 s per page. To keep this process's own CPU out of the
 * measurement, bodies are counted, not parsed (a browser would parse them on its own cores).
 */
import { request } from 'node:http';
import { serveChild } from './child.mjs';

const RESYNC_GAP_MS = 2000; // as the page's script
const RESYNC_LIMIT = 200;
const QUIET_MS = 1500;
let pages = [];
let bytes = 0;
let resyncs = 0;

function fetchBody(url) {
  return new Promise((resolve) => {
    const req = request(url, { headers: { accept: 'application/json' } }, (res) => {
      res.on('data', (chunk) => {
        bytes += chunk.length;
      });
      res.on('end', resolve);
      res.on('error', resolve);
    });
    req.on('error', resolve);
    req.end();
  });
}

function openPage(base) {
  const page = { req: undefined, timer: undefined, quiet: undefined, last: 0, closed: false, loaded: undefined };
  page.loaded = new Promise((resolveLoaded) => {
    page.req = request(`${base}/_sim/events`, { headers: { accept: 'text/event-stream' } }, (res) => {
      // A page loads everything once; here the newest 500, so that opening 100 pages per round stays quick.
      fetchBody(`${base}/_sim/messages?limit=500`).then(resolveLoaded);
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        bytes += chunk.length;
        if (chunk.includes('"skipped":true') && !page.closed) {
          clearTimeout(page.quiet);
          page.quiet = setTimeout(() => {
            resyncs++;
            fetchBody(`${base}/_sim/messages`);
          }, QUIET_MS);
        }
        if (chunk.includes('event: resync') && !page.timer && !page.closed) {
          const wait = Math.max(0, page.last + RESYNC_GAP_MS - Date.now());
          page.timer = setTimeout(() => {
            page.timer = undefined;
            page.last = Date.now();
            resyncs++;
            fetchBody(`${base}/_sim/messages?limit=${RESYNC_LIMIT}`);
          }, wait);
        }
      });
      res.on('error', () => {});
    });
    page.req.on('error', () => resolveLoaded());
    page.req.end();
  });
  return page;
}

serveChild('pages', {
  async open({ url, count }) {
    pages = Array.from({ length: count }, () => openPage(url));
    await Promise.all(pages.map((p) => p.loaded));
    return pages.length;
  },
  close() {
    for (const page of pages) {
      page.closed = true;
      clearTimeout(page.timer);
      clearTimeout(page.quiet);
      page.req.destroy();
    }
    pages = [];
    return true;
  },
  stats() {
    return { bytes, resyncs, cpu: process.cpuUsage() };
  },
});
