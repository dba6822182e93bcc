import { isRecord } from '../http.js';

export type WolkvoxApi = 'send_message_official' | 'send_template_official';

export const WOLKVOX_APIS: ReadonlySet<string> = new Set<WolkvoxApi>([
  'send_message_official',
  'send_template_official',
]);

/** A send Wolkvox accepted, as the inspection API keeps it. */
export interface WolkvoxSentMessage {
  readonly api: WolkvoxApi;
  readonly connectorId: string;
  readonly telephone: string;
  /** `send_message_official` only. */
  readonly message?: string;
  /** `send_template_official` only. */
  readonly templateName?: string;
  readonly templateVars?: string;
  readonly customerId?: string;
  readonly urlAttach?: string;
  /** `now()` when accepted. */
  readonly at: number;
}

/** A string with something in it: Wolkvox documents every body value as a string, and a number is refused. */
function filled(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function optional(value: unknown): string | undefined | false {
  if (value === undefined || value === null || value === '') return undefined;
  return filled(value) ?? false;
}

/**
 * Checks a body for `api`; `undefined` means "SOME PARAMETERS ARE REQUIRED". `template_vars`
 * must be present but may be empty: a template without variables has none to join.
 *
 * @example
 * validateWolkvox('send_message_official', { connector_id: '1', telephone: '573001234567', message: 'hi' }, 0);
 */
export function validateWolkvox(api: WolkvoxApi, body: unknown, at: number): WolkvoxSentMessage | undefined {
  if (!isRecord(body)) return undefined;
  const connectorId = filled(body.connector_id);
  const telephone = filled(body.telephone);
  if (connectorId === undefined || telephone === undefined || !/\d/.test(telephone)) return undefined;
  if (api === 'send_message_official') {
    const message = filled(body.message);
    return message === undefined ? undefined : { api, connectorId, telephone, message, at };
  }
  const templateName = filled(body.template_name);
  const vars = body.template_vars;
  const templateVars = typeof vars === 'string' ? vars : undefined;
  const customerId = optional(body.customer_id);
  const urlAttach = optional(body.url_attach);
  if (templateName === undefined || templateVars === undefined || customerId === false || urlAttach === false) {
    return undefined;
  }
  return {
    api,
    connectorId,
    telephone,
    templateName,
    templateVars,
    ...(customerId === undefined ? {} : { customerId }),
    ...(urlAttach === undefined ? {} : { urlAttach }),
    at,
  };
}

/** The key of a customer's conversation: the telephone's digits. */
export function phoneKey(telephone: string): string {
  return telephone.replace(/\D/g, '');
}
