/**
 * A DecisionTelecom stand-in that allows RATE requests per second (a token bucket holding at
 * most BURST tokens) and answers 429 beyond it, without `Retry-After`, as the issue describes.
 * `POST …/send-whatsapp` answers `{"message_id":N}` when a token is there. It counts accepted
 * sends, 429s, and the busy span (first request to last answer, in ms).
 */
import { createServer } from 'node:http';
import { serveChild } from './child.mjs';

const RATE = Number(process.env.RATE ?? 200);
const BURST = Number(process.env.BURST ?? 10);

let tokens = BURST;
let refilledAt = 0;
let nextId = 1000;
let accepted = 0;
let refused = 0;
let firstAt;
let lastAt;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function take() {
  const now = nowMs();
  tokens = Math.min(BURST, tokens + ((now - refilledAt) * RATE) / 1000);
  refilledAt = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

const server = createServer((req, res) => {
  firstAt ??= nowMs();
  req.resume();
  req.on('end', () => {
    if (!req.url.endsWith('/send-whatsapp')) {
      res.writeHead(404).end();
      return;
    }
    if (take()) {
      accepted++;
      const body = `{"message_id":${nextId++}}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } else {
      refused++;
      const body = '{"name":"Too Many Requests","message":"Rate limit exceeded","code":0,"status":429}';
      res.writeHead(429, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
    lastAt = nowMs();
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  serveChild(
    `http://127.0.0.1:${port}`,
    {
      reset() {
        tokens = BURST;
        refilledAt = nowMs();
        accepted = 0;
        refused = 0;
        firstAt = undefined;
        lastAt = undefined;
        return true;
      },
      stats() {
        return { accepted, refused, spanMs: firstAt === undefined ? 0 : lastAt - firstAt };
      },
    },
    { close: () => new Promise((resolve) => server.close(resolve)).then(() => server.closeAllConnections?.()) },
  );
});
