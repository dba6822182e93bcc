export type { ConformanceSubject } from './conformance.js';
export { describeMessengerConformance } from './conformance.js';
