import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback between a client and a server of the test's own, to make a Redis slow,
 * silent or cut off without touching the server.
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Delay added to every chunk, both ways (ms). Changing it keeps each direction in order. */
  latencyMs: number;
  /** When true, connections are accepted and data is swallowed, never forwarded: a server that never answers. */
  silent: boolean;
  /** Destroys every open connection (clients see a reset and reconnect). */
  cut(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort` on a free loopback port. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  /** Forwards `from` to `to` with the proxy's latency, in order. */
  const pipe = (from: Socket, to: Socket) => {
    let nextAt = 0;
    from.on('data', (chunk: Buffer) => {
      if (proxy.silent) return;
      const at = Math.max(Date.now() + proxy.latencyMs, nextAt);
      nextAt = at;
      const write = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (at <= Date.now()) write();
      else setTimeout(write, at - Date.now());
    });
    from.once('close', () => setTimeout(() => to.destroy(), Math.max(0, nextAt - Date.now())));
  };
  const server: Server = createServer((client) => {
    track(client);
    const upstream = connect(targetPort, '127.0.0.1');
    track(upstream);
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the proxy has no port');
  const proxy: TcpProxy = {
    port: address.port,
    url: `redis://127.0.0.1:${address.port}`,
    latencyMs: 0,
    silent: false,
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      proxy.cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
