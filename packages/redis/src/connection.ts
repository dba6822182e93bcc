import { configError } from '@parley/core/provider';
import { Redis } from 'ioredis';

/** Where to find Redis: a URL (a connection is opened and later closed by us) or a client you own. */
export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…`. Default `redis://127.0.0.1:6379` when no `client` is given. */
  readonly url?: string;
  /**
   * An ioredis client to use instead of opening one. It stays yours: `close()` does not quit it.
   * Its `keyPrefix`, if any, is honoured; a `Cluster` is not supported.
   */
  readonly client?: Redis;
}

/** A command connection and whether we opened it (and so must quit it). */
export interface Connection {
  readonly client: Redis;
  readonly owned: boolean;
  /** The client's own `keyPrefix`, which ioredis adds to declared keys but not to keys a script builds. */
  readonly keyPrefix: string;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * Opens (or adopts) the command connection. A connection we open never logs its own errors:
 * they reach callers as rejected commands, and ioredis keeps reconnecting meanwhile.
 */
export function connect(options: RedisConnectionOptions, what: string): Connection {
  if (options.url !== undefined && options.client !== undefined) {
    throw configError([{ path: 'url', message: `${what}: give either url or client, not both` }]);
  }
  if (options.client !== undefined) {
    return { client: options.client, owned: false, keyPrefix: options.client.options.keyPrefix ?? '' };
  }
  const client = new Redis(options.url ?? DEFAULT_URL);
  client.on('error', () => {});
  return { client, owned: true, keyPrefix: '' };
}

/** A second connection to the same server, for SUBSCRIBE (a subscribed connection runs nothing else). Always ours. */
export function subscriberOf(client: Redis): Redis {
  const subscriber = client.duplicate();
  subscriber.on('error', () => {});
  return subscriber;
}

/** Quits a connection politely (pending replies first), or drops it if the server is gone. */
export async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
