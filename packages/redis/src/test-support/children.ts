import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

/** A message a helper script sends to its parent. */
export interface ChildMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A Node process running one of `test-support/*.mjs`, which import the built packages. */
export interface Child {
  readonly process: ChildProcess;
  /** Resolves with the next message of this type (or one already received and not yet taken). */
  next(type: string): Promise<ChildMessage>;
  send(message: ChildMessage): void;
  /** Kills it with SIGKILL (no cleanup, as a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Resolves when it has exited. */
  readonly exited: Promise<number | null>;
}

const running = new Set<Child>();

afterEach(async () => {
  await Promise.all([...running].map((child) => child.kill()));
});

/**
 * Starts `test-support/<script>.mjs` with `node`, passing `options` as JSON in argv[2]. A child
 * that exits before sending what the test waits for makes `next` reject with its stderr.
 */
export function spawnChild(script: string, options: Record<string, unknown>): Child {
  const path = fileURLToPath(new URL(`../../test-support/${script}.mjs`, import.meta.url));
  const proc = fork(path, [JSON.stringify(options)], { execArgv: [], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const inbox: ChildMessage[] = [];
  const waiting: { type: string; resolve: (m: ChildMessage) => void; reject: (e: Error) => void }[] = [];
  proc.on('message', (message: ChildMessage) => {
    const index = waiting.findIndex((w) => w.type === message.type);
    if (index >= 0) waiting.splice(index, 1)[0]!.resolve(message);
    else inbox.push(message);
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      running.delete(child);
      for (const w of waiting.splice(0)) {
        w.reject(new Error(`${script} exited (${code}) before sending '${w.type}':\n${stderr}`));
      }
      resolve(code);
    });
  });
  const child: Child = {
    process: proc,
    exited,
    next(type) {
      const index = inbox.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0]!);
      if (proc.exitCode !== null || proc.signalCode !== null) {
        return Promise.reject(new Error(`${script} already exited:\n${stderr}`));
      }
      return new Promise((resolve, reject) => waiting.push({ type, resolve, reject }));
    },
    send(message) {
      proc.send(message);
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
  running.add(child);
  return child;
}
