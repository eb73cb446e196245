/**
 * The Microsoft Graph client as this action configures it: the rotator's credential as its auth provider, the
 * SDK's RetryHandler deciding per request (through shouldRetry) with the action's retry policy, and a fetch
 * transport that goes through HTTPS_PROXY and keeps what went wrong on the wire (the Graph client otherwise turns
 * a failed fetch into a GraphError that has lost its cause).
 */
import {
  AuthenticationHandler,
  Client,
  GraphClientError,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { RotatorCredential } from './entra';
import { viaProxy } from './proxy';
import { retryAfterMs, retryLine, waitMs, type RetryPolicy } from './retry';
import { causeCode, NEVER_SENT_CODES, TLS_VERIFICATION_CODES } from './tls';

/**
 * No answer came. `maybeProcessed`: the request may have reached Graph (the connection broke after it was sent,
 * or timed out). `untrusted`: the certificate was not trusted, which no retry changes.
 */
export class TransportFailure extends GraphClientError {
  readonly code: string;
  readonly maybeProcessed: boolean;
  readonly untrusted: boolean;

  constructor(host: string, error: unknown) {
    const code = causeCode(error) ?? (error instanceof Error && error.name === 'TimeoutError' ? 'ETIMEDOUT' : 'ECONNRESET');
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    super(`the request to ${host} failed: ${reason}`);
    // GraphClientError sets its own prototype; a GraphClientError passes through the client unchanged.
    Object.setPrototypeOf(this, TransportFailure.prototype);
    this.name = 'TransportFailure';
    this.code = code;
    this.maybeProcessed = !NEVER_SENT_CODES.has(code);
    this.untrusted = TLS_VERIFICATION_CODES.has(code);
  }
}

/** Statuses with no body (a Response with one cannot be built). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** Sends with fetch through the proxy (if any), with a timeout; the body is read here so its failure is caught too. */
class FetchTransport implements Middleware {
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  async execute(context: Context): Promise<void> {
    // RequestInfo is a DOM type this project's lib does not declare; the Graph client passes a URL string.
    const target = context.request as unknown as string | Request;
    try {
      const init = await viaProxy({ ...context.options, signal: AbortSignal.timeout(this.#timeoutMs) });
      const response = await fetch(target, init);
      const body = await response.arrayBuffer();
      const keep = NULL_BODY.has(response.status) || body.byteLength === 0 ? null : body;
      context.response = new Response(keep, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      throw new TransportFailure(new URL(typeof target === 'string' ? target : target.url).host, error);
    }
  }

  setNext(): void {
    // the last middleware
  }
}

export function graphClient(graphEndpoint: string, credential: RotatorCredential, policy: RetryPolicy): Client {
  const retries = new RetryHandler(new RetryHandlerOptions(0, 0));
  // The handler adds up to 1 s of jitter and whole-second exponential steps to `delay` (no option turns that off),
  // which would make every test wait seconds: the wait that shouldRetry chose is used as it is.
  Object.defineProperty(retries, 'getDelay', { value: (_response: Response, _retries: number, delay: number) => delay });
  return Client.initWithMiddleware({
    middleware: [
      new AuthenticationHandler(new TokenCredentialAuthenticationProvider(credential, { scopes: [credential.graphScope] })),
      retries,
      new TelemetryHandler(),
      new FetchTransport(policy.timeoutMs),
    ],
    baseUrl: `${graphEndpoint}/`,
    defaultVersion: 'v1.0',
    // The client sends the token only to Microsoft's Graph hosts and these.
    customHosts: new Set([new URL(graphEndpoint).hostname]),
  });
}

export interface StatusRetry {
  doing: string;
  /** Repeating it cannot do harm; otherwise only a 429 (refused before any work) is retried. */
  idempotent: boolean;
}

/**
 * The RetryHandler's options for one request: the handler offers 429, 503 and 504 (and honours Retry-After);
 * this says whether to retry, for how long to wait, and logs it.
 */
export function statusRetries(call: StatusRetry, policy: RetryPolicy, log: (message: string) => void): RetryHandlerOptions {
  const options = new RetryHandlerOptions(0, policy.attempts - 1, (_delay, retried, _request, _init, response) => {
    if (!call.idempotent && response.status !== 429) return false;
    const asked = retryAfterMs(Object.fromEntries(response.headers));
    if (asked !== undefined && asked > policy.maxWaitMs) return false;
    const wait = waitMs(policy, asked, retried + 1);
    options.delay = wait / 1000;
    const because = asked === undefined ? '' : `: ${askedToWait(response.status, asked)}`;
    log(retryLine(call.doing, wait, retried + 2, policy.attempts, `HTTP ${response.status}${because}`));
    return true;
  });
  return options;
}

const WAIT_REASONS: Record<number, string> = { 429: 'throttled', 503: 'service unavailable', 504: 'gateway timeout' };

/** "Microsoft Graph asked to wait 3 s (throttled)": a Retry-After, its length and why it came. */
export function askedToWait(status: number, ms: number): string {
  return `Microsoft Graph asked to wait ${Math.round(ms / 100) / 10} s (${WAIT_REASONS[status] ?? `HTTP ${status}`})`;
}
