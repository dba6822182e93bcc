import { createMessenger } from '@parley/core';
import { COMMON_OPTIONS, parse } from '../args.js';
import { configFromFlags } from '../config.js';
import { STATUS_HELP } from '../help.js';
import { type Io, UsageError, write } from '../io.js';
import { describeStatus } from '../output.js';
import { providers } from '../providers.js';
import { openStore } from '../state/open.js';

/** `parley status <id>`: one status query. */
export async function status(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS, true);
  if (values.help) {
    write(io.stdout, STATUS_HELP);
    return 0;
  }
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) throw new UsageError('give exactly one message id');
  // getStatus tracks nothing: this messenger makes one query and closes.
  const config = configFromFlags(values, io.env);
  // The store holds the records of earlier sends, so a Parley id printed by `send` is known.
  const store = await openStore(values, io.env);
  try {
    const messenger = createMessenger(config, { providers, store });
    try {
      const update = await messenger.getStatus(id);
      write(io.stdout, values.json ? JSON.stringify({ status: update }) : `${update.id}: ${describeStatus(update)}`);
      return 0;
    } finally {
      await messenger.close();
    }
  } finally {
    await store.close();
  }
}
