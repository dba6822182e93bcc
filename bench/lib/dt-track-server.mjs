/**
 * The DecisionTelecom stand-in of dt-server.mjs for tracking across processes: the same answers
 * (status one step further per poll: pending 6, sent 0, delivered 1, seen 7; 4 polls a message
 * at the minimum), but each status poll is answered POLL_LATENCY_MS later (default 2), and a poll
 * that arrives while another poll of the same message is still unanswered counts as an overlap:
 * two pollers at once. Run as a child process (see child.mjs).
 */
import { createServer } from 'node:http';
import { serveChild } from './child.mjs';

const FIRST_ID = 1000;
const STEPS = [6, 0, 1, 7];
const MAX_MESSAGES = 1 << 20;
const LATENCY_MS = Number(process.env.POLL_LATENCY_MS ?? 2);

let nextId = FIRST_ID;
let sends = 0;
let polls = 0;
let pollsAfterFinal = 0;
let unknownPolls = 0;
let overlaps = 0;
let firstPollAt;
let lastPollAt;
const pollCounts = new Uint8Array(MAX_MESSAGES);
const inFlight = new Uint8Array(MAX_MESSAGES);

function answer(res, body) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.url.endsWith('/send-whatsapp')) {
      sends++;
      answer(res, `{"message_id":${nextId++}}`);
      return;
    }
    if (req.url.endsWith('/receive-whatsapp')) {
      polls++;
      lastPollAt = Date.now();
      firstPollAt ??= lastPollAt;
      const id = JSON.parse(Buffer.concat(chunks).toString('utf8')).message_id;
      const index = id - FIRST_ID;
      if (!(index >= 0 && index < nextId - FIRST_ID)) {
        unknownPolls++;
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"name":"Invalid Parameter: message_id","message":"Empty parameter","code":1,"status":400}');
        return;
      }
      if (inFlight[index] > 0) overlaps++;
      inFlight[index]++;
      const count = pollCounts[index];
      if (count >= STEPS.length) pollsAfterFinal++;
      if (count < 255) pollCounts[index] = count + 1;
      const body = `{"message_id":${id},"status":${STEPS[Math.min(count, STEPS.length - 1)]}}`;
      setTimeout(() => {
        inFlight[index]--;
        answer(res, body);
      }, LATENCY_MS);
      return;
    }
    res.writeHead(404).end();
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  serveChild(
    `http://127.0.0.1:${port}`,
    {
      stats() {
        const accepted = nextId - FIRST_ID;
        let final = 0;
        let maxPolls = 0;
        for (let i = 0; i < accepted; i++) {
          if (pollCounts[i] >= STEPS.length) final++;
          if (pollCounts[i] > maxPolls) maxPolls = pollCounts[i];
        }
        return {
          sends,
          polls,
          pollsAfterFinal,
          unknownPolls,
          overlaps,
          accepted,
          final,
          maxPolls,
          minPolls: STEPS.length,
          pollSpanMs: lastPollAt === undefined ? 0 : lastPollAt - firstPollAt,
        };
      },
    },
    { close: () => new Promise((resolve) => server.close(resolve)).then(() => server.closeAllConnections?.()) },
  );
});
