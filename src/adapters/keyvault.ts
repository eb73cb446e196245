/**
 * Azure Key Vault secrets as a home for a credential's value, over @azure/keyvault-secrets (pinned to an exact
 * version in package.json: the policy below leans on how its pipeline orders policies and retries). The SDK does
 * what this would otherwise re-implement: Key Vault's challenge (a first request without a token; the 401 names the
 * tenant and the resource, and the token is asked for `<resource>/.default`, so a sovereign cloud's vault needs
 * nothing of its own), the retries of throttling, 5xx and dropped connections (honouring Retry-After), and paging
 * by nextLink. It goes through HTTPS_PROXY (or HTTP_PROXY) and honours NO_PROXY on its own, as @azure/identity's
 * pipeline does (the same code: a NO_PROXY entry names a host exactly, or with a leading dot a domain and its
 * subdomains; unlike the fetch of proxy.ts it does not read `*` or `host:port` entries), and trusts
 * NODE_EXTRA_CA_CERTS as every Node TLS connection does.
 *
 * One pipeline policy of ours runs around every attempt (`attemptsPolicy`): each attempt gets the run's request
 * timeout, none starts after a write's `notAfter` or past the run's tries, no Retry-After longer than the run allows
 * is waited out, every retry is logged, and the SDK's retries of a write whose answer may have been lost (a dropped
 * connection, a timeout, a 5xx) end there: such a write is settled by reading back, without the value, the tags of
 * the secret's versions, and written again only if it did not land.
 *
 * What each write carries, besides the value:
 * - tags `entra-client-id` (the app's client ID) and `entra-credential-key-id` (the key id of the client secret or
 *   certificate the value is): `list` and `holds` read them back, without values, to tell which credential a vault
 *   holds; other tags may be added (at most 15 in all, Key Vault's limit);
 * - `contentType` (KEY_VAULT_CONTENT_TYPES): `text/plain` for a client secret or another plain value,
 *   `application/x-pem-file` for a PEM key and certificate, `application/x-pkcs12` for a base64 PFX (the two types
 *   Key Vault itself gives the secrets behind its certificates, which the tools that read certificates from a vault
 *   look for), `application/json` for azure/login's credentials JSON;
 * - `expires`: the credential's end, so the vault shows when the value stops working.
 *
 * `disableChallengeResourceVerification` is set only for a vault host that is not a Microsoft one (a private
 * endpoint's name, an emulator): for such a host the credential answers only for Key Vault's own scopes, so a host
 * that names another resource in its challenge gets no token at all.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { RestError, SecretClient, isRestError, type SecretClientOptions, type SecretProperties } from '@azure/keyvault-secrets';
import { ServiceError, type Service } from '../core/errors';
import type { KeyVaultScope, StoredSecretInfo, Target } from '../core/model';
import type { Log, SecretStore, WriteOptions } from '../core/ports';
import type { Secret } from '../core/secret';
import { CLOCK_SKEW_MS } from '../core/write-window';
import { CLOUDS } from '../inputs/clouds';
import { retryAfterMs, retryLine, type RetryPolicy } from './retry';
import { nodeErrorIn, NEVER_SENT_CODES, TLS_VERIFICATION_CODES, untrustedHint } from './tls';

/** The tags a written secret carries (see the header). */
export const KEY_VAULT_TAGS = Object.freeze({ appId: 'entra-client-id', keyId: 'entra-credential-key-id' });

/** The content type of each kind of value. */
export const KEY_VAULT_CONTENT_TYPES = Object.freeze({
  secret: 'text/plain',
  pem: 'application/x-pem-file',
  pfx: 'application/x-pkcs12',
  credentials: 'application/json',
});

const SERVICE: Service = 'Azure Key Vault';

/** Key Vault's secret names. */
export const KEY_VAULT_NAME_RE = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_TAGS = 15;

/** Microsoft's vault host suffixes (Key Vault in each cloud; managed HSM is not a home). */
const MICROSOFT_VAULT_SUFFIXES: readonly string[] = [...new Set(Object.values(CLOUDS).map((c) => `.${c.keyVaultSuffix}`))];

export function isMicrosoftVaultHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return MICROSOFT_VAULT_SUFFIXES.some((s) => h.endsWith(s));
}

/** What the latest version of a secret says, without its value. */
export interface VaultSecretInfo {
  /** The name as the vault keeps it. */
  name: string;
  updatedAt: Date;
  /** The key id of the credential the value is (the `entra-credential-key-id` tag), if tagged. */
  holds: string | undefined;
  /** The app's client ID (the `entra-client-id` tag), if tagged. */
  appId: string | undefined;
  contentType: string | undefined;
  expiresOn: Date | undefined;
  tags: Readonly<Record<string, string>>;
}

/** The tags of a write: the app's client ID, the credential's key id, and any others (15 in all at most). */
export interface VaultTags {
  appId: string;
  keyId?: string;
  [other: string]: string | undefined;
}

export interface VaultWrite {
  contentType: string;
  /** The credential's end. */
  expiresOn?: Date;
  tags: VaultTags;
  /** No attempt starts after it (the write window: src/core/write-window.ts). */
  notAfter?: Date;
}

export interface KeyVaultOptions {
  /** The rotator's client ID, for the hints that name it. */
  clientId: string;
  log: Log;
  policy: RetryPolicy;
}

/** One call with all its attempts; the pipeline policy finds it through `calls`. */
class Call {
  readonly doing: string;
  /** The secret it is about, if one (for the hints). */
  readonly secret: string | undefined;
  readonly write: boolean;
  readonly notAfter: number | undefined;
  attempts = 0;
  /** An attempt of a write got no answer, or a 5xx, after it was sent: the write may have taken effect. */
  lostAnswer = false;
  last: Failure | undefined;
  lastEnded = 0;

  constructor(doing: string, secret: string | undefined, write: boolean, notAfter?: number) {
    this.doing = doing;
    this.secret = secret;
    this.write = write;
    this.notAfter = notAfter;
  }

  /** The time the run allows for this call is over, or would be after waiting `ms`. */
  late(ms = 0): boolean {
    return this.notAfter !== undefined && Date.now() + ms > this.notAfter;
  }
}

/** What went wrong with an attempt: an answer (`status`), or none (`transport`). */
interface Failure {
  status: number | undefined;
  /** Key Vault's inner error code when it gave one (ForbiddenByRbac), else its code (Forbidden), else the transport's. */
  code: string | undefined;
  message: string;
  requestId: string | undefined;
  /** No answer: the request may have reached the vault. */
  sent: boolean;
}

/** Thrown by the policy to end the SDK's retries (the SDK passes on what is not a RestError at once). */
class Stop extends Error {
  readonly failure: Failure;
  /** A write that may have taken effect: settle it by reading back. */
  readonly maybeDone: boolean;

  constructor(failure: Failure, maybeDone: boolean) {
    super(failure.message);
    this.name = 'Stop';
    this.failure = failure;
    this.maybeDone = maybeDone;
  }
}

const LATE: Failure = { status: undefined, code: 'ELATE', message: 'not sent: the time this run allows for it is over', requestId: undefined, sent: false };

type PipelinePolicy = NonNullable<SecretClientOptions['additionalPolicies']>[number]['policy'];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy['sendRequest']>>;

const headersOf = (response: PipelineResponse): Record<string, string | undefined> => Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v]));

/**
 * An answer's failure, from the body Key Vault sends with it (`{error: {code, message, innererror: {code}}}`; the
 * SDK's deserialized form names it `innerError`).
 */
function answered(status: number, body: unknown, requestId: string | undefined, fallback: string): Failure {
  type WireError = { code?: unknown; message?: unknown; innererror?: { code?: unknown } | null; innerError?: { code?: unknown } | null };
  const error = (body as { error?: WireError } | undefined)?.error;
  const inner = (error?.innererror ?? error?.innerError)?.code;
  const code = typeof inner === 'string' ? inner : typeof error?.code === 'string' ? error.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : fallback;
  return { status, code, message, requestId, sent: true };
}

function parsed(text: string | null | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function responseFailure(response: PipelineResponse): Failure {
  return answered(response.status, parsed(response.bodyAsText), response.headers.get('x-ms-request-id'), `HTTP ${response.status}`);
}

/** No answer came: what the socket said, and whether the request may have reached the vault. */
function transportFailure(error: unknown): Failure {
  const node = nodeErrorIn(error);
  const timedOut = error instanceof Error && error.name === 'AbortError';
  const code = timedOut ? 'ETIMEDOUT' : node?.code === 'REQUEST_SEND_ERROR' ? 'ECONNRESET' : node?.code;
  const message = timedOut ? 'no answer within the request timeout' : (node?.message ?? (error instanceof Error ? error.message : String(error)));
  // No code: not the network's failure but the client's own (the SDK's challenge check), before anything was sent.
  return { status: undefined, code, message, requestId: undefined, sent: code !== undefined && !NEVER_SENT_CODES.has(code) };
}

/** A failure from whatever a call threw: our Stop, the SDK's RestError, or anything else. */
function failureOf(error: unknown): Failure {
  if (error instanceof Stop) return error.failure;
  if (isRestError(error) && error.statusCode !== undefined) {
    // A listing's page error carries no details: the body is read from the response.
    const body = error.details ?? parsed(error.response?.bodyAsText);
    return answered(error.statusCode, body, error.response?.headers.get('x-ms-request-id'), error.message);
  }
  return transportFailure(error);
}

const why = (f: Failure): string => (f.status === undefined ? `${f.code ?? 'no response'}: ${f.message}` : `HTTP ${f.status}${f.code === undefined ? '' : ` ${f.code}`}`);

/** The policy around every attempt (see the header). `perRetry`: after the SDK's retry policy and its auth policy. */
function attemptsPolicy(calls: AsyncLocalStorage<Call>, policy: RetryPolicy, log: Log): PipelinePolicy {
  return {
    name: 'entraRotatorAttempts',
    async sendRequest(request, next) {
      request.timeout = policy.timeoutMs;
      const call = calls.getStore();
      if (call === undefined) return next(request);
      // The SDK's first request to a vault carries no token (the challenge): it is not one of the tries.
      const counted = request.headers.has('authorization');
      if (call.late()) throw new Stop(call.last ?? LATE, false);
      if (counted) {
        if (call.attempts >= policy.attempts && call.last) throw new Stop(call.last, call.lostAnswer);
        if (call.attempts > 0 && call.last) log.info(retryLine(call.doing, Date.now() - call.lastEnded, call.attempts + 1, policy.attempts, why(call.last)));
        call.attempts += 1;
      }
      let response: PipelineResponse;
      try {
        response = await next(request);
      } catch (error) {
        throw afterTransportFailure(error, call, counted);
      } finally {
        call.lastEnded = Date.now();
      }
      return afterAnswer(response, call, counted, policy);
    },
  };
}

/** What to throw after an attempt without an answer: a Stop ends the SDK's retries, anything else lets it retry. */
function afterTransportFailure(error: unknown, call: Call, counted: boolean): unknown {
  if (error instanceof Stop) return error;
  const f = transportFailure(error);
  call.last = f;
  const code = f.code ?? '';
  // An untrusted certificate or a name that does not resolve: no retry changes it.
  if (TLS_VERIFICATION_CODES.has(code) || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new Stop(f, false);
  if (call.write && counted && f.sent) {
    call.lostAnswer = true;
    return new Stop(f, true);
  }
  // The SDK retries a RestError whose code names a transport failure; its own timeout is an AbortError it would not.
  return error instanceof Error && error.name === 'AbortError' ? new RestError(f.message, { code: 'ETIMEDOUT' }) : error;
}

function afterAnswer(response: PipelineResponse, call: Call, counted: boolean, policy: RetryPolicy): PipelineResponse {
  if (response.status < 400) return response;
  const f = responseFailure(response);
  if (counted) call.last = f;
  if (call.write && counted && response.status >= 500) {
    call.lostAnswer = true;
    throw new Stop(f, true);
  }
  const asked = response.status === 429 || response.status === 503 ? retryAfterMs(headersOf(response)) : undefined;
  if (asked !== undefined && (asked > policy.maxWaitMs || call.late(asked))) throw new Stop(f, call.lostAnswer);
  return response;
}

/** Key Vault's scopes in every cloud: all a credential handed to a vault that is not a Microsoft host may ask for. */
const VAULT_SCOPES: ReadonlySet<string> = new Set([...MICROSOFT_VAULT_SUFFIXES].flatMap((s) => [`https://${s.slice(1)}/.default`, `https://${s.slice(1)}//.default`]));

/** The credential, answering only for Key Vault's scopes: a host that names another resource gets no token. */
function vaultOnly(credential: TokenCredential, host: string): TokenCredential {
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const asked = [scopes].flat();
      if (asked.some((s) => !VAULT_SCOPES.has(s.toLowerCase()))) {
        return Promise.reject(
          new ServiceError({
            service: SERVICE,
            doing: `signing in for the vault at ${host}`,
            detail: `the vault at ${host} asked for a token for ${asked.join(' ')}, which is not Key Vault's: no token was given`,
            hint: CHALLENGE_HINT,
          }),
        );
      }
      return credential.getToken(scopes, options);
    },
  };
}

const CHALLENGE_HINT = "the host answered Key Vault's sign-in challenge for another resource than Key Vault: check the vault URL (`az keyvault show --name <vault-name> --query properties.vaultUri -o tsv` prints it)";

export class KeyVaultSecrets {
  readonly #credential: TokenCredential;
  readonly #options: KeyVaultOptions;
  readonly #calls = new AsyncLocalStorage<Call>();
  readonly #clients = new Map<string, SecretClient>();

  /** `credential`: the rotator's, the one Graph is reached with (entra.ts rotatorCredential). */
  constructor(credential: TokenCredential, options: KeyVaultOptions) {
    this.#credential = credential;
    this.#options = options;
  }

  /** Every secret's latest version (every page), by upper-case name: dates, tags, content type; no value is read. */
  async list(vaultUrl: string): Promise<Map<string, VaultSecretInfo>> {
    const origin = vaultOrigin(vaultUrl);
    const found = new Map<string, VaultSecretInfo>();
    await this.#run(new Call(`listing the secrets of the vault ${origin}`, undefined, false), origin, async (client) => {
      for await (const p of client.listPropertiesOfSecrets()) found.set(p.name.toUpperCase(), infoOf(p));
    });
    return found;
  }

  /** The latest version's tags and dates (from the versions' properties: no value is read), or undefined if there is none. */
  async holds(vaultUrl: string, name: string): Promise<VaultSecretInfo | undefined> {
    const origin = vaultOrigin(vaultUrl);
    const versions = await this.#versions(origin, name, `reading which credential ${secretLabel(origin, name)} holds`);
    return versions.length === 0 ? undefined : infoOf(newest(versions));
  }

  /**
   * Writes a new version with the value, content type, expiry and tags. No attempt starts after `notAfter`. An
   * answer that never came (or a 5xx) is settled here by reading the versions' tags back: landed, done; not, written
   * again while the run allows. A write that cannot be settled as done fails with a ServiceError whose
   * `outcomeUnknown` is true (a write that did not land by the read may still land: the vault may be processing it).
   */
  async write(vaultUrl: string, name: string, value: Secret, options: VaultWrite): Promise<void> {
    const origin = vaultOrigin(vaultUrl);
    const tags = tagsOf(options.tags, name);
    const call = new Call(`writing ${secretLabel(origin, name)}`, name, true, options.notAfter?.getTime());
    const started = Date.now();
    const set = { contentType: options.contentType, tags, ...(options.expiresOn === undefined ? {} : { expiresOn: options.expiresOn }) };
    for (;;) {
      const lost = await this.#run(call, origin, (client) => client.setSecret(name, value.reveal(), set)).then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof Stop) return error.failure;
          throw error;
        },
      );
      if (lost === undefined) return;
      const landed = await this.#landed(origin, name, tags, started, { call, lost });
      this.#options.log.info(`The answer to ${call.doing} was lost (${why(lost)}); reading the versions' tags back shows it ${landed ? 'landed' : 'did not land'}`);
      if (landed) return;
      if (call.attempts >= this.#options.policy.attempts || call.late()) throw this.#error(lost, call, origin);
    }
  }

  /** Whether a version with these tags exists, written since `started` (give or take the clock skew). */
  async #landed(origin: string, name: string, tags: Record<string, string>, started: number, write: { call: Call; lost: Failure }): Promise<boolean> {
    let versions: SecretProperties[];
    try {
      versions = await this.#versions(origin, name, `reading back ${secretLabel(origin, name)} after the answer to its write was lost`);
    } catch (error) {
      const read = error instanceof Error ? error.message.split('\n')[0] : String(error);
      const failed = this.#error(write.lost, write.call, origin);
      throw new ServiceError({ ...failed.details, detail: `${failed.details.detail ?? ''}; reading it back failed too: ${read ?? ''}` });
    }
    const keyId = tags[KEY_VAULT_TAGS.keyId];
    return versions.some((v) =>
      keyId !== undefined
        ? v.tags?.[KEY_VAULT_TAGS.keyId] === keyId
        : (v.createdOn?.getTime() ?? 0) >= started - CLOCK_SKEW_MS && Object.entries(tags).every(([k, t]) => v.tags?.[k] === t),
    );
  }

  async #versions(origin: string, name: string, doing: string): Promise<SecretProperties[]> {
    const versions: SecretProperties[] = [];
    try {
      await this.#run(new Call(doing, name, false), origin, async (client) => {
        for await (const p of client.listPropertiesOfSecretVersions(name)) versions.push(p);
      });
    } catch (error) {
      if (error instanceof ServiceError && error.status === 404) return [];
      throw error;
    }
    return versions;
  }

  /** Runs `fn` as one call: the policy sees it on every attempt, and what it throws becomes a ServiceError. */
  async #run<T>(call: Call, origin: string, fn: (client: SecretClient) => Promise<T>): Promise<T> {
    try {
      return await this.#calls.run(call, () => fn(this.#client(origin)));
    } catch (error) {
      // A write that may have taken effect: write() settles it.
      if (error instanceof Stop && error.maybeDone) throw error;
      const own = serviceErrorIn(error);
      if (own !== undefined) throw own;
      const f = error instanceof Stop ? error.failure : failureOf(error);
      // A listing's page error comes without its body; the policy read it from the answer.
      const read = call.last !== undefined && f.code === undefined && call.last.status === f.status ? call.last : f;
      throw this.#error(read, call, origin);
    }
  }

  #client(origin: string): SecretClient {
    let client = this.#clients.get(origin);
    if (client === undefined) {
      const { policy, log } = this.#options;
      const host = new URL(origin).hostname;
      const microsoft = isMicrosoftVaultHost(host);
      client = new SecretClient(origin, microsoft ? this.#credential : vaultOnly(this.#credential, host), {
        disableChallengeResourceVerification: !microsoft,
        // The SDK's retries (429 and 503 with Retry-After, other 5xx, dropped connections), within the run's policy.
        retryOptions: { maxRetries: policy.attempts - 1, retryDelayInMs: policy.baseMs, maxRetryDelayInMs: policy.maxBackoffMs },
        additionalPolicies: [{ policy: attemptsPolicy(this.#calls, policy, log), position: 'perRetry' }],
        userAgentOptions: { userAgentPrefix: 'entra-secret-rotator' },
      });
      this.#clients.set(origin, client);
    }
    return client;
  }

  #error(f: Failure, call: Call, origin: string): ServiceError {
    const outcomeUnknown = call.write && call.lostAnswer;
    return new ServiceError({
      service: SERVICE,
      doing: call.doing,
      status: f.status,
      code: f.code,
      requestId: f.requestId,
      detail: (f.message.split(/\r?\n/)[0] ?? '').trim(),
      hint: keyVaultHint(f, { origin, clientId: this.#options.clientId, secretName: call.secret }),
      outcomeUnknown,
    });
  }
}

/** The ServiceError a credential threw (a sign-in failure), which the SDK passes on, perhaps wrapped. */
function serviceErrorIn(error: unknown): ServiceError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) if (e instanceof ServiceError) return e;
  return undefined;
}

function vaultOrigin(vaultUrl: string): string {
  const url = new URL(vaultUrl);
  if (url.protocol !== 'https:') throw new Error(`internal: the vault URL ${vaultUrl} is not https`);
  return url.origin;
}

const secretLabel = (origin: string, name: string): string => `Key Vault secret '${name}' of ${origin}`;

function tagsOf(tags: VaultTags, name: string): Record<string, string> {
  const { appId, keyId, ...others } = tags;
  const out: Record<string, string> = { [KEY_VAULT_TAGS.appId]: appId };
  if (keyId !== undefined) out[KEY_VAULT_TAGS.keyId] = keyId;
  for (const [k, v] of Object.entries(others)) if (v !== undefined) out[k] = v;
  if (Object.keys(out).length > MAX_TAGS) throw new Error(`internal: ${Object.keys(out).length} tags for the Key Vault secret '${name}' (at most ${MAX_TAGS})`);
  if (!KEY_VAULT_NAME_RE.test(name)) throw new Error(`internal: '${name}' is not a Key Vault secret name (letters, digits and dashes, 1 to 127)`);
  return out;
}

function infoOf(p: SecretProperties): VaultSecretInfo {
  const tags = { ...(p.tags ?? {}) };
  return {
    name: p.name,
    updatedAt: p.updatedOn ?? p.createdOn ?? new Date(0),
    holds: tags[KEY_VAULT_TAGS.keyId],
    appId: tags[KEY_VAULT_TAGS.appId],
    contentType: p.contentType,
    expiresOn: p.expiresOn,
    tags,
  };
}

/** The latest version: the one created last (a listing's order is not documented). */
function newest(versions: readonly SecretProperties[]): SecretProperties {
  return versions.reduce((a, b) => ((b.createdOn?.getTime() ?? 0) >= (a.createdOn?.getTime() ?? 0) ? b : a));
}

interface HintContext {
  origin: string;
  clientId: string;
  secretName: string | undefined;
}

/** The vault's name: the first label of a Microsoft vault host; a placeholder for any other host. */
function vaultName(origin: string): string {
  const host = new URL(origin).hostname;
  return isMicrosoftVaultHost(host) ? (host.split('.')[0] ?? host) : '<vault-name>';
}

/** The vault's resource id, from an RBAC refusal's text (`Resource: '/subscriptions/…/vaults/<name>/…'`), if there. */
function vaultScope(message: string): string | undefined {
  return /Resource: '(\/subscriptions\/[^']*?\/providers\/microsoft\.keyvault\/vaults\/[^/']+)/i.exec(message)?.[1];
}

export function keyVaultHint(f: Failure, c: HintContext): string {
  const vault = vaultName(c.origin);
  const host = new URL(c.origin).host;
  const secret = c.secretName ?? '<secret-name>';
  const access = `the role "Key Vault Secrets Officer" on the vault for the rotator (client ID ${c.clientId})`;
  const roleLine = `az role assignment create --role "Key Vault Secrets Officer" --assignee ${c.clientId} --scope ${vaultScope(f.message) ?? `$(az keyvault show --name ${vault} --query id -o tsv)`}`;
  const policyLine = `az keyvault set-policy --name ${vault} --spn ${c.clientId} --secret-permissions get list set`;
  const code = f.code ?? '';
  const hints: Record<string, string> = {
    ForbiddenByRbac: `the vault uses Azure RBAC and the rotator has no role that allows this: give it ${access}: \`${roleLine}\` (role assignments can take minutes to apply)`,
    ForbiddenByPolicy: `the vault uses access policies and the rotator's lacks a permission: give it get, list and set on secrets: \`${policyLine}\` (or switch the vault to Azure RBAC and give it ${access})`,
    ForbiddenByFirewall: `the vault's firewall refused the runner's address: GitHub-hosted runners are outside the vault's network rules. Run the job on a self-hosted runner inside the allowed networks, or reach the vault through a private endpoint from such a runner`,
    ObjectIsDeletedButRecoverable: `a soft-deleted secret named '${secret}' is in the vault, and its name cannot be reused until it is recovered or purged: \`az keyvault secret recover --vault-name ${vault} --name ${secret}\` (keeps its versions; the next run writes a new one) or \`az keyvault secret purge --vault-name ${vault} --name ${secret}\` (gone for good)`,
    BadParameter: `Key Vault refused the request: a secret name has letters, digits and dashes only (1 to 127), and a secret at most 15 tags`,
    ELATE: 'the write window after adding the new credential closed before this write could start: nothing was sent; run again',
  };
  if (hints[code] !== undefined) return hints[code];
  if (TLS_VERIFICATION_CODES.has(code)) return untrustedHint(host, 'the vault URL');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `the vault's host ${new URL(c.origin).hostname} does not resolve: check the vault URL (\`az keyvault show --name ${vault} --query properties.vaultUri -o tsv\` prints it); behind a private endpoint, the runner must resolve the vault's private DNS name`;
  }
  if (f.status === 401) return `the vault refused the rotator's token: check that the vault is in the rotator's tenant and that the vault URL is right (for a host that is not a Microsoft vault host, that it is the vault's own)`;
  if (f.status === 403) return `the rotator may not do this on the vault: give it ${access}, or an access policy with get, list and set on secrets`;
  if (f.status === 404) return `the vault has no such secret, or the vault URL is not a vault: check the vault URL`;
  if (f.status === 429) return 'Key Vault throttled the requests longer than this run waits: run again later';
  if (f.status !== undefined && f.status >= 500) return 'Key Vault had a transient failure: run again';
  if (/challenge resource/i.test(f.message)) return CHALLENGE_HINT;
  return `the vault (${host}) could not be reached: check the vault URL, the proxy (HTTPS_PROXY, NO_PROXY) and the network, and run again`;
}

/**
 * Key Vault secrets as the core's SecretStore (the home kind KEY_VAULT_SECRET): a listing gives, per secret, when
 * it was last written and the key id its tag says it holds (no value is read); a write sets the value with its
 * content type, the credential's end as its expiry and the tags that say what it holds.
 */
export class KeyVaultHome implements SecretStore<KeyVaultScope> {
  readonly #vault: KeyVaultSecrets;

  constructor(vault: KeyVaultSecrets) {
    this.#vault = vault;
  }

  async list(scope: KeyVaultScope): Promise<Map<string, StoredSecretInfo>> {
    const found = await this.#vault.list(scope.vaultUrl);
    return new Map([...found].map(([name, v]): [string, StoredSecretInfo] => [name, v.holds === undefined ? { updatedAt: v.updatedAt } : { updatedAt: v.updatedAt, holds: v.holds }]));
  }

  /** Nothing to fetch before writing (the listing already showed the run may read the vault). */
  prepare(): Promise<void> {
    return Promise.resolve();
  }

  write(target: Target<KeyVaultScope>, value: Secret, options: WriteOptions = {}): Promise<void> {
    const contentType = KEY_VAULT_CONTENT_TYPES[CONTENT_OF[options.form ?? 'text']];
    return this.#vault.write(target.scope.vaultUrl, target.name, value, {
      contentType,
      ...(options.holds === undefined ? {} : { expiresOn: options.holds.endDateTime }),
      tags: { appId: options.appId ?? '', ...(options.holds === undefined ? {} : { keyId: options.holds.keyId }) },
      ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
    });
  }

  selectedRepositories(): Promise<string[]> {
    return Promise.reject(new Error('internal: a Key Vault secret has no selected repositories'));
  }
}

/** Which content type each form of value is written with. */
const CONTENT_OF: Record<NonNullable<WriteOptions['form']>, keyof typeof KEY_VAULT_CONTENT_TYPES> = { text: 'secret', id: 'secret', pem: 'pem', pfx: 'pfx', json: 'credentials' };
