import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../../devtools/ports.js';
import { httpGet, TransportError } from '../../../functions/http/get.js';

/**
 * A loopback HTTP/1.1 server on raw sockets, so that a test decides what each connection does with its n-th
 * request: answer it, or close without a word (as a server whose keep-alive timeout passed does).
 */
async function rawServer(onRequest: (socket: Socket, nth: number, connection: number) => void) {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const connection = ++connections;
    let requests = 0;
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      while (pending.includes('\r\n\r\n')) {
        pending = pending.slice(pending.indexOf('\r\n\r\n') + 4);
        onRequest(socket, ++requests, connection);
      }
    });
    socket.on('error', () => {});
  });
  const url = await listenOnLoopback(server);
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { url, close, connections: () => connections };
}

const answer = (socket: Socket, body: string): void => {
  socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
};

let server: { close(): Promise<void> } | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('httpGet on pooled connections', () => {
  it('reuses one connection for requests one after another', async () => {
    const raw = await rawServer((socket, nth) => answer(socket, `{"n":${nth}}`));
    server = raw;
    const url = new URL('/stats', raw.url);
    const bodies: string[] = [];
    for (let index = 0; index < 3; index++)
      bodies.push((await httpGet({ url, headers: {} }, { timeoutMs: 2_000 })).body);
    expect(bodies).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(raw.connections()).toBe(1);
  });

  it('sends a GET again on a new connection when a reused one was closed before it answered', async () => {
    // The first request of a connection is answered; the second is met by a close, as after a keep-alive timeout.
    const raw = await rawServer((socket, nth, connection) => {
      if (nth === 1) answer(socket, `{"connection":${connection}}`);
      else socket.destroy();
    });
    server = raw;
    const url = new URL('/stats', raw.url);
    expect((await httpGet({ url, headers: {} }, { timeoutMs: 2_000 })).body).toBe('{"connection":1}');
    expect((await httpGet({ url, headers: {} }, { timeoutMs: 2_000 })).body).toBe('{"connection":2}');
    expect(raw.connections()).toBe(2);
  });

  it('fails as a network error, once, when a new connection closes without an answer', async () => {
    const raw = await rawServer((socket) => socket.destroy());
    server = raw;
    const error = await httpGet({ url: new URL('/stats', raw.url), headers: {} }, { timeoutMs: 2_000 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ kind: 'network' });
    expect(raw.connections()).toBe(1);
  });

  it('refuses a header that would split the request, without sending it or naming its value', async () => {
    const raw = await rawServer((socket) => answer(socket, '{}'));
    server = raw;
    const error = await httpGet(
      { url: new URL('/stats', raw.url), headers: { 'x-api-key': 'key-123\r\nX-Injected: 1' } },
      { timeoutMs: 2_000 },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).not.toContain('key-123');
    expect(raw.connections()).toBe(0);
  });
});
