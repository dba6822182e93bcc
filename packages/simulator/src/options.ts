import type { DecisionTelecomOptions, DecisionTelecomSimulator } from './decisiontelecom/types.js';
import type { FaultOptions, Latency } from './faults.js';
import type { DevPhone, MessageQuery, PhoneMessage } from './phone/types.js';
import type { WhatsAppCloudOptions, WhatsAppCloudSimulator } from './whatsapp-cloud/types.js';
import type { WolkvoxOptions, WolkvoxSimulator } from './wolkvox/types.js';

/** Options of `startSimulator`. Every field is optional. */
export interface SimulatorOptions {
  /** Port to listen on. Default 0: any free port. */
  readonly port?: number;
  /** Loopback address to listen on: `127.0.0.1` (default), `::1` or `localhost`. Anything else is refused. */
  readonly host?: string;
  /** Delay before each answer, in ms, while the request counts as in flight: a number or a `[min, max]` range. Default 0. */
  readonly latencyMs?: Latency;
  /** Injected server errors and dropped connections, from a seeded PRNG. */
  readonly faults?: FaultOptions;
  /** The clock for statuses, windows, quotas, rate limits and the logs. Default `Date.now`. */
  readonly now?: () => number;
  /** Requests (and callbacks, and Wolkvox sends) kept for inspection, per provider; older ones are forgotten. Default 10 000. */
  readonly maxRecordedRequests?: number;
  /** Messages the dev phone keeps (page, `sim.phone`, `waitForMessage`); older ones are forgotten. Default 10 000. */
  readonly maxMessages?: number;
  readonly decisionTelecom?: DecisionTelecomOptions;
  readonly wolkvox?: WolkvoxOptions;
  readonly whatsappCloud?: WhatsAppCloudOptions;
}

/** A running simulator. */
export interface Simulator {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly decisionTelecom: DecisionTelecomSimulator;
  readonly wolkvox: WolkvoxSimulator;
  /** The Graph-like side of Meta's WhatsApp Cloud API. */
  readonly whatsappCloud: WhatsAppCloudSimulator;
  /** The dev phone: what the page at `url` shows, and every action it offers, for tests. */
  readonly phone: DevPhone;
  /** `phone.waitForMessage`: the first message matching `query`, already sent or to come. */
  waitForMessage(query: MessageQuery & { readonly timeoutMs?: number }): Promise<PhoneMessage>;
  /** Changes the latency from the next request on. */
  setLatency(latencyMs: Latency): void;
  /** Replaces the fault rates (omitted ones become 0); a `seed` restarts the PRNG. */
  setFaults(faults: FaultOptions): void;
  /** `reset()` on every provider; the dev phone forgets every message. */
  reset(): void;
  /** Stops listening, closes every connection and timer, stops callbacks. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Where DecisionTelecom is mounted: its `baseUrl` is the simulator's `url` plus this.
 *
 * @example
 * const baseUrl = `http://127.0.0.1:${port}${DECISIONTELECOM_PREFIX}`; // another process's simulator
 */
export const DECISIONTELECOM_PREFIX = '/decisiontelecom/v1/api';

/**
 * Where Wolkvox is mounted: its `baseUrl` is the simulator's `url` plus this.
 *
 * @example
 * const baseUrl = `http://127.0.0.1:${port}${WOLKVOX_PREFIX}`; // another process's simulator
 */
export const WOLKVOX_PREFIX = '/wolkvox/api/v2';

/**
 * Where the WhatsApp Cloud API is mounted: its `baseUrl` is the simulator's `url` plus this.
 *
 * @example
 * const baseUrl = `http://127.0.0.1:${port}${WHATSAPP_CLOUD_PREFIX}`; // another process's simulator
 */
export const WHATSAPP_CLOUD_PREFIX = '/whatsapp-cloud';
