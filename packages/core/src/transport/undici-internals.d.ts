// undici's own files that `undiciTransport` loads without the rest of the package (see
// loadAgentAlone in undici.ts). undici ships no types for them; the code checks their shape.
declare module 'undici/lib/dispatcher/agent.js' {
  const Agent: unknown;
  export default Agent;
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  const Dispatcher: unknown;
  export default Dispatcher;
}
declare module 'undici/lib/api/index.js' {
  const api: unknown;
  export default api;
}
