// The README's tracing setup, run against the simulator: every span Parley makes is printed.
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { startSimulator } from '@parley/simulator';

const sim = await startSimulator({ latencyMs: [5, 20] });
const dsn = `decisiontelecom://API_KEY@${sim.decisionTelecom.baseUrl.replace(/^https?:\/\//, '')}?sender=Acme`;

// --- the ten lines of the README, with `dsn` for the simulator ---
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createMessenger } from '@parley/core';

context.setGlobalContextManager(new AsyncLocalStorageContextManager());
const exporter = new ConsoleSpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

const messenger = createMessenger(dsn, { providers: [decisionTelecom] });
await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'Hola' });
// --- end ---

await messenger.close();
await sim.close();
