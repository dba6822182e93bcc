import { createMessenger, memoryStore, type StatusUpdate } from '@parley/core';
import { createFakeTransport, jsonResponse } from '@parley/core/testing';
import { describe, expect, it } from 'vitest';
import { wolkvox } from './provider.js';

const config = { provider: 'wolkvox', token: 'T0KEN-1234', server: '0042', connectorId: '1' };

function fakeMessenger() {
  const transport = createFakeTransport(() =>
    jsonResponse(200, { code: 201, error: null, msg: 'Message has been sent successfully' }),
  );
  const messenger = createMessenger(config, { providers: [wolkvox], transport, store: memoryStore() });
  return { messenger, transport };
}

describe('wolkvox provider', () => {
  it('says what it can do: text and templates, no images, no statuses beyond accepted', () => {
    const expected = {
      text: true,
      image: false,
      template: true,
      statusTracking: 'none',
      statusQuery: false,
      webhook: false,
      inbound: false,
    };
    expect(wolkvox.name).toBe('wolkvox');
    expect(wolkvox.capabilities).toEqual(expected);
    expect(wolkvox.secretFields).toEqual(['token']);
    const { messenger } = fakeMessenger();
    expect(messenger.capabilities).toEqual(expected);
    expect(messenger.webhook).toBeUndefined();
  });

  it('accepts with its own id (no providerMessageId), emits accepted, and getStatus is UNSUPPORTED', async () => {
    const { messenger, transport } = fakeMessenger();
    const events: StatusUpdate[] = [];
    messenger.on('status', (u) => events.push(u));
    const result = await messenger.send({ type: 'text', to: '+57 300 123 4567', text: 'hola' });
    expect(result).toMatchObject({ provider: 'wolkvox', status: 'accepted' });
    expect(result).not.toHaveProperty('providerMessageId');
    expect(events.map((e) => [e.id, e.status])).toEqual([[result.id, 'accepted']]);
    await expect(messenger.getStatus(result.id)).rejects.toMatchObject({ code: 'UNSUPPORTED', delivery: 'not_sent' });
    expect(transport.requests).toHaveLength(1);
    expect(transport.requests[0]?.timeoutMs).toBe(65_000);
    await messenger.close();
  });
});
