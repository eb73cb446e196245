import { createSecureServer } from 'node:http2';
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Fault, RequestLogEntry, Service } from './types.ts';

export interface Req {
  service: Service;
  method: string;
  /** Path and query exactly as received. */
  url: string;
  /** Raw (still percent-encoded) path. */
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  index: number;
  requestId: string;
}

export interface Res {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; undefined sends no body. */
  body?: unknown;
}

export interface ServiceHandler {
  service: Service;
  /** The id this service reports for the request (request-id, x-github-request-id, ...). */
  requestId(headers: IncomingHttpHeaders): string;
  /** Headers on every response of this service, including fault responses. */
  commonHeaders(req: Req): Record<string, string>;
  handle(req: Req): Res | Promise<Res>;
  /** Response for a 'status' fault, in the service's error shape. */
  faultResponse(req: Req, status: number, code: string | undefined): Res;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
  /** Requests that matched so far (for `match.occurrence`). */
  seen?: number;
}

/** State shared by the four servers: the log, fault list, counters. */
export interface Plumbing {
  log: RequestLogEntry[];
  nextIndex: number;
  connectionSeq: number;
  tls: Record<Service, number>;
  faults: ActiveFault[];
  latencyMs: number;
}

export function createPlumbing(latencyMs: number): Plumbing {
  return { log: [], nextIndex: 0, connectionSeq: 0, tls: { entra: 0, graph: 0, github: 0, oidc: 0 }, faults: [], latencyMs };
}

const MAX_BODY = 4 * 1024 * 1024;

function matches(f: Fault, e: RequestLogEntry): boolean {
  const m = f.match;
  if (!m) return true;
  if (m.index !== undefined && m.index !== e.index) return false;
  if (m.service !== undefined && m.service !== e.service) return false;
  if (m.method !== undefined && m.method.toUpperCase() !== e.method.toUpperCase()) return false;
  if (m.path !== undefined) {
    m.path.lastIndex = 0;
    if (!m.path.test(e.path)) return false;
  }
  return true;
}

function takeFault(p: Plumbing, e: RequestLogEntry): Fault | undefined {
  for (const af of p.faults) {
    if (af.remaining > 0 && matches(af.fault, e)) {
      af.seen = (af.seen ?? 0) + 1;
      if (af.seen < (af.fault.match?.occurrence ?? 1)) continue;
      af.remaining -= 1;
      return af.fault;
    }
  }
  return undefined;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * Connection-specific header fields HTTP/2 forbids (RFC 9113 section 8.2.2; Node's HTTP/2 layer throws on them).
 * Dropped from every response: the handlers never need them, and Node adds its own Connection / Keep-Alive to
 * HTTP/1.1 responses.
 */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/** Set on each accepted TLS socket. */
const CONNECTION = Symbol('emulator.connection');

interface Connection {
  /** The id in the request log. */
  id: number;
  socket: TLSSocket;
  /** The client's port, as this server saw it (through a proxy: the proxy's upstream socket). */
  remotePort: number;
}

type TaggedSocket = TLSSocket & { [CONNECTION]?: Connection };

function isHttp2(req: AnyRequest): req is Http2ServerRequest {
  return req.httpVersion === '2.0';
}

/**
 * The TLS connection a request arrived on. Under HTTP/2, `req.socket` is a proxy that routes property reads to
 * the session's TLS socket (documented for Http2ServerRequest.socket), so the tag is found for both protocols.
 */
function connectionOf(req: AnyRequest): Connection | undefined {
  try {
    return (req.socket as TaggedSocket)[CONNECTION];
  } catch {
    return undefined; // the HTTP/2 session is already gone (ERR_HTTP2_SOCKET_UNBOUND)
  }
}

/**
 * A dropped connection: the TLS socket is destroyed, with no response, no HTTP/2 GOAWAY or RST_STREAM and no TLS
 * close_notify, as when a connection is reset on the way. Under HTTP/2 every other request in flight on the same
 * connection fails with it.
 */
function dropConnection(req: AnyRequest, conn: Connection | undefined): void {
  if (conn) conn.socket.destroy();
  else if (isHttp2(req)) req.stream.session?.destroy();
  else req.socket.destroy();
}

/** True when no response can reach the client any more. */
function gone(req: AnyRequest, res: AnyResponse, conn: Connection | undefined): boolean {
  if (conn?.socket.destroyed) return true;
  if (isHttp2(req)) return req.stream.destroyed || req.stream.closed;
  return (res as ServerResponse).destroyed || req.socket.destroyed;
}

function readBody(req: Readable & { complete: boolean }): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        resolve(undefined);
      }
    });
    req.on('close', () => {
      if (!done && !req.complete) {
        done = true;
        resolve(undefined);
      }
    });
  });
}

/** What send() needs of ServerResponse and Http2ServerResponse. */
interface ResponseSink {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(): unknown;
  end(data: Uint8Array): unknown;
}

function send(res: ResponseSink, r: Res, common: Record<string, string>): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...common, ...(r.headers ?? {}) })) if (!CONNECTION_HEADERS.has(k.toLowerCase())) headers[k] = v;
  let payload: Buffer | undefined;
  if (r.body !== undefined && r.status !== 204 && r.status !== 304) {
    if (Buffer.isBuffer(r.body)) payload = r.body;
    else if (typeof r.body === 'string') payload = Buffer.from(r.body, 'utf8');
    else {
      payload = Buffer.from(JSON.stringify(r.body), 'utf8');
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
    }
  }
  if (payload) headers['content-length'] = String(payload.length);
  res.writeHead(r.status, headers);
  if (payload) res.end(payload);
  else res.end();
}

export interface ServiceServer {
  server: Http2SecureServer;
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Offer only http/1.1 in ALPN (a client offering only h2 gets a no_application_protocol alert). */
  http1Only?: boolean;
}

/**
 * One HTTPS server speaking HTTP/2 (ALPN h2) and HTTP/1.1 (ALPN http/1.1, or no ALPN), as the real services do,
 * both through the same handler (the HTTP/2 compatibility API).
 */
export async function startServiceServer(p: Plumbing, handler: ServiceHandler, tls: { key: string; cert: string }, options: ServerOptions = {}): Promise<ServiceServer> {
  const server = createSecureServer({
    key: tls.key,
    cert: tls.cert,
    keepAlive: true,
    allowHTTP1: true,
    // Node replaces ALPNProtocols with ['h2', 'http/1.1'] but keeps an ALPNCallback.
    ...(options.http1Only ? { ALPNCallback: ({ protocols }: { protocols: string[] }) => (protocols.includes('http/1.1') ? 'http/1.1' : undefined) } : {}),
  });
  // HTTP/1.1: keep idle connections long enough that clients' keep-alive pools decide when to close, as with the
  // real services (read by Node's HTTP/1 connection handling; not in Http2SecureServer's type).
  Object.assign(server, { keepAliveTimeout: 60_000 });

  // Everything open, so that close() ends promptly.
  const sockets = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    p.tls[handler.service] += 1;
    p.connectionSeq += 1;
    (socket as TaggedSocket)[CONNECTION] = { id: p.connectionSeq, socket, remotePort: socket.remotePort ?? 0 };
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });

  // Latency timers, cut short by close() so that no timer outlives the server.
  let closed = false;
  const delays = new Set<() => void>();
  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        delays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      delays.add(done);
    });

  server.on('request', (req: AnyRequest, res: AnyResponse) => {
    void (async () => {
      const url = req.url ?? '/';
      const requestId = handler.requestId(req.headers);
      const conn = connectionOf(req);
      const entry: RequestLogEntry = {
        index: p.nextIndex++,
        service: handler.service,
        method: req.method ?? 'GET',
        path: url,
        status: 0,
        connection: conn?.id ?? 0,
        remotePort: conn?.remotePort ?? 0,
        protocol: isHttp2(req) ? '2.0' : '1.1',
        requestId,
      };
      p.log.push(entry);
      const body = await readBody(req);
      if (body === undefined) return; // client went away
      const q = url.indexOf('?');
      const r: Req = {
        service: handler.service,
        method: entry.method.toUpperCase(),
        url,
        pathname: q < 0 ? url : url.slice(0, q),
        query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
        headers: req.headers,
        body,
        index: entry.index,
        requestId,
      };
      const fault = takeFault(p, entry);
      if (p.latencyMs > 0) await delay(p.latencyMs);
      if (closed) return;
      if (fault?.kind === 'drop') {
        entry.fault = 'drop';
        dropConnection(req, conn);
        return;
      }
      let result: Res;
      if (fault?.kind === 'status') {
        const status = fault.status ?? 503;
        entry.fault = `status ${status}`;
        result = handler.faultResponse(r, status, fault.code);
        if (fault.retryAfter !== undefined) result.headers = { ...(result.headers ?? {}), 'retry-after': fault.retryAfter };
      } else {
        try {
          result = await handler.handle(r);
        } catch (err) {
          console.error(`[emulator ${handler.service}] ${r.method} ${url} failed:`, err);
          result = handler.faultResponse(r, 500, undefined);
        }
      }
      if (fault?.kind === 'status-after') {
        const status = fault.status ?? 503;
        entry.fault = `status-after ${status} (handled ${result.status})`;
        result = handler.faultResponse(r, status, fault.code);
      }
      if (fault?.kind === 'drop-after') {
        entry.fault = `drop-after (handled ${result.status})`;
        dropConnection(req, conn);
        return;
      }
      if (gone(req, res, conn)) return;
      try {
        send(res, result, handler.commonHeaders(r));
        entry.status = result.status;
      } catch (err) {
        // The stream or connection closed between the check and the write.
        if (!gone(req, res, conn)) console.error(`[emulator ${handler.service}] ${r.method} ${url}: sending the response failed:`, err);
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('emulator: no port');
  return {
    server,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const done of delays) done();
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
