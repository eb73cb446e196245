import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Fault, RequestLogEntry, Service } from './types.ts';
import { sleep } from './util.ts';

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
      af.remaining -= 1;
      return af.fault;
    }
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
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

function send(res: ServerResponse, r: Res, common: Record<string, string>): void {
  const headers: Record<string, string> = { ...common, ...(r.headers ?? {}) };
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
  res.end(payload);
}

export interface ServiceServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startServiceServer(p: Plumbing, handler: ServiceHandler, tls: { key: string; cert: string }): Promise<ServiceServer> {
  const socketIds = new WeakMap<Socket, number>();
  const server = createServer({ key: tls.key, cert: tls.cert, keepAlive: true });
  // Keep idle connections long enough that clients' keep-alive pools decide when to close, as with the real services.
  server.keepAliveTimeout = 60_000;

  server.on('secureConnection', (socket: Socket) => {
    p.tls[handler.service] += 1;
    p.connectionSeq += 1;
    socketIds.set(socket, p.connectionSeq);
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = req.url ?? '/';
      const requestId = handler.requestId(req.headers);
      const entry: RequestLogEntry = {
        index: p.nextIndex++,
        service: handler.service,
        method: req.method ?? 'GET',
        path: url,
        status: 0,
        connection: socketIds.get(req.socket) ?? 0,
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
      if (p.latencyMs > 0) await sleep(p.latencyMs);
      if (fault?.kind === 'drop') {
        entry.fault = 'drop';
        req.socket.destroy();
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
      if (fault?.kind === 'drop-after') {
        entry.fault = `drop-after (handled ${result.status})`;
        req.socket.destroy();
        return;
      }
      if (res.destroyed || req.socket.destroyed) return;
      entry.status = result.status;
      send(res, result, handler.commonHeaders(r));
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
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
