import type { Logger } from '../logger.js';
import { redactText } from '../secret.js';

/** Wraps a logger so that no secret reaches it, in the message or in string fields. */
export function redactingLogger(logger: Logger, secrets: readonly string[]): Logger {
  const clean = (fields?: Record<string, unknown>) =>
    fields === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? redactText(v, secrets) : v]),
        );
  const wrap =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const f = clean(fields);
      if (f === undefined) logger[level](redactText(message, secrets));
      else logger[level](redactText(message, secrets), f);
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
