import { readFileSync } from 'node:fs';
import { isParleyError } from '@parley/core';
import { send } from './commands/send.js';
import { simulator } from './commands/simulator.js';
import { status } from './commands/status.js';
import { MAIN_HELP, SEND_HELP, SIMULATOR_HELP, STATUS_HELP } from './help.js';
import { ExitError, type Io, UsageError, write } from './io.js';
import { printError } from './output.js';

const COMMANDS = {
  send: { run: send, help: SEND_HELP },
  status: { run: status, help: STATUS_HELP },
  simulator: { run: simulator, help: SIMULATOR_HELP },
} as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Runs the `parley` command with `argv` (without `node` and the script) and returns the exit
 * code (see `EXIT_CODES` in the help: 0 success, 1 a provider or network failure or a failed
 * message, 2 bad usage, config or message, 3 not final within `--wait --timeout`, 130 interrupted).
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, interrupted });
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    write(io.stdout, MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    write(io.stdout, version());
    return 0;
  }
  const command = COMMANDS[name as keyof typeof COMMANDS];
  if (!command) {
    write(io.stderr, `parley: unknown command '${name}'\n`);
    write(io.stderr, MAIN_HELP);
    return 2;
  }
  const json = rest.includes('--json');
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof ExitError) {
      write(io.stderr, `parley ${name}: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof UsageError) {
      write(io.stderr, `parley ${name}: ${error.message}\n`);
      write(io.stderr, command.help);
      return 2;
    }
    if (isParleyError(error)) {
      printError(io, error, json);
      return ['CONFIG', 'VALIDATION', 'UNSUPPORTED'].includes(error.code) ? 2 : 1;
    }
    throw error;
  }
}
