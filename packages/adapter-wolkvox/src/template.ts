import type { Issue, ValidatedMessage } from '@parley/core';
import { validationError } from '@parley/core/provider';

type TemplateMessage = Extract<ValidatedMessage, { type: 'template' }>;
type Component = NonNullable<TemplateMessage['components']>[number];

/** The template fields of a `send_template_official` body (all strings, as Wolkvox wants). */
export interface TemplateFields {
  readonly template_name: string;
  /** The variables joined with `;`. */
  readonly template_vars: string;
  /** The media of an image (or document, video) header. */
  readonly url_attach?: string;
}

/** Wolkvox joins the variables with `;`, so a variable cannot hold one (providers.md). */
const SEPARATOR = ';';

/**
 * Maps a template message to Wolkvox's fields: `message.variables` (or, without them, the
 * body's text parameters in order) joined with `;`, and the link of a header's media as
 * `url_attach`. Throws `VALIDATION` for a variable holding `;` and for parameters Wolkvox has
 * no field for (header text, buttons), rather than dropping them silently.
 *
 * @example
 * templateFields({ type: 'template', to: '573001234567', name: 'promo', variables: ['Ana', '20%'] });
 * // { template_name: 'promo', template_vars: 'Ana;20%' }
 */
export function templateFields(message: TemplateMessage): TemplateFields {
  const issues: Issue[] = [];
  const vars: { path: string; value: string }[] = (message.variables ?? []).map((value, n) => ({
    path: `variables.${n}`,
    value,
  }));
  let urlAttach: string | undefined;
  (message.components ?? []).forEach((component, i) => {
    const read = readComponent(component, `components.${i}`, issues);
    if (message.variables === undefined) vars.push(...read.vars);
    if (read.media !== undefined) {
      if (urlAttach === undefined) urlAttach = read.media;
      else issues.push({ path: `components.${i}`, message: 'Wolkvox takes one header media (url_attach) only' });
    }
  });
  for (const { path, value } of vars) {
    if (value.includes(SEPARATOR)) {
      issues.push({ path, message: `must not contain '${SEPARATOR}': Wolkvox joins the variables with it` });
    }
  }
  if (issues.length > 0) throw validationError(issues, 'wolkvox');
  return {
    template_name: message.name,
    template_vars: vars.map((v) => v.value).join(SEPARATOR),
    ...(urlAttach !== undefined ? { url_attach: urlAttach } : {}),
  };
}

/** The body's text variables and the header's media link of one component. */
function readComponent(
  component: Component,
  at: string,
  issues: Issue[],
): { vars: { path: string; value: string }[]; media?: string } {
  const vars: { path: string; value: string }[] = [];
  let media: string | undefined;
  component.parameters.forEach((parameter, j) => {
    const path = `${at}.parameters.${j}`;
    const link = component.type === 'header' ? mediaLink(parameter) : undefined;
    if (component.type === 'body' && parameter.type === 'text') {
      vars.push({ path: `${path}.text`, value: parameter.text });
    } else if (component.type === 'body' && parameter.type === 'currency') {
      // Wolkvox takes plain text variables: the value Meta shows where it cannot localise.
      vars.push({ path: `${path}.currency.fallback_value`, value: parameter.currency.fallback_value });
    } else if (component.type === 'body' && parameter.type === 'date_time') {
      vars.push({ path: `${path}.date_time.fallback_value`, value: parameter.date_time.fallback_value });
    } else if (link !== undefined && media === undefined) {
      media = link;
    } else if (link !== undefined) {
      issues.push({ path, message: 'Wolkvox takes one header media (url_attach) only' });
    } else {
      issues.push({
        path,
        message: `Wolkvox templates take body text and one header media only, not a ${component.type} ${parameter.type} parameter`,
      });
    }
  });
  return media === undefined ? { vars } : { vars, media };
}

/** The link of an image, document or video parameter. */
function mediaLink(parameter: Component['parameters'][number]): string | undefined {
  switch (parameter.type) {
    case 'image':
      return parameter.image.link;
    case 'document':
      return parameter.document.link;
    case 'video':
      return parameter.video.link;
    default:
      return undefined;
  }
}
