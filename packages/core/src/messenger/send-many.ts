import { setMaxListeners } from 'node:events';
import { abortedError, unexpectedError, validationError } from '../errors/factories.js';
import { ParleyError } from '../errors/ParleyError.js';
import type { OutboundMessage } from '../messages/schemas.js';
import type { SendManyOptions, SendManyOutcome, SendOptions, SendResult } from './types.js';

export type { SendManyOptions, SendManyOutcome, SendManyProgress } from './types.js';

/** The part of a messenger that `sendMany` drives. */
export type SendOne = (message: OutboundMessage, options: SendOptions) => Promise<SendResult>;

export const DEFAULT_SEND_MANY_CONCURRENCY = 64;

/**
 * Sends every message of `messages` (an array, an iterable or an async iterable, read lazily) and
 * yields one outcome per input as each settles, in settling order. At most `concurrency` messages
 * are held at once, so a 100,000-row source streams through in constant memory; when the consumer
 * stops taking outcomes, reading stops too.
 *
 * Stopping: `signal` aborts what has not been sent (those, and every input still unread, settle
 * as `ABORTED`/`not_sent`, one outcome each); breaking out of the loop stops reading, drops what
 * waits for a limit and lets requests already on the wire settle. An input that throws ends the
 * iteration with its error, once the messages in flight have settled.
 *
 * @example
 * for await (const outcome of messenger.sendMany(rows, { idempotencyKey: (m, i) => `campaign-7:${i}` })) {
 *   if (!outcome.ok) console.error(outcome.index, outcome.error.code);
 * }
 */
export async function* sendMany(
  send: SendOne,
  messages: Iterable<OutboundMessage> | AsyncIterable<OutboundMessage>,
  options: SendManyOptions = {},
): AsyncGenerator<SendManyOutcome, void, undefined> {
  const window = options.concurrency ?? DEFAULT_SEND_MANY_CONCURRENCY;
  if (!Number.isSafeInteger(window) || window < 1 || window > 100_000) {
    throw validationError([{ path: 'concurrency', message: 'concurrency must be an integer from 1 to 100000' }]);
  }
  const iterator = openIterator(messages);
  // One signal for every send of the batch: the caller's, or ours when the loop is left early.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const ready: SendManyOutcome[] = [];
  let inFlight = 0;
  let sent = 0;
  let failed = 0;
  let inputDone = false;
  let inputError: { error: unknown } | undefined;
  /** Set when the consumer left the loop early: read no more. */
  let leaving = false;
  let wake: (() => void) | undefined;
  let room: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const freeRoom = () => {
    const r = room;
    room = undefined;
    r?.();
  };

  const settle = (outcome: SendManyOutcome) => {
    if (outcome.ok) sent++;
    else failed++;
    ready.push(outcome);
    options.onProgress?.({ sent, failed, pending: inFlight });
    notify();
  };
  const notSent = (index: number) =>
    settle({
      index,
      ok: false,
      error: abortedError('not_sent', stop.signal.reason ?? new Error('sendMany was stopped')),
    });

  const start = (message: OutboundMessage, index: number) => {
    let key: string | undefined;
    try {
      key = options.idempotencyKey?.(message, index);
    } catch (error) {
      return settle({ index, ok: false, error: asParleyError(error, 'idempotencyKey threw') });
    }
    inFlight++;
    send(message, { signal: stop.signal, ...(key === undefined ? {} : { idempotencyKey: key }) }).then(
      (result) => {
        inFlight--;
        settle({ index, ok: true, result });
      },
      (error: unknown) => {
        inFlight--;
        settle({ index, ok: false, error: asParleyError(error, 'send failed') });
      },
    );
  };

  // Reads the input while there is room, in the background, so outcomes flow while it waits.
  const reader = (async () => {
    let index = 0;
    try {
      for (;;) {
        while (inFlight + ready.length >= window && !leaving) await new Promise<void>((r) => (room = r));
        if (leaving) return;
        const next = await iterator.next();
        if (next.done) return;
        const i = index++;
        if (stop.signal.aborted) notSent(i);
        else start(next.value, i);
      }
    } catch (error) {
      inputError = { error };
    } finally {
      inputDone = true;
      notify();
    }
  })();

  let finished = false;
  try {
    for (;;) {
      const outcome = ready.shift();
      if (outcome !== undefined) {
        freeRoom();
        yield outcome;
        continue;
      }
      if (inputDone && inFlight === 0) {
        finished = true;
        if (inputError) throw inputError.error;
        return;
      }
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      // Left early (break, return or a throw in the loop): read no more, drop what waits for a
      // limit, and let what is on the wire settle before handing control back.
      leaving = true;
      stop.abort(abortedError('not_sent', new Error('sendMany was stopped')));
      freeRoom();
      await reader;
      while (inFlight > 0) await new Promise<void>((r) => (wake = r));
      await iterator.return?.();
    }
  }
}

function openIterator(
  messages: Iterable<OutboundMessage> | AsyncIterable<OutboundMessage>,
): AsyncIterator<OutboundMessage> | Iterator<OutboundMessage> {
  if (messages !== null && typeof messages === 'object') {
    const source = messages as Partial<AsyncIterable<OutboundMessage> & Iterable<OutboundMessage>>;
    const openAsync = source[Symbol.asyncIterator];
    if (typeof openAsync === 'function') return openAsync.call(source);
    const openSync = source[Symbol.iterator];
    if (typeof openSync === 'function') return openSync.call(source);
  }
  throw validationError([{ path: 'messages', message: 'messages must be an array, an iterable or an async iterable' }]);
}

function asParleyError(error: unknown, what: string): ParleyError {
  return error instanceof ParleyError ? error : unexpectedError(what, error);
}
