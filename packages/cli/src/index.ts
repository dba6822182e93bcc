export { simulatorDsns } from './commands/simulator.js';
export type { Io } from './io.js';
export { UsageError } from './io.js';
export { main } from './main.js';
