import { createSecureServer } from 'node:http2';
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Fault, FaultCount, FaultHandle, HoldRule, ParkedRequest, RequestLogEntry, Service } from './types.ts';

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
  /**
   * Runs a request carried inside this one (a Graph JSON batch item) through the same handler: logged on its own
   * with `batch` set to this request's index, faults applied (status kinds only). Absent on batch items (no nesting).
   */
  inner?: (item: InnerRequest) => Promise<Res>;
}

/** A request carried inside another (a JSON batch item): `url` is a path and query as a plain request's would be. */
export interface InnerRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
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
  /** Who sends the request, when its credentials name a rotator or a GitHub token (see RequestLogEntry.principal). */
  principal?(req: Req): string | undefined;
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
  seen: number;
  /** Times it was applied. */
  fired: number;
}

interface ActiveHold {
  rule: HoldRule;
  removed: boolean;
}

/** A parked request: `go` lets it be processed (true) or abandons it (false, at close). */
interface Parking {
  request: ParkedRequest;
  hold: ActiveHold;
  go: (proceed: boolean) => void;
}

/** State shared by the servers: the log, fault list, holds, counters. */
export interface Plumbing {
  log: RequestLogEntry[];
  nextIndex: number;
  connectionSeq: number;
  tls: Record<Service, number>;
  faults: ActiveFault[];
  latencyMs: number;
  holds: ActiveHold[];
  parked: Map<number, Parking>;
  /** Requests received and not yet answered (parked ones included), with what resolves when each is. */
  active: Map<RequestLogEntry, Promise<RequestLogEntry>>;
}

export function createPlumbing(latencyMs: number): Plumbing {
  return { log: [], nextIndex: 0, connectionSeq: 0, tls: { entra: 0, graph: 0, github: 0, oidc: 0, keyvault: 0 }, faults: [], latencyMs, holds: [], parked: new Map(), active: new Map() };
}

/** Adds a fault; the handle counts how many times it fired. */
export function addFault(p: Plumbing, fault: Fault): FaultHandle {
  const af: ActiveFault = { fault, remaining: fault.times ?? 1, seen: 0, fired: 0 };
  p.faults.push(af);
  return {
    fault,
    get fired() {
      return af.fired;
    },
  };
}

export function faultCounts(p: Plumbing): FaultCount[] {
  return p.faults.map((af) => ({ fault: af.fault, fired: af.fired }));
}

/** Parks every request that matches `rule` (and no earlier hold) until released. */
export function addHold(p: Plumbing, rule: HoldRule): { remove(): Promise<RequestLogEntry[]> } {
  const hold: ActiveHold = { rule, removed: false };
  p.holds.push(hold);
  return {
    remove() {
      hold.removed = true;
      p.holds.splice(p.holds.indexOf(hold), 1);
      return Promise.all([...p.parked.values()].filter((k) => k.hold === hold).map((k) => releaseParked(p, k.request.id)));
    },
  };
}

/** Lets a parked request be processed; resolves with its log entry once it has been answered (or dropped). */
export function releaseParked(p: Plumbing, id: number): Promise<RequestLogEntry> {
  const parking = p.parked.get(id);
  if (parking === undefined) return Promise.reject(new Error(`emulator: no parked request ${id}`));
  p.parked.delete(id);
  const answered = p.active.get(parking.request.entry) ?? Promise.resolve(parking.request.entry);
  parking.go(true);
  return answered;
}

/** Received, not answered and not parked. */
export function inFlight(p: Plumbing): RequestLogEntry[] {
  return [...p.active.keys()].filter((e) => !p.parked.has(e.index));
}

const MAX_BODY = 4 * 1024 * 1024;

function matches(f: Fault, e: RequestLogEntry): boolean {
  const m = f.match;
  if (!m) return true;
  if (m.batched !== undefined && m.batched !== (e.batch !== undefined)) return false;
  if (m.index !== undefined && m.index !== e.index) return false;
  if (m.service !== undefined && m.service !== e.service) return false;
  if (m.method !== undefined && m.method.toUpperCase() !== e.method.toUpperCase()) return false;
  if (m.path !== undefined) {
    m.path.lastIndex = 0;
    if (!m.path.test(e.path)) return false;
  }
  return true;
}

/**
 * The first fault that applies. `occurrence` k with `times` n: the k-th matching request and the n-1 matching
 * ones after it (n = Infinity: every one from the k-th on).
 */
function takeFault(p: Plumbing, e: RequestLogEntry): Fault | undefined {
  for (const af of p.faults) {
    // A batch item has no connection of its own to drop.
    if (e.batch !== undefined && (af.fault.kind === 'drop' || af.fault.kind === 'drop-after')) continue;
    if (af.remaining > 0 && matches(af.fault, e)) {
      af.seen += 1;
      if (af.seen < (af.fault.match?.occurrence ?? 1)) continue;
      af.remaining -= 1;
      af.fired += 1;
      return af.fault;
    }
  }
  return undefined;
}

function holdMatches(rule: HoldRule, e: RequestLogEntry): boolean {
  const m = rule.match;
  if (typeof m === 'function') return m(e);
  if (m.principal !== undefined && m.principal !== e.principal) return false;
  return matches({ kind: 'status', match: m }, e);
}

/** Parks the request when a hold matches it; resolves true when released, false when abandoned (close). */
function park(p: Plumbing, entry: RequestLogEntry, body: Buffer): Promise<boolean> {
  const hold = p.holds.find((h) => !h.removed && holdMatches(h.rule, entry));
  if (hold === undefined) return Promise.resolve(true);
  return new Promise((resolve) => {
    const request: ParkedRequest = { id: entry.index, entry, body: body.toString('utf8') };
    entry.parked = true;
    p.parked.set(entry.index, {
      request,
      hold,
      go: (proceed) => {
        entry.parked = false;
        resolve(proceed);
      },
    });
    hold.rule.onParked?.(request);
  });
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
  /** The caller last named by a request on this connection. */
  principal?: string;
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

function toReq(service: Service, entry: RequestLogEntry, headers: IncomingHttpHeaders, body: Buffer): Req {
  const url = entry.path;
  const q = url.indexOf('?');
  return {
    service,
    method: entry.method.toUpperCase(),
    url,
    pathname: q < 0 ? url : url.slice(0, q),
    query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
    headers,
    body,
    index: entry.index,
    requestId: entry.requestId,
  };
}

/** The caller the request's credentials name, else the one last named on the same TLS connection. */
function principalOf(handler: ServiceHandler, r: Req, conn: Connection | undefined): string | undefined {
  const named = handler.principal?.(r);
  if (named !== undefined && conn) conn.principal = named;
  return named ?? conn?.principal;
}

/** The handler's answer, or the fault's status answer (the request is then not processed). */
async function answer(handler: ServiceHandler, r: Req, fault: Fault | undefined): Promise<Res> {
  if (fault?.kind === 'status') {
    const result = handler.faultResponse(r, fault.status ?? 503, fault.code);
    if (fault.retryAfter !== undefined) result.headers = { ...(result.headers ?? {}), 'retry-after': fault.retryAfter };
    return result;
  }
  try {
    return await handler.handle(r);
  } catch (err) {
    console.error(`[emulator ${handler.service}] ${r.method} ${r.url} failed:`, err);
    return handler.faultResponse(r, 500, undefined);
  }
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
    void serve(req, res);
  });

  /** Logs the request and keeps it among the active ones until it is answered, dropped or abandoned. */
  async function serve(req: AnyRequest, res: AnyResponse): Promise<void> {
    const conn = connectionOf(req);
    const entry: RequestLogEntry = {
      index: p.nextIndex++,
      service: handler.service,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      status: 0,
      connection: conn?.id ?? 0,
      remotePort: conn?.remotePort ?? 0,
      protocol: isHttp2(req) ? '2.0' : '1.1',
      requestId: handler.requestId(req.headers),
      at: Date.now(),
    };
    p.log.push(entry);
    let answered: (e: RequestLogEntry) => void = () => undefined;
    p.active.set(entry, new Promise((resolve) => (answered = resolve)));
    try {
      await handleRequest(req, res, conn, entry);
    } finally {
      entry.doneAt = Date.now();
      p.active.delete(entry);
      answered(entry);
    }
  }

  async function handleRequest(req: AnyRequest, res: AnyResponse, conn: Connection | undefined, entry: RequestLogEntry): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) return; // client went away
    const r = toReq(handler.service, entry, req.headers, body);
    r.inner = (item) => runInner(entry, item);
    const principal = principalOf(handler, r, conn);
    if (principal !== undefined) entry.principal = principal;
    if (!(await park(p, entry, body)) || closed) return;
    const fault = takeFault(p, entry);
    if (p.latencyMs > 0) await delay(p.latencyMs);
    if (closed) return;
    if (fault?.kind === 'drop') {
      entry.fault = 'drop';
      dropConnection(req, conn);
      return;
    }
    let result = await answer(handler, r, fault);
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
    if (fault?.kind === 'status') entry.fault = `status ${result.status}`;
    if (gone(req, res, conn)) return;
    try {
      send(res, result, handler.commonHeaders(r));
      entry.status = result.status;
    } catch (err) {
      // The stream or connection closed between the check and the write.
      if (!gone(req, res, conn)) console.error(`[emulator ${handler.service}] ${r.method} ${r.url}: sending the response failed:`, err);
    }
  }
  /** A batch item: logged with `batch` = the envelope's index, status faults applied, answered by the handler. */
  async function runInner(parent: RequestLogEntry, item: InnerRequest): Promise<Res> {
    const entry: RequestLogEntry = {
      index: p.nextIndex++,
      service: handler.service,
      method: item.method.toUpperCase(),
      path: item.url,
      status: 0,
      connection: parent.connection,
      remotePort: parent.remotePort,
      protocol: parent.protocol,
      requestId: handler.requestId(item.headers),
      at: Date.now(),
      batch: parent.index,
    };
    if (parent.principal !== undefined) entry.principal = parent.principal;
    p.log.push(entry);
    const r = toReq(handler.service, entry, item.headers, item.body);
    const fault = takeFault(p, entry);
    let result = await answer(handler, r, fault);
    if (fault?.kind === 'status-after') {
      entry.fault = `status-after ${fault.status ?? 503} (handled ${result.status})`;
      result = handler.faultResponse(r, fault.status ?? 503, fault.code);
      if (fault.retryAfter !== undefined) result.headers = { ...(result.headers ?? {}), 'retry-after': fault.retryAfter };
    } else if (fault?.kind === 'status') entry.fault = `status ${result.status}`;
    entry.status = result.status;
    return { ...result, headers: { ...handler.commonHeaders(r), ...(result.headers ?? {}) } };
  }

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
        for (const [id, parking] of p.parked) {
          if (parking.request.entry.service !== handler.service) continue;
          p.parked.delete(id);
          parking.go(false);
        }
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
