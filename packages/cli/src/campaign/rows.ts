import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { type OutboundMessage, type ParleyError, validateMessage } from '@parley/core';
import { type Issue, validationError } from '@parley/core/provider';
import { parse } from 'csv-parse';

/** What `--file` is sent as: decided once, from the header and the flags. */
export interface CampaignPlan {
  readonly file: string;
  /** The header's number of fields: every row must have as many. */
  readonly width: number;
  readonly to: number;
  /** Column index of `text` (a text campaign). */
  readonly text?: number;
  /** `--template NAME` (a template campaign). */
  readonly template?: string;
  /** `--language`, unless a `language` column overrides it per row. */
  readonly language?: string;
  /** Column indexes of `var1`, `var2`, … in order. */
  readonly vars: readonly number[];
  /** Column index of `language`. */
  readonly languageColumn?: number;
}

export interface PlanFlags {
  readonly template?: string | undefined;
  readonly language?: string | undefined;
  /** Columns to leave unused (`--ignore-columns a,b`). */
  readonly ignore?: readonly string[];
}

/** One data row: its number (the line it starts on: the header is row 1) and its message, or why it has none. */
export type Row =
  | { readonly row: number; readonly message: OutboundMessage; readonly error?: undefined }
  | { readonly row: number; readonly message?: undefined; readonly error: ParleyError };

const VAR = /^var([1-9]\d*)$/;
const header = (issues: Issue[]) => validationError(issues);

/**
 * The plan for a CSV header (`fields`, lower-cased and trimmed): a `to` column, plus either a
 * `text` column or `--template` with `var1..varN` columns (and optionally `language`). Any other
 * column is refused unless `--ignore-columns` names it, so a misspelt `txt` or `var_1` cannot
 * send messages without their content. Throws a `VALIDATION` ParleyError naming each problem.
 */
export function planFrom(file: string, fields: readonly string[], flags: PlanFlags): CampaignPlan {
  const name = basename(file);
  const names = fields.map((f) => f.trim().toLowerCase());
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    if (n === '')
      issues.push({ path: `column ${i + 1}`, message: `column ${i + 1} of the header of ${name} has no name` });
    else if (seen.has(n)) issues.push({ path: n, message: `${n}: the header of ${name} names it twice` });
    else seen.set(n, i);
  });
  const ignored = new Set((flags.ignore ?? []).map((n) => n.trim().toLowerCase()));
  const to = seen.get('to');
  const text = seen.get('text');
  const languageColumn = seen.get('language');
  const vars: number[] = [];
  const varNumbers = names
    .flatMap((n) => (ignored.has(n) ? [] : Number(VAR.exec(n)?.[1] ?? 'NaN')))
    .filter(Number.isFinite);
  const maxVar = varNumbers.length ? Math.max(...varNumbers) : 0;
  for (let k = 1; k <= maxVar; k++) {
    const index = seen.get(`var${k}`);
    if (index === undefined)
      issues.push({ path: `var${k}`, message: `var${k}: the header of ${name} has var${maxVar} but no var${k}` });
    else vars.push(index);
  }
  if (to === undefined)
    issues.push({ path: 'to', message: `to: the header of ${name} (its first row) has no 'to' column` });
  if (flags.template === undefined) {
    if (text === undefined) {
      issues.push({
        path: 'text',
        message: `text: ${name} has no 'text' column; give one, or --template NAME with var1..varN columns`,
      });
    }
    if (maxVar > 0)
      issues.push({ path: 'var1', message: `var1: var columns are template variables, and need --template NAME` });
    if (languageColumn !== undefined && !ignored.has('language')) {
      issues.push({ path: 'language', message: `language: a 'language' column needs --template NAME` });
    }
  } else if (text !== undefined && !ignored.has('text')) {
    issues.push({
      path: 'text',
      message: `text: ${name} has a 'text' column, and --template sends a template: give one of them`,
    });
  }
  const known = (n: string) => n === 'to' || n === 'text' || n === 'language' || VAR.test(n);
  const unknown = [...seen.keys()].filter((n) => !known(n) && !ignored.has(n));
  if (unknown.length > 0) {
    issues.push({
      path: 'columns',
      message: `columns: ${name} has columns parley does not use (${unknown.join(', ')}); columns are to, text, var1..varN and language; leave them out or list them in --ignore-columns`,
    });
  }
  if (issues.length > 0) throw header(issues);
  return {
    file,
    width: fields.length,
    to: to as number,
    ...(flags.template === undefined ? { text: text as number } : { template: flags.template }),
    ...(flags.language !== undefined ? { language: flags.language } : {}),
    vars,
    ...(flags.template !== undefined && languageColumn !== undefined && !ignored.has('language')
      ? { languageColumn }
      : {}),
  };
}

/** The column a message field comes from, for messages that name the file's columns. */
function columnOf(path: string): string {
  const variable = /^variables\.(\d+)/.exec(path);
  if (variable) return `var${Number(variable[1]) + 1}`;
  if (path === 'name') return '--template';
  return path;
}

/** A row's `VALIDATION` error, its issues renamed to the file's columns (`variables.1` is `var2`). */
export function rowError(issues: readonly Issue[], provider?: string): ParleyError {
  return validationError(
    issues.map((i) => {
      const column = columnOf(i.path);
      const message = i.path && i.message.startsWith(i.path) ? column + i.message.slice(i.path.length) : i.message;
      return { path: column, message };
    }),
    provider,
  );
}

/** The message of one data row, or the `VALIDATION` error saying which column is wrong. */
export function messageOf(plan: CampaignPlan, fields: readonly string[], row: number): Row {
  if (fields.length !== plan.width) {
    return {
      row,
      error: validationError([
        { path: 'columns', message: `columns: the row has ${fields.length} fields, the header ${plan.width}` },
      ]),
    };
  }
  const cell = (i: number) => fields[i] as string;
  let message: OutboundMessage;
  if (plan.template === undefined) {
    message = { type: 'text', to: cell(plan.to), text: cell(plan.text as number) };
  } else {
    const variables = plan.vars.map(cell);
    const empty = variables.findIndex((v) => v.trim() === '');
    if (empty >= 0) {
      return { row, error: rowError([{ path: `variables.${empty}`, message: `variables.${empty} is empty` }]) };
    }
    const language = (plan.languageColumn !== undefined ? cell(plan.languageColumn).trim() : '') || plan.language;
    message = {
      type: 'template',
      to: cell(plan.to),
      name: plan.template,
      ...(language ? { language } : {}),
      ...(variables.length > 0 ? { variables } : {}),
    };
  }
  return { row, message };
}

/** Checks a row's message as `send` would before the network, so a bad row is found before the first send. */
export function checkRow(row: Row, provider: string): Row {
  if (row.message === undefined) return row;
  try {
    validateMessage(row.message, provider);
    return row;
  } catch (error) {
    const issues = (error as ParleyError).issues;
    if (!issues) throw error;
    return { row: row.row, error: rowError(issues, provider) };
  }
}

/**
 * The rows of a CSV file, read lazily (a stream through csv-parse: a row is parsed when asked
 * for, so a 100,000-row file is never held whole). The header decides the plan (see `planFrom`);
 * blank lines are skipped; a row with more or fewer fields than the header is an error row.
 * A file that is not CSV past some point ends the iteration with a `VALIDATION` error naming the
 * line, never echoing its content.
 */
export async function* readRows(
  file: string,
  flags: PlanFlags,
  onPlan: (plan: CampaignPlan) => void = () => {},
): AsyncGenerator<Row, void, undefined> {
  const source = createReadStream(file);
  const parser = source.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  // pipe() does not pass the file's errors (a missing file, say) on: the parser must end with them.
  source.once('error', (error) => parser.destroy(error));
  let plan: CampaignPlan | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (plan === undefined) {
        plan = planFrom(file, record, flags);
        onPlan(plan);
        continue;
      }
      // The line where the row starts, as an editor or a spreadsheet numbers it (`lines` is where it
      // ends: a quoted field may span lines).
      let newlines = 0;
      for (const field of record) for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) newlines++;
      yield messageOf(plan, record, info.lines - newlines);
    }
  } catch (error) {
    throw readError(file, error);
  } finally {
    parser.destroy();
    source.destroy();
  }
  if (plan === undefined)
    throw validationError([
      { path: 'file', message: `file: ${basename(file)} is empty: its first row must be a header with a 'to' column` },
    ]);
}

function readError(file: string, error: unknown): unknown {
  const name = basename(file);
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return validationError([{ path: 'file', message: `file: ${name} does not exist` }]);
  if (code === 'EACCES')
    return validationError([{ path: 'file', message: `file: ${name} cannot be read (permission denied)` }]);
  if (code === 'EISDIR') return validationError([{ path: 'file', message: `file: ${name} is a directory` }]);
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    // csv-parse's messages quote the field's content: only the line and the kind of problem go out.
    const line = (error as { lines?: unknown }).lines;
    return validationError([
      {
        path: 'file',
        message: `file: ${name} is not valid CSV${typeof line === 'number' ? ` at line ${line}` : ''} (${code})`,
      },
    ]);
  }
  return error;
}
