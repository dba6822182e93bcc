import { RingLog } from './log.js';

export type ProviderName = 'decisiontelecom' | 'wolkvox' | 'whatsapp-cloud';

/** One request the simulator received, as the inspection API shows it. */
export interface RecordedRequest {
  /** Arrival order across the whole simulator, from 1. */
  readonly seq: number;
  readonly provider: ProviderName;
  readonly method: string;
  /** Path below the provider's `baseUrl`, with the query: `/send-whatsapp`, `/whatsapp.php?api=send_message_official`. */
  readonly path: string;
  /** Lower-case header names; `authorization` and `wolkvox-token` read `[redacted]`. */
  readonly headers: Readonly<Record<string, string>>;
  /** `fingerprint()` of the key or token presented, if any: never the secret itself. */
  readonly credential: string | undefined;
  /** The parsed JSON body; the raw text when it is not JSON; `undefined` when empty. */
  readonly body: unknown;
  /** `now()` at arrival. */
  readonly receivedAt: number;
  /** The HTTP status answered, once answered. */
  readonly status: number | undefined;
  /** The response body text, once answered. */
  readonly responseBody: string | undefined;
  /** `pending` until answered; `dropped` when the socket was destroyed instead; `hung` when deliberately never answered. */
  readonly outcome: 'pending' | 'answered' | 'dropped' | 'hung';
}

export type MutableRecord = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

/** Running totals for one provider. `received` = `accepted + rejected + faulted + dropped + (pending or hung)`. */
export interface RequestCounts {
  readonly received: number;
  /** Answered as a success. */
  readonly accepted: number;
  /** Answered with one of the provider's documented errors (validation, auth, limits, …). */
  readonly rejected: number;
  /** Answered with an injected server error (`faults.errorRate`, `failNext('server_error')`). */
  readonly faulted: number;
  /** Connection destroyed without an answer. */
  readonly dropped: number;
}

/** Concurrency figures for one key or token. */
export interface TokenConcurrency {
  /** Requests for it in flight now (arrived, not yet answered), refused ones included. */
  readonly inFlight: number;
  /** The most requests in flight at once, refused ones included: what the client attempted. */
  readonly maxInFlight: number;
  /** The most requests admitted at once (on Wolkvox, those not refused by the simultaneous-requests rule). */
  readonly maxAdmitted: number;
}

interface TokenState {
  inFlight: number;
  maxInFlight: number;
  admitted: number;
  maxAdmitted: number;
}

export type Answer = 'accepted' | 'rejected' | 'faulted' | 'dropped';

/** The bookkeeping behind one provider's inspection API. */
export class Inspector {
  readonly #log: RingLog<MutableRecord>;
  readonly #tokens = new Map<string, TokenState>();
  #counts = { received: 0, accepted: 0, rejected: 0, faulted: 0, dropped: 0 };
  #inFlight = 0;

  constructor(maxRecorded: number) {
    this.#log = new RingLog(maxRecorded);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get counts(): RequestCounts {
    return { ...this.#counts };
  }

  get requests(): RecordedRequest[] {
    return this.#log.toArray();
  }

  record(entry: MutableRecord): void {
    this.#counts.received++;
    this.#log.push(entry);
  }

  count(answer: Answer): void {
    this.#counts[answer]++;
  }

  #state(credential: string): TokenState {
    let state = this.#tokens.get(credential);
    if (!state) {
      state = { inFlight: 0, maxInFlight: 0, admitted: 0, maxAdmitted: 0 };
      this.#tokens.set(credential, state);
    }
    return state;
  }

  /** A request arrived; returns its release, to call once when it is answered or its socket is gone. */
  begin(credential: string | undefined): () => void {
    this.#inFlight++;
    const state = credential === undefined ? undefined : this.#state(credential);
    if (state) state.maxInFlight = Math.max(state.maxInFlight, ++state.inFlight);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#inFlight--;
      if (state) state.inFlight--;
    };
  }

  /** Admitted requests in flight for `credential` now. */
  admitted(credential: string): number {
    return this.#tokens.get(credential)?.admitted ?? 0;
  }

  /** Counts one admitted request for `credential`; returns its release. */
  admit(credential: string): () => void {
    const state = this.#state(credential);
    state.maxAdmitted = Math.max(state.maxAdmitted, ++state.admitted);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      state.admitted--;
    };
  }

  concurrency(credential: string): TokenConcurrency {
    const state = this.#tokens.get(credential);
    return state
      ? { inFlight: state.inFlight, maxInFlight: state.maxInFlight, maxAdmitted: state.maxAdmitted }
      : { inFlight: 0, maxInFlight: 0, maxAdmitted: 0 };
  }

  maxInFlightPerToken(): Map<string, number> {
    return new Map([...this.#tokens].map(([k, s]) => [k, s.maxInFlight]));
  }

  maxAdmittedPerToken(): Map<string, number> {
    return new Map([...this.#tokens].map(([k, s]) => [k, s.maxAdmitted]));
  }

  /** Forgets the log, the totals and the maxima; requests in flight stay counted as in flight. */
  reset(): void {
    this.#log.clear();
    this.#counts = { received: 0, accepted: 0, rejected: 0, faulted: 0, dropped: 0 };
    for (const [key, state] of this.#tokens) {
      if (state.inFlight === 0 && state.admitted === 0) this.#tokens.delete(key);
      else {
        state.maxInFlight = state.inFlight;
        state.maxAdmitted = state.admitted;
      }
    }
  }
}
