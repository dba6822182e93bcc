/**
 * Loopback servers run in child processes, so they never share the event loop (or the heap)
 * of the client being measured. A server script calls `serveChild` once it listens; the
 * benchmark calls `startChild` and then `call`s commands on it over the IPC channel.
 */
import { fork } from 'node:child_process';

/** Parent side: forks `script`, waits for its `ready` message and returns a handle. */
export function startChild(script, options = {}) {
  const child = fork(script, options.args ?? [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: options.execArgv ?? [],
    env: { ...process.env, ...(options.env ?? {}) },
  });
  let nextId = 0;
  const pending = new Map();
  return new Promise((resolve, reject) => {
    const onExit = (code) => {
      const error = new Error(`${script} exited with ${code}`);
      for (const p of pending.values()) p.reject(error);
      reject(error);
    };
    child.once('exit', onExit);
    child.on('message', (message) => {
      if (message.type === 'ready') {
        resolve({
          url: message.url,
          info: message.info,
          pid: child.pid,
          call(command, args) {
            const id = ++nextId;
            return new Promise((res, rej) => {
              pending.set(id, { resolve: res, reject: rej });
              child.send({ type: 'call', id, command, args });
            });
          },
          async close() {
            child.off('exit', onExit);
            if (child.exitCode !== null) return;
            const exited = new Promise((res) => child.once('exit', res));
            child.send({ type: 'close' });
            await exited;
          },
        });
      } else if (message.type === 'reply') {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) p?.reject(new Error(message.error));
        else p?.resolve(message.result);
      }
    });
  });
}

/** Child side: announces `url` and answers commands with `handlers[command](args)`. */
export function serveChild(url, handlers, { info, close } = {}) {
  process.on('message', async (message) => {
    if (message.type === 'close') {
      await close?.();
      process.disconnect();
      process.exit(0);
    }
    if (message.type !== 'call') return;
    try {
      const handler = handlers[message.command];
      if (!handler) throw new Error(`unknown command ${message.command}`);
      const result = await handler(message.args);
      process.send({ type: 'reply', id: message.id, result });
    } catch (error) {
      process.send({ type: 'reply', id: message.id, error: String(error?.stack ?? error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', url, info });
}
