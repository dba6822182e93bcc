import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimulatorContext } from './context.js';
import { createDecisionTelecom } from './decisiontelecom/simulator.js';
import { DEFAULT_SEED, Faults } from './faults.js';
import { isLoopbackHost } from './loopback.js';
import {
  DECISIONTELECOM_PREFIX,
  type Simulator,
  type SimulatorOptions,
  WHATSAPP_CLOUD_PREFIX,
  WOLKVOX_PREFIX,
} from './options.js';
import { Phone } from './phone/phone.js';
import { createPhoneRoutes } from './phone/routes.js';
import { Timers } from './timers.js';
import { createWhatsAppCloud } from './whatsapp-cloud/simulator.js';
import { createWolkvox } from './wolkvox/simulator.js';

/** The part of `url` below `prefix` (with the query), or `undefined` when `url` is not under it. */
function below(url: string, prefix: string): string | undefined {
  if (!url.startsWith(prefix)) return undefined;
  const rest = url.slice(prefix.length);
  return rest === '' || rest.startsWith('/') || rest.startsWith('?') ? rest : undefined;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts local stand-ins of the DecisionTelecom and Wolkvox WhatsApp APIs on one loopback HTTP
 * server. Each provider's `baseUrl` goes straight into a messenger's config.
 *
 * @example
 * import { createMessenger } from '@parley/core';
 * import { decisionTelecom } from '@parley/adapter-decisiontelecom';
 * import { startSimulator } from '@parley/simulator';
 *
 * const sim = await startSimulator({ latencyMs: [5, 20], decisionTelecom: { progression: { stepMs: 200 } } });
 * const messenger = createMessenger(
 *   { provider: 'decisiontelecom', apiKey: 'test', sender: 'Acme', baseUrl: sim.decisionTelecom.baseUrl },
 *   { providers: [decisionTelecom] },
 * );
 * await messenger.send({ type: 'text', to: '+573001234567', text: 'Hello' });
 * sim.decisionTelecom.requests.length; // 1
 * await messenger.close();
 * await sim.close();
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new TypeError(`simulator: host must be a loopback address, not ${host}`);
  const port = options.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535))
    throw new RangeError('simulator: port must be 0..65535');
  const maxRecorded = options.maxRecordedRequests ?? 10_000;

  const timers = new Timers();
  const faults = new Faults(options.latencyMs, options.faults);
  let latency: unknown = options.latencyMs ?? 0;
  let seq = 0;
  const now = options.now ?? Date.now;
  const nextSeq = () => ++seq;

  const server = createServer({ keepAliveTimeout: 5000 });
  const address = await listen(server, port, host);
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  let dt: ReturnType<typeof createDecisionTelecom>;
  let wv: ReturnType<typeof createWolkvox>;
  let phone: Phone;
  let wa: ReturnType<typeof createWhatsAppCloud>;
  try {
    phone = new Phone({
      now,
      nextSeq,
      maxMessages: options.maxMessages ?? 10_000,
      pageUrl: `${url}/`,
      latencyMs: () => latency,
      dt: () => dt,
      wv: () => wv,
      wa: () => wa,
      resetAll: () => {
        dt.api.reset();
        wv.api.reset();
        wa.api.reset();
      },
    });
    const ctx: SimulatorContext = {
      now,
      nextSeq,
      faults,
      timers,
      seed: options.faults?.seed ?? DEFAULT_SEED,
      maxRecorded,
      observe: phone.observe,
      events: phone,
    };
    dt = createDecisionTelecom(ctx, options.decisionTelecom ?? {}, url + DECISIONTELECOM_PREFIX);
    wv = createWolkvox(ctx, options.wolkvox ?? {}, url + WOLKVOX_PREFIX);
    wa = createWhatsAppCloud(ctx, options.whatsappCloud ?? {}, url + WHATSAPP_CLOUD_PREFIX);
  } catch (error) {
    // A bad option must not leave a listening server behind.
    server.close();
    throw error;
  }

  const setLatency = (latencyMs: Simulator['setLatency'] extends (l: infer L) => void ? L : never) => {
    faults.setLatency(latencyMs);
    latency = latencyMs;
  };
  const phoneRoute = createPhoneRoutes({
    phone,
    latencyMs: () => latency,
    setLatency: (l) => setLatency(l as Parameters<typeof setLatency>[0]),
  });

  const sides = () => ({
    decisionTelecom: dt.api.baseUrl,
    wolkvox: wv.api.baseUrl,
    whatsappCloud: wa.api.baseUrl,
    phone: `${url}/`,
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const dtPath = below(target, DECISIONTELECOM_PREFIX);
    if (dtPath !== undefined) return dt.handle(req, res, dtPath);
    const wvPath = below(target, WOLKVOX_PREFIX);
    if (wvPath !== undefined) return wv.handle(req, res, wvPath);
    const waPath = below(target, WHATSAPP_CLOUD_PREFIX);
    if (waPath !== undefined) return wa.handle(req, res, waPath);
    if (await phoneRoute(req, res, target)) return;
    const found = target === '/' || target.startsWith('/?');
    const body = found ? { name: '@parley/simulator', ...sides() } : { error: 'not found', ...sides() };
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    req.resume();
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('simulator error');
      else res.destroy();
    });
  });

  let closing: Promise<void> | undefined;
  const phoneApi = phone.api();
  return {
    url,
    port: address.port,
    decisionTelecom: dt.api,
    wolkvox: wv.api,
    phone: phoneApi,
    waitForMessage: (query) => phoneApi.waitForMessage(query),
    whatsappCloud: wa.api,
    setLatency,
    setFaults: (next) => faults.setFaults(next),
    reset() {
      dt.api.reset();
      wv.api.reset();
      wa.api.reset();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        timers.close();
        phone.close();
        dt.close();
        wa.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
