/**
 * One HTTP client for the whole action: HTTP/2 with one TLS connection per host (requests multiplexed), HTTP/1.1
 * keep-alive where a host does not offer h2, a per-request timeout, and one retry policy:
 * 429, 502/503/504 (500 too for idempotent calls) and transport failures, with bounded exponential backoff and
 * jitter, honouring Retry-After (seconds or an HTTP date) and GitHub's rate-limit headers. Every retry is logged.
 */
import http2 from 'node:http2';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { backoffMs, retryAfterMs, sleep, type RetryPolicy } from './retry';
import { TLS_VERIFICATION_CODES } from './tls';

// Kept where they were for this module's users (github.ts) until they move to their SDK.
export { backoffMs, defaultRetryPolicy, retryAfterMs, sleep, type RetryPolicy } from './retry';
export { untrustedHint } from './tls';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestSpec {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** What is being done, for logs and errors ("reading the app registration …"). */
  doing: string;
  /** Repeating the request cannot do harm (GET, PUT, DELETE; POSTs only when the caller says so). */
  idempotent: boolean;
  /** More answers worth retrying for this request (replication lag on a new object, a concurrency conflict). */
  retryAlso?: (response: HttpResponse) => string | undefined;
  /** Tries in all for this request, when it differs from the policy's. */
  attempts?: number;
  /** No attempt starts after this time (epoch ms): what was last received stands. */
  notAfter?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** An earlier attempt of this request got no answer after it was sent, so it may have taken effect. */
  afterLostAnswer?: boolean;
}

/**
 * No response was received. `maybeProcessed`: the request (this attempt or an earlier one) may have reached the
 * server and taken effect. `untrusted`: the server's TLS certificate was not trusted, which no retry changes.
 */
export class TransportError extends Error {
  readonly code: string;
  readonly maybeProcessed: boolean;
  readonly untrusted: boolean;

  constructor(message: string, code: string, maybeProcessed: boolean) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
    this.maybeProcessed = maybeProcessed;
    this.untrusted = TLS_VERIFICATION_CODES.has(code);
  }
}

const RETRYABLE_ALWAYS = new Set([429, 503]);
const RETRYABLE_IDEMPOTENT = new Set([500, 502, 504]);

/**
 * Whether a response is worth another try, and why. A request that is not idempotent is repeated only after a
 * 429 (refused before any work); after a 5xx it may have taken effect, and its caller decides.
 */
export function retryReason(spec: Pick<RequestSpec, 'idempotent'>, response: HttpResponse): string | undefined {
  if (!spec.idempotent) return response.status === 429 ? 'HTTP 429' : undefined;
  if (RETRYABLE_ALWAYS.has(response.status)) return `HTTP ${response.status}`;
  if (spec.idempotent && RETRYABLE_IDEMPOTENT.has(response.status)) return `HTTP ${response.status}`;
  // GitHub's secondary rate limits: 403 (or 429) with retry-after, or with the primary limit used up.
  if (response.status === 403 && retryAfterMs(response.headers) !== undefined) return 'HTTP 403 rate limit';
  return undefined;
}

type Connection = { kind: 'h2'; session: http2.ClientHttp2Session } | { kind: 'h1'; agent: https.Agent };

export class HttpClient {
  readonly #policy: RetryPolicy;
  readonly #log: (message: string) => void;
  readonly #connections = new Map<string, Promise<Connection>>();
  #closed = false;

  constructor(policy: RetryPolicy, log: (message: string) => void) {
    this.#policy = policy;
    this.#log = log;
  }

  /** Sends with the retry policy. Returns the last response (any status); throws TransportError when none came. */
  async send(spec: RequestSpec): Promise<HttpResponse> {
    const attempts = spec.attempts ?? this.#policy.attempts;
    let lost = false;
    for (let attempt = 1; ; attempt += 1) {
      let why: string;
      let wait: number | undefined;
      let last: HttpResponse | TransportError;
      try {
        const response = await this.#once(spec);
        last = lost ? { ...response, afterLostAnswer: true } : response;
        const reason = retryReason(spec, response) ?? spec.retryAlso?.(response);
        if (reason === undefined || attempt >= attempts) return last;
        why = reason;
        wait = retryAfterMs(response.headers);
        if (wait !== undefined && wait > this.#policy.maxWaitMs) return last;
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        lost ||= error.maybeProcessed;
        last = lost === error.maybeProcessed ? error : new TransportError(error.message, error.code, true);
        if (error.untrusted || (error.maybeProcessed && !spec.idempotent) || attempt >= attempts || this.#closed) throw last;
        why = `${error.code}: ${error.message}`;
      }
      const delay = wait ?? backoffMs(this.#policy, attempt);
      if (spec.notAfter !== undefined && Date.now() + delay > spec.notAfter) {
        this.#log(`Not retrying ${spec.doing} after ${why}: the time this run allows for it is over`);
        if (last instanceof TransportError) throw last;
        return last;
      }
      this.#log(`Retrying ${spec.doing} in ${delay} ms (attempt ${attempt + 1} of ${attempts}) after ${why}`);
      await sleep(delay);
    }
  }

  /**
   * Opens the connection to a host now, so that its TLS handshake overlaps with work on other hosts (the Graph
   * connection is ready when the token arrives). Failures surface on the first request instead.
   */
  preconnect(url: string): void {
    this.#connection(new URL(url).origin).catch(() => undefined);
  }

  /** Closes every connection, so the process can end. */
  close(): void {
    this.#closed = true;
    for (const c of this.#connections.values()) {
      c.then(
        (conn) => (conn.kind === 'h2' ? conn.session.close() : conn.agent.destroy()),
        () => undefined,
      );
    }
    this.#connections.clear();
  }

  async #once(spec: RequestSpec): Promise<HttpResponse> {
    const url = new URL(spec.url);
    let connection: Connection;
    try {
      connection = await this.#connection(url.origin);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new TransportError(`could not connect to ${url.host}: ${e.message}`, e.code ?? 'ECONNECT', false);
    }
    return connection.kind === 'h2' ? this.#h2(connection.session, url, spec) : this.#h1(connection.agent, url, spec);
  }

  #connection(origin: string): Promise<Connection> {
    if (this.#closed) return Promise.reject(Object.assign(new Error('the run is over'), { code: 'ECLOSED' }));
    let c = this.#connections.get(origin);
    if (c === undefined) {
      c = connect(origin, this.#policy.timeoutMs);
      this.#connections.set(origin, c);
      c.then(
        (conn) => {
          if (conn.kind === 'h2') {
            const forget = (): void => {
              if (this.#connections.get(origin) === c) this.#connections.delete(origin);
            };
            conn.session.on('close', forget);
            conn.session.on('goaway', forget);
            conn.session.on('error', forget);
          }
        },
        () => this.#connections.delete(origin),
      );
    }
    return c;
  }

  #h2(session: http2.ClientHttp2Session, url: URL, spec: RequestSpec): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request({
          ':method': spec.method,
          ':path': `${url.pathname}${url.search}`,
          ...lowerCase(spec.headers),
          ...(spec.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(spec.body)) }),
        });
      } catch (error) {
        reject(new TransportError((error as Error).message, (error as NodeJS.ErrnoException).code ?? 'ERR_HTTP2', false));
        return;
      }
      let status = 0;
      let headers: Record<string, string> = {};
      const chunks: Buffer[] = [];
      stream.setTimeout(this.#policy.timeoutMs, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.on('response', (h) => {
        status = Number(h[':status']);
        headers = flatten(h);
      });
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        if (status === 0) reject(new TransportError(`the connection to ${url.host} closed without a response`, 'ECONNRESET', true));
        else resolve({ status, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      stream.on('close', () => {
        if (status === 0) {
          const timedOut = stream.rstCode === http2.constants.NGHTTP2_CANCEL;
          reject(
            new TransportError(
              timedOut ? `no response from ${url.host} within ${this.#policy.timeoutMs} ms` : `the connection to ${url.host} was reset`,
              timedOut ? 'ETIMEDOUT' : 'ECONNRESET',
              true,
            ),
          );
        }
      });
      stream.on('error', (error: NodeJS.ErrnoException) => {
        reject(new TransportError(`the connection to ${url.host} failed: ${error.message}`, error.code ?? 'ECONNRESET', true));
      });
      stream.end(spec.body);
    });
  }

  #h1(agent: https.Agent, url: URL, spec: RequestSpec): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method: spec.method, agent, headers: spec.headers, timeout: this.#policy.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: flatten(res.headers), body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error: NodeJS.ErrnoException) => reject(new TransportError(error.message, error.code ?? 'ECONNRESET', true)));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no response from ${url.host} within ${this.#policy.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => {
        const before = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN'];
        reject(new TransportError(`the request to ${url.host} failed: ${error.message}`, error.code ?? 'ECONNRESET', !before.includes(error.code ?? '')));
      });
      req.end(spec.body);
    });
  }
}

/** Keeps the first TLS connection (made while asking for h2) for the first HTTP/1.1 request. */
class SpareSocketAgent extends https.Agent {
  #spare: tls.TLSSocket | undefined;

  constructor(spare: tls.TLSSocket) {
    super({ keepAlive: true });
    this.#spare = spare;
  }

  override createConnection(...args: Parameters<https.Agent['createConnection']>): ReturnType<https.Agent['createConnection']> {
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare !== undefined && !spare.destroyed) return spare;
    return super.createConnection(...args);
  }
}

/** Opens a TLS connection offering h2 and http/1.1; uses HTTP/2 over it when the server picks h2. */
function connect(origin: string, timeoutMs: number): Promise<Connection> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: url.hostname,
      port: Number(url.port || 443),
      ...(isIP(url.hostname) === 0 ? { servername: url.hostname } : {}),
      ALPNProtocols: ['h2', 'http/1.1'],
      timeout: timeoutMs,
    });
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.once('timeout', () => fail(Object.assign(new Error(`no TLS connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      socket.setTimeout(0);
      if (socket.alpnProtocol === 'h2') {
        const session = http2.connect(origin, { createConnection: () => socket });
        session.on('error', () => undefined);
        resolve({ kind: 'h2', session });
      } else {
        resolve({ kind: 'h1', agent: new SpareSocketAgent(socket) });
      }
    });
  });
}

function lowerCase(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function flatten(h: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v !== undefined && !k.startsWith(':')) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}
