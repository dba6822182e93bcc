import * as v from 'valibot';
import type { Issue } from './errors/codes.js';

/** Turns valibot issues into Parley's `{ path, message }` issues (dotted paths, human messages). */
export function toIssues(issues: readonly v.BaseIssue<unknown>[]): Issue[] {
  return issues.map((issue) => {
    const path = v.getDotPath(issue) ?? '';
    return { path, message: humanMessage(issue, path) };
  });
}

function humanMessage(issue: v.BaseIssue<unknown>, path: string): string {
  // valibot's default messages read "Invalid type: Expected string but received undefined".
  if (issue.kind === 'schema' && issue.received === 'undefined' && issue.message.startsWith('Invalid')) {
    return `${path || 'value'} is required`;
  }
  if (issue.type === 'strict_object' && issue.message.startsWith('Invalid')) {
    return `${path || 'value'} is not a known field`;
  }
  return issue.message;
}
