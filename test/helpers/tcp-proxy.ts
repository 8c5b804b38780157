/**
 * A loopback TCP proxy in front of an HTTP server, for observing and
 * disturbing what a client really puts on the wire:
 *   - `hold`: keep every response unread until `requests` connections have
 *     sent a request (or `timeoutMs` passes); `heldRequests` then says how
 *     many requests the client had in flight at once;
 *   - `plan(i)` per connection i: answer with canned bytes (e.g. a 503), cut
 *     the response after N bytes (a connection reset mid-body), or stall it
 *     after N bytes (the connection stays open, nothing more arrives).
 */
import net from 'node:net';

export interface ConnectionPlan {
  /** Raw HTTP response to send instead of contacting the upstream; the connection then closes. */
  reply?: string;
  /** Forward this many response bytes, then reset both sides. */
  cutAfterBytes?: number;
  /** Forward this many response bytes, then forward nothing more and keep the connection open. */
  stallAfterBytes?: number;
}

export interface TcpProxyOptions {
  hold?: { requests: number; timeoutMs: number };
  plan?: (connectionIndex: number) => ConnectionPlan;
}

export interface TcpProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Requests that arrived while responses were held (see `hold`). */
  readonly heldRequests: number;
  close(): Promise<void>;
}

export async function startTcpProxy(upstreamUrl: string, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<net.Socket>();
  const held: net.Socket[] = [];
  let released = options.hold === undefined;
  let heldRequests = 0;
  let connections = 0;
  const release = () => {
    released = true;
    for (const s of held) s.resume();
  };
  const timer = options.hold ? setTimeout(release, options.hold.timeoutMs) : undefined;

  const server = net.createServer((client) => {
    const plan = options.plan?.(connections) ?? {};
    connections++;
    sockets.add(client);
    client.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    const reply = plan.reply;
    if (reply !== undefined) {
      client.once('data', () => client.end(reply));
      return;
    }
    const target = net.connect(Number(upstream.port || 80), upstream.hostname);
    sockets.add(target);
    const close = () => {
      client.destroy();
      target.destroy();
    };
    target.on('error', close).on('close', close);
    client.on('close', close);
    client.pipe(target);
    const limit = plan.cutAfterBytes ?? plan.stallAfterBytes;
    if (limit !== undefined) {
      let forwarded = 0;
      target.on('data', (chunk: Buffer) => {
        const room = limit - forwarded;
        if (room > 0) client.write(chunk.subarray(0, room));
        forwarded += chunk.length;
        if (forwarded >= limit && plan.cutAfterBytes !== undefined) client.resetAndDestroy();
      });
    } else {
      target.pipe(client);
    }
    // After pipe(), which would resume it: the response stays unread until release.
    if (!released) {
      target.pause();
      held.push(target);
      client.once('data', () => {
        if (released) return;
        heldRequests++;
        if (heldRequests >= (options.hold?.requests ?? 0)) release();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    get heldRequests() {
      return heldRequests;
    },
    close: async () => {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
