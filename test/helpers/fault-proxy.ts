/**
 * Loopback fault injection in front of an S3 server, per HTTP request (the
 * TCP-level tcp-proxy.ts counts connections; keep-alive makes that too coarse
 * for "the second UploadPart"):
 *   - `startFaultProxy(upstream, rules)`: an HTTP proxy that forwards every
 *     request unchanged (Host included, so SigV4 signatures stay valid) except
 *     those a rule matches, which it disturbs:
 *       silence        — read the request, never answer (the connection stays open);
 *       stall-request  — read `afterBytes` of the request body, then stop reading
 *                        (the client's writes back up; nothing is ever answered);
 *       stall-response — forward the upstream's status, headers and `afterBytes`
 *                        of its body, then nothing more (the connection stays open);
 *       reset          — destroy the connection as soon as the request arrives;
 *       status         — answer with an S3 XML error (e.g. 503 SlowDown).
 *   - `startBlackhole()`: a TCP server that accepts connections and never
 *     sends a byte — an endpoint that hangs.
 * Both run in the test's own process: drive the CLI with an async `spawn`,
 * never `spawnSync`, or the proxy cannot answer.
 */
import http from 'node:http';
import net from 'node:net';

export type Fault =
  | { kind: 'silence' }
  | { kind: 'stall-request'; afterBytes: number }
  | { kind: 'stall-response'; afterBytes: number }
  | { kind: 'reset' }
  | { kind: 'status'; status: number; code: string };

export interface ProxiedRequest {
  method: string;
  /** Path and query as sent, e.g. `/bucket/key?partNumber=2&uploadId=…`. */
  url: string;
  /** The Range header, if any. */
  range?: string;
}

export interface FaultRule {
  match: (request: ProxiedRequest) => boolean;
  fault: Fault;
  /** Disturb only the first `times` matching requests (default: all). */
  times?: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Every request seen, with the fault applied to it, if any. */
  readonly requests: readonly (ProxiedRequest & { fault?: Fault['kind'] })[];
  /** How many requests were disturbed. */
  readonly faults: number;
  /** Requests that repeat an earlier one (same method, URL and range): the retries on the wire. */
  retriesSeen(match?: (request: ProxiedRequest) => boolean): number;
  close(): Promise<void>;
}

/** Matchers for the S3 requests the tests disturb. */
export const s3Requests = {
  uploadPart: (r: ProxiedRequest) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url),
  /** A GET of an object whose key contains `part` (not a LIST, not the manifest unless named). */
  getObject:
    (part: string) =>
    (r: ProxiedRequest): boolean =>
      r.method === 'GET' && !/[?&](list-type|uploads)=?/.test(r.url) && r.url.split('?')[0].includes(part),
};

function s3ErrorBody(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the fault proxy</Message></Error>`;
}

export async function startFaultProxy(upstreamUrl: string, rules: FaultRule[]): Promise<FaultProxy> {
  const upstream = new URL(upstreamUrl);
  const agent = new http.Agent({ keepAlive: true });
  const used = rules.map(() => 0);
  const seen: (ProxiedRequest & { fault?: Fault['kind'] })[] = [];
  let faults = 0;

  const pick = (request: ProxiedRequest): Fault | undefined => {
    for (const [i, rule] of rules.entries()) {
      if (used[i] >= (rule.times ?? Number.POSITIVE_INFINITY) || !rule.match(request)) continue;
      used[i]++;
      return rule.fault;
    }
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const request: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/' };
    if (typeof req.headers.range === 'string') request.range = req.headers.range;
    const fault = pick(request);
    seen.push({ ...request, fault: fault?.kind });
    req.on('error', () => {});
    res.on('error', () => {});
    if (fault !== undefined) faults++;
    switch (fault?.kind) {
      case 'silence':
        req.resume();
        return;
      case 'stall-request': {
        let taken = 0;
        req.on('data', (chunk: Buffer) => {
          taken += chunk.length;
          if (taken >= fault.afterBytes) req.pause();
        });
        return;
      }
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'status': {
        const body = s3ErrorBody(fault.code);
        req.resume();
        req.on('end', () => {
          res.writeHead(fault.status, {
            'content-type': 'application/xml',
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        });
        return;
      }
    }
    const out = http.request(
      {
        host: upstream.hostname,
        port: Number(upstream.port || 80),
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        if (fault?.kind !== 'stall-response') {
          answer.pipe(res);
          return;
        }
        let forwarded = 0;
        answer.on('data', (chunk: Buffer) => {
          const room = fault.afterBytes - forwarded;
          if (room > 0) res.write(chunk.subarray(0, room));
          forwarded += chunk.length;
        });
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  // Node answers `Expect: 100-continue` itself unless told otherwise: forward it unchanged instead.
  server.on('checkContinue', (req, res) => {
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return seen;
    },
    get faults() {
      return faults;
    },
    retriesSeen: (match = () => true) => {
      const keys = seen.filter(match).map((r) => `${r.method} ${r.url} ${r.range ?? ''}`);
      return keys.length - new Set(keys).size;
    },
    close: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface Blackhole {
  url: string;
  readonly connections: number;
  close(): Promise<void>;
}

/** Accepts every connection, reads what is sent, answers nothing, never closes. */
export async function startBlackhole(): Promise<Blackhole> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
