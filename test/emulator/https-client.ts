/**
 * Minimal HTTPS clients (HTTP/1.1 and HTTP/2) for tests that talk to the emulator directly (jest cannot use
 * NODE_EXTRA_CA_CERTS, which is read only at process start, so the CA is passed per request or session).
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Objects are sent as JSON, URLSearchParams as a form. */
  body?: string | URLSearchParams | object;
  ca: string;
  agent?: Agent;
}

function encode(opts: Pick<RequestOptions, 'headers' | 'body'>): { headers: Record<string, string>; payload: string | undefined } {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let payload: string | undefined;
  if (opts.body instanceof URLSearchParams) {
    payload = opts.body.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else if (typeof opts.body === 'string') {
    payload = opts.body;
  } else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return { headers, payload };
}

function response(status: number, headers: IncomingHttpHeaders, chunks: Buffer[]): HttpResponse {
  const text = Buffer.concat(chunks).toString('utf8');
  let json: unknown;
  if (text !== '' && /json/i.test(String(headers['content-type'] ?? ''))) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status, headers, text, json };
}

export function request(url: string, opts: RequestOptions): Promise<HttpResponse> {
  const { headers, payload } = encode(opts);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: opts.method ?? 'GET', headers, ca: opts.ca, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve(response(res.statusCode ?? 0, res.headers, chunks)));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export interface Http2Client {
  session: ClientHttp2Session;
  /** One stream on the session; `path` includes the query. Rejects when the stream closes without a complete response. */
  request(path: string, opts?: Omit<RequestOptions, 'ca' | 'agent'>): Promise<HttpResponse>;
  close(): Promise<void>;
}

/**
 * One HTTP/2 session (one TLS connection, ALPN h2 only) to `origin`, whose requests are multiplexed. Rejects when
 * the server does not negotiate h2.
 *
 * A connection dropped by the server (a 'drop' fault) gives node:http2 no 'error' event: the stream just ends and
 * closes (rstCode NGHTTP2_CANCEL) without a 'response'. request() turns that into a rejection, as a real client
 * must.
 */
export function http2Client(origin: string, ca: string): Promise<Http2Client> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(origin, { ca });
    const fail = (e: Error): void => reject(e);
    session.once('error', fail);
    session.once('connect', () => {
      session.off('error', fail);
      session.on('error', () => undefined); // reported to each stream
      resolve({
        session,
        request(path, opts = {}) {
          const { headers, payload } = encode(opts);
          return new Promise((res, rej) => {
            const stream = session.request({ ':method': opts.method ?? 'GET', ':path': path, ...headers });
            const chunks: Buffer[] = [];
            let head: IncomingHttpHeaders | undefined;
            let status = 0;
            let ended = false;
            let failure: Error | undefined;
            stream.on('response', (h) => {
              status = Number(h[':status']);
              head = h;
            });
            stream.on('data', (c: Buffer) => chunks.push(c));
            stream.on('end', () => {
              ended = true;
            });
            stream.on('error', (e) => {
              failure = e;
            });
            stream.on('close', () => {
              if (failure) rej(failure);
              else if (head === undefined || !ended) rej(new Error(`HTTP/2 stream closed without a complete response (rstCode ${stream.rstCode})`));
              else res(response(status, head, chunks));
            });
            stream.end(payload);
          });
        },
        close: () =>
          new Promise<void>((done) => {
            if (session.destroyed) done();
            else if (session.closed) session.once('close', () => done());
            else session.close(() => done());
          }),
      });
    });
  });
}

/** A keep-alive agent trusting the emulator's CA (one TLS connection reused across requests). */
export function keepAliveAgent(ca: string): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, ca });
}
