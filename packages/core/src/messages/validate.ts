import * as v from 'valibot';
import { validationError } from '../errors/factories.js';
import { toIssues } from '../validation.js';
import { OutboundMessage, type ValidatedMessage } from './schemas.js';

/**
 * Checks a message and normalises its recipient, or throws a `VALIDATION` `ParleyError`
 * naming every bad field. Never touches the network.
 *
 * @example
 * const msg = validateMessage({ type: 'text', to: '+57 300 123 4567', text: 'Hola' });
 * msg.to; // '573001234567'
 */
export function validateMessage(input: unknown, provider?: string): ValidatedMessage {
  const result = v.safeParse(OutboundMessage, input);
  if (result.success) return result.output;
  throw validationError(toIssues(result.issues), provider);
}
