import * as v from 'valibot';
import type { Issue } from '../errors/codes.js';
import { configError } from '../errors/factories.js';
import type { ProviderDefinition } from '../provider.js';
import { redactText, reveal, Secret } from '../secret.js';
import { toIssues } from '../validation.js';
import { parseDsn } from './dsn.js';

/** A config object (`{ provider, ...fields }`) or a DSN string. */
export type ParleyConfig = string | { readonly provider: string; readonly [field: string]: unknown };

export interface ResolvedConfig<TConfig = unknown> {
  readonly definition: ProviderDefinition<TConfig>;
  readonly config: TConfig;
}

/**
 * Finds the provider of a config and validates the config against its schema, throwing a
 * `CONFIG` `ParleyError` that names every bad field (and never echoes a secret).
 *
 * @example
 * const { definition, config } = resolveConfig('wolkvox://TOKEN@default?server=0042&connector=1', [wolkvox]);
 */
export function resolveConfig(input: ParleyConfig, providers: readonly ProviderDefinition[]): ResolvedConfig {
  const raw: Record<string, unknown> =
    typeof input === 'string' ? { ...parseDsn(input) } : isObject(input) ? { ...input } : {};
  if (typeof input !== 'string' && !isObject(input)) {
    throw configError([{ path: '', message: 'config must be an object or a DSN string' }]);
  }
  const name = raw.provider;
  const definition = providers.find((p) => p.name === name);
  if (!definition) {
    const known = providers.map((p) => p.name).join(', ') || 'none: pass them as { providers }';
    const message =
      typeof name === 'string' && name
        ? `unknown provider '${name}' (available: ${known})`
        : `is required (available: ${known})`;
    throw configError([{ path: 'provider', message }]);
  }
  const { provider: _provider, credential, ...fields } = raw;
  for (const [alias, field] of Object.entries(definition.dsnAliases ?? {})) {
    if (fields[alias] !== undefined && fields[field] === undefined) {
      fields[field] = fields[alias];
      delete fields[alias];
    }
  }
  const credentialField = definition.secretFields[0];
  if (credential !== undefined && credentialField !== undefined && fields[credentialField] === undefined) {
    fields[credentialField] = credential;
  }
  const result = v.safeParse(definition.configSchema, fields);
  if (result.success) return { definition, config: result.output };
  const secrets = definition.secretFields
    .map((f) => fields[f])
    .filter((s): s is string | Secret => typeof s === 'string' || s instanceof Secret)
    .map(reveal);
  throw configError(redactIssues(toIssues(result.issues), secrets), definition.name);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function redactIssues(issues: readonly Issue[], secrets: readonly string[]): Issue[] {
  // A path is a field name the user wrote, e.g. an unknown DSN query name: it can hold a secret too.
  return issues.map((i) => ({ path: redactText(i.path, secrets), message: redactText(i.message, secrets) }));
}

/** The raw secret values of a validated config, for redaction. */
export function secretValues(definition: ProviderDefinition, config: unknown): string[] {
  const record = config as Record<string, unknown>;
  return definition.secretFields
    .map((f) => record[f])
    .filter((s): s is string | Secret => typeof s === 'string' || s instanceof Secret)
    .map(reveal);
}
