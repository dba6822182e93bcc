import { createMessenger, type Messenger, type OutboundMessage, type StatusUpdate } from '@parley/core';
import { COMMON_OPTIONS, parse } from '../args.js';
import { configFromFlags, withWaitTracking } from '../config.js';
import { SEND_HELP } from '../help.js';
import { type Io, UsageError, write } from '../io.js';
import { Progress } from '../output.js';
import { providers } from '../providers.js';
import { openStore } from '../state/open.js';
import { campaign } from './campaign.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  to: { type: 'string' },
  text: { type: 'string' },
  image: { type: 'string' },
  caption: { type: 'string' },
  template: { type: 'string' },
  var: { type: 'string', multiple: true },
  language: { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  'idempotency-key': { type: 'string' },
  file: { type: 'string' },
  resume: { type: 'boolean' },
  'resend-pending': { type: 'boolean' },
  'skip-invalid': { type: 'boolean' },
  'ignore-columns': { type: 'string' },
  campaign: { type: 'string' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

function messageFrom(values: Values): OutboundMessage {
  const kinds = [values.text, values.image, values.template].filter((v) => v !== undefined).length;
  if (kinds !== 1) throw new UsageError('give exactly one of --text, --image or --template');
  if (values.to === undefined) throw new UsageError('--to is required');
  if (values.text !== undefined) return { type: 'text', to: values.to, text: values.text };
  if (values.image !== undefined) {
    return { type: 'image', to: values.to, url: values.image, ...(values.caption ? { caption: values.caption } : {}) };
  }
  return {
    type: 'template',
    to: values.to,
    name: values.template as string,
    ...(values.language ? { language: values.language } : {}),
    ...(values.var ? { variables: values.var } : {}),
  };
}

function timeoutMs(values: Values): number {
  if (values.timeout === undefined) return 300_000;
  const seconds = Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--timeout takes a number of seconds');
  return seconds * 1000;
}

/** Exit code of `--wait` when no final status came within `--timeout`. */
export const EXIT_NOT_FINAL = 3;

/** `parley send`: validates, sends, and with --wait follows the status until it is final. */
export async function send(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, OPTIONS);
  if (values.help) {
    write(io.stdout, SEND_HELP);
    return 0;
  }
  if (values.file !== undefined) return await sendFile(values, io);
  const campaignOnly = (['resume', 'resend-pending', 'skip-invalid', 'ignore-columns', 'campaign'] as const).filter(
    (f) => values[f] !== undefined,
  );
  if (campaignOnly.length > 0) throw new UsageError(`--${campaignOnly[0]} goes with --file`);
  const message = messageFrom(values);
  const waitMs = timeoutMs(values);
  let config = configFromFlags(values, io.env);
  if (values.wait) config = withWaitTracking(config, providers);
  const store = await openStore(values, io.env);
  try {
    const messenger = createMessenger(config, { providers, store });
    const json = values.json === true;
    try {
      const updates: StatusUpdate[] = [];
      let onUpdate: (u: StatusUpdate) => void = (u) => updates.push(u);
      messenger.on('status', (u) => onUpdate(u));
      const key = values['idempotency-key'];
      const result = await messenger.send(message, key ? { idempotencyKey: key } : {});
      if (json) write(io.stdout, JSON.stringify({ result }));
      else
        write(
          io.stdout,
          `sent ${result.id} via ${result.provider}${result.providerMessageId ? ` (provider id ${result.providerMessageId})` : ''}`,
        );
      if (!values.wait) return 0;
      return await follow(messenger, result.id, updates, (fn) => (onUpdate = fn), waitMs, json, io);
    } finally {
      await messenger.close();
    }
  } finally {
    await store.close();
  }
}

/** `parley send --file`: a campaign, one message per row of a CSV file. */
async function sendFile(values: Values, io: Io): Promise<number> {
  const file = values.file as string;
  if (file === '') throw new UsageError('--file takes the path of a CSV file');
  const extra = (['to', 'text', 'image', 'caption', 'var', 'wait', 'timeout', 'idempotency-key'] as const).filter(
    (f) => values[f] !== undefined,
  );
  if (extra.length > 0) {
    throw new UsageError(
      `--file takes its recipients and texts or variables from the file's columns: leave out --${extra[0]}`,
    );
  }
  if (values['resend-pending'] && !values.resume) throw new UsageError('--resend-pending goes with --resume');
  if (values.campaign !== undefined && !values.resume) throw new UsageError('--campaign goes with --resume');
  if (values.campaign === '') throw new UsageError('--campaign takes a name');
  const config = configFromFlags(values, io.env);
  return campaign(
    {
      file,
      json: values.json === true,
      resume: values.resume === true,
      resendPending: values['resend-pending'] === true,
      skipInvalid: values['skip-invalid'] === true,
      ignore: values['ignore-columns']?.split(',').filter((c) => c.trim() !== '') ?? [],
      template: values.template,
      language: values.language,
      campaign: values.campaign,
      state: values.state,
      redis: values.redis,
    },
    config,
    io,
  );
}

/** Why `--wait` cannot follow this messenger's statuses, or `undefined` when it can. */
function cannotFollow(messenger: Messenger, id: string): string | undefined {
  const { statusTracking, statusQuery } = messenger.capabilities;
  if (statusTracking === 'poll') return undefined;
  const later = statusQuery ? `; ask later with: parley status ${id}` : '';
  if (statusTracking === 'webhook') {
    return `${messenger.provider} reports statuses only to a callback URL, which parley cannot receive${later}`;
  }
  if (statusQuery)
    return `status polling is off for this ${messenger.provider} config (tracking=false), so there is nothing to follow${later}`;
  return `${messenger.provider} reports no status after accepted`;
}

async function follow(
  messenger: Messenger,
  id: string,
  early: StatusUpdate[],
  listen: (fn: (u: StatusUpdate) => void) => void,
  waitMs: number,
  json: boolean,
  io: Io,
): Promise<number> {
  const reason = cannotFollow(messenger, id);
  if (reason !== undefined) {
    if (json) write(io.stdout, JSON.stringify({ note: reason }));
    else write(io.stderr, reason);
    return 0;
  }
  const progress = new Progress(io, json);
  return new Promise<number>((resolve) => {
    // A ref'd timer keeps the process alive while the tracker's (unref'd) timers wait.
    const spinner = setInterval(() => progress.tick(), 100);
    let done = false;
    const finish = (code: number, why?: string) => {
      if (done) return;
      done = true;
      clearInterval(spinner);
      clearTimeout(deadline);
      progress.clear();
      // A final status was printed already; only another ending needs a line of its own.
      if (why !== undefined) {
        if (json) write(io.stdout, JSON.stringify({ done: why, exitCode: code }));
        else write(io.stderr, why);
      }
      resolve(code);
    };
    const deadline = setTimeout(
      () =>
        finish(
          EXIT_NOT_FINAL,
          `still not final after ${waitMs / 1000}s (it was sent; ask later with: parley status ${id})`,
        ),
      waitMs,
    );
    void io.interrupted.then(() => finish(130, 'interrupted'));
    const onUpdate = (u: StatusUpdate) => {
      if (u.id !== id || done) return;
      progress.status(u);
      if (u.final) finish(['failed', 'rejected', 'deleted'].includes(u.status) ? 1 : 0);
    };
    for (const u of early) onUpdate(u);
    listen(onUpdate);
  });
}
