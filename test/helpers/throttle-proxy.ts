/**
 * A loopback TCP proxy in front of an S3 server whose responses share one
 * fixed bandwidth: every byte the server sends, over every connection, goes
 * through one first-come first-served queue drained at `bytesPerSecond`. A
 * store with a known capacity, so that a test knows how many accelerators
 * it can feed (requests pass upstream unthrottled; they are small).
 */
import net from 'node:net';

export interface ThrottleProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Response bytes forwarded so far. */
  readonly bytes: number;
  close(): Promise<void>;
}

export async function startThrottleProxy(
  upstreamUrl: string,
  bytesPerSecond: number,
): Promise<ThrottleProxy> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<net.Socket>();
  const bytesPerMs = bytesPerSecond / 1000;
  /** When the shared link is free again (performance.now() ms). */
  let freeAt = 0;
  let forwarded = 0;
  const timers = new Set<NodeJS.Timeout>();

  const server = net.createServer((client) => {
    const target = net.connect(Number(upstream.port || 80), upstream.hostname);
    for (const s of [client, target]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        target.destroy();
      });
    }
    client.pipe(target);
    target.on('data', (chunk: Buffer) => {
      // The chunk takes its turn on the link; the connection reads nothing more until it has been sent.
      target.pause();
      const now = performance.now();
      freeAt = Math.max(now, freeAt) + chunk.length / bytesPerMs;
      const timer = setTimeout(() => {
        timers.delete(timer);
        forwarded += chunk.length;
        client.write(chunk);
        target.resume();
      }, freeAt - now);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get bytes() {
      return forwarded;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
