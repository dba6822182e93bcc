/**
 * A minimal DecisionTelecom stand-in for the benchmarks, run as a child process (see
 * child.mjs): `POST …/send-whatsapp` answers `{"message_id":N}` (ids counting up from
 * FIRST_ID), `POST …/receive-whatsapp` answers `{"message_id":N,"status":S}` where the status
 * advances one step per poll of that message: pending (6), sent (0), delivered (1), seen (7).
 * So a poller that never wastes a poll needs exactly STEPS.length polls per message; the
 * server counts every poll, and the polls of a message already final.
 */
import { createServer } from 'node:http';
import { serveChild } from './child.mjs';

const FIRST_ID = 1000;
const STEPS = [6, 0, 1, 7];
const MAX_MESSAGES = 1 << 20;

let nextId = FIRST_ID;
let sends = 0;
let polls = 0;
let pollsAfterFinal = 0;
let unknownPolls = 0;
const pollCounts = new Uint8Array(MAX_MESSAGES);

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
      const id = JSON.parse(Buffer.concat(chunks).toString('utf8')).message_id;
      const index = id - FIRST_ID;
      if (!(index >= 0 && index < nextId - FIRST_ID)) {
        unknownPolls++;
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"name":"Invalid Parameter: message_id","message":"Empty parameter","code":1,"status":400}');
        return;
      }
      const count = pollCounts[index];
      if (count >= STEPS.length) pollsAfterFinal++;
      if (count < 255) pollCounts[index] = count + 1;
      answer(res, `{"message_id":${id},"status":${STEPS[Math.min(count, STEPS.length - 1)]}}`);
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
        return { sends, polls, pollsAfterFinal, unknownPolls, accepted, final, maxPolls, minPolls: STEPS.length };
      },
      cpu() {
        return process.cpuUsage();
      },
    },
    { close: () => new Promise((resolve) => server.close(resolve)).then(() => server.closeAllConnections?.()) },
  );
});
