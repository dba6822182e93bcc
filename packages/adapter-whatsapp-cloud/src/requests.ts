import {
  type ProviderRequest,
  type SendContext,
  type TemplateComponent,
  type ValidatedMessage,
  validationError,
} from '@parley/core/provider';

/** What building a request needs from the config. */
export interface RequestSettings {
  readonly provider: string;
  readonly baseUrl: string;
  readonly apiVersion: string;
  readonly phoneNumberId: string;
  readonly token: string;
  readonly templateLanguage: string;
}

type TemplateMessage = Extract<ValidatedMessage, { type: 'template' }>;

/** Meta's language codes use an underscore (`pt_BR`); `pt-BR` is accepted and converted. */
export function metaLanguage(code: string): string {
  return code.replace(/-/g, '_');
}

/** A component as the Cloud API takes it: a button's `index` is a string there. */
function cloudComponent(component: TemplateComponent): Record<string, unknown> {
  return {
    type: component.type,
    ...(component.sub_type !== undefined ? { sub_type: component.sub_type } : {}),
    ...(component.index !== undefined ? { index: String(component.index) } : {}),
    parameters: component.parameters,
  };
}

/**
 * The `template.components` of a template message: its `components`, with `variables` made
 * into one body component of text parameters placed after any header. A message cannot have
 * both `variables` and a body component.
 */
export function templateComponents(message: TemplateMessage, provider: string): Record<string, unknown>[] {
  const components = [...(message.components ?? [])];
  const variables = message.variables ?? [];
  if (variables.length > 0) {
    const issues = variables.flatMap((text, i) =>
      text.length === 0 ? [{ path: `variables.${i}`, message: `variables.${i} must not be empty` }] : [],
    );
    if (components.some((c) => c.type === 'body')) {
      issues.unshift({ path: 'variables', message: 'variables cannot be combined with a body component' });
    }
    if (issues.length > 0) throw validationError(issues, provider);
    const body: TemplateComponent = { type: 'body', parameters: variables.map((text) => ({ type: 'text', text })) };
    const headers = components.filter((c) => c.type === 'header');
    components.splice(0, components.length, ...headers, body, ...components.filter((c) => c.type !== 'header'));
  }
  return components.map(cloudComponent);
}

function content(message: ValidatedMessage, settings: RequestSettings): Record<string, unknown> {
  switch (message.type) {
    case 'text':
      return { type: 'text', text: { body: message.text } };
    case 'image':
      return {
        type: 'image',
        image: { link: message.url, ...(message.caption !== undefined ? { caption: message.caption } : {}) },
      };
    case 'template': {
      if (message.namespace !== undefined) {
        throw validationError(
          [{ path: 'namespace', message: 'the Cloud API takes no template namespace (remove it)' }],
          settings.provider,
        );
      }
      const components = templateComponents(message, settings.provider);
      return {
        type: 'template',
        template: {
          name: message.name,
          language: { code: metaLanguage(message.language ?? settings.templateLanguage) },
          ...(components.length > 0 ? { components } : {}),
        },
      };
    }
  }
}

/**
 * `POST {baseUrl}/{apiVersion}/{phoneNumberId}/messages` with `Authorization: Bearer`, and a body
 * of `messaging_product: "whatsapp"`, `recipient_type: "individual"`, `to` (international
 * digits), the message's `type` and its object, and `biz_opaque_callback_data` = Parley's id,
 * which Meta echoes in the message's status webhooks.
 *
 * @example
 * buildSendRequest({ type: 'text', to: '573001234567', text: 'Hola' }, { id: 'pm_1' }, settings).body;
 * // '{"messaging_product":"whatsapp","recipient_type":"individual","to":"573001234567","biz_opaque_callback_data":"pm_1","type":"text","text":{"body":"Hola"}}'
 */
export function buildSendRequest(
  message: ValidatedMessage,
  context: SendContext,
  settings: RequestSettings,
): ProviderRequest {
  return {
    method: 'POST',
    url: `${settings.baseUrl}/${settings.apiVersion}/${settings.phoneNumberId}/messages`,
    headers: {
      authorization: `Bearer ${settings.token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: message.to,
      biz_opaque_callback_data: context.id,
      ...content(message, settings),
    }),
  };
}
