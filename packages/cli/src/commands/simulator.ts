import { startSimulator } from '@parley/simulator';
import { parse } from '../args.js';
import { SIMULATOR_HELP } from '../help.js';
import { type Io, UsageError, write } from '../io.js';

const OPTIONS = {
  port: { type: 'string' },
  latency: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${name} takes a whole number from 0 to ${max}`);
  return n;
}

/** DSNs that point Parley at a running simulator. */
export function simulatorDsns(sim: { decisionTelecom: { baseUrl: string }; wolkvox: { baseUrl: string } }) {
  const strip = (url: string) => url.replace(/^https?:\/\//, '');
  return {
    decisiontelecom: `decisiontelecom://demo-key@${strip(sim.decisionTelecom.baseUrl)}?sender=Parley`,
    wolkvox: `wolkvox://demo-token@${strip(sim.wolkvox.baseUrl)}?server=0042&connector=1`,
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
  const sim = await startSimulator({
    ...(port !== undefined ? { port } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
  });
  const dsns = simulatorDsns(sim);
  if (values.json) {
    write(
      io.stdout,
      JSON.stringify({
        url: sim.url,
        decisionTelecom: sim.decisionTelecom.baseUrl,
        wolkvox: sim.wolkvox.baseUrl,
        dsns,
      }),
    );
  } else {
    write(io.stdout, `Parley provider simulator on ${sim.url}  (Ctrl-C to stop)`);
    write(io.stdout, `  DecisionTelecom  ${sim.decisionTelecom.baseUrl}`);
    write(io.stdout, `  Wolkvox          ${sim.wolkvox.baseUrl}`);
    write(io.stdout, `  Dev phone        ${sim.phone.pageUrl}  (open it in a browser)`);
    write(io.stdout);
    write(io.stdout, 'Try:');
    write(io.stdout, `  PARLEY_DSN='${dsns.decisiontelecom}' parley send --to "+57 300 123 4567" --text Hola --wait`);
    write(io.stdout, `  PARLEY_DSN='${dsns.wolkvox}' parley send --to "+57 300 123 4567" --template welcome --var Ana`);
  }
  await io.interrupted;
  await sim.close();
  if (!values.json) write(io.stdout, 'simulator stopped');
  return 0;
}
