import type { ExchangeContext } from './exchange.js';
import type { Faults } from './faults.js';
import type { Timers } from './timers.js';

/** What a provider side tells the dev phone beyond the requests it answers. */
export interface SideEvents {
  /** A DecisionTelecom message's status was set by hand (`setStatus`). */
  dtStatusSet(id: string): void;
  /** The Cloud API side reported a status for one of its `wamid`s (a status webhook, sent or not). */
  cloudStatus(wamid: string, status: string, error?: { readonly code: number; readonly title: string }): void;
  /** A side's `reset()` ran: forget what the phone shows of that provider. */
  reset(provider: 'decisiontelecom' | 'wolkvox' | 'whatsapp-cloud'): void;
}

/** What the server hands each provider simulator. */
export interface SimulatorContext extends Omit<ExchangeContext, 'inspector'> {
  readonly faults: Faults;
  readonly timers: Timers;
  /** Seed of the run, for shares that must not depend on request order. */
  readonly seed: number;
  readonly maxRecorded: number;
  /** The dev phone's hooks, when a phone is attached. */
  readonly events?: SideEvents | undefined;
}

/** Reads a secret option: a non-empty string or list of them, or `undefined` for "accept any". */
export function secretList(name: string, value: string | readonly string[] | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : [...value];
  if (list.length === 0 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError(`simulator: ${name} must be a non-empty string or a list of them`);
  }
  return list;
}
