/**
 * The DecisionTelecom stand-in of dt-server.mjs as an in-process `Transport`, for tracking
 * benchmarks too big for loopback HTTP (a million messages polled four times each is four
 * million requests). Everything above the transport is real: the adapter builds each request
 * and parses each answer, the messenger's caller, hub, tracker and store do what they always do.
 * Same answers as dt-server: `…/send-whatsapp` gives `{"message_id":N}` (counting up from
 * FIRST_ID); `…/receive-whatsapp` gives `{"message_id":N,"status":S}` with the status one step
 * further per poll of that message (pending 6, sent 0, delivered 1, seen 7), so 4 polls per
 * message is the minimum. Each answer comes on a later turn of the event loop (`setImmediate`),
 * as a socket's would, never in the same microtask run.
 */
const FIRST_ID = 1000;
const STEPS = [6, 0, 1, 7];
const HEADERS = Object.freeze({ 'content-type': 'application/json' });

export function dtLoopback(maxMessages = 1 << 21) {
  let nextId = FIRST_ID;
  let sends = 0;
  let polls = 0;
  let pollsAfterFinal = 0;
  let unknownPolls = 0;
  const pollCounts = new Uint8Array(maxMessages);

  const answer = (status, body) => new Promise((resolve) => setImmediate(resolve, { status, headers: HEADERS, body }));

  return {
    transport: {
      request(request) {
        if (request.url.endsWith('/send-whatsapp')) {
          sends++;
          return answer(200, `{"message_id":${nextId++}}`);
        }
        if (request.url.endsWith('/receive-whatsapp')) {
          polls++;
          const id = JSON.parse(request.body).message_id;
          const index = id - FIRST_ID;
          if (!(index >= 0 && index < nextId - FIRST_ID)) {
            unknownPolls++;
            return answer(
              400,
              '{"name":"Invalid Parameter: message_id","message":"Empty parameter","code":1,"status":400}',
            );
          }
          const count = pollCounts[index];
          if (count >= STEPS.length) pollsAfterFinal++;
          if (count < 255) pollCounts[index] = count + 1;
          return answer(200, `{"message_id":${id},"status":${STEPS[Math.min(count, STEPS.length - 1)]}}`);
        }
        return answer(404, '');
      },
      async close() {},
    },
    stats() {
      const accepted = nextId - FIRST_ID;
      let final = 0;
      let maxPolls = 0;
      for (let i = 0; i < accepted; i++) {
        if (pollCounts[i] >= STEPS.length) final++;
        if (pollCounts[i] > maxPolls) maxPolls = pollCounts[i];
      }
      return { sends, polls, pollsAfterFinal, unknownPolls, accepted, final, maxPolls, minPolls: STEPS.length };
    },
  };
}
