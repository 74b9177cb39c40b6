import { isIP, connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';

/** What a connection delivers to the one exchange that holds it. */
export interface Exchange {
  data(chunk: Buffer): void;
  /** The peer closed its side, or the socket failed (`error` set): the exchange decides what that means. */
  closed(error?: Error): void;
}

/** A keep-alive connection: its socket's listeners are attached once and forward to the exchange holding it. */
export class Connection {
  exchange: Exchange | undefined;
  /** Whether it already carried an exchange: a reused connection may have been closed by the server meanwhile. */
  reused = false;
  private dead = false;

  readonly socket: Socket;

  constructor(
    url: URL,
    private readonly pool: ConnectionPool,
    readonly origin: string,
  ) {
    // Bytes are read into one buffer per connection and copied out (`onread`), past the socket's readable
    // stream: about 40 µs less CPU per request on the bench machine (docs/performance.md).
    const socket = open(url, (read) => this.exchange?.data(read));
    this.socket = socket;
    socket.on('end', () => this.close());
    socket.on('close', () => this.close());
    socket.on('error', (error) => this.close(error));
  }

  get alive(): boolean {
    return !this.dead && !this.socket.destroyed;
  }

  /** Hands the connection back for another exchange, or closes it when it may not carry one. */
  release(reusable: boolean): void {
    this.exchange = undefined;
    if (reusable && this.alive) this.pool.idle(this);
    else this.destroy();
  }

  destroy(): void {
    this.dead = true;
    this.exchange = undefined;
    this.socket.destroy();
  }

  private close(error?: Error): void {
    if (this.dead) return;
    this.dead = true;
    const exchange = this.exchange;
    this.exchange = undefined;
    this.pool.forget(this);
    this.socket.destroy();
    exchange?.closed(error);
  }
}

/** Idle connections kept per origin at the most: beyond the run's concurrency they only hold file descriptors. */
const MAX_IDLE_PER_ORIGIN = 256;

/**
 * Keep-alive connections per origin (scheme, host, port), newest first: samples, slots and warm invocations
 * reuse them. An idle connection does not hold the process open, as Node's agent does not.
 */
export class ConnectionPool {
  private readonly idleByOrigin = new Map<string, Connection[]>();

  /** An idle connection to the URL's origin, or a new one (TLS for `https:`, with the host as SNI name). */
  acquire(url: URL): Connection {
    const origin = url.origin;
    const idle = this.idleByOrigin.get(origin);
    while (idle && idle.length > 0) {
      const connection = idle.pop() as Connection;
      if (!connection.alive) continue;
      connection.socket.ref();
      connection.reused = true;
      return connection;
    }
    return new Connection(url, this, origin);
  }

  /** @internal by `Connection`. */
  idle(connection: Connection): void {
    let idle = this.idleByOrigin.get(connection.origin);
    if (!idle) {
      idle = [];
      this.idleByOrigin.set(connection.origin, idle);
    }
    if (idle.length >= MAX_IDLE_PER_ORIGIN) {
      connection.destroy();
      return;
    }
    connection.socket.unref();
    idle.push(connection);
  }

  /** @internal by `Connection`: a closed connection leaves the idle list. */
  forget(connection: Connection): void {
    const idle = this.idleByOrigin.get(connection.origin);
    const index = idle?.indexOf(connection) ?? -1;
    if (index >= 0) idle?.splice(index, 1);
  }
}

/** Bytes a connection reads at once: a stats answer fits, a larger one arrives in several reads. */
const READ_BUFFER_BYTES = 16 * 1024;

function open(url: URL, data: (read: Buffer) => void): Socket {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const https = url.protocol === 'https:';
  const port = Number(url.port) || (https ? 443 : 80);
  const onread: OnReadOpts = {
    buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      data(Buffer.from(buffer.subarray(0, bytes)));
      return true;
    },
  };
  // `tls.connect` passes `onread` on to its socket (Node ≥ 14.5), though its typings leave it out.
  const tlsOptions: ConnectionOptions & { onread: OnReadOpts } = {
    host,
    port,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ALPNProtocols: ['http/1.1'],
    onread,
  };
  const socket = https ? tlsConnect(tlsOptions) : netConnect({ host, port, onread });
  socket.setNoDelay(true);
  return socket;
}
