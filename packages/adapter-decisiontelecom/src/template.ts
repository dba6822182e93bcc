import type { TemplateComponent, ValidatedMessage } from '@parley/core';
import { validationError } from '@parley/core/provider';

type TemplateMessage = Extract<ValidatedMessage, { type: 'template' }>;

/** The Meta on-premises template object that `template_params` carries, as a JSON string. */
export interface TemplateParams {
  readonly to: string;
  readonly type: 'template';
  readonly template: {
    readonly namespace?: string;
    readonly language: { readonly policy: 'deterministic'; readonly code: string };
    readonly name: string;
    readonly components: readonly TemplateComponent[];
  };
}

/** Meta's template language codes use an underscore (`pt_BR`); `pt-BR` is accepted and converted. */
export function metaLanguage(code: string): string {
  return code.replace(/-/g, '_');
}

/**
 * The components of a template message: its `components`, with `variables` (a shortcut) made
 * into one body component of text parameters, placed after any header. A message cannot have
 * both `variables` and a body component.
 */
function templateComponents(message: TemplateMessage, provider: string): TemplateComponent[] {
  const components = [...(message.components ?? [])];
  const variables = message.variables ?? [];
  if (variables.length === 0) return components;
  const issues = variables.flatMap((text, i) =>
    text.length === 0 ? [{ path: `variables.${i}`, message: `variables.${i} must not be empty` }] : [],
  );
  if (components.some((c) => c.type === 'body')) {
    issues.unshift({ path: 'variables', message: 'variables cannot be combined with a body component' });
  }
  if (issues.length > 0) throw validationError(issues, provider);
  const body: TemplateComponent = { type: 'body', parameters: variables.map((text) => ({ type: 'text', text })) };
  const headers = components.filter((c) => c.type === 'header');
  return [...headers, body, ...components.filter((c) => c.type !== 'header')];
}

/**
 * The `template_params` object of a template message: `to` is the recipient, `name` the
 * template's name (equal to `template_name`), the language policy `deterministic`.
 *
 * @example
 * templateParams({ type: 'template', to: '573001234567', name: 'order_ready', variables: ['Ana'] }, 'en_US', 'decisiontelecom');
 * // { to: '573001234567', type: 'template', template: { language: { policy: 'deterministic', code: 'en_US' },
 * //   name: 'order_ready', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] } }
 */
export function templateParams(message: TemplateMessage, defaultLanguage: string, provider: string): TemplateParams {
  return {
    to: message.to,
    type: 'template',
    template: {
      ...(message.namespace !== undefined ? { namespace: message.namespace } : {}),
      language: { policy: 'deterministic', code: metaLanguage(message.language ?? defaultLanguage) },
      name: message.name,
      components: templateComponents(message, provider),
    },
  };
}
