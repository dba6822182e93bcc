import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger, type Messenger, type ParleyError, type StatusUpdate } from '@parley/core';
import { createFakeTransport, jsonResponse } from '@parley/core/testing';

export const WEBHOOK_SECRET = 'frameworks-webhook-secret-0123456789';

export interface World {
  readonly messenger: Messenger;
  /** The path and query of the message's signed callback URL, as DecisionTelecom requests it. */
  readonly path: string;
  readonly id: string;
  readonly events: StatusUpdate[];
  readonly errors: ParleyError[];
}

/** A DecisionTelecom messenger (fake transport, no polling) that has sent one message. */
export async function sentOne(): Promise<World> {
  const transport = createFakeTransport(() => jsonResponse(200, { message_id: 554 }));
  const messenger = createMessenger(
    {
      provider: 'decisiontelecom',
      apiKey: 'frameworks-key',
      sender: 'Acme',
      callbackUrl: 'https://hooks.example.com/hooks/whatsapp',
      webhookSecret: WEBHOOK_SECRET,
      tracking: false,
    },
    { providers: [decisionTelecom], transport },
  );
  const events: StatusUpdate[] = [];
  const errors: ParleyError[] = [];
  messenger.on('status', (u) => events.push(u));
  messenger.on('error', (e) => errors.push(e));
  const { id } = await messenger.send({ type: 'text', to: '+380 63 123 4567', text: 'hi' });
  const body = JSON.parse(String(transport.requests[0]?.body)) as { callback_url: string };
  const url = new URL(body.callback_url);
  return { messenger, path: url.pathname + url.search, id, events, errors };
}

/** The statuses a world's messenger emitted, in order. */
export const statuses = (w: World): string[] => w.events.map((e) => e.status);

export async function listen(server: Server): Promise<string> {
  if (!server.listening) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

export const JSON_BODY = JSON.stringify({ message_id: 554, status: 1 });
export const FORM_BODY = 'message_id=554&status=1';
