import { type RecordedRequest, type Simulator, startSimulator } from '@parley/simulator';
import { parse } from '../args.js';
import { SIMULATOR_HELP } from '../help.js';
import { ExitError, type Io, UsageError, write } from '../io.js';

const OPTIONS = {
  port: { type: 'string' },
  latency: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${name} takes a whole number from 0 to ${max}`);
  return n;
}

/** DSNs that point Parley at a running simulator. */
export function simulatorDsns(sim: {
  decisionTelecom: { baseUrl: string };
  wolkvox: { baseUrl: string };
  whatsappCloud?: { baseUrl: string };
}) {
  const strip = (url: string) => url.replace(/^https?:\/\//, '');
  return {
    decisiontelecom: `decisiontelecom://demo-key@${strip(sim.decisionTelecom.baseUrl)}?sender=Parley`,
    wolkvox: `wolkvox://demo-token@${strip(sim.wolkvox.baseUrl)}?server=0042&connector=1`,
    ...(sim.whatsappCloud
      ? {
          'whatsapp-cloud': `whatsapp-cloud://demo-token@${strip(sim.whatsappCloud.baseUrl)}?phoneNumberId=106540352242922`,
        }
      : {}),
  };
}

/** `parley simulator`: runs both providers' stand-ins in the foreground until Ctrl-C. */
export async function simulator(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, OPTIONS);
  if (values.help) {
    write(io.stdout, SIMULATOR_HELP);
    return 0;
  }
  const port = integer(values.port, 'port', 65_535);
  const latencyMs = integer(values.latency, 'latency', 60_000);
  let sim: Simulator;
  try {
    sim = await startSimulator({
      ...(port !== undefined ? { port } : {}),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new ExitError(`port ${port} is already in use: pick another --port, or leave it out for a free one`, 2);
    if (code === 'EACCES')
      throw new ExitError(`port ${port} needs privileges this user does not have: pick a port above 1023`, 2);
    throw error;
  }
  const dsns = simulatorDsns(sim);
  if (values.json) {
    write(
      io.stdout,
      JSON.stringify({
        url: sim.url,
        decisionTelecom: sim.decisionTelecom.baseUrl,
        wolkvox: sim.wolkvox.baseUrl,
        whatsappCloud: sim.whatsappCloud.baseUrl,
        phone: sim.phone.pageUrl,
        dsns,
      }),
    );
  } else {
    write(io.stdout, `Parley provider simulator on ${sim.url}  (Ctrl-C to stop)`);
    write(io.stdout, `  DecisionTelecom  ${sim.decisionTelecom.baseUrl}`);
    write(io.stdout, `  Wolkvox          ${sim.wolkvox.baseUrl}`);
    write(io.stdout, `  WhatsApp Cloud   ${sim.whatsappCloud.baseUrl}`);
    write(io.stdout, `  Dev phone        ${sim.phone.pageUrl}  (open it in a browser)`);
    write(io.stdout);
    write(io.stdout, 'Try:');
    write(io.stdout, `  PARLEY_DSN='${dsns.decisiontelecom}' parley send --to "+57 300 123 4567" --text Hola --wait`);
    write(io.stdout, `  PARLEY_DSN='${dsns.wolkvox}' parley send --to "+57 300 123 4567" --template welcome --var Ana`);
    write(
      io.stdout,
      `  PARLEY_DSN='${dsns['whatsapp-cloud']}' parley send --to "+57 300 123 4567" --template hello_world --wait`,
    );
  }
  const log = values.quiet ? undefined : logRequests(sim, io, values.json === true);
  await io.interrupted;
  log?.stop();
  await sim.close();
  if (!values.json) write(io.stdout, 'simulator stopped');
  return 0;
}

/** One request log line: time, provider, method and endpoint, and how it was answered. */
export function describeRequest(request: RecordedRequest): string {
  const time = new Date(request.receivedAt).toISOString().slice(11, 23);
  const outcome =
    request.outcome === 'answered'
      ? String(request.status)
      : request.outcome === 'hung'
        ? 'hung (never answered)'
        : request.outcome;
  return `${time}  ${request.provider.padEnd(15)}  ${request.method} ${request.path}  ${outcome}`;
}

/**
 * Prints each request once it is answered (or dropped, or left hanging on purpose), in arrival
 * order. It reads the simulator's inspection log, newest first, only back to the oldest request
 * not yet printed.
 */
function logRequests(sim: Simulator, io: Io, json: boolean): { stop(): void } {
  const sources = [sim.decisionTelecom, sim.wolkvox].map((source) => ({
    source,
    oldestOpen: 1,
    printed: new Set<number>(),
  }));
  const print = (request: RecordedRequest) =>
    write(
      io.stdout,
      json
        ? JSON.stringify({
            request: {
              provider: request.provider,
              method: request.method,
              path: request.path,
              status: request.status,
              outcome: request.outcome,
            },
          })
        : describeRequest(request),
    );
  const drain = () => {
    for (const entry of sources) {
      const { printed } = entry;
      const log = entry.source.requests;
      let i = log.length - 1;
      while (i > 0 && (log[i - 1] as RecordedRequest).seq >= entry.oldestOpen) i--;
      let oldestOpen: number | undefined;
      for (; i >= 0 && i < log.length; i++) {
        const request = log[i] as RecordedRequest;
        if (request.seq < entry.oldestOpen || printed.has(request.seq)) continue;
        if (request.outcome === 'pending') {
          oldestOpen ??= request.seq;
          continue;
        }
        print(request);
        printed.add(request.seq);
      }
      const newest = log.at(-1)?.seq;
      entry.oldestOpen = oldestOpen ?? (newest === undefined ? entry.oldestOpen : newest + 1);
      for (const seq of printed) if (seq < entry.oldestOpen) printed.delete(seq);
    }
  };
  const timer = setInterval(drain, 50);
  return {
    stop() {
      clearInterval(timer);
      drain();
    },
  };
}
