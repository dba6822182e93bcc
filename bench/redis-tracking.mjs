/**
 * Benchmark: tracking across processes with @parley/redis. Three Node processes
 * (bench/lib/redis-tracker.mjs), each a DecisionTelecom messenger on one shared `redisStore`,
 * send 100,000 messages between them and then poll them all from the shared schedule. The
 * DecisionTelecom stand-in (bench/lib/dt-track-server.mjs, a child process) moves a message one
 * step per poll (4 polls a message at the minimum), answers each poll 2 ms later, and counts
 * a poll that arrives while another of the same message is unanswered: two processes polling
 * one message at once. Redis commands are counted from `INFO commandstats` (commands inside
 * scripts included) between the end of the sends and the last final status, per poll.
 * Needs redis-server on the PATH (started here, on a free port).
 */
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { startChild } from './lib/child.mjs';
import { startRedisServer } from './lib/redis-server.mjs';
import { entry, report } from './lib/result.mjs';
import { log, msSince, round } from './lib/stats.mjs';

const MESSAGES = Number(process.env.BENCH_REDIS_TRACK_MESSAGES ?? 100_000);
const PROCESSES = 3;
// The first poll comes after the whole send phase (about 25 s for 100,000 here), so every
// message is tracked at once, and the polls are spread over the three processes.
const FIRST_POLL_MS = Number(process.env.BENCH_REDIS_TRACK_FIRST_POLL_MS ?? 40_000 * Math.max(1, MESSAGES / 100_000));
const MAX_INTERVAL_MS = 5_000;
const GIVE_UP_MS = Math.max(300_000, MESSAGES * 8);

/** `INFO commandstats` over a plain socket: total calls per command. */
function commandStats(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      data += chunk;
      const header = data.indexOf('\r\n');
      if (header < 0) return;
      const length = Number(data.slice(1, header));
      if (Buffer.byteLength(data) < header + 2 + length) return;
      socket.end();
      const calls = {};
      for (const line of data.slice(header + 2).split('\r\n')) {
        const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
        if (match) calls[match[1]] = Number(match[2]);
      }
      resolve(calls);
    });
    socket.on('error', reject);
    socket.write('INFO commandstats\r\n');
  });
}

const redis = await startRedisServer();
const server = await startChild(new URL('./lib/dt-track-server.mjs', import.meta.url));

function tracker(index) {
  const child = fork(
    new URL('./lib/redis-tracker.mjs', import.meta.url),
    [
      JSON.stringify({
        redisUrl: redis.url,
        baseUrl: server.url,
        firstPollMs: FIRST_POLL_MS,
        maxIntervalMs: MAX_INTERVAL_MS,
      }),
    ],
    { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const inbox = [];
  const waiting = [];
  child.on('message', (message) => {
    const i = waiting.findIndex((w) => w.type === message.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(message);
    else inbox.push(message);
  });
  process.once('exit', () => child.kill('SIGKILL'));
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`tracker ${index} exited (${code})`));
  });
  return {
    child,
    next(type) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      return new Promise((resolve, reject) => waiting.push({ type, resolve, reject }));
    },
    ask(type, replyType = type) {
      const reply = this.next(replyType);
      child.send({ type });
      return reply;
    },
  };
}

const trackers = Array.from({ length: PROCESSES }, (_, i) => tracker(i));
await Promise.all(trackers.map((t) => t.next('ready')));

const sendStart = process.hrtime.bigint();
const share = (i) => Math.floor(MESSAGES / PROCESSES) + (i < MESSAGES % PROCESSES ? 1 : 0);
for (const [i, t] of trackers.entries()) t.child.send({ type: 'send', count: share(i) });
await Promise.all(trackers.map((t) => t.next('sent')));
const sendMs = msSince(sendStart);
const before = await commandStats(redis.url);
const atSendEnd = await server.call('stats');
log(
  `redis-tracking: ${MESSAGES} sends from ${PROCESSES} processes in ${round(sendMs / 1000, 1)} s; ` +
    `polls so far ${atSendEnd.polls} (0: all tracked at once); first poll ${FIRST_POLL_MS / 1000} s after each send`,
);

const trackStart = process.hrtime.bigint();
let stats = atSendEnd;
let timedOut = false;
let ticks = 0;
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  stats = await server.call('stats');
  if (stats.final >= MESSAGES) break;
  if (++ticks % 20 === 0) {
    const errors = (await Promise.all(trackers.map((t) => t.ask('stats')))).map((p) => p.firstError ?? p.errors);
    log(
      `  … ${round(msSince(trackStart) / 1000)} s: ${stats.polls} polls, ${stats.final} final, ${stats.overlaps} overlapping; errors ${errors.join(', ')}`,
    );
  }
  if (msSince(trackStart) > GIVE_UP_MS) {
    timedOut = true;
    break;
  }
}
// Let the last advances and schedules land before counting.
await new Promise((resolve) => setTimeout(resolve, 1_000));
const after = await commandStats(redis.url);
const trackMs = msSince(trackStart);
stats = await server.call('stats');
const perProcess = [];
for (const t of trackers) perProcess.push(await t.ask('stats'));
for (const t of trackers) await t.ask('close', 'closed');
await server.close();
await redis.stop();

const delta = {};
for (const [name, calls] of Object.entries(after)) {
  const d = calls - (before[name] ?? 0);
  if (d > 0) delta[name] = d;
}
// The two INFO calls of this benchmark are not the trackers'.
if (delta.info) delta.info -= 1;
const commands = Object.values(delta).reduce((a, b) => a + b, 0);
const scripts = (delta.evalsha ?? 0) + (delta.eval ?? 0);
const finals = perProcess.reduce((a, p) => a + p.finals, 0);
const errors = perProcess.reduce((a, p) => a + p.errors, 0);
const pollsPerMessage = stats.polls / MESSAGES;
// The commands counted are those from the end of the sends on: per poll made since then.
const countedPolls = stats.polls - atSendEnd.polls;
const commandsPerPoll = commands / countedPolls;
const top = Object.entries(delta)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 8)
  .map(([name, d]) => `${name} ${round(d / countedPolls, 2)}`)
  .join(', ');
log(
  `  tracking took ${round(trackMs / 1000, 1)} s${timedOut ? ' (GAVE UP)' : ''}: ${stats.final}/${MESSAGES} final at the server, ` +
    `${finals} final events (by process: ${perProcess.map((p) => p.finals).join(' + ')}), ${stats.polls} polls ` +
    `(${stats.pollsAfterFinal} after final, most for one message ${stats.maxPolls}, ${stats.overlaps} overlapping), ${errors} errors` +
    `${perProcess.find((p) => p.firstError)?.firstError ? ` (first: ${perProcess.find((p) => p.firstError).firstError})` : ''}; ` +
    `Redis: ${commands} commands = ${round(commandsPerPoll, 2)} per poll, of which scripts ${round(scripts / countedPolls, 2)} per poll (${top})`,
);

const allFinal = stats.final === MESSAGES && finals === MESSAGES && !timedOut;
report({
  'redis-tracking.polls-per-message': entry({
    value: pollsPerMessage,
    baseline: stats.minPolls,
    target: `ratio ≤ 1.05 (polls until final vs ${stats.minPolls}, the minimum; ${MESSAGES} across ${PROCESSES} processes), each final emitted once`,
    pass: pollsPerMessage / stats.minPolls <= 1.05 && allFinal,
    digits: 3,
  }),
  'redis-tracking.overlapping-polls': entry({
    value: stats.overlaps,
    target: '0 (no message polled by two processes at once)',
    pass: stats.overlaps === 0 && allFinal,
    digits: 0,
  }),
  'redis-tracking.commands-per-poll': entry({
    value: commandsPerPoll,
    target: 'reported (Redis commands per poll, those inside scripts included)',
    pass: allFinal,
    digits: 2,
  }),
  'redis-tracking.scripts-per-poll': entry({
    value: scripts / countedPolls,
    target: 'reported (round trips to Redis per poll: script calls)',
    pass: allFinal,
    digits: 2,
  }),
});
