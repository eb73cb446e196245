export const id = 278;
export const ids = [278];
export const modules = {

/***/ 72020:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Hn: () => (/* binding */ cell),
/* harmony export */   PS: () => (/* binding */ fnv1a),
/* harmony export */   YC: () => (/* binding */ editDistance),
/* harmony export */   vd: () => (/* binding */ day),
/* harmony export */   wI: () => (/* binding */ utf8Length)
/* harmony export */ });
/** Small text helpers the core, the inputs and the reports share: one of each. */
/** 32-bit FNV-1a of a string's UTF-8 bytes: a stable hash (the same on every runner and run). */
function fnv1a(text) {
    let hash = 0x811c9dc5;
    for (const byte of new TextEncoder().encode(text)) {
        hash ^= byte;
        hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash >>> 0;
}
/** Levenshtein distance (insertions, deletions and substitutions), for "did you mean" hints. Case-sensitive. */
function editDistance(a, b) {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
        const next = [i];
        for (let j = 1; j <= b.length; j += 1) {
            next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
        }
        row = next;
    }
    return row[b.length] ?? 0;
}
/** A date as a person reads it in a table or a line: `2026-12-02` (UTC). */
function day(d) {
    return d.toISOString().slice(0, 10);
}
/** Text fit for one cell of a Markdown table: no pipe ends the cell, no line break ends the row. */
function cell(s) {
    return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
/** Bytes of a text in UTF-8: what GitHub's size limits count. */
function utf8Length(s) {
    return new TextEncoder().encode(s).length;
}


/***/ }),

/***/ 93278:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  main: () => (/* binding */ main)
});

// EXTERNAL MODULE: ./node_modules/@azure/identity/dist/esm/index.js + 182 modules
var esm = __webpack_require__(25563);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(74296);
// EXTERNAL MODULE: ./src/inputs/clouds.ts
var clouds = __webpack_require__(99295);
;// CONCATENATED MODULE: ./src/adapters/proxy.ts
let dispatcher;
/** The dispatcher for fetch, or undefined when no proxy is set (undici is then never loaded). */
function proxyDispatcher(env = process.env) {
    dispatcher ??= proxied(env) ? __webpack_require__.e(/* import() */ 752).then(__webpack_require__.t.bind(__webpack_require__, 24371, 19)).then(({ EnvHttpProxyAgent }) => new EnvHttpProxyAgent()) : Promise.resolve(undefined);
    return dispatcher;
}
function proxied(env) {
    return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => (env[name] ?? '') !== '');
}
/** `init` with the proxy's dispatcher when one is set. */
async function viaProxy(init) {
    const d = await proxyDispatcher();
    // npm undici's Dispatcher and the one Node's fetch types name (undici-types) are the same interface at run time.
    return d === undefined ? init : { ...init, dispatcher: d };
}

;// CONCATENATED MODULE: ./src/core/write-window.ts
/**
 * The write window: the one promise the removal rule in plan.ts (mayHold, secretsToRemove) rests on, and every
 * number it is made of. A run starts no write of a new credential's value later than WRITE_DEADLINE_MS after it
 * began adding the credential, and no request attempt lasts longer than ATTEMPT_TIMEOUT_MS, so every target it
 * writes is written within WRITE_WINDOW_MS of the credential's start. The adapters take their request timeout and
 * their retries and waits from here, and __tests__/write-window.test.ts holds what they are configured with to it:
 * a longer timeout or a new wait that is not counted here fails that test, not a later run's removals.
 */
/** After a run begins adding a credential, no write of its value starts later than this (rotate.ts: writeDeadline). */
const WRITE_DEADLINE_MS = 5 * 60_000;
/** The longest one request attempt may last, the answer's body read included: every HTTP client's timeout. */
const ATTEMPT_TIMEOUT_MS = 30_000;
/**
 * What no timer bounds: a timer that fires late on a busy runner, the moments between the deadline check and the
 * start of the attempt's timeout, and GitHub stamping updated_at a little after the request reached it.
 */
const WINDOW_SLACK_MS = 30_000;
/**
 * A target written by a run holds a credential that run added at most this long before (6 minutes). Runs of every
 * version rely on it when they read what an earlier run wrote: it may grow, never shrink.
 */
const WRITE_WINDOW_MS = WRITE_DEADLINE_MS + ATTEMPT_TIMEOUT_MS + WINDOW_SLACK_MS;
/** How far the clocks of Entra, GitHub and the runner may disagree. */
const CLOCK_SKEW_MS = 2 * 60_000;
/** A managed secret this young may still be written by a run going on now: never removed. */
const IN_FLIGHT_MS = WRITE_WINDOW_MS + CLOCK_SKEW_MS;
/** The deadline of the writes of a credential a run begins adding at `addingAt` (before its request is sent). */
function writeDeadline(addingAt) {
    return new Date(addingAt.getTime() + WRITE_DEADLINE_MS);
}
/**
 * The retries and waits one request (a write included) may make. None of them stretches the window: every wait
 * ends in a check of the write's deadline, and no attempt starts after it. They bound a request that has none.
 */
const RETRY_BUDGET = Object.freeze({
    /** Tries for a server error or a lost answer, the first included. */
    attempts: 5,
    /** The longest Retry-After honoured on a server error or a throttled answer; beyond it the answer stands. */
    maxRetryAfterMs: 60_000,
    /** Backoffs grow from this; GitHub writes also start at least this long after the one before ended. */
    backoffBaseMs: 1000,
    /** The longest backoff of our own between two tries (Graph, Entra). */
    maxBackoffMs: 10_000,
    /** GitHub's rate limits: the longest one wait, and how many waits one request makes at most. */
    maxLimitWaitMs: 180_000,
    maxLimitWaits: 6,
});
/** Tries of one request for every reason together: the retries of server errors and lost answers, and one after each rate-limit wait. */
const MAX_ATTEMPTS = RETRY_BUDGET.attempts + RETRY_BUDGET.maxLimitWaits;
/** The longest single wait of any kind inside one request. */
const MAX_WAIT_MS = Math.max(RETRY_BUDGET.maxRetryAfterMs, RETRY_BUDGET.maxBackoffMs, RETRY_BUDGET.maxLimitWaitMs);
/**
 * All the waits of one request together, at most: the longest Retry-After before each retry, every rate-limit
 * wait, and the spacing of writes before each attempt.
 */
const MAX_TOTAL_WAIT_MS = (RETRY_BUDGET.attempts - 1) * RETRY_BUDGET.maxRetryAfterMs + RETRY_BUDGET.maxLimitWaits * RETRY_BUDGET.maxLimitWaitMs + MAX_ATTEMPTS * RETRY_BUDGET.backoffBaseMs;
/**
 * The latest moment a write can end when its first attempt starts at `startedAt` and no attempt starts after
 * `notAfter` (ms since the epoch): its last attempt starts by then, or once every attempt and wait is spent.
 */
function latestWriteEnd(bounds, startedAt, notAfter) {
    const allSpent = startedAt + (bounds.attempts - 1) * bounds.attemptTimeoutMs + bounds.maxTotalWaitMs;
    return Math.max(startedAt, Math.min(notAfter, allSpent)) + bounds.attemptTimeoutMs;
}
/** Whether a write under `bounds` that starts as late as the deadline allows still ends within the window. */
function endsWithinWindow(bounds) {
    return latestWriteEnd(bounds, WRITE_DEADLINE_MS, WRITE_DEADLINE_MS) <= WRITE_WINDOW_MS - WINDOW_SLACK_MS;
}
/** GitHub keeps updated_at to the second; Entra keeps startDateTime to the sub-second. */
function floorToSecond(d) {
    return Math.floor(d.getTime() / 1000) * 1000;
}
/**
 * The managed credentials a home last written at `updatedAt` may hold, newest first in the order given: those that
 * started within WRITE_WINDOW_MS before it, give or take CLOCK_SKEW_MS. How a home whose value cannot be read back
 * (a GitHub secret) tells what it holds.
 */
function mayHold(updatedAt, managed) {
    const written = updatedAt.getTime();
    return managed.filter((p) => {
        const start = floorToSecond(p.startDateTime);
        return start <= written + CLOCK_SKEW_MS && start >= written - WRITE_WINDOW_MS - CLOCK_SKEW_MS;
    });
}

;// CONCATENATED MODULE: ./src/adapters/retry.ts
/**
 * The retry policy shared by every adapter: bounded exponential backoff with jitter, and the wait a service asks
 * for (Retry-After in seconds or as an HTTP date, GitHub's rate-limit headers). Its bounds and the request timeout
 * are the write window's (src/core/write-window.ts): the removal rule rests on them.
 */

function defaultRetryPolicy(env = process.env) {
    // ENTRA_ROTATOR_RETRY_BASE_MS shortens the waits and ENTRA_ROTATOR_ATTEMPT_TIMEOUT_MS the request timeout (the
    // test suite uses them); neither can lengthen what the write window allows.
    const { attempts, backoffBaseMs, maxRetryAfterMs, maxBackoffMs } = RETRY_BUDGET;
    const baseMs = shorterOf(env['ENTRA_ROTATOR_RETRY_BASE_MS'], backoffBaseMs, 0);
    const timeoutMs = shorterOf(env['ENTRA_ROTATOR_ATTEMPT_TIMEOUT_MS'], ATTEMPT_TIMEOUT_MS, 1);
    return { attempts, baseMs, maxWaitMs: maxRetryAfterMs, maxBackoffMs, timeoutMs };
}
/** A whole number of ms from `text`, at least `least` and at most `bound`; else `bound`. */
function shorterOf(text, bound, least) {
    const ms = /^\d+$/.test(text ?? '') ? Number(text) : bound;
    return ms >= least && ms <= bound ? ms : bound;
}
/** How long the service asked us to wait, in ms, if it did. */
function retryAfterMs(headers, now = Date.now()) {
    const ra = headers['retry-after'];
    if (ra !== undefined && ra.trim() !== '') {
        if (/^\d+(\.\d+)?$/.test(ra.trim()))
            return Math.round(Number(ra) * 1000);
        const at = Date.parse(ra);
        if (!Number.isNaN(at))
            return Math.max(0, at - now);
    }
    if (headers['x-ratelimit-remaining'] === '0' && headers['x-ratelimit-reset'] !== undefined) {
        const reset = Number(headers['x-ratelimit-reset']) * 1000;
        if (Number.isFinite(reset))
            return Math.max(0, reset - now);
    }
    return undefined;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function backoffMs(policy, attempt, random = Math.random) {
    const ceiling = Math.min(policy.maxBackoffMs, policy.baseMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
/** The wait before try `attempt + 1`: what the service asked for, else our backoff. */
function waitMs(policy, asked, attempt) {
    return asked ?? backoffMs(policy, attempt);
}
/** The one log line of a retry, the same for every adapter and for batched requests. */
function retryLine(doing, waitedMs, nextAttempt, attempts, why) {
    return `Retrying ${doing} in ${waitedMs} ms (attempt ${nextAttempt} of ${attempts}) after ${why}`;
}

;// CONCATENATED MODULE: ./src/adapters/tls.ts
/** Certificates that fail verification: no retry changes that, and the user has to act. */
/** Node's codes for a certificate that failed verification (unknown CA, expired, not yet valid, wrong host). */
const TLS_VERIFICATION_CODES = new Set([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_UNTRUSTED',
    'CERT_REJECTED',
    'CERT_SIGNATURE_FAILURE',
    'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/**
 * Codes of a transport failure before the request left the runner (no connection, no name, an untrusted
 * certificate): it cannot have taken effect. Any other failure may have reached the service.
 */
const NEVER_SENT_CODES = new Set([
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'UND_ERR_CONNECT_TIMEOUT',
    ...TLS_VERIFICATION_CODES,
]);
/** What to try when a host's certificate is not trusted; `input` names where the host came from. */
function untrustedHint(host, input) {
    return `the TLS certificate of ${host} was not trusted. If a proxy or private CA signs it, point NODE_EXTRA_CA_CERTS (in the job's env) at that CA's PEM file; otherwise check ${input}, which names the host. Retrying cannot help, so none was made`;
}
/** The first Node error code in an error's cause chain (fetch wraps the socket's error in `cause`). */
function causeCode(error) {
    for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth += 1) {
        const code = e.code;
        if (typeof code === 'string' && code !== '')
            return code;
    }
    return undefined;
}
/**
 * The first Node error code in an error's `cause` chain, with that error's message. Clients wrap the socket's
 * error (fetch: TypeError "fetch failed" → the Node error; Octokit: RequestError → that TypeError).
 */
function nodeErrorIn(error) {
    const seen = new Set();
    for (let e = error; typeof e === 'object' && e !== null && !seen.has(e); e = e.cause) {
        seen.add(e);
        const { code, message } = e;
        if (typeof code === 'string')
            return { code, message: typeof message === 'string' ? message : code };
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/adapters/entra.ts
/**
 * Signing in to Entra ID with @azure/identity: as the rotator (a client secret, or the GitHub OIDC ID token as a
 * client assertion), and as the managed app with its new secret (the verifier). The SDK's errors become
 * ServiceErrors that carry the AADSTS code, the trace id and what to try.
 */






function credentialOptions(signIn, policy) {
    return {
        authorityHost: signIn.authorityHost,
        // Elsewhere MSAL first asks login.microsoftonline.com where the authority is, and fails after ~6 s offline.
        disableInstanceDiscovery: !clouds/* MICROSOFT_AUTHORITY_HOSTS */.Hx.has(new URL(signIn.authorityHost).host),
        // The SDK retries 429 and 5xx of the token endpoint itself; these keep its waits within the policy's.
        retryOptions: { maxRetries: policy.attempts - 1, retryDelayInMs: policy.baseMs, maxRetryDelayInMs: policy.maxBackoffMs },
    };
}
function rotatorCredential(signIn, policy, log, env = process.env) {
    const options = credentialOptions(signIn, policy);
    const inner = signIn.clientSecret === undefined
        ? new esm/* ClientAssertionCredential */.XI(signIn.tenantId, signIn.clientId, githubIdToken(signIn.oidcAudience, env), options)
        : new esm/* ClientSecretCredential */.HC(signIn.tenantId, signIn.clientId, signIn.clientSecret.reveal(), options);
    const how = signIn.clientSecret === undefined ? 'with GitHub OIDC federation' : 'with a client secret';
    const doing = `signing in as ${signIn.clientId} ${how} at ${signIn.authorityHost}`;
    return { ...maskedCredential(inner, signIn, doing, log), graphScope: `${signIn.graphEndpoint}/.default` };
}
/**
 * Masks each token the moment it exists, turns the SDK's errors into ServiceErrors, and shares one token request
 * among callers: the SDK starts a token request for each getToken made before the first token is cached (the Graph
 * client asks on every request, and reads run in parallel).
 */
function maskedCredential(inner, signIn, doing, log) {
    const tokens = new Map();
    const fetchToken = async (scopes, options) => {
        let token;
        try {
            token = await inner.getToken(scopes, options);
        }
        catch (error) {
            throw await signInError(error, { doing, signIn, clientId: signIn.clientId });
        }
        if (token === null)
            throw new errors/* ServiceError */._7({ service: 'Microsoft Entra ID', doing, detail: 'no access token came back' });
        log.mask(token.token);
        return token;
    };
    return {
        async getToken(scopes, options) {
            const key = [scopes].flat().join(' ');
            let pending = tokens.get(key);
            if (pending === undefined) {
                pending = fetchToken(scopes, options);
                tokens.set(key, pending);
                // A failure is not kept (the next caller asks again); a token is, until 5 minutes before it expires.
                pending.catch(() => tokens.delete(key));
            }
            const token = await pending;
            if (Date.now() >= token.expiresOnTimestamp - 5 * 60_000 && tokens.get(key) === pending)
                tokens.delete(key);
            return token;
        },
    };
}
/**
 * The GitHub ID token as the client assertion, fetched once per run: msal-node asks for the assertion more than
 * once per token (twice, before its cache), and every ask would be a request to the runner.
 */
function githubIdToken(audience, env) {
    let pending;
    return () => {
        pending ??= fetchIdToken(audience, env);
        return pending;
    };
}
async function fetchIdToken(audience, env) {
    const doing = `getting a GitHub OIDC ID token (audience ${audience}) to sign in without a client secret`;
    const requestUrl = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
    if (!requestUrl || !env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']) {
        throw new errors/* ServiceError */._7({
            service: 'GitHub',
            doing,
            detail: 'ACTIONS_ID_TOKEN_REQUEST_URL is not set, so this job may not request an ID token',
            hint: 'give the job `permissions: id-token: write` (pull requests from forks never get one), or set the client-secret input',
        });
    }
    // @actions/core masks the token (setSecret) before returning it.
    const core = await Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 88179));
    try {
        return await core.getIDToken(audience);
    }
    catch (error) {
        const code = causeCode(error);
        throw new errors/* ServiceError */._7({
            service: 'GitHub',
            doing,
            code,
            detail: error instanceof Error ? error.message : String(error),
            hint: code !== undefined && TLS_VERIFICATION_CODES.has(code)
                ? untrustedHint(new URL(requestUrl).host, 'ACTIONS_ID_TOKEN_REQUEST_URL (set by the runner)')
                : 'check that the job has `permissions: id-token: write`; if it has, run again',
        });
    }
}
/**
 * Entra may refuse a new secret for seconds after addPassword (AADSTS7000215; 4-18 s seen), a new certificate while
 * it propagates (AADSTS700027, "key was not found"), and a new app or service principal may not have reached the
 * token service yet. Ask for a token with the new credential until Entra accepts it, within a bounded time.
 */
function newSecretVerifier(signIn, policy, log) {
    const verify = (app, kind, inner, options) => {
        const doing = `checking that Entra accepts the new ${kind.noun} of '${app.displayName}' (signing in as ${app.appId})`;
        // One credential for every try: MSAL reads the authority's metadata once per credential.
        const credential = maskedCredential(inner, { ...signIn, clientId: app.appId }, doing, log);
        return untilAccepted(credential, `${signIn.graphEndpoint}/.default`, kind, options, policy, log);
    };
    return {
        accepts(app, value, options) {
            return verify(app, SECRET, new esm/* ClientSecretCredential */.HC(signIn.tenantId, app.appId, value.reveal(), credentialOptions(signIn, policy)), options);
        },
        // The PEM's lines were masked by the certificate maker the moment they existed.
        acceptsCertificate(app, pem, options) {
            return verify(app, CERTIFICATE, new esm/* ClientCertificateCredential */.m0(signIn.tenantId, app.appId, { certificate: pem.reveal() }, credentialOptions(signIn, policy)), options);
        },
    };
}
const NOT_YET_ANY = ['AADSTS7000229', 'AADSTS700016'];
const SECRET = { noun: 'client secret', notYet: new Set(['AADSTS7000215', 'AADSTS7000222', ...NOT_YET_ANY]) };
const CERTIFICATE = { noun: 'certificate', notYet: new Set(['AADSTS700027', ...NOT_YET_ANY]) };
async function untilAccepted(credential, scope, kind, options, policy, log) {
    // 60 s with the production policy (shorter with ENTRA_ROTATOR_RETRY_BASE_MS in tests).
    const budgetMs = policy.baseMs * 60;
    const started = Date.now();
    for (let attempt = 1;; attempt += 1) {
        try {
            await credential.getToken(scope);
            return 'accepted';
        }
        catch (error) {
            const code = error instanceof errors/* ServiceError */._7 ? error.code : undefined;
            if (code === 'AADSTS7000229' && options.servicePrincipalMayBeMissing)
                return 'no-service-principal';
            const wait = backoffMs(policy, attempt);
            const notYet = code !== undefined && kind.notYet.has(code);
            if (!notYet || Date.now() - started + wait > budgetMs)
                throw notYet ? stillRefused(error, started, kind.noun) : error;
            log.info(`Entra does not accept the new ${kind.noun} yet (${code}); asking again in ${wait} ms`);
            await sleep(wait);
        }
    }
}
function stillRefused(error, started, noun) {
    return new errors/* ServiceError */._7({
        ...error.details,
        hint: `Entra still refused the new ${noun} after ${Math.round((Date.now() - started) / 1000)} s; run again later. Set verify-new-secret: false only if this tenant's token service cannot be reached from the runner`,
    });
}
/** A ServiceError from whatever the credential threw; an error of ours (the ID token) is kept as it is. */
async function signInError(error, c) {
    if (error instanceof errors/* ServiceError */._7)
        return error;
    const own = findServiceError(error);
    if (own !== undefined)
        return own;
    const e = (error ?? {});
    const response = e.errorResponse;
    const server = e.cause !== undefined && typeof e.cause === 'object' && 'errorCode' in e.cause ? e.cause : undefined;
    const number = response?.errorCodes?.[0] ?? server?.errorNo;
    const text = response?.errorDescription ?? server?.errorMessage ?? (error instanceof Error ? error.message : String(error));
    const aadsts = number === undefined || number === '' ? undefined : `AADSTS${number}`;
    if (aadsts === undefined && response === undefined && server === undefined)
        return unreachable(text, c);
    return new errors/* ServiceError */._7({
        service: 'Microsoft Entra ID',
        doing: c.doing,
        status: e.statusCode ?? server?.status,
        code: aadsts ?? response?.error ?? server?.errorCode,
        // The trace id is in the text only (MSAL keeps the correlation id as a field).
        requestId: response?.traceId ?? /Trace ID: ([0-9a-f-]{36})/i.exec(text)?.[1] ?? response?.correlationId ?? server?.correlationId,
        detail: description(text),
        hint: signInHint(aadsts, c),
    });
}
/** The ServiceError our own assertion callback threw, which the SDK wraps (as `cause`, at some depth). */
function findServiceError(error) {
    for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1)
        if (e instanceof errors/* ServiceError */._7)
            return e;
    return undefined;
}
/** The first line of Entra's description, without the AADSTS prefix. */
function description(text) {
    const described = /Description: (?:AADSTS\d+: ?)?([^\r\n]*)/.exec(text)?.[1];
    return (described ?? text.split(/\r?\n/)[0] ?? '').replace(/^AADSTS\d+:\s*/, '');
}
/**
 * No answer from Entra. MSAL reports an untrusted certificate, an unreachable host and a bad OpenID configuration
 * alike (endpoints_resolution_error), so the authority host is asked once more, directly, to tell which.
 */
async function unreachable(text, c) {
    const host = new URL(c.signIn.authorityHost).host;
    const code = await probe(`${c.signIn.authorityHost}/${encodeURIComponent(c.signIn.tenantId)}/v2.0/.well-known/openid-configuration`);
    const service = 'Microsoft Entra ID';
    if (code !== undefined && TLS_VERIFICATION_CODES.has(code)) {
        return new errors/* ServiceError */._7({ service, doing: c.doing, code, detail: text, hint: untrustedHint(host, 'authority-host (and cloud)') });
    }
    return new errors/* ServiceError */._7({
        service,
        doing: c.doing,
        code,
        detail: text,
        hint: code === undefined
            ? `${host} answered, but not with a usable OpenID configuration for tenant ${c.signIn.tenantId}: check tenant-id and authority-host (and cloud)`
            : 'check authority-host (and cloud), the network (and HTTPS_PROXY / NO_PROXY), and NODE_EXTRA_CA_CERTS for private CAs',
    });
}
/** The transport error code of a GET to `url`, or undefined when an answer came. */
async function probe(url) {
    try {
        const response = await fetch(url, await viaProxy({ signal: AbortSignal.timeout(10_000) }));
        await response.arrayBuffer();
        return undefined;
    }
    catch (error) {
        return causeCode(error) ?? (error instanceof Error ? error.name : 'ERROR');
    }
}
function signInHint(aadsts, c) {
    const { tenantId } = c.signIn;
    const hints = {
        AADSTS7000215: 'the client secret is not valid for this client ID: check that the secret Value was stored (not the Secret ID), and that it has not expired',
        AADSTS7000222: 'the client secret has expired: create a new one',
        AADSTS700016: `no app with client ID ${c.clientId} exists in tenant ${tenantId}: check client-id and tenant-id`,
        AADSTS90002: `tenant ${tenantId} was not found: check tenant-id (and cloud)`,
        AADSTS90013: `tenant-id is not valid`,
        AADSTS70021: "the app has no federated credential matching this workflow: add one with issuer https://token.actions.githubusercontent.com and the workflow's subject (repo:OWNER/REPO:ref:refs/heads/BRANCH or repo:OWNER/REPO:environment:NAME)",
        AADSTS700213: "no federated credential of the app matches this workflow's subject: the subject must be exactly repo:OWNER/REPO:ref:refs/heads/BRANCH, or repo:OWNER/REPO:environment:NAME when the job has an environment",
        AADSTS7002138: "the workflow's subject differs from the app's federated credential only in upper and lower case: the subject must match exactly, case included (repo:OWNER/REPO:... as GitHub writes the names); fix the credential's subject",
        AADSTS700211: 'no federated credential of the app has the issuer of the GitHub ID token (https://token.actions.githubusercontent.com, or your GHES issuer)',
        AADSTS700212: "no federated credential of the app has the audience of the GitHub ID token: check oidc-audience (empty: the cloud's, api://AzureADTokenExchange in AzureCloud) and the audience of the app's federated credential",
        AADSTS700024: 'the GitHub ID token has expired or is not yet valid: run again',
        AADSTS700027: 'Entra does not know the certificate the client assertion was signed with (not on the app, expired, or not propagated yet)',
        AADSTS7000229: 'the app has no service principal in this tenant: set service-principal: true (the default)',
    };
    return (aadsts === undefined ? undefined : hints[aadsts]) ?? 'check tenant-id, client-id and the credential';
}

// EXTERNAL MODULE: ./node_modules/@actions/github/lib/github.js + 21 modules
var github = __webpack_require__(11758);
// EXTERNAL MODULE: ./node_modules/@octokit/plugin-retry/dist-bundle/index.js
var dist_bundle = __webpack_require__(49735);
// EXTERNAL MODULE: ./node_modules/@octokit/plugin-throttling/dist-bundle/index.js
var plugin_throttling_dist_bundle = __webpack_require__(86856);
// EXTERNAL MODULE: ./node_modules/bottleneck/light.js
var light = __webpack_require__(63251);
var light_default = /*#__PURE__*/__webpack_require__.n(light);
// EXTERNAL MODULE: ./src/core/model.ts
var model = __webpack_require__(44146);
;// CONCATENATED MODULE: ./src/adapters/github-bounds.ts
/**
 * How long the GitHub adapter's requests may take and wait: the numbers github.ts gives Octokit, its plugins and
 * its own hooks, from the retry policy and the write window (src/core/write-window.ts). Kept apart from github.ts,
 * which jest cannot load (Octokit is ESM only), so that the window's test reads the very numbers the adapter uses.
 */

function githubLimits(timing) {
    return {
        timeoutMs: timing.timeoutMs,
        retries: timing.attempts - 1,
        backoffBaseMs: timing.baseMs,
        maxRetryAfterMs: timing.maxWaitMs,
        maxLimitWaitMs: RETRY_BUDGET.maxLimitWaitMs,
        maxLimitWaits: RETRY_BUDGET.maxLimitWaits,
        unnamedLimitWaitMs: 60 * timing.baseMs,
        writeSpacingMs: timing.baseMs,
    };
}
/**
 * What the limits let one write do on its own. A write queued behind others also waits for them (Pacing in
 * github.ts): those waits are not counted here, and like every wait they end in the check that no attempt starts
 * after the write's notAfter, which is what keeps a write of a new value within the window.
 */
function githubWriteBounds(limits) {
    const retryWaits = Array.from({ length: limits.retries }, (_, i) => Math.max((i + 1) ** 2 * limits.backoffBaseMs, limits.maxRetryAfterMs));
    const limitWaitMs = Math.max(limits.maxLimitWaitMs, limits.unnamedLimitWaitMs);
    const attempts = 1 + limits.retries + limits.maxLimitWaits;
    return {
        attemptTimeoutMs: limits.timeoutMs,
        attempts,
        maxWaitMs: Math.max(...retryWaits, limitWaitMs, limits.writeSpacingMs),
        maxTotalWaitMs: retryWaits.reduce((a, b) => a + b, 0) + limits.maxLimitWaits * limitWaitMs + attempts * limits.writeSpacingMs,
    };
}

;// CONCATENATED MODULE: ./src/adapters/github.ts
/**
 * GitHub over REST with Octokit (@actions/github). GitHubConnection is the one client of a run; GitHubSecrets uses it
 * for Actions secrets of repositories, environments and organisations, and Dependabot and Codespaces secrets of
 * repositories and organisations: metadata reads (every page), the public key of each scope, sealed writes, and the
 * repositories an organisation secret is shared with. GitHubVariables (github-variables.ts) uses the same client.
 *
 * Retries are @octokit/plugin-retry's (5xx and dropped connections) and @octokit/plugin-throttling's (GitHub's rate
 * limits, and writes started at least baseMs apart); the `attempts` plugin below watches every attempt: it logs
 * each retry, ends the retries that cannot help (an untrusted certificate) or that the run no longer allows
 * (`notAfter`), and remembers a write whose answer was lost. It also runs writes one at a time, which
 * plugin-throttling does not (its write group spaces the starts only), and holds every request while GitHub asked
 * to wait.
 */










/** Never retried by plugin-retry: a 4xx is a refusal of the request itself (rate limits, 403/429, are plugin-throttling's). */
const DO_NOT_RETRY = Array.from({ length: 100 }, (_, i) => 400 + i);
/** One call with all its attempts. It travels in `request.call` by reference (Octokit copies only plain objects). */
class Call {
    doing;
    scope;
    write;
    notAfter;
    /** What it reads or writes, for the permission a refusal names. */
    what;
    attempts = 0;
    /** Waits GitHub's rate limits asked for, so far. */
    limitWaits = 0;
    /** An attempt got no answer after it was sent: a write may have taken effect. */
    lostAnswer = false;
    last;
    constructor(doing, scope, write, notAfter, what = 'secrets') {
        this.doing = doing;
        this.scope = scope;
        this.write = write;
        this.notAfter = notAfter;
        this.what = what;
    }
    /**
     * The time the run allows for this call is over, or would be after waiting `ms`. Checked after every wait and
     * before every attempt, so an attempt starts by notAfter and ends by notAfter + the attempt timeout: the write
     * window (src/core/write-window.ts).
     */
    late(ms = 0) {
        return this.notAfter !== undefined && Date.now() + ms > this.notAfter;
    }
}
function rateLimitOf(status, message, h) {
    if (status !== 403 && status !== 429)
        return undefined;
    const exhausted = h['x-ratelimit-remaining'] === '0';
    const secondary = /\bsecondary rate\b/i.test(message);
    if (!secondary && !exhausted)
        return undefined;
    const signal = (h['retry-after'] ?? '').trim() !== '' ? 'retry-after' : exhausted && h['x-ratelimit-reset'] !== undefined ? 'x-ratelimit-reset' : undefined;
    return { kind: secondary ? 'secondary rate limit' : 'rate limit', signal };
}
function failureOf(error) {
    const e = error;
    if (e.response !== undefined) {
        const data = e.response.data;
        const said = data?.message;
        const message = typeof said === 'string' ? said : typeof data === 'string' && data !== '' ? data.slice(0, 200) : (e.message ?? '');
        const h = e.response.headers;
        const status = e.response.status;
        return { status, message, requestId: h['x-github-request-id'], retryAfterMs: retryAfterMs(h), code: undefined, sent: true, untrusted: false, limit: rateLimitOf(status, message, h) };
    }
    const node = nodeErrorIn(error);
    const timedOut = node === undefined && /TimeoutError/.test(String(error.cause?.name));
    const code = node?.code ?? (timedOut ? 'ETIMEDOUT' : undefined);
    return {
        status: undefined,
        message: node?.message ?? e.message ?? String(error),
        requestId: undefined,
        retryAfterMs: undefined,
        code,
        sent: !NEVER_SENT_CODES.has(code ?? ''),
        untrusted: TLS_VERIFICATION_CODES.has(code ?? ''),
        limit: undefined,
    };
}
const callOf = (options) => {
    const call = options.request?.call;
    return call instanceof Call ? call : undefined;
};
/**
 * How a rate-limit answer asks to wait: its retry-after or reset, else GitHub's minute. Each wait is at most
 * limits.maxLimitWaitMs, at most limits.maxLimitWaits per request, never past the call's notAfter.
 */
const limitWaitMs = (f, limits) => (Number(f.retryAfterMs) > 0 ? Number(f.retryAfterMs) : limits.unnamedLimitWaitMs);
const seconds = (ms) => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
/**
 * What plugin-throttling leaves to us: writes one at a time, each starting `spacingMs` after the one before ended
 * (its write group spaces their starts only, and lets a slow write overlap the next), and every request held while
 * GitHub asked this client to wait, so the writes queued behind the one that hit a limit do not run into it too.
 */
class Pacing {
    #spacingMs;
    #maxPauseMs;
    #pausedUntil = 0;
    #writes = Promise.resolve();
    #lastWriteEnded = 0;
    constructor(limits) {
        this.#spacingMs = limits.writeSpacingMs;
        this.#maxPauseMs = limits.maxLimitWaitMs;
    }
    pause(ms) {
        this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + Math.min(ms, this.#maxPauseMs));
    }
    async unpaused() {
        while (Date.now() < this.#pausedUntil)
            await sleep(this.#pausedUntil - Date.now());
    }
    /** Runs `attempt` once no other write attempt is in flight, and the last one ended `spacingMs` ago. */
    oneWrite(attempt) {
        const run = this.#writes.then(async () => {
            const wait = this.#lastWriteEnded + this.#spacingMs - Date.now();
            if (wait > 0)
                await sleep(wait);
            try {
                return await attempt();
            }
            finally {
                this.#lastWriteEnded = Date.now();
            }
        });
        this.#writes = run.catch(() => undefined);
        return run;
    }
}
/**
 * The innermost hook, so it sees every attempt. It ends a call's retries by throwing a ServiceError: neither
 * plugin retries an error without an HTTP status (plugin-retry passes on what is not a RequestError;
 * plugin-throttling looks only at 403 and 429).
 */
function attemptsPlugin(limits, log, toError, pacing) {
    return (octokit) => {
        octokit.hook.wrap('request', async (request, options) => {
            const call = callOf(options);
            if (call === undefined)
                return request(options);
            const attempt = async () => {
                await pacing.unpaused();
                if (call.late())
                    throw toError(call.last ?? LATE, call);
                call.attempts += 1;
                try {
                    return await request(options);
                }
                catch (error) {
                    // plugin-retry counts its own retries in request.retryCount.
                    const retries = Number(options.request.retryCount ?? 0);
                    throw await afterFailure(error, call, retries, { limits, log, toError, pacing });
                }
            };
            return call.write ? pacing.oneWrite(attempt) : attempt();
        });
        return {};
    };
}
/** Notes what an attempt's failure says, logs the retry that follows (and waits out a Retry-After), and returns what to throw. */
async function afterFailure(error, call, retries, on) {
    const { limits, log, toError, pacing } = on;
    const failure = failureOf(error);
    call.last = failure;
    if (failure.status === undefined && failure.sent)
        call.lostAnswer = true;
    if (failure.untrusted)
        return toError(failure, call);
    // A rate limit holds every request at once, before the next write in the queue can start; plugin-throttling's
    // handler (onLimit) then decides whether this call waits and retries.
    if (failure.limit !== undefined)
        pacing.pause(limitWaitMs(failure, limits));
    if (!retriedByPluginRetry(failure))
        return error; // a 4xx: final, or plugin-throttling's (403, 429)
    if (call.attempts > limits.retries)
        return toError(failure, call);
    // plugin-retry waits n² × its retryAfterBaseValue before try n + 1; a Retry-After on a 5xx, which it ignores,
    // is made up here by waiting the difference first.
    const backoffMs = (retries + 1) ** 2 * limits.backoffBaseMs;
    const asked = failure.retryAfterMs ?? 0;
    const waitMs = Math.max(asked, backoffMs);
    const why = failure.status === undefined ? `${failure.code ?? 'no response'}: ${failure.message}` : `HTTP ${failure.status}`;
    if (asked > limits.maxRetryAfterMs || call.late(waitMs)) {
        const because = asked > limits.maxRetryAfterMs ? `GitHub asked to wait ${Math.round(asked / 1000)} s` : 'the time this run allows for it is over';
        log.info(`Not retrying ${call.doing} after ${why}: ${because}`);
        return toError(failure, call);
    }
    log.info(retryLine(call.doing, waitMs, call.attempts + 1, limits.retries + 1, why));
    if (asked > backoffMs)
        await sleep(asked - backoffMs);
    return error;
}
const retriedByPluginRetry = (f) => f.status === undefined || f.status >= 500;
/** No attempt starts after the call's `notAfter`: what was last received stands. */
const LATE = { status: undefined, message: 'not sent: the time this run allows for it is over', requestId: undefined, retryAfterMs: undefined, code: 'ELATE', sent: false, untrusted: false, limit: undefined };
/**
 * plugin-throttling's handlers for GitHub's rate limits (secondary ones: 403/429 saying so; primary ones:
 * x-ratelimit-remaining 0). The plugin then waits `retryAfter` seconds (retryAfterBaseValue is 1000: GitHub's
 * seconds are real ones) and retries. It reads only a numeric retry-after for a secondary limit (else its fallback,
 * set to GitHub's minute scaled by baseMs): when the answer named a longer wait another way (x-ratelimit-reset, an
 * HTTP date), the difference is waited here first. Every wait is logged with its reason and length; a wait beyond
 * 3 minutes, a 7th wait, or one past the call's notAfter is not made and the answer stands.
 */
function onLimit(limits, log) {
    return async (retryAfter, options) => {
        const call = callOf(options);
        const doing = call?.doing ?? 'a GitHub request';
        const last = call?.last;
        const pluginWaitMs = retryAfter * 1000;
        const askedMs = Number(last?.retryAfterMs) > 0 ? Number(last?.retryAfterMs) : 0;
        const waitMs = Math.max(pluginWaitMs, askedMs);
        const kind = `${last?.limit?.kind ?? 'rate limit'}, HTTP ${last?.status ?? '403/429'}`;
        const reason = askedMs > 0 ? `GitHub asked to wait ${seconds(waitMs)} (${kind}, ${last?.limit?.signal ?? 'retry-after'})` : `GitHub named no wait (${kind}): waiting ${seconds(waitMs)}, as GitHub advises,`;
        const waits = call?.limitWaits ?? 0;
        const refusal = waitMs > limits.maxLimitWaitMs
            ? `longer than the ${seconds(limits.maxLimitWaitMs)} this run waits at a time`
            : waits >= limits.maxLimitWaits
                ? `it waited ${limits.maxLimitWaits} times already`
                : call?.late(waitMs) === true
                    ? 'the time this run allows for it would be over'
                    : undefined;
        if (refusal !== undefined) {
            log.info(`${reason} before ${doing}: not waiting, ${refusal}`);
            return false;
        }
        if (call)
            call.limitWaits += 1;
        log.info(`${reason} before ${doing} (wait ${waits + 1} of at most ${limits.maxLimitWaits})`);
        if (waitMs > pluginWaitMs)
            await sleep(waitMs - pluginWaitMs);
        return true;
    };
}
/**
 * fetch with a timeout on each attempt, through HTTPS_PROXY/NO_PROXY when set (the same dispatcher as the Graph
 * client's). @actions/github's own default decides by GITHUB_API_URL as it was when the module loaded, not by the
 * configured API URL, so it is replaced.
 */
function proxiedFetch(timeoutMs) {
    return async (url, init = {}) => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
        return fetch(url, await viaProxy({ ...init, signal }));
    };
}
function newOctokit(token, apiUrl, timing, log, toError) {
    // Every timeout, retry and wait below comes from here (github-bounds.ts), which the write window's test reads.
    const limits = githubLimits(timing);
    const pacing = new Pacing(limits);
    return (0,github/* getOctokit */.Q)(token.reveal(), {
        baseUrl: apiUrl,
        userAgent: 'entra-secret-rotator',
        request: { fetch: proxiedFetch(limits.timeoutMs) },
        log: { debug: () => undefined, info: () => undefined, warn: (m) => log.warning(m), error: (m) => log.warning(m) },
        retry: { doNotRetry: DO_NOT_RETRY, retries: limits.retries, retryAfterBaseValue: limits.backoffBaseMs },
        throttle: {
            // plugin-throttling awaits what a handler returns (Bottleneck's Events.trigger), though its type says void.
            onRateLimit: onLimit(limits, log), // eslint-disable-line @typescript-eslint/no-misused-promises
            onSecondaryRateLimit: onLimit(limits, log), // eslint-disable-line @typescript-eslint/no-misused-promises
            retryAfterBaseValue: 1000,
            fallbackSecondaryRateRetryAfter: limits.unnamedLimitWaitMs / 1000,
            // GitHub: mutations (every PUT, POST, PATCH, DELETE) at least a second apart. The plugin spaces their starts;
            // Pacing also runs them one at a time, a second after the one before ended.
            write: new (light_default()).Group({ maxConcurrent: 1, minTime: limits.writeSpacingMs }),
        },
    }, attemptsPlugin(limits, log, toError, pacing), dist_bundle/* retry */.L, plugin_throttling_dist_bundle/* throttling */.A);
}
const orgRoutes = (service) => ({
    list: `GET /orgs/{org}/${service}/secrets`,
    key: `GET /orgs/{org}/${service}/secrets/public-key`,
    put: `PUT /orgs/{org}/${service}/secrets/{secret_name}`,
    repositories: `/orgs/{org}/${service}/secrets/{secret_name}/repositories`,
});
const repoRoutes = (service) => ({
    list: `GET /repos/{owner}/{repo}/${service}/secrets`,
    key: `GET /repos/{owner}/{repo}/${service}/secrets/public-key`,
    put: `PUT /repos/{owner}/{repo}/${service}/secrets/{secret_name}`,
});
const ENVIRONMENT_ROUTES = {
    list: 'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
    key: 'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
    put: 'PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
};
/** Actions, Dependabot and Codespaces secrets have the same routes under their service's name; environments are Actions'. */
function routesOf(scope) {
    if (scope.repo === undefined)
        return { routes: orgRoutes(scope.service), params: { org: scope.owner } };
    const params = { owner: scope.owner, repo: scope.repo };
    return scope.environment === undefined ? { routes: repoRoutes(scope.service), params } : { routes: ENVIRONMENT_ROUTES, params: { ...params, environment_name: scope.environment } };
}
/** The organisation target's access, or an error: an organisation secret cannot be written without a visibility. */
function accessOf(target) {
    if (target.access === undefined)
        throw new Error(`internal: ${(0,model/* targetLabel */.Op)(target)} is an organisation secret without a visibility`);
    return target.access;
}
let sealModule;
/** libsodium (424 kB, ~40 ms to load) is loaded only by runs that write, once. */
function loadSeal() {
    sealModule ??= Promise.all(/* import() */[__webpack_require__.e(768), __webpack_require__.e(859)]).then(__webpack_require__.bind(__webpack_require__, 27859)).then(async (m) => {
        await m.ready();
        return m.seal;
    });
    return sealModule;
}
/**
 * One Octokit for every GitHub request of a run, secrets and variables alike: its retries, its rate-limit waits and
 * its pacing (writes one at a time, a spacing apart) hold for all of them together, and each repository id is
 * resolved once. Errors come out as ServiceErrors that say what was being done, the status, the request id and a hint.
 */
class GitHubConnection {
    log;
    #octokit;
    #apiUrl;
    /** Repository ids by lower-case `owner/name`, resolved once per run. */
    #repoIds = new Map();
    constructor(token, apiUrl, log, timing) {
        this.log = log;
        this.#apiUrl = apiUrl;
        this.#octokit = newOctokit(token, apiUrl, timing, log, (failure, call) => this.#error(failure, call));
    }
    /** One request, with every attempt the bounds allow; a write (anything but GET) goes through the pacing. */
    async request(route, params, spec) {
        const call = new Call(spec.doing, spec.scope, !route.startsWith('GET '), spec.notAfter?.getTime(), spec.what);
        try {
            return await this.#octokit.request(route, { ...params, headers: { 'x-github-api-version': '2022-11-28' }, request: { call } });
        }
        catch (error) {
            if (error instanceof errors/* ServiceError */._7)
                throw error;
            throw this.#error(failureOf(error), call);
        }
    }
    /** Every page of a listing (Octokit's paginate follows `Link: rel="next"`), `perPage` a page. */
    async pages(route, params, field, spec, perPage = 100) {
        const call = new Call(spec.doing, spec.scope, false, undefined, spec.what);
        const items = [];
        try {
            // paginate sends each page with only method, url and headers: a request function with defaults carries the
            // call (for the hooks' logs and bounds) to every page.
            const request = this.#octokit.request.defaults({ headers: { 'x-github-api-version': '2022-11-28' }, request: { call } });
            const [method, url] = route.split(' ');
            const iterate = this.#octokit.paginate.iterator;
            const pages = iterate(request, { method, url, ...params, per_page: perPage });
            for await (const page of pages) {
                // paginate puts a listing's array in `data` (`{total_count, secrets: [...]}` → `[...]`).
                const data = page.data;
                items.push(...(Array.isArray(data) ? data : (data[field] ?? [])));
            }
        }
        catch (error) {
            if (error instanceof errors/* ServiceError */._7)
                throw error;
            throw this.#error(failureOf(error), call);
        }
        return items;
    }
    /** The ids of an organisation's repositories, by name (`selected_repository_ids`), for `selectedFor` (a label). */
    repositoryIds(org, names, selectedFor) {
        return Promise.all(names.map((name) => this.#repositoryId(org, name, selectedFor)));
    }
    /** `GET /repos/{org}/{name}` → id, once per repository per run; a missing one names itself and what selected it. */
    #repositoryId(org, name, selectedFor) {
        const fullName = `${org}/${name}`;
        const k = fullName.toLowerCase();
        let id = this.#repoIds.get(k);
        if (id === undefined) {
            const scope = { service: 'actions', owner: org, repo: name };
            id = this.request('GET /repos/{owner}/{repo}', { owner: org, repo: name }, { doing: `looking up repository ${fullName}, selected for ${selectedFor}`, scope }).then((r) => r.data.id, (error) => {
                this.#repoIds.delete(k);
                if (error instanceof errors/* ServiceError */._7 && error.status === 404) {
                    throw new errors/* ServiceError */._7({
                        ...error.details,
                        hint: `repository ${fullName} (in the repositories of ${selectedFor}) does not exist, or github-token cannot see it: correct the list, or give the token access to it`,
                    });
                }
                throw error;
            });
            this.#repoIds.set(k, id);
        }
        return id;
    }
    #error(f, call) {
        // A write whose answer never came, a server error to it, or any answer after an attempt whose answer was lost:
        // it may have taken effect, and the caller must not assume it did not. A read is only a read.
        const outcomeUnknown = call.write && (call.lostAnswer || (f.status !== undefined && f.status >= 500));
        if (f.status !== undefined) {
            const failure = githubError(f.status, f.message, f.requestId, call.doing, call.scope, call.what);
            return outcomeUnknown ? new errors/* ServiceError */._7({ ...failure.details, outcomeUnknown }) : failure;
        }
        const host = new URL(this.#apiUrl).host;
        return new errors/* ServiceError */._7({
            service: 'GitHub',
            doing: call.doing,
            code: f.code,
            detail: f.message,
            outcomeUnknown,
            hint: f.untrusted
                ? untrustedHint(host, "github-api-url, or GITHUB_API_URL (set by the runner; on GHES, the server's API URL)")
                : f === LATE
                    ? 'the write window after adding the new client secret closed before this write could start (Entra was slow to accept the secret, or GitHub was slow with the writes before it): nothing was sent; run again'
                    : `GitHub (${host}) could not be reached: check GITHUB_API_URL (or github-api-url), the proxy (HTTPS_PROXY, NO_PROXY) and the network, and run again`,
        });
    }
}
/** GitHub secrets (Actions, Dependabot and Codespaces), over a run's GitHubConnection. */
class GitHubSecrets {
    #github;
    #keys = new Map();
    constructor(github) {
        this.#github = github;
    }
    /** One listing per scope, every page (a repository holds up to 100 secrets, an organisation 1,000). */
    async list(scope) {
        const { routes, params } = routesOf(scope);
        const found = new Map();
        const secrets = await this.#github.pages(routes.list, params, 'secrets', { doing: `listing the secrets of ${(0,model/* scopeLabel */.$o)(scope)}`, scope });
        for (const s of secrets) {
            const info = { updatedAt: new Date(s.updated_at) };
            if (s.visibility !== undefined)
                info.visibility = s.visibility;
            found.set(s.name.toUpperCase(), info);
        }
        return found;
    }
    async prepare(scope, targets = []) {
        // Writing follows: load libsodium while the network is busy, not between addPassword and the PUTs.
        loadSeal().catch(() => undefined);
        const selected = targets.filter((t) => t.scope.repo === undefined && t.access?.visibility === 'selected');
        await Promise.all([this.#publicKey(scope), ...selected.map((t) => this.#repositoryIds(t))]);
    }
    async write(target, value, options = {}) {
        const access = target.scope.repo === undefined ? await this.#accessBody(target) : {};
        const key = await this.#publicKey(target.scope);
        const seal = await loadSeal();
        const encrypted_value = await seal(value, key.key);
        const { routes, params } = routesOf(target.scope);
        const body = { ...params, secret_name: target.name, encrypted_value, key_id: key.key_id, ...access };
        await this.#github.request(routes.put, body, { doing: `writing ${(0,model/* targetLabel */.Op)(target)}`, scope: target.scope, ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }) });
    }
    /** Names of the repositories an organisation secret with visibility `selected` is shared with (all pages). */
    async selectedRepositories(target) {
        const { routes, params } = routesOf(target.scope);
        if (routes.repositories === undefined)
            throw new Error(`internal: ${(0,model/* targetLabel */.Op)(target)} is not an organisation secret`);
        const doing = `listing the repositories ${(0,model/* targetLabel */.Op)(target)} is shared with`;
        const repos = await this.#github.pages(`GET ${routes.repositories}`, { ...params, secret_name: target.name }, 'repositories', { doing, scope: target.scope });
        return repos.map((r) => r.name);
    }
    /** The PUT's visibility and, with `selected`, the repository ids (integers, as the selection's own PUT also takes them). */
    async #accessBody(target) {
        const access = accessOf(target);
        return access.visibility === 'selected' ? { visibility: 'selected', selected_repository_ids: await this.#repositoryIds(target) } : { visibility: access.visibility };
    }
    #repositoryIds(target) {
        return this.#github.repositoryIds(target.scope.owner, accessOf(target).repositories, (0,model/* targetLabel */.Op)(target));
    }
    /**
     * Read once per scope per run, and shared while the read is under way. A failed read is not kept: in a fleet, one
     * transient failure must fail only the app that met it, and the next app writing to the scope reads again.
     */
    #publicKey(scope) {
        const k = (0,model/* scopeKey */.OD)(scope);
        let key = this.#keys.get(k);
        if (key === undefined) {
            const { routes, params } = routesOf(scope);
            key = this.#github.request(routes.key, params, { doing: `reading the secrets public key of ${(0,model/* scopeLabel */.$o)(scope)}`, scope }).then((r) => r.data, (error) => {
                this.#keys.delete(k);
                throw error;
            });
            this.#keys.set(k, key);
        }
        return key;
    }
}
const SECRET_PERMISSIONS = {
    actions: { repository: 'Secrets', organisation: 'Secrets' },
    dependabot: { repository: 'Dependabot secrets', organisation: 'Dependabot secrets' },
    codespaces: { repository: 'Codespaces secrets', organisation: 'Organization codespaces secrets' },
    variables: { repository: 'Variables', organisation: 'Variables' },
};
/** The fine-grained token permissions a scope's secrets or variables need (a GitHub App installation needs the same). */
function permissionsFor(scope, what) {
    const names = what === 'variables' ? { repository: 'Variables', organisation: 'Variables' } : SECRET_PERMISSIONS[scope.service];
    if (scope.repo === undefined)
        return `the organisation permission "${names.organisation}: Read and write" on ${scope.owner}`;
    const repo = `${scope.owner}/${scope.repo}`;
    if (scope.environment === undefined)
        return `the repository permission "${names.repository}: Read and write" on ${repo}`;
    // Environment variables need only "Environments"; environment secrets, "Secrets" too.
    return what === 'variables' ? `the repository permission "Environments: Read and write" on ${repo}` : `the repository permission "Secrets: Read and write" and "Environments: Read and write" on ${repo}`;
}
function notFoundHint(scope) {
    if (scope.repo === undefined) {
        return `organisation ${scope.owner} was not found, or github-token cannot see it: check the organisation name, and that the token's resource owner is ${scope.owner} (or the GitHub App is installed there)`;
    }
    const repo = `${scope.owner}/${scope.repo}`;
    return scope.environment === undefined
        ? `repository ${repo} was not found, or github-token cannot see it: check the repository input and the token's repository access`
        : `environment '${scope.environment}' does not exist in ${repo} (create it under Settings → Environments), or github-token cannot see the repository`;
}
/** The hint for a refusal of the request itself (401, 403, 429). */
function refusalHint(status, message, scope, what) {
    const permissions = permissionsFor(scope, what);
    if (status === 401)
        return 'github-token was refused (Bad credentials): it is expired, revoked or mistyped';
    if ((status === 403 || status === 429) && /\bsecondary rate\b/i.test(message)) {
        return "GitHub's secondary rate limit held longer than this run waits: run again later, or spread the targets over more runs";
    }
    if (status === 403 && /not accessible by personal access token/i.test(message)) {
        return `github-token is a personal access token without ${permissions}: edit the token's permissions (and its repository access)`;
    }
    if (status === 403 && /not accessible by integration/i.test(message)) {
        return `github-token may not manage ${what} here. The workflow's GITHUB_TOKEN can never read or write ${what}: use a fine-grained personal access token or a GitHub App token (its installation granted the same) with ${permissions}`;
    }
    if (status === 403 || status === 429)
        return `github-token lacks ${permissions} (a GitHub App installation needs the same), or a GitHub rate limit was hit: check the token, and run again later`;
    return undefined;
}
/** The hint for what the answer says of the resource: missing, not selected, refused as invalid, or a server's failure. */
function answerHint(status, scope, what) {
    const noun = what === 'variables' ? 'variable' : 'secret';
    if (status === 404)
        return notFoundHint(scope);
    if (status === 409)
        return `the ${noun}'s visibility is not 'selected', so it has no list of repositories: write it with visibility selected`;
    if (status === 422)
        return `GitHub refused the value: check the ${noun} name (letters, digits and underscores) and run again`;
    return status >= 500 ? 'GitHub had a transient failure: run again' : undefined;
}
function githubError(status, message, requestId, doing, scope, what = 'secrets') {
    const hint = refusalHint(status, message, scope, what) ?? answerHint(status, scope, what);
    return new errors/* ServiceError */._7({ service: 'GitHub', doing, status, requestId, detail: message, hint });
}

;// CONCATENATED MODULE: ./src/adapters/github-variables.ts
/**
 * GitHub Actions variables of repositories, environments and organisations, over the run's GitHubConnection (the
 * same Octokit as the secrets: its retries, rate-limit waits and write pacing hold for both). A variable is not
 * secret: its value reads back, so a caller can compare before writing, and writes only what differs.
 *
 * A write is one content-creating request (a POST that creates, or a PATCH that updates), as a secret's PUT is; a
 * second one only when the first guess was wrong (the variable was created or deleted meanwhile), as GitHub's own
 * CLI does: a POST answered 409 (it exists) is followed by a PATCH, a PATCH answered 404 (it does not) by a POST.
 */


/** GitHub lists variables at most 30 a page (secrets: 100). */
const VARIABLES_PER_PAGE = 30;
function github_variables_routesOf(scope) {
    if (scope.service !== 'variables')
        throw new Error(`internal: not a scope of variables: ${(0,model/* scopeLabel */.$o)(scope)}`);
    const [base, params] = scope.repo === undefined
        ? ['/orgs/{org}/actions/variables', { org: scope.owner }]
        : scope.environment === undefined
            ? ['/repos/{owner}/{repo}/actions/variables', { owner: scope.owner, repo: scope.repo }]
            : ['/repos/{owner}/{repo}/environments/{environment_name}/variables', { owner: scope.owner, repo: scope.repo, environment_name: scope.environment }];
    return { list: `GET ${base}`, create: `POST ${base}`, update: `PATCH ${base}/{name}`, repositories: `GET ${base}/{name}/repositories`, params };
}
/** `repository octo/app`: where the variables are (a scope label without its `variables of`). */
function placeOf(scope) {
    return (0,model/* scopeLabel */.$o)({ ...scope, service: 'actions' });
}
/** `variable AZURE_CLIENT_ID (repository octo/app)` */
function variableLabel(scope, name) {
    return `variable ${name} (${placeOf(scope)})`;
}
const statusOf = (error) => (error instanceof errors/* ServiceError */._7 ? error.status : undefined);
class GitHubVariables {
    #github;
    constructor(github) {
        this.#github = github;
    }
    /** Every variable of a scope (every page), by upper-case name, with its value. */
    async list(scope) {
        const routes = github_variables_routesOf(scope);
        const doing = `listing the variables of ${placeOf(scope)}`;
        const listed = await this.#github.pages(routes.list, routes.params, 'variables', { doing, scope, what: 'variables' }, VARIABLES_PER_PAGE);
        const found = new Map();
        for (const v of listed) {
            const info = { value: v.value, updatedAt: new Date(v.updated_at) };
            if (v.visibility !== undefined)
                info.visibility = v.visibility;
            found.set(v.name.toUpperCase(), info);
        }
        return found;
    }
    /** Creates or updates one variable; says which it did. An organisation variable carries its visibility and selection. */
    async write(scope, name, value, options = {}) {
        const routes = github_variables_routesOf(scope);
        const body = { ...routes.params, name, value, ...(await this.#accessBody(scope, name, options.access)) };
        const label = variableLabel(scope, name);
        const spec = (doing) => ({ doing, scope, what: 'variables', ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }) });
        const create = () => this.#github.request(routes.create, body, spec(`creating ${label}`));
        const update = () => this.#github.request(routes.update, body, spec(`updating ${label}`));
        const order = options.existing === true
            ? { first: update, then: create, did: ['updated', 'created'], wrongGuess: 404, why: 'was deleted meanwhile: creating it' }
            : { first: create, then: update, did: ['created', 'updated'], wrongGuess: 409, why: 'exists (created meanwhile): updating it' };
        try {
            await order.first();
            return order.did[0];
        }
        catch (error) {
            if (statusOf(error) !== order.wrongGuess)
                throw error;
            this.#github.log.info(`${label} ${order.why}`);
        }
        await order.then();
        return order.did[1];
    }
    /**
     * Names of the repositories an organisation variable with visibility `selected` is shared with (all pages). For
     * one with another visibility GitHub answers 409, which Octokit's paginate turns into an empty page: none.
     */
    async selectedRepositories(scope, name) {
        const routes = github_variables_routesOf(scope);
        if (scope.repo !== undefined)
            throw new Error(`internal: ${variableLabel(scope, name)} is not an organisation variable`);
        const doing = `listing the repositories ${variableLabel(scope, name)} is shared with`;
        const repos = await this.#github.pages(routes.repositories, { ...routes.params, name }, 'repositories', { doing, scope, what: 'variables' });
        return repos.map((r) => r.name);
    }
    /** An organisation variable's visibility and, with `selected`, repository ids (names resolved once per run). */
    async #accessBody(scope, name, access) {
        if (scope.repo !== undefined)
            return {};
        if (access === undefined)
            throw new Error(`internal: ${variableLabel(scope, name)} is an organisation variable without a visibility`);
        if (access.visibility !== 'selected')
            return { visibility: access.visibility };
        return { visibility: 'selected', selected_repository_ids: await this.#github.repositoryIds(scope.owner, access.repositories, variableLabel(scope, name)) };
    }
}
/**
 * The GitHub variables home as the core's SecretStore: the core compares a companion with the value listed and
 * writes only what differs (plan.ts); a write updates a variable the listing showed, and creates one it did not.
 */
class GitHubVariableStore {
    #variables;
    /** The names each listed scope had (upper case), by scopeLabel. */
    #listed = new Map();
    constructor(variables) {
        this.#variables = variables;
    }
    async list(scope) {
        const found = await this.#variables.list(scope);
        this.#listed.set((0,model/* scopeLabel */.$o)(scope), new Set(found.keys()));
        return new Map([...found].map(([name, v]) => [name, { updatedAt: v.updatedAt, value: v.value, ...(v.visibility === undefined ? {} : { visibility: v.visibility }) }]));
    }
    /** Nothing to fetch before writing a variable (no key; selected repositories resolve at the write, once a run). */
    prepare() {
        return Promise.resolve();
    }
    async write(target, value, options = {}) {
        const existing = this.#listed.get((0,model/* scopeLabel */.$o)(target.scope))?.has(target.name.toUpperCase()) ?? false;
        await this.#variables.write(target.scope, target.name, value.reveal(), {
            existing,
            ...(target.access === undefined ? {} : { access: target.access }),
            ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
        });
    }
    selectedRepositories(target) {
        return this.#variables.selectedRepositories(target.scope, target.name);
    }
}

// EXTERNAL MODULE: ./node_modules/@microsoft/microsoft-graph-client/lib/src/index.js
var src = __webpack_require__(11899);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: ./src/core/secret.ts
var secret = __webpack_require__(22559);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(57975);
// EXTERNAL MODULE: ./node_modules/node-forge/lib/index.js
var lib = __webpack_require__(8542);
;// CONCATENATED MODULE: ./src/adapters/certificate.ts
/**
 * The certificate maker: an RSA key and a self-signed X.509 certificate made in the run, for an app's certificate
 * credential (keyCredentials). Graph receives only the certificate; the key leaves this module only inside the
 * returned Secret (PEM, or base64 PKCS#12), masked before the function returns. Nothing is written to disk.
 *
 * Why these libraries. node:crypto makes the key: native, and fast (a 2048-bit key in tens of milliseconds, where pure
 * JavaScript takes seconds); it cannot make a certificate or a PKCS#12 bundle. node-forge (Digital Bazaar, pinned
 * exactly) makes both, in one package with no dependencies, and is kept: its advisories (RSA signature verification
 * in 2022 and 2026, ASN.1 parsing in 2025, chain checks and a hang in modular inversion given zero in 2026) were fixed
 * in releases up to 1.4.4 (November 2026). They are in parsing or verifying what others send; here forge encodes and
 * signs what this module built, and parses one thing, the PEM that node:crypto has just exported. The other candidate, @peculiar/x509 (the test
 * emulator's TLS certificates), makes certificates through WebCrypto but not PKCS#12, which would add pkijs (a new
 * major, 4.0.0, in October 2026) and bring a global Reflect metadata polyfill (for tsyringe) into the action.
 */




/** Before `now` by this much: the runner's clock, Entra's and a consumer's may disagree by a few minutes, and a
 * certificate not yet valid on the checking side is refused. Five minutes is the usual allowance (JWT, Kerberos). */
const certificate_CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** ub-common-name (RFC 5280): some readers refuse a longer CN; an app's display name may have up to 256. */
const MAX_CN = 64;
/**
 * PKCS#12 protection. The key is shrouded with PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC), what OpenSSL 3 writes by
 * default and Go's go-pkcs12 (Terraform's azurerm/azuread providers), .NET and Windows Server 2019+ read. forge
 * writes the MAC with HMAC-SHA-1 whatever is asked: every reader takes it. With an empty password the iterations add
 * nothing; 2048 is OpenSSL's and go-pkcs12's own count. (forge takes `prfAlgorithm` though its types omit it; the
 * test reads the bundle back with openssl and fails if it is ignored.)
 */
const PKCS12_OPTIONS = { algorithm: 'aes256', prfAlgorithm: 'sha256', count: 2048, saltSize: 16 };
async function makeCertificate(request) {
    const { lifetimeDays, format, mask } = request;
    const keyBits = request.keyBits ?? 2048;
    if (!Number.isInteger(lifetimeDays) || lifetimeDays < 1)
        throw new Error(`internal: a certificate's lifetime must be whole days, at least 1 (was ${lifetimeDays})`);
    const doing = `making an RSA ${keyBits} key and a self-signed certificate for '${request.commonName}'`;
    try {
        const { privateKey } = await (0,external_node_util_.promisify)(external_node_crypto_.generateKeyPair)('rsa', { modulusLength: keyBits });
        const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        // Masked the moment it exists, in either format: an error that quoted it would still be hidden.
        maskPemLines(keyPem, mask);
        const forgeKey = lib.pki.privateKeyFromPem(keyPem);
        const forgeCert = selfSigned(forgeKey, request);
        const certificateDer = Buffer.from(lib.asn1.toDer(lib.pki.certificateToAsn1(forgeCert)).getBytes(), 'binary');
        const x509 = checked(certificateDer, privateKey);
        // The PEM is made in either format: the verifier signs in with it. Given as the value, it is masked whole too.
        const pem = pemValue(keyPem, x509, mask, format === 'pem');
        const value = format === 'pem' ? pem : pfxValue(forgeKey, forgeCert, mask);
        return {
            certificateDer,
            thumbprintSha1: (0,external_node_crypto_.createHash)('sha1').update(certificateDer).digest('hex').toUpperCase(),
            thumbprintSha256: (0,external_node_crypto_.createHash)('sha256').update(certificateDer).digest('hex').toUpperCase(),
            x5t: (0,external_node_crypto_.createHash)('sha1').update(certificateDer).digest('base64url'),
            startDateTime: x509.validFromDate,
            endDateTime: x509.validToDate,
            value,
            pem,
        };
    }
    catch (error) {
        throw new Error(`${doing}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
}
function selfSigned(key, request) {
    const cert = lib.pki.createCertificate();
    cert.publicKey = lib.pki.setRsaPublicKey(key.n, key.e);
    cert.serialNumber = randomSerial();
    // Encoded to the second: whole seconds here, so that what is returned is what the certificate says.
    const now = Math.floor(request.now.getTime() / 1000) * 1000;
    cert.validity.notBefore = new Date(now - certificate_CLOCK_SKEW_MS);
    cert.validity.notAfter = new Date(now + request.lifetimeDays * DAY_MS);
    // UTF8String: forge's default, PrintableString, cannot carry non-ASCII, '&', '_' or '@', all common in app names.
    // (Its types call valueTagClass an asn1.Class; it is an asn1.Type.)
    const name = [{ name: 'commonName', value: [...request.commonName].slice(0, MAX_CN).join(''), valueTagClass: lib.asn1.Type.UTF8 }];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.setExtensions([
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
        { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(key, lib.md.sha256.create());
    return cert;
}
/**
 * 16 random bytes (RFC 5280: at most 20 octets) with a first byte of 0x40–0x7f: positive, and with no leading zero
 * byte that minimal DER would have to drop. 126 random bits, above the 64 that CA rules ask for.
 */
function randomSerial() {
    const serial = (0,external_node_crypto_.randomBytes)(16);
    serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
    return serial.toString('hex');
}
/** Node (OpenSSL) reads what forge wrote and finds the key in it: a certificate that fails here would fail every consumer. */
function checked(der, privateKey) {
    const x509 = new external_node_crypto_.X509Certificate(der);
    if (!x509.checkPrivateKey(privateKey) || !x509.verify(x509.publicKey))
        throw new Error('internal: the certificate does not match its own key');
    return x509;
}
function pemValue(keyPem, x509, mask, whole) {
    const pem = `${keyPem.trimEnd()}\n${x509.toString().trimEnd()}\n`;
    maskPemLines(pem, mask);
    if (whole)
        mask(pem);
    return new secret/* Secret */.z(pem);
}
function pfxValue(key, cert, mask) {
    // An empty password, not none: a bundle without a MAC is refused by much software, and "" is what consumers
    // send when no password is set (Terraform's client_certificate_password, .NET, OpenSSL's -passin pass:).
    const pfx = lib.pkcs12.toPkcs12Asn1(key, cert, '', PKCS12_OPTIONS);
    const base64 = Buffer.from(lib.asn1.toDer(pfx).getBytes(), 'binary').toString('base64');
    mask(base64);
    return new secret/* Secret */.z(base64);
}
/**
 * The runner masks line by line: a value of several lines is hidden only by a mask for each. The armour lines
 * (`-----BEGIN PRIVATE KEY-----`) are the same in every PEM and secret in none, so they are left readable.
 */
function maskPemLines(pem, mask) {
    for (const line of pem.split('\n')) {
        const text = line.trim();
        if (text !== '' && !text.startsWith('-----'))
            mask(text);
    }
}
/**
 * A proof of possession for Graph's addKey and removeKey: a JWT (RS256, `x5t` the certificate's SHA-1) signed with
 * the private key in `pem`, `aud` Azure AD Graph's app id, `iss` the application's object id, valid for 5 minutes
 * (Graph allows at most 10). node:crypto signs; the JWT around it is three base64url parts joined by dots.
 */
function proofOfPossession(pem, x5t, applicationObjectId, now) {
    const nbf = Math.floor(now.getTime() / 1000);
    const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const signingInput = `${part({ alg: 'RS256', typ: 'JWT', x5t })}.${part({ aud: PROOF_AUDIENCE, iss: applicationObjectId, nbf, exp: nbf + 300 })}`;
    const signature = (0,external_node_crypto_.sign)('sha256', Buffer.from(signingInput), (0,external_node_crypto_.createPrivateKey)(pem.reveal()));
    return `${signingInput}.${signature.toString('base64url')}`;
}
/** The audience Graph documents for proofs of possession: the legacy Azure AD Graph's app id. */
const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000';

// EXTERNAL MODULE: ./node_modules/@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js
var azureTokenCredentials = __webpack_require__(68316);
;// CONCATENATED MODULE: ./src/adapters/graph-client.ts
/**
 * The Microsoft Graph client as this action configures it: the rotator's credential as its auth provider, the
 * SDK's RetryHandler deciding per request (through shouldRetry) with the action's retry policy, and a fetch
 * transport that goes through HTTPS_PROXY and keeps what went wrong on the wire (the Graph client otherwise turns
 * a failed fetch into a GraphError that has lost its cause).
 */





/**
 * No answer came. `maybeProcessed`: the request may have reached Graph (the connection broke after it was sent,
 * or timed out). `untrusted`: the certificate was not trusted, which no retry changes.
 */
class TransportFailure extends src/* GraphClientError */.qF {
    code;
    maybeProcessed;
    untrusted;
    constructor(host, error) {
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
class FetchTransport {
    #timeoutMs;
    constructor(timeoutMs) {
        this.#timeoutMs = timeoutMs;
    }
    async execute(context) {
        // RequestInfo is a DOM type this project's lib does not declare; the Graph client passes a URL string.
        const target = context.request;
        try {
            const init = await viaProxy({ ...context.options, signal: AbortSignal.timeout(this.#timeoutMs) });
            const response = await fetch(target, init);
            const body = await response.arrayBuffer();
            const keep = NULL_BODY.has(response.status) || body.byteLength === 0 ? null : body;
            context.response = new Response(keep, { status: response.status, statusText: response.statusText, headers: response.headers });
        }
        catch (error) {
            throw new TransportFailure(new URL(typeof target === 'string' ? target : target.url).host, error);
        }
    }
    setNext() {
        // the last middleware
    }
}
function graphClient(graphEndpoint, credential, policy) {
    const retries = new src/* RetryHandler */.Z$(new src/* RetryHandlerOptions */.Rz(0, 0));
    // The handler adds up to 1 s of jitter and whole-second exponential steps to `delay` (no option turns that off),
    // which would make every test wait seconds: the wait that shouldRetry chose is used as it is.
    Object.defineProperty(retries, 'getDelay', { value: (_response, _retries, delay) => delay });
    return src/* Client */.Kj.initWithMiddleware({
        middleware: [
            new src/* AuthenticationHandler */.zA(new azureTokenCredentials.TokenCredentialAuthenticationProvider(credential, { scopes: [credential.graphScope] })),
            retries,
            new src/* TelemetryHandler */.MD(),
            new FetchTransport(policy.timeoutMs),
        ],
        baseUrl: `${graphEndpoint}/`,
        defaultVersion: 'v1.0',
        // The client sends the token only to Microsoft's Graph hosts and these.
        customHosts: new Set([new URL(graphEndpoint).hostname]),
    });
}
/**
 * The RetryHandler's options for one request: the handler offers 429, 503 and 504 (and honours Retry-After);
 * this says whether to retry, for how long to wait, and logs it.
 */
function statusRetries(call, policy, log) {
    const options = new src/* RetryHandlerOptions */.Rz(0, policy.attempts - 1, (_delay, retried, _request, _init, response) => {
        if (!call.idempotent && response.status !== 429)
            return false;
        const asked = retryAfterMs(Object.fromEntries(response.headers));
        if (asked !== undefined && asked > policy.maxWaitMs)
            return false;
        const wait = waitMs(policy, asked, retried + 1);
        options.delay = wait / 1000;
        const because = asked === undefined ? '' : `: ${askedToWait(response.status, asked)}`;
        log(retryLine(call.doing, wait, retried + 2, policy.attempts, `HTTP ${response.status}${because}`));
        return true;
    });
    return options;
}
const WAIT_REASONS = { 429: 'throttled', 503: 'service unavailable', 504: 'gateway timeout' };
/** "Microsoft Graph asked to wait 3 s (throttled)": a Retry-After, its length and why it came. */
function askedToWait(status, ms) {
    return `Microsoft Graph asked to wait ${Math.round(ms / 100) / 10} s (${WAIT_REASONS[status] ?? `HTTP ${status}`})`;
}

;// CONCATENATED MODULE: ./src/adapters/graph.ts
/**
 * Microsoft Graph v1.0 through its client: app registrations (one, many at once through JSON batching, or every
 * one of the tenant), their service principals and client secrets.
 */








/**
 * What app lookups read: no keyCredentials. Graph allows 150 reads a minute per tenant that select keyCredentials
 * (every batch item counts, a listing page counts 1), so only the expiry report reads certificates.
 */
const APP_FIELDS = 'id,appId,displayName,signInAudience,passwordCredentials,web,spa,publicClient,api,isFallbackPublicClient,requiredResourceAccess,tags,notes';
/**
 * With certificates: the listing of every app (report-scope all: one capped read per 999 apps), and the lookup of a
 * lone app (one capped read, as reading its certificates for the report would be).
 */
const LISTING_FIELDS = `${APP_FIELDS},keyCredentials`;
const CERTIFICATE_FIELDS = 'id,keyCredentials';
/** Values in one `$filter=id in (...)`: Graph's default limit of expressions in a filter clause. */
const IN_FILTER_MAX = 15;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Replication lag after a create lasts seconds, at times tens of seconds: more tries for those answers. */
const LAG_ATTEMPTS = 8;
/** Graph's limit of requests in one JSON batch; and how many batches are in flight at once. */
const BATCH_SIZE = 20;
const BATCHES_IN_FLIGHT = 3;
/** Batch items worth another try (all are reads): what the RetryHandler retries, and 500/502. */
const ITEM_RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Writes to one app are this far apart at least (capped by the retry base, which tests shorten). */
const WRITE_GAP_MS = 1000;
const byAppIdPath = (appId, fields = APP_FIELDS) => `/applications(appId=${enc(odataString(appId))})?$select=${fields}`;
const byNamePath = (name, fields = APP_FIELDS) => `/applications?$filter=${enc(`displayName eq ${odataString(name)}`)}&$select=${fields}`;
const readingAppId = (appId) => `reading the app registration with client ID ${appId}`;
const lookingUpName = (name) => `looking up app registrations named '${name}'`;
function lookupOf(ref, id) {
    if (ref.appId !== undefined)
        return { id, path: byAppIdPath(ref.appId), doing: readingAppId(ref.appId), ref };
    if (ref.name !== undefined)
        return { id, path: byNamePath(ref.name), doing: lookingUpName(ref.name), ref };
    throw new Error('internal: an app reference needs a client ID or a name');
}
const toPassword = (p) => ({
    keyId: p.keyId,
    displayName: p.displayName,
    hint: p.hint,
    startDateTime: new Date(p.startDateTime),
    endDateTime: new Date(p.endDateTime),
});
const toCertificates = (keys) => (keys ?? []).map((k) => {
    const thumbprint = thumbprintOf(k.customKeyIdentifier);
    return {
        keyId: k.keyId,
        displayName: k.displayName ?? null,
        type: k.type ?? null,
        startDateTime: new Date(k.startDateTime),
        endDateTime: new Date(k.endDateTime),
        ...(thumbprint === undefined ? {} : { thumbprint }),
    };
});
/**
 * The SHA-1 thumbprint (40 upper-case hex digits, as the portal shows it) in a customKeyIdentifier, which Graph
 * defaults to the thumbprint: Edm.Binary, so base64 of its 20 bytes on the wire; 40 hex digits are taken as they
 * are (the form Graph's "add a certificate" example sends). Anything else (a custom identifier) is not one.
 */
function thumbprintOf(customKeyIdentifier) {
    if (customKeyIdentifier === null || customKeyIdentifier === undefined)
        return undefined;
    if (/^[0-9a-f]{40}$/i.test(customKeyIdentifier))
        return customKeyIdentifier.toUpperCase();
    const bytes = Buffer.from(customKeyIdentifier, 'base64');
    return bytes.length === 20 && bytes.toString('base64') === customKeyIdentifier ? bytes.toString('hex').toUpperCase() : undefined;
}
/** The app as read. Certificates only when they were selected: absent is "not read", never "none". */
const toApp = (a) => ({
    id: a.id,
    appId: a.appId,
    displayName: a.displayName,
    signInAudience: a.signInAudience,
    passwordCredentials: (a.passwordCredentials ?? []).map(toPassword),
    ...(a.keyCredentials === undefined ? {} : { keyCredentials: toCertificates(a.keyCredentials) }),
    settings: {
        signInAudience: a.signInAudience,
        webRedirectUris: a.web?.redirectUris ?? [],
        spaRedirectUris: a.spa?.redirectUris ?? [],
        publicClientRedirectUris: a.publicClient?.redirectUris ?? [],
        isFallbackPublicClient: a.isFallbackPublicClient ?? null,
        requiredResourceAccess: a.requiredResourceAccess ?? [],
        tags: a.tags ?? [],
        notes: a.notes ?? null,
        raw: {
            ...(a.web ? { web: a.web } : {}),
            ...(a.spa ? { spa: a.spa } : {}),
            ...(a.publicClient ? { publicClient: a.publicClient } : {}),
            ...(a.api ? { api: a.api } : {}),
        },
    },
});
/** OData string literal: single quotes doubled. */
const odataString = (value) => `'${value.replace(/'/g, "''")}'`;
class GraphDirectory {
    #client;
    #root;
    #credential;
    #log;
    /** Objects this run created: only these get the replication-lag retries. */
    #created = new Set();
    /** Client secrets this run added: "no such key" for one of them may be replication lag. */
    #addedKeys = new Set();
    /** Certificates this run added, by keyId (lower-case): to put one back (keepCertificate) and to sign removeKey proofs. */
    #addedCertificates = new Map();
    #policy;
    /** Graph's origin: batch steps are built from URLs under it (the SDK keeps their path and query). */
    #origin;
    /** Per app (object id), when its last write ended; each write waits for the one before it. */
    #lastWrites = new Map();
    constructor(graphEndpoint, credential, log, policy) {
        this.#policy = policy;
        this.#client = graphClient(graphEndpoint, credential, policy);
        this.#root = `${graphEndpoint}/v1.0`;
        this.#origin = new URL(graphEndpoint).origin;
        this.#credential = credential;
        this.#log = log;
    }
    async appByAppId(appId, fields = APP_FIELDS) {
        const r = await this.#call({ method: 'GET', path: byAppIdPath(appId, fields), doing: readingAppId(appId) }, [404]);
        return r.status === 404 ? undefined : toApp(json(r));
    }
    async appsByName(displayName, fields = APP_FIELDS) {
        return this.#pages(byNamePath(displayName, fields), lookingUpName(displayName));
    }
    async allApps() {
        const apps = await this.#pages(`/applications?$select=${LISTING_FIELDS}&$top=999`, 'listing the app registrations of the tenant');
        this.#log.info(`Read ${apps.length} app registration${apps.length === 1 ? '' : 's'} of the tenant`);
        return apps;
    }
    async findApps(refs) {
        const lookups = refs.map((ref, i) => lookupOf(ref, String(i + 1)));
        const [only] = lookups;
        // One app is one plain request, as appByAppId or appsByName make it.
        if (lookups.length === 1 && only !== undefined)
            return [await this.#findOne(only.ref)];
        const replies = new Map();
        await inPool(chunks(lookups, BATCH_SIZE), BATCHES_IN_FLIGHT, async (batch) => {
            for (const [id, reply] of await this.#batch(batch, `looking up ${batch.length} app registrations in one batch`))
                replies.set(id, reply);
        });
        const found = [];
        // In order, so that the first failing ref is the one reported.
        for (const lookup of lookups)
            found.push(await this.#found(lookup, replies.get(lookup.id)));
        return found;
    }
    async certificates(apps) {
        const found = new Map();
        // An app this run created has only what the run gave it: no certificate.
        for (const app of apps)
            if (this.#created.has(app.id))
                found.set(app.id, []);
        const unread = apps.filter((a) => !found.has(a.id));
        const [only] = unread;
        if (unread.length === 1 && only !== undefined) {
            const doing = `reading the certificates of '${only.displayName}' (client ID ${only.appId})`;
            const r = await this.#call({ method: 'GET', path: `/applications/${enc(only.id)}?$select=${CERTIFICATE_FIELDS}`, doing }, [404]);
            if (r.status !== 404)
                found.set(only.id, toCertificates(json(r).keyCredentials));
            return found;
        }
        const reads = chunks(unread, IN_FILTER_MAX).map((group, i) => ({
            id: String(i + 1),
            path: `/applications?$filter=${enc(`id in (${group.map((a) => odataString(a.id)).join(',')})`)}&$select=${CERTIFICATE_FIELDS}`,
            doing: `reading the certificates of ${group.length} app registration${group.length === 1 ? '' : 's'} (${group.map((a) => `'${a.displayName}'`).join(', ')})`,
        }));
        const replies = new Map();
        await inPool(chunks(reads, BATCH_SIZE), BATCHES_IN_FLIGHT, async (batch) => {
            for (const [id, reply] of await this.#batch(batch, `reading the certificates of app registrations in one batch of ${batch.length}`))
                replies.set(id, reply);
        });
        for (const read of reads) {
            for (const app of await this.#batchPages(read, replies.get(read.id)))
                found.set(app.id, toCertificates(app.keyCredentials));
        }
        return found;
    }
    /** Every item of a batched listing: its reply read, and any further page fetched. */
    async #batchPages(read, reply) {
        if (reply === undefined) {
            throw new errors/* ServiceError */._7({ service: 'Microsoft Graph', doing: read.doing, detail: 'the batch reply had no answer for this request', hint: 'run again' });
        }
        if (reply.status < 200 || reply.status >= 300)
            throw graphError(reply, read.doing);
        const page = json(reply);
        const next = page['@odata.nextLink'];
        return [...page.value, ...(next === undefined ? [] : await this.#values(next, read.doing))];
    }
    /**
     * One app's lookup, with its certificates: the expiry report would read them with a request of its own, which
     * counts against Graph's cap on keyCredentials as this one does. So a run for one app stays one request.
     */
    async #findOne(ref) {
        if (ref.appId !== undefined) {
            const app = await this.appByAppId(ref.appId, LISTING_FIELDS);
            return app === undefined ? [] : [app];
        }
        const name = ref.name ?? '';
        return (await this.appsByName(name, LISTING_FIELDS)).filter((a) => a.displayName === name);
    }
    /** The apps one batched lookup found: its reply read, and any further page of a name's matches fetched. */
    async #found(lookup, reply) {
        if (reply === undefined) {
            throw new errors/* ServiceError */._7({ service: 'Microsoft Graph', doing: lookup.doing, detail: 'the batch reply had no answer for this request', hint: 'run again' });
        }
        const { appId, name } = lookup.ref;
        if (appId !== undefined && reply.status === 404)
            return [];
        if (reply.status < 200 || reply.status >= 300)
            throw graphError(reply, lookup.doing);
        if (appId !== undefined)
            return [toApp(json(reply))];
        const page = json(reply);
        const next = page['@odata.nextLink'];
        const apps = [...page.value.map(toApp), ...(next === undefined ? [] : await this.#pages(next, lookup.doing))];
        // Graph compares display names without regard to case: the lookup is by the exact name.
        return apps.filter((a) => a.displayName === name);
    }
    /**
     * One JSON batch of lookups, answered. Items that failed for a reason worth another try (a 429 with its own
     * Retry-After, a 5xx) are sent again, alone, after the wait they asked for (or the policy's backoff), within
     * the policy's tries: the Graph client's RetryHandler sees only the envelope.
     */
    async #batch(items, doing) {
        const settled = new Map();
        let pending = items;
        for (let attempt = 1; pending.length > 0; attempt += 1) {
            const replies = await this.#postBatch(pending, doing);
            const again = pending.filter((l) => {
                const reply = replies.get(l.id);
                if (reply !== undefined && attempt < this.#policy.attempts && this.#itemWorthRetrying(reply))
                    return true;
                if (reply !== undefined)
                    settled.set(l.id, reply);
                return false;
            });
            if (again.length > 0)
                await this.#waitForItems(again, replies, attempt);
            pending = again;
        }
        return settled;
    }
    #itemWorthRetrying(reply) {
        const asked = retryAfterMs(reply.headers);
        return ITEM_RETRY_STATUSES.has(reply.status) && (asked === undefined || asked <= this.#policy.maxWaitMs);
    }
    /** Waits as long as the longest wait a failed item asked for (else the backoff), and says so. */
    async #waitForItems(again, replies, attempt) {
        let wait = 0;
        let why = '';
        for (const l of again) {
            const reply = replies.get(l.id);
            if (reply === undefined)
                continue;
            const asked = retryAfterMs(reply.headers);
            const mine = waitMs(this.#policy, asked, attempt);
            if (mine >= wait) {
                wait = mine;
                why = `HTTP ${reply.status}${asked === undefined ? '' : `: ${askedToWait(reply.status, asked)}`}`;
            }
        }
        const [first] = again;
        const what = `${first?.doing ?? ''}${again.length > 1 ? ` and ${again.length - 1} more batched request${again.length > 2 ? 's' : ''}` : ''}`;
        this.#log.info(retryLine(what, wait, attempt + 1, this.#policy.attempts, why));
        await sleep(wait);
    }
    /** POST /$batch with these reads (built and read with the SDK's batch content classes): each item's reply by id. */
    async #postBatch(items, doing) {
        const content = new src/* BatchRequestContent */.Tz(items.map((l) => ({ id: l.id, request: new Request(`${this.#origin}${l.path}`) })));
        const r = await this.#call({
            method: 'POST',
            path: '/$batch',
            body: await content.getContent(),
            doing,
            // Every item is a read.
            idempotent: true,
        });
        const replies = new Map();
        for (const [id, response] of new src/* BatchResponseContent */.Ld(json(r)).getResponses()) {
            replies.set(id, { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() });
        }
        return replies;
    }
    /** Every app of every page, from `path` on (a path under the version root, or a nextLink). */
    async #pages(path, doing) {
        return (await this.#values(path, doing)).map(toApp);
    }
    /** Every item of every page, from `path` on (a path under the version root, or a nextLink). */
    async #values(path, doing) {
        const values = [];
        let next = path;
        while (next !== undefined) {
            const page = json(await this.#call({ method: 'GET', path: next, doing }));
            values.push(...page.value);
            const link = page['@odata.nextLink'];
            next = link === undefined ? undefined : link.startsWith(this.#root) ? link.slice(this.#root.length) : link;
        }
        return values;
    }
    async createApp(displayName, signInAudience, properties) {
        const doing = `creating the app registration '${displayName}'`;
        let app;
        for (let attempt = 1; app === undefined; attempt += 1) {
            try {
                const r = await this.#call({ method: 'POST', path: '/applications', body: { ...properties, displayName, signInAudience }, doing });
                app = toApp(json(r));
            }
            catch (error) {
                // Creating is not idempotent: after a lost answer or a server error the app may exist. Look for it (there
                // was none before) before creating again, never blindly.
                if (!(error instanceof errors/* ServiceError */._7 && error.details.outcomeUnknown === true) || attempt >= 3)
                    throw error;
                this.#log.warning(`No clear answer came to ${doing} (${error.details.status === undefined ? 'no response' : `HTTP ${error.details.status}`}); checking whether it was created anyway`);
                app = await this.#findCreated(displayName);
                if (app === undefined)
                    this.#log.info(`No app registration named '${displayName}' exists: creating it again`);
            }
        }
        this.#created.add(app.id);
        this.#created.add(app.appId);
        return app;
    }
    /** The app a create whose outcome is unknown may have made. List queries can lag a new app: look a few times. */
    async #findCreated(displayName) {
        for (let attempt = 1; attempt <= LAG_ATTEMPTS; attempt += 1) {
            const found = (await this.appsByName(displayName)).filter((a) => a.displayName === displayName);
            if (found.length > 0)
                return found[0];
            if (attempt < LAG_ATTEMPTS)
                await sleep(backoffMs(this.#policy, attempt));
        }
        return undefined;
    }
    async updateApp(app, patch) {
        await this.#call({
            method: 'PATCH',
            path: `/applications/${enc(app.id)}`,
            body: patch,
            doing: `updating ${Object.keys(patch).join(', ')} of '${app.displayName}' (client ID ${app.appId})`,
            lagging: this.#created.has(app.id),
            writes: app.id,
        });
    }
    async resourceApis(api) {
        const filter = GUID.test(api) ? `appId eq ${odataString(api.toLowerCase())}` : `displayName eq ${odataString(api)}`;
        const r = await this.#call({
            method: 'GET',
            path: `/servicePrincipals?$filter=${enc(filter)}&$select=appId,displayName,oauth2PermissionScopes,appRoles`,
            doing: `looking up the API '${api}' (its service principal)`,
        });
        return json(r)
            .value.filter((sp) => GUID.test(api) || sp.displayName === api)
            .map((sp) => ({
            appId: sp.appId,
            displayName: sp.displayName,
            scopes: (sp.oauth2PermissionScopes ?? []).filter((s) => s.isEnabled !== false).map((s) => ({ id: s.id, value: s.value })),
            roles: (sp.appRoles ?? [])
                .filter((role) => role.isEnabled !== false && role.value !== null && (role.allowedMemberTypes ?? ['Application']).includes('Application'))
                .map((role) => ({ id: role.id, value: role.value ?? '' })),
        }));
    }
    async federatedCredentials(app) {
        const r = await this.#call({
            method: 'GET',
            path: `/applications/${enc(app.id)}/federatedIdentityCredentials`,
            doing: `reading the federated credentials of '${app.displayName}'`,
            lagging: this.#created.has(app.id),
        });
        return json(r).value;
    }
    async addFederatedCredential(app, credential) {
        const doing = `adding the federated credential '${credential.name}' (${credential.subject}) to '${app.displayName}'`;
        const body = credential;
        // Graph answers a credential that exists already with 409 (the same name) or 400
        // InvalidFederatedIdentityCredentialValue (the same issuer and subject): after a repeated try whose first
        // answer was lost, that is the goal; otherwise it is someone else's credential.
        const r = await this.#call({
            method: 'POST',
            path: `/applications/${enc(app.id)}/federatedIdentityCredentials`,
            body,
            doing,
            lagging: this.#created.has(app.id),
            idempotent: true,
            writes: app.id,
        }, [400, 409]);
        if (r.status === 400 && !isDuplicateSubject(r))
            throw graphError(r, doing);
        if (r.status === 400 || r.status === 409)
            await this.#sameFederatedThere(app, credential, r, doing);
    }
    /**
     * Resolves when the app holds exactly this credential (name, issuer, subject, audiences); else fails naming the
     * one in the way. A listing right after the POST that made it may not show it yet (replication lag): while it
     * shows neither ours nor one in the way, it is read again, a few times.
     */
    async #sameFederatedThere(app, credential, r, doing) {
        const sameAudiences = (f) => f.audiences.length === credential.audiences.length && f.audiences.every((a) => credential.audiences.includes(a));
        const same = (f) => f.name === credential.name && f.issuer === credential.issuer && f.subject === credential.subject && sameAudiences(f);
        const inTheWayOf = (existing) => existing.find((f) => f.issuer === credential.issuer && f.subject === credential.subject) ?? existing.find((f) => f.name === credential.name);
        let existing = await this.federatedCredentials(app);
        for (let attempt = 1; attempt < LAG_ATTEMPTS && !existing.some(same) && inTheWayOf(existing) === undefined; attempt += 1) {
            await sleep(backoffMs(this.#policy, attempt));
            existing = await this.federatedCredentials(app);
        }
        if (existing.some(same))
            return;
        const inTheWay = inTheWayOf(existing);
        const hint = inTheWay === undefined
            ? 'Graph answered that such a credential exists, yet the app lists none: run again'
            : `the app already has the federated credential '${inTheWay.name}' (id ${inTheWay.id}, issuer ${inTheWay.issuer}, subject ${inTheWay.subject}, audiences ${inTheWay.audiences.join(' ')}), which this action did not make as '${credential.name}'; Graph allows one credential per issuer and subject, and one per name: remove or rename that credential, or leave the subject out of federated-subjects`;
        throw new errors/* ServiceError */._7({ ...graphError(r, doing).details, hint });
    }
    async removeFederatedCredential(app, credential) {
        await this.#call({
            method: 'DELETE',
            path: `/applications/${enc(app.id)}/federatedIdentityCredentials/${enc(credential.id)}`,
            doing: `removing the federated credential '${credential.name}' (${credential.subject}) from '${app.displayName}'`,
            lagging: this.#created.has(app.id),
            writes: app.id,
        }, [404]);
    }
    async servicePrincipalExists(app) {
        const r = await this.#call({ method: 'GET', path: `/servicePrincipals(appId=${enc(odataString(app.appId))})?$select=id`, doing: `reading the service principal of '${app.displayName}' (client ID ${app.appId})` }, [404]);
        return r.status !== 404;
    }
    async createServicePrincipal(app) {
        const created = this.#created.has(app.appId);
        const body = { appId: app.appId };
        // 409: it exists already (made meanwhile, or by a try whose answer was lost): that is the goal.
        await this.#call({
            method: 'POST',
            path: '/servicePrincipals',
            body,
            doing: `creating the service principal (enterprise application) of '${app.displayName}' (client ID ${app.appId})`,
            lagging: created,
            idempotent: true,
            // Right after the create, Graph may not know yet that the rotator owns the new app: 403 for a few seconds.
            // Only for an app this run created; for any other app a 403 is final.
            ...(created ? { retryAlso: (res) => (isDenied(res) ? "replication lag on the new app (the rotator's ownership of it)" : undefined) } : {}),
        }, [409]);
    }
    async addPassword(app, displayName, endDateTime) {
        const doing = `adding a client secret to '${app.displayName}' (client ID ${app.appId})`;
        const r = await this.#call({
            method: 'POST',
            path: `/applications/${enc(app.id)}/addPassword`,
            body: { passwordCredential: { displayName, endDateTime: endDateTime.toISOString() } },
            doing,
            lagging: this.#created.has(app.id),
            writes: app.id,
        });
        const reply = json(r);
        const text = reply.secretText;
        if (typeof text !== 'string' || text === '') {
            throw new errors/* ServiceError */._7({ service: 'Microsoft Graph', doing, status: r.status, requestId: r.headers['request-id'], detail: 'the reply carried no secretText' });
        }
        // Masked the moment it exists.
        this.#log.mask(text);
        this.#addedKeys.add(reply.keyId);
        return { info: toPassword(reply), value: new secret/* Secret */.z(text) };
    }
    async removePassword(app, keyId) {
        const doing = `removing client secret ${keyId} from '${app.displayName}' (client ID ${app.appId})`;
        const justAdded = this.#addedKeys.has(keyId);
        // Repeating a removal is harmless. "No such key" means a repeat whose first answer was lost, or replication
        // lag on a key added moments ago: for a key this run knows it added, asked again; for every key, read to confirm.
        const r = await this.#call({
            method: 'POST',
            path: `/applications/${enc(app.id)}/removePassword`,
            body: { keyId },
            doing,
            lagging: this.#created.has(app.id) || justAdded,
            idempotent: true,
            writes: app.id,
            ...(justAdded ? { retryAlso: (res) => (isNoSuchKey(res) ? 'replication lag on the new client secret' : undefined) } : {}),
        }, [400]);
        if (r.status === 400 && !isNoSuchKey(r))
            throw graphError(r, doing);
        if (r.status !== 400)
            return;
        // "No such key" is confirmed by a read, for every key: one this run added may have come back in an answer that
        // was lost (rotate.ts removes such strays), and it lags like any new key. Still there: it is lag, so the key is
        // removed again as a just-added one (retried, then read), once.
        const now = await this.appByAppId(app.appId);
        if (now?.passwordCredentials.some((p) => p.keyId === keyId) !== true)
            return;
        if (!justAdded) {
            this.#addedKeys.add(keyId);
            return this.removePassword(app, keyId);
        }
        throw new errors/* ServiceError */._7({ ...graphError(r, doing).details, hint: 'Graph answered that the app has no such key, yet a read still shows it: run again' });
    }
    /**
     * Makes a certificate (adapters/certificate.ts: masked the moment it exists) valid until `endDateTime`, its CN the
     * app's name, and adds it to keyCredentials (#replaceKeys: every other certificate sent back as read, then the app
     * read back).
     */
    async addCertificate(app, displayName, endDateTime, format) {
        const doing = `adding a certificate to '${app.displayName}' (client ID ${app.appId})`;
        const now = new Date();
        const lifetimeDays = Math.max(1, Math.round((endDateTime.getTime() - now.getTime()) / graph_DAY_MS));
        const made = await makeCertificate({ commonName: app.displayName, lifetimeDays, now, format, mask: (v) => this.#log.mask(v) });
        const der = made.certificateDer;
        // The certificate is valid from a few minutes before now (clock skew); the credential starts at the second its
        // days are counted from, so that its lifetime, which a tenant's policy may cap, is the days asked for.
        const entry = {
            type: 'AsymmetricX509Cert',
            usage: 'Verify',
            key: der.toString('base64'),
            displayName,
            startDateTime: new Date(made.endDateTime.getTime() - lifetimeDays * graph_DAY_MS).toISOString(),
            endDateTime: made.endDateTime.toISOString(),
        };
        const ours = (k) => sameBytes(k, der);
        const after = await this.#replaceKeys(app, doing, {
            change: (current) => [...current, entry],
            done: (keys) => keys.some(ours),
            keeps: () => true,
            lifetimeDays,
        });
        const [key] = after.keys.filter(ours);
        const [info] = toCertificates(key === undefined ? [] : [key]);
        if (key === undefined || info === undefined)
            throw new Error('internal: the new certificate is not in the keys read back');
        this.#addedCertificates.set(key.keyId.toLowerCase(), { appObjectId: app.id, entry: { ...entry, keyId: key.keyId }, der, x5t: made.x5t, pem: made.pem });
        return { info: { ...info, thumbprint: made.thumbprintSha1 }, value: made.value, pem: made.pem };
    }
    /**
     * A certificate this run added is still on the app, or is put back with the same bytes and keyId (#replaceKeys):
     * another writer's PATCH of keyCredentials, built from a read taken before ours landed, drops it silently.
     */
    async keepCertificate(app, keyId) {
        const mine = this.#addedCertificates.get(keyId.toLowerCase());
        if (mine === undefined)
            throw new Error(`internal: certificate ${keyId} was not added by this run`);
        const doing = `checking that certificate ${keyId} is still on '${app.displayName}' (client ID ${app.appId})`;
        const ours = (k) => sameBytes(k, mine.der);
        const { changed } = await this.#replaceKeys(app, doing, { change: (current) => [...current.filter((k) => !ours(k)), mine.entry], done: (keys) => keys.some(ours), keeps: () => true });
        return changed ? 'restored' : 'there';
    }
    /**
     * Removes one certificate; one that is gone already is success. With a certificate this run added to the app (not
     * the one removed), by removeKey with a proof signed by it: Graph removes that key alone, so a certificate another
     * writer added meanwhile cannot be lost. Otherwise, or when Graph refuses the proof (a certificate added seconds
     * ago may not be seen yet), by #replaceKeys: every other certificate sent back as read.
     */
    async removeCertificate(app, keyId) {
        const doing = `removing certificate ${keyId} from '${app.displayName}' (client ID ${app.appId})`;
        const signer = [...this.#addedCertificates.values()].find((c) => c.appObjectId === app.id && c.entry.keyId.toLowerCase() !== keyId.toLowerCase());
        if (signer !== undefined && (await this.#removeKey(app, keyId, signer, doing)))
            return;
        const other = (k) => k.keyId.toLowerCase() !== keyId.toLowerCase();
        await this.#replaceKeys(app, doing, { change: (current) => current.filter(other), done: (keys) => keys.every(other), keeps: other });
    }
    /**
     * POST removeKey with a proof signed by `signer`; repeating it is harmless (a key already gone is "no such key").
     * True when Graph removed it; false when it answered 4xx (no such key, or the proof refused): the caller then reads
     * the app and removes by PATCH if the key is still there.
     */
    async #removeKey(app, keyId, signer, doing) {
        const body = { keyId, proof: proofOfPossession(signer.pem, signer.x5t, app.id, new Date()) };
        try {
            await this.#call({ method: 'POST', path: `/applications/${enc(app.id)}/removeKey`, body, doing, idempotent: true, lagging: this.#created.has(app.id), writes: app.id });
            return true;
        }
        catch (error) {
            if (!(error instanceof errors/* ServiceError */._7) || error.details.status === undefined || error.details.status >= 500 || error.details.status === 429)
                throw error;
            this.#log.info(`${doing}: removeKey answered ${error.details.status}${error.details.code === undefined ? '' : ` ${error.details.code}`}; removing it by a PATCH of keyCredentials instead`);
            return false;
        }
    }
    /**
     * A change to keyCredentials, which Graph replaces whole (no ETag): read them with their bytes, PATCH the
     * changed list, read back. A PATCH whose answer was lost is never sent blindly again: the read back tells
     * whether it took effect, and only if not is it sent again, built from that read. Every certificate that was
     * there and is to stay must be there after, with the same bytes (#keptOrRestored). Resolves with the keys read back,
     * and whether a PATCH was needed.
     */
    async #replaceKeys(app, doing, plan) {
        let base = await this.#keys(app, `${doing}: reading its certificates`);
        if (plan.done(base))
            return { keys: base, changed: false };
        for (let attempt = 1;; attempt += 1) {
            const body = plan.change(withBytes(base, doing));
            const answered = await this.#patchKeys(app, body, doing, plan.lifetimeDays);
            const after = await this.#readBack(app, doing, plan.done, answered);
            if (plan.done(after)) {
                await this.#keptOrRestored(app, doing, base.filter(plan.keeps), after);
                return { keys: after, changed: true };
            }
            if (answered || attempt >= this.#policy.attempts) {
                const detail = answered
                    ? 'Graph accepted the PATCH of keyCredentials, yet the app read back does not show the change'
                    : `the answer to the PATCH of keyCredentials was lost ${attempt} time${attempt === 1 ? '' : 's'}, and the app read back does not show the change`;
                throw new errors/* ServiceError */._7({ service: 'Microsoft Graph', doing, detail, hint: 'nothing was changed: run again' });
            }
            this.#log.info(`${doing}: the answer to the PATCH was lost and the app read back does not show it: sending it again, from that read`);
            base = after;
        }
    }
    /** The app's certificates with their bytes: a single-app GET selecting keyCredentials (a capped read). */
    async #keys(app, doing) {
        const path = `/applications/${enc(app.id)}?$select=${CERTIFICATE_FIELDS}`;
        const r = await this.#call({ method: 'GET', path, doing, lagging: this.#created.has(app.id) });
        return json(r).keyCredentials ?? [];
    }
    /** After an answered PATCH, a read that does not show it yet is read again a few times (replication). */
    async #readBack(app, doing, done, answered) {
        const reading = `${doing}: reading its certificates back`;
        let after = await this.#keys(app, reading);
        for (let attempt = 1; answered && !done(after) && attempt < this.#policy.attempts; attempt += 1) {
            await sleep(backoffMs(this.#policy, attempt));
            after = await this.#keys(app, reading);
        }
        return after;
    }
    /**
     * PATCHes keyCredentials, never repeated on a lost answer (false: it may or may not have taken effect; a read
     * decides). A refusal by a tenant policy gets the certificate's hint.
     */
    async #patchKeys(app, keys, doing, lifetimeDays) {
        const body = { keyCredentials: keys };
        const call = { method: 'PATCH', path: `/applications/${enc(app.id)}`, body, doing, idempotent: false, lagging: this.#created.has(app.id), writes: app.id };
        try {
            await this.#call(call);
            return true;
        }
        catch (error) {
            if (!(error instanceof errors/* ServiceError */._7))
                throw error;
            if (error.details.outcomeUnknown === true)
                return false;
            throw certificatePolicyError(error, lifetimeDays);
        }
    }
    /**
     * Every certificate in `expected` (read before the PATCH, and meant to stay) must be in `after` with the same
     * bytes. One missing (a concurrent change, or a PATCH that lost it) is put back at once (with everything there
     * now), read back, and the call fails loudly, saying whether the restore worked.
     */
    async #keptOrRestored(app, doing, expected, after) {
        const missing = expected.filter((k) => !after.some((a) => sameEntry(a, k)));
        if (missing.length === 0)
            return;
        const names = missing.map(describeKey).join('; ');
        const restoring = `${doing}: putting back ${missing.length === 1 ? 'a certificate' : 'certificates'} the change lost`;
        let outcome;
        try {
            const answered = await this.#patchKeys(app, [...after, ...missing], restoring);
            const back = await this.#readBack(app, restoring, (keys) => missing.every((k) => keys.some((b) => sameEntry(b, k))), answered);
            const still = missing.filter((k) => !back.some((b) => sameEntry(b, k)));
            outcome =
                still.length === 0
                    ? 'they were put back (a read back shows them, with the same bytes)'
                    : `putting them back FAILED: still missing ${still.map(describeKey).join('; ')}; add ${still.length === 1 ? 'it' : 'them'} again by hand from the certificate files`;
        }
        catch (error) {
            outcome = `putting them back FAILED (${error instanceof Error ? error.message : String(error)}): add them again by hand from the certificate files`;
        }
        throw new errors/* ServiceError */._7({
            service: 'Microsoft Graph',
            doing,
            detail: `certificates that were on the app before the PATCH of keyCredentials were missing after it: ${names}`,
            hint: `${outcome}. Something else changed this app's certificates at the same time (Graph replaces keyCredentials whole): find it, then run again`,
        });
    }
    /**
     * One Graph call: signed in, sent through the Graph client (whose RetryHandler takes 429, 503 and 504), and
     * retried here for what that handler does not see: replication lag on a new object, a concurrency conflict,
     * 500/502 and a lost connection when repeating is harmless. Any status not 2xx (nor in `accept`) becomes a
     * ServiceError.
     */
    async #call(call, accept = []) {
        // Signing in first (the token is cached): the Graph client would wrap a sign-in failure in a GraphError.
        await this.#credential.getToken(this.#credential.graphScope);
        const idempotent = call.idempotent ?? call.method !== 'POST';
        const attempts = call.lagging === true ? LAG_ATTEMPTS : this.#policy.attempts;
        let lost = false;
        for (let attempt = 1;; attempt += 1) {
            let outcome;
            try {
                outcome = await this.#spaced(call.writes, () => this.#send(call, idempotent));
            }
            catch (error) {
                if (!(error instanceof TransportFailure))
                    throw error;
                outcome = error;
                lost ||= error.maybeProcessed;
            }
            const why = retryWorthy(call, idempotent, outcome);
            if (why === undefined || attempt >= attempts)
                return this.#settle(call, idempotent, outcome, accept, lost);
            const wait = backoffMs(this.#policy, attempt);
            this.#log.info(retryLine(call.doing, wait, attempt + 1, attempts, why));
            await sleep(wait);
        }
    }
    /**
     * Back-to-back writes to one app can answer 409 Directory_ConcurrencyViolation: a write to an app waits for
     * the one before it to end, and then until a gap has passed.
     */
    async #spaced(app, send) {
        if (app === undefined)
            return send();
        const gap = Math.min(this.#policy.baseMs, WRITE_GAP_MS);
        const previous = this.#lastWrites.get(app);
        let ended = () => undefined;
        this.#lastWrites.set(app, new Promise((resolve) => (ended = resolve)));
        try {
            const wait = previous === undefined ? 0 : (await previous) + gap - Date.now();
            if (wait > 0)
                await sleep(wait);
            return await send();
        }
        finally {
            ended(Date.now());
        }
    }
    async #send(call, idempotent) {
        const request = this.#client
            .api(call.path.startsWith('https://') ? call.path : `${this.#root}${call.path}`)
            .responseType(src/* ResponseType */.yl.RAW)
            .middlewareOptions([statusRetries({ doing: call.doing, idempotent }, this.#policy, (m) => this.#log.info(m))]);
        const sent = call.method === 'GET'
            ? request.get()
            : call.method === 'POST'
                ? request.post(call.body)
                : call.method === 'PATCH'
                    ? request.patch(call.body)
                    : request.delete();
        const response = (await sent);
        return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
    }
    #settle(call, idempotent, outcome, accept, lost) {
        if (outcome instanceof TransportFailure) {
            throw new errors/* ServiceError */._7({
                service: 'Microsoft Graph',
                doing: call.doing,
                outcomeUnknown: lost,
                code: outcome.code,
                detail: outcome.message,
                hint: outcome.untrusted
                    ? untrustedHint(new URL(this.#root).host, 'graph-endpoint (and cloud)')
                    : 'check graph-endpoint and the network (HTTPS_PROXY / NO_PROXY, and NODE_EXTRA_CA_CERTS for private CAs); run again',
            });
        }
        // A concurrency conflict is never what a caller accepts (a 409 for "it exists" means something else).
        if ((outcome.status >= 200 && outcome.status < 300) || (accept.includes(outcome.status) && !isConcurrencyConflict(outcome)))
            return outcome;
        const failure = graphError(outcome, call.doing);
        // A call that is not idempotent, answered with a server error, may have taken effect: its caller decides.
        if (!idempotent && outcome.status >= 500)
            throw new errors/* ServiceError */._7({ ...failure.details, outcomeUnknown: true });
        throw failure;
    }
}
const graph_DAY_MS = 24 * 60 * 60 * 1000;
/** The certificate's DER bytes (Graph's `key` is base64; whitespace ignored), or undefined when not read. */
function keyBytes(k) {
    return typeof k.key === 'string' && k.key !== '' ? Buffer.from(k.key.replace(/\s+/g, ''), 'base64') : undefined;
}
function sameBytes(k, der) {
    return keyBytes(k)?.equals(der) === true;
}
/** The same certificate entry: its keyId, and its bytes. */
function sameEntry(a, b) {
    const bytes = keyBytes(b);
    return a.keyId.toLowerCase() === b.keyId.toLowerCase() && bytes !== undefined && sameBytes(a, bytes);
}
function describeKey(k) {
    const der = keyBytes(k);
    const thumbprint = der === undefined ? 'unknown' : (0,external_node_crypto_.createHash)('sha1').update(der).digest('hex').toUpperCase();
    return `${k.keyId} ('${k.displayName ?? ''}', thumbprint ${thumbprint}, until ${k.endDateTime})`;
}
/** The certificates read, each with its bytes: a PATCH without an entry's `key` would remove or refuse it. */
function withBytes(keys, doing) {
    const bare = keys.filter((k) => keyBytes(k) === undefined);
    if (bare.length === 0)
        return keys;
    throw new errors/* ServiceError */._7({
        service: 'Microsoft Graph',
        doing,
        detail: `the read of keyCredentials did not carry the certificate bytes (key) of ${bare.map((k) => k.keyId).join(', ')}`,
        hint: 'nothing was changed (a PATCH without them would remove those certificates): run again',
    });
}
/** A tenant policy's refusal of a certificate, with the certificate's hint. */
function certificatePolicyError(error, lifetimeDays) {
    if (error.code === 'CredentialInvalidLifetimeAsPerAppPolicy') {
        const asked = lifetimeDays === undefined ? '' : ` (this one was to last ${lifetimeDays} days)`;
        const hint = `a tenant app-management policy caps the lifetime of certificates (asymmetric keys)${asked}: lower secret-lifetime-days to what the policy allows. An admin can read the cap with GET /policies/defaultAppManagementPolicy (applicationRestrictions.keyCredentials, restrictionType asymmetricKeyLifetime, maxLifetime) and GET /applications/{id}/appManagementPolicies`;
        return new errors/* ServiceError */._7({ ...error.details, hint });
    }
    if (error.code === 'CredentialTypeNotAllowedAsPerAppPolicy') {
        const hint = "the tenant's app management policy forbids this certificate for this app (a keyCredentials restriction, such as certificates from trusted certificate authorities only): an admin can check the policy with GET /policies/defaultAppManagementPolicy and GET /applications/{id}/appManagementPolicies";
        return new errors/* ServiceError */._7({ ...error.details, hint });
    }
    return error;
}
/** Why another try is worth it, for what the Graph client's RetryHandler does not retry; undefined: it is not. */
function retryWorthy(call, idempotent, outcome) {
    if (outcome instanceof TransportFailure) {
        // A request that may have taken effect is repeated only when repeating is harmless.
        return outcome.untrusted || (outcome.maybeProcessed && !idempotent) ? undefined : `${outcome.code}: ${outcome.message}`;
    }
    if (idempotent && (outcome.status === 500 || outcome.status === 502))
        return `HTTP ${outcome.status}`;
    return (call.retryAlso?.(outcome) ??
        (call.lagging === true && isReplicationLag(outcome) ? 'replication lag on the new app' : isConcurrencyConflict(outcome) ? 'a concurrent change to the app' : undefined));
}
const enc = (s) => encodeURIComponent(s).replace(/'/g, '%27');
function chunks(items, size) {
    const out = [];
    for (let i = 0; i < items.length; i += size)
        out.push(items.slice(i, i + size));
    return out;
}
/** Runs `work` on every item, at most `limit` at a time. */
async function inPool(items, limit, work) {
    let next = 0;
    const worker = async () => {
        for (let item = items[next++]; item !== undefined; item = items[next++])
            await work(item);
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
function json(r) {
    return JSON.parse(r.body);
}
function errorBody(r) {
    try {
        return JSON.parse(r.body);
    }
    catch {
        return {};
    }
}
/** 404 on the new object, or 400 NoBackingApplicationObject (in the code or the details) right after a create. */
function isReplicationLag(r) {
    const e = errorBody(r).error;
    if (r.status === 404)
        return e?.code === 'Request_ResourceNotFound' || e?.code === 'ResourceNotFound';
    return r.status === 400 && (e?.code === 'NoBackingApplicationObject' || (e?.details ?? []).some((d) => d.code === 'NoBackingApplicationObject'));
}
/** 400 InvalidFederatedIdentityCredentialValue (in the code or the details): the issuer and subject exist on the app. */
function isDuplicateSubject(r) {
    const e = errorBody(r).error;
    const code = 'InvalidFederatedIdentityCredentialValue';
    return r.status === 400 && (e?.code === code || (e?.details ?? []).some((d) => d.code === code));
}
function isDenied(r) {
    return r.status === 403 && errorBody(r).error?.code === 'Authorization_RequestDenied';
}
/** removePassword's answer for a key the app does not have (a repeat, or a key not replicated yet). */
function isNoSuchKey(r) {
    return r.status === 400 && /no password credential|not found|does not exist/i.test(errorBody(r).error?.message ?? '');
}
function isConcurrencyConflict(r) {
    return r.status === 409 && errorBody(r).error?.code === 'Directory_ConcurrencyViolation';
}
const GRAPH_HINTS = {
    401: 'the access token was refused: check tenant-id, cloud and graph-endpoint',
    403: "the rotator lacks the Microsoft Graph application permission Application.ReadWrite.OwnedBy (granted with admin consent), or it is not an owner of this app: add the rotator's service principal as an owner of the app, or grant Application.ReadWrite.All",
    429: 'Graph is throttling this tenant: run again later',
};
const GRAPH_CODE_HINTS = {
    CredentialTypeNotAllowedAsPerAppPolicy: "the tenant's app management policy forbids new client secrets for this app (a passwordAddition restriction); certificate credentials are the way forward (credential-type: certificate, an input added in this release). An admin can check the policy in the Entra admin center (Enterprise applications, App management policies) or with GET /policies/defaultAppManagementPolicy and GET /applications/{id}/appManagementPolicies",
    CredentialInvalidLifetimeAsPerAppPolicy: 'a tenant app-management policy caps the lifetime of credentials (passwordLifetime for client secrets, asymmetricKeyLifetime for certificates): lower secret-lifetime-days to what the policy allows',
    TooManyAppPasswords: 'apps whose sign-in audience allows personal Microsoft accounts may hold only 2 client secrets: remove one by hand, or use sign-in-audience AzureADMyOrg',
};
function graphError(r, doing) {
    const e = errorBody(r).error;
    const code = e?.code;
    return new errors/* ServiceError */._7({
        service: 'Microsoft Graph',
        doing,
        status: r.status,
        code,
        requestId: e?.innerError?.['request-id'] ?? r.headers['request-id'],
        detail: e?.message ?? r.body.slice(0, 200),
        hint: (code === undefined ? undefined : GRAPH_CODE_HINTS[code]) ??
            GRAPH_HINTS[r.status] ??
            (r.status >= 500 ? 'Graph had a transient failure: run again' : undefined),
    });
}

;// CONCATENATED MODULE: ./src/core/home-kind.ts
/**
 * A home kind: where a value is kept for the system that uses it. GitHub secrets (Actions secrets of a repository,
 * an environment or an organisation, Dependabot and Codespaces secrets), GitHub variables (Actions variables, for the values
 * that are not secret: client and tenant ID) and Azure Key Vault secrets. What differs between homes is here: what a
 * person calls one and where it is, whether its value can be read back and, if not, how the run tells which
 * credential it holds, and what writing one costs against GitHub's limits. Plan, summary and report ask a target's
 * home kind; none knows each one. Writing goes through the SecretStore port, which the adapters implement per home
 * (adapters/homes.ts routes each scope to its home's).
 */


const GITHUB_SECRET = {
    id: 'github-secret',
    noun: 'GitHub secret',
    where: (target) => (0,model/* scopeLabel */.$o)(target.scope),
    missingNeedsRotation: "a secret's value cannot be read back",
    mayHold: (stored, managed) => mayHold(stored.updatedAt, managed),
    // One PUT; an organisation secret's visibility and selected repositories travel in it.
    githubWritesEach: 1,
    exact: false,
};
const GITHUB_VARIABLE = {
    id: 'github-variable',
    noun: 'GitHub variable',
    where: (target) => (0,model/* scopeLabel */.$o)(target.scope),
    missingNeedsRotation: undefined,
    mayHold: () => [],
    // One POST (create) or PATCH (update); an organisation variable's visibility travels in it.
    githubWritesEach: 1,
    exact: false,
};
const KEY_VAULT_SECRET = {
    id: 'key-vault-secret',
    noun: 'Key Vault secret',
    where: (target) => (0,model/* scopeLabel */.$o)(target.scope),
    missingNeedsRotation: "the current credential's value cannot be read back",
    // Each write tags the secret with the key id of the credential it holds: exactly that one, or none of ours (a
    // value this action did not write, or one written before it tagged).
    mayHold: (stored, managed) => managed.filter((c) => stored.holds !== undefined && c.keyId.toLowerCase() === stored.holds.toLowerCase()),
    githubWritesEach: 0,
    exact: true,
};
/** The home kind of a scope. */
function homeOfScope(scope) {
    if ((0,model/* isKeyVault */.iG)(scope))
        return KEY_VAULT_SECRET;
    return scope.service === 'variables' ? GITHUB_VARIABLE : GITHUB_SECRET;
}
/** The home kind of a target. */
function homeOf(target) {
    return homeOfScope(target.scope);
}
/** The GitHub writes (max-writes) of writing these targets once each. */
function githubWritesOf(targets) {
    return targets.reduce((n, t) => n + homeOf(t).githubWritesEach, 0);
}

;// CONCATENATED MODULE: ./src/adapters/homes.ts
/**
 * The one SecretStore the core sees: each scope and target goes to the adapter of its home kind
 * (core/home-kind.ts). A new home is its adapter, registered here by main.ts, plus its kind's rules.
 */


class HomeStores {
    #adapters;
    constructor(adapters) {
        this.#adapters = adapters;
    }
    /** Whether the targets of this scope's home can be read this run (its adapter exists). */
    reads(scope) {
        return !('missing' in this.#adapters[homeOfScope(scope).id]);
    }
    list(scope) {
        return this.#of(scope, (store, s) => store.list(s));
    }
    prepare(scope, targets) {
        return this.#of(scope, (store, s) => store.prepare(s, targets));
    }
    write(target, value, options) {
        return this.#of(target.scope, (store, s) => store.write({ ...target, scope: s }, value, options));
    }
    selectedRepositories(target) {
        return this.#of(target.scope, (store, s) => store.selectedRepositories({ ...target, scope: s }));
    }
    /** Runs `fn` with the adapter of the scope's home, the scope narrowed to that adapter's. */
    #of(scope, fn) {
        const home = homeOfScope(scope);
        const adapter = this.#adapters[home.id];
        // The core reads and writes no home it was not given: config refuses such targets, and inventory skips reading them.
        if ('missing' in adapter)
            throw new Error(`internal: no adapter for ${home.noun}s (${adapter.missing})`);
        if ((0,model/* isKeyVault */.iG)(scope))
            return fn(adapter, scope);
        return fn(adapter, scope);
    }
}

// EXTERNAL MODULE: external "node:async_hooks"
var external_node_async_hooks_ = __webpack_require__(16698);
// EXTERNAL MODULE: ./node_modules/@azure/keyvault-secrets/dist/esm/index.js + 47 modules
var dist_esm = __webpack_require__(79336);
;// CONCATENATED MODULE: ./src/adapters/keyvault.ts
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







/** The tags a written secret carries (see the header). */
const KEY_VAULT_TAGS = Object.freeze({ appId: 'entra-client-id', keyId: 'entra-credential-key-id' });
/** The content type of each kind of value. */
const KEY_VAULT_CONTENT_TYPES = Object.freeze({
    secret: 'text/plain',
    pem: 'application/x-pem-file',
    pfx: 'application/x-pkcs12',
    credentials: 'application/json',
});
const SERVICE = 'Azure Key Vault';
/** Key Vault's secret names. */
const KEY_VAULT_NAME_RE = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_TAGS = 15;
/** Microsoft's vault host suffixes (Key Vault in each cloud; managed HSM is not a home). */
const MICROSOFT_VAULT_SUFFIXES = [...new Set(Object.values(clouds/* CLOUDS */.JJ).map((c) => `.${c.keyVaultSuffix}`))];
function isMicrosoftVaultHost(hostname) {
    const h = hostname.toLowerCase();
    return MICROSOFT_VAULT_SUFFIXES.some((s) => h.endsWith(s));
}
/** One call with all its attempts; the pipeline policy finds it through `calls`. */
class keyvault_Call {
    doing;
    /** The secret it is about, if one (for the hints). */
    secret;
    write;
    notAfter;
    attempts = 0;
    /** An attempt of a write got no answer, or a 5xx, after it was sent: the write may have taken effect. */
    lostAnswer = false;
    last;
    lastEnded = 0;
    constructor(doing, secret, write, notAfter) {
        this.doing = doing;
        this.secret = secret;
        this.write = write;
        this.notAfter = notAfter;
    }
    /** The time the run allows for this call is over, or would be after waiting `ms`. */
    late(ms = 0) {
        return this.notAfter !== undefined && Date.now() + ms > this.notAfter;
    }
}
/** Thrown by the policy to end the SDK's retries (the SDK passes on what is not a RestError at once). */
class Stop extends Error {
    failure;
    /** A write that may have taken effect: settle it by reading back. */
    maybeDone;
    constructor(failure, maybeDone) {
        super(failure.message);
        this.name = 'Stop';
        this.failure = failure;
        this.maybeDone = maybeDone;
    }
}
const keyvault_LATE = { status: undefined, code: 'ELATE', message: 'not sent: the time this run allows for it is over', requestId: undefined, sent: false };
const headersOf = (response) => Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v]));
/**
 * An answer's failure, from the body Key Vault sends with it (`{error: {code, message, innererror: {code}}}`; the
 * SDK's deserialized form names it `innerError`).
 */
function answered(status, body, requestId, fallback) {
    const error = body?.error;
    const inner = (error?.innererror ?? error?.innerError)?.code;
    const code = typeof inner === 'string' ? inner : typeof error?.code === 'string' ? error.code : undefined;
    const message = typeof error?.message === 'string' ? error.message : fallback;
    return { status, code, message, requestId, sent: true };
}
function parsed(text) {
    try {
        return text ? JSON.parse(text) : undefined;
    }
    catch {
        return undefined;
    }
}
function responseFailure(response) {
    return answered(response.status, parsed(response.bodyAsText), response.headers.get('x-ms-request-id'), `HTTP ${response.status}`);
}
/** No answer came: what the socket said, and whether the request may have reached the vault. */
function transportFailure(error) {
    const node = nodeErrorIn(error);
    const timedOut = error instanceof Error && error.name === 'AbortError';
    const code = timedOut ? 'ETIMEDOUT' : node?.code === 'REQUEST_SEND_ERROR' ? 'ECONNRESET' : node?.code;
    const message = timedOut ? 'no answer within the request timeout' : (node?.message ?? (error instanceof Error ? error.message : String(error)));
    // No code: not the network's failure but the client's own (the SDK's challenge check), before anything was sent.
    return { status: undefined, code, message, requestId: undefined, sent: code !== undefined && !NEVER_SENT_CODES.has(code) };
}
/** A failure from whatever a call threw: our Stop, the SDK's RestError, or anything else. */
function keyvault_failureOf(error) {
    if (error instanceof Stop)
        return error.failure;
    if ((0,dist_esm/* isRestError */.T0)(error) && error.statusCode !== undefined) {
        // A listing's page error carries no details: the body is read from the response.
        const body = error.details ?? parsed(error.response?.bodyAsText);
        return answered(error.statusCode, body, error.response?.headers.get('x-ms-request-id'), error.message);
    }
    return transportFailure(error);
}
const why = (f) => (f.status === undefined ? `${f.code ?? 'no response'}: ${f.message}` : `HTTP ${f.status}${f.code === undefined ? '' : ` ${f.code}`}`);
/** The policy around every attempt (see the header). `perRetry`: after the SDK's retry policy and its auth policy. */
function attemptsPolicy(calls, policy, log) {
    return {
        name: 'entraRotatorAttempts',
        async sendRequest(request, next) {
            request.timeout = policy.timeoutMs;
            const call = calls.getStore();
            if (call === undefined)
                return next(request);
            // The SDK's first request to a vault carries no token (the challenge): it is not one of the tries.
            const counted = request.headers.has('authorization');
            if (call.late())
                throw new Stop(call.last ?? keyvault_LATE, false);
            if (counted) {
                if (call.attempts >= policy.attempts && call.last)
                    throw new Stop(call.last, call.lostAnswer);
                if (call.attempts > 0 && call.last)
                    log.info(retryLine(call.doing, Date.now() - call.lastEnded, call.attempts + 1, policy.attempts, why(call.last)));
                call.attempts += 1;
            }
            let response;
            try {
                response = await next(request);
            }
            catch (error) {
                throw afterTransportFailure(error, call, counted);
            }
            finally {
                call.lastEnded = Date.now();
            }
            return afterAnswer(response, call, counted, policy);
        },
    };
}
/** What to throw after an attempt without an answer: a Stop ends the SDK's retries, anything else lets it retry. */
function afterTransportFailure(error, call, counted) {
    if (error instanceof Stop)
        return error;
    const f = transportFailure(error);
    call.last = f;
    const code = f.code ?? '';
    // An untrusted certificate or a name that does not resolve: no retry changes it.
    if (TLS_VERIFICATION_CODES.has(code) || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
        return new Stop(f, false);
    if (call.write && counted && f.sent) {
        call.lostAnswer = true;
        return new Stop(f, true);
    }
    // The SDK retries a RestError whose code names a transport failure; its own timeout is an AbortError it would not.
    return error instanceof Error && error.name === 'AbortError' ? new dist_esm/* RestError */.pj(f.message, { code: 'ETIMEDOUT' }) : error;
}
function afterAnswer(response, call, counted, policy) {
    if (response.status < 400)
        return response;
    const f = responseFailure(response);
    if (counted)
        call.last = f;
    if (call.write && counted && response.status >= 500) {
        call.lostAnswer = true;
        throw new Stop(f, true);
    }
    const asked = response.status === 429 || response.status === 503 ? retryAfterMs(headersOf(response)) : undefined;
    if (asked !== undefined && (asked > policy.maxWaitMs || call.late(asked)))
        throw new Stop(f, call.lostAnswer);
    return response;
}
/** Key Vault's scopes in every cloud: all a credential handed to a vault that is not a Microsoft host may ask for. */
const VAULT_SCOPES = new Set([...MICROSOFT_VAULT_SUFFIXES].flatMap((s) => [`https://${s.slice(1)}/.default`, `https://${s.slice(1)}//.default`]));
/** The credential, answering only for Key Vault's scopes: a host that names another resource gets no token. */
function vaultOnly(credential, host) {
    return {
        getToken(scopes, options) {
            const asked = [scopes].flat();
            if (asked.some((s) => !VAULT_SCOPES.has(s.toLowerCase()))) {
                return Promise.reject(new errors/* ServiceError */._7({
                    service: SERVICE,
                    doing: `signing in for the vault at ${host}`,
                    detail: `the vault at ${host} asked for a token for ${asked.join(' ')}, which is not Key Vault's: no token was given`,
                    hint: CHALLENGE_HINT,
                }));
            }
            return credential.getToken(scopes, options);
        },
    };
}
const CHALLENGE_HINT = "the host answered Key Vault's sign-in challenge for another resource than Key Vault: check the vault URL (`az keyvault show --name <vault-name> --query properties.vaultUri -o tsv` prints it)";
class KeyVaultSecrets {
    #credential;
    #options;
    #calls = new external_node_async_hooks_.AsyncLocalStorage();
    #clients = new Map();
    /** `credential`: the rotator's, the one Graph is reached with (entra.ts rotatorCredential). */
    constructor(credential, options) {
        this.#credential = credential;
        this.#options = options;
    }
    /** Every secret's latest version (every page), by upper-case name: dates, tags, content type; no value is read. */
    async list(vaultUrl) {
        const origin = vaultOrigin(vaultUrl);
        const found = new Map();
        await this.#run(new keyvault_Call(`listing the secrets of the vault ${origin}`, undefined, false), origin, async (client) => {
            for await (const p of client.listPropertiesOfSecrets())
                found.set(p.name.toUpperCase(), infoOf(p));
        });
        return found;
    }
    /** The latest version's tags and dates (from the versions' properties: no value is read), or undefined if there is none. */
    async holds(vaultUrl, name) {
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
    async write(vaultUrl, name, value, options) {
        const origin = vaultOrigin(vaultUrl);
        const tags = tagsOf(options.tags, name);
        const call = new keyvault_Call(`writing ${secretLabel(origin, name)}`, name, true, options.notAfter?.getTime());
        const started = Date.now();
        const set = { contentType: options.contentType, tags, ...(options.expiresOn === undefined ? {} : { expiresOn: options.expiresOn }) };
        for (;;) {
            const lost = await this.#run(call, origin, (client) => client.setSecret(name, value.reveal(), set)).then(() => undefined, (error) => {
                if (error instanceof Stop)
                    return error.failure;
                throw error;
            });
            if (lost === undefined)
                return;
            const landed = await this.#landed(origin, name, tags, started, { call, lost });
            this.#options.log.info(`The answer to ${call.doing} was lost (${why(lost)}); reading the versions' tags back shows it ${landed ? 'landed' : 'did not land'}`);
            if (landed)
                return;
            if (call.attempts >= this.#options.policy.attempts || call.late())
                throw this.#error(lost, call, origin);
        }
    }
    /** Whether a version with these tags exists, written since `started` (give or take the clock skew). */
    async #landed(origin, name, tags, started, write) {
        let versions;
        try {
            versions = await this.#versions(origin, name, `reading back ${secretLabel(origin, name)} after the answer to its write was lost`);
        }
        catch (error) {
            const read = error instanceof Error ? error.message.split('\n')[0] : String(error);
            const failed = this.#error(write.lost, write.call, origin);
            throw new errors/* ServiceError */._7({ ...failed.details, detail: `${failed.details.detail ?? ''}; reading it back failed too: ${read ?? ''}` });
        }
        const keyId = tags[KEY_VAULT_TAGS.keyId];
        return versions.some((v) => keyId !== undefined
            ? v.tags?.[KEY_VAULT_TAGS.keyId] === keyId
            : (v.createdOn?.getTime() ?? 0) >= started - CLOCK_SKEW_MS && Object.entries(tags).every(([k, t]) => v.tags?.[k] === t));
    }
    async #versions(origin, name, doing) {
        const versions = [];
        try {
            await this.#run(new keyvault_Call(doing, name, false), origin, async (client) => {
                for await (const p of client.listPropertiesOfSecretVersions(name))
                    versions.push(p);
            });
        }
        catch (error) {
            if (error instanceof errors/* ServiceError */._7 && error.status === 404)
                return [];
            throw error;
        }
        return versions;
    }
    /** Runs `fn` as one call: the policy sees it on every attempt, and what it throws becomes a ServiceError. */
    async #run(call, origin, fn) {
        try {
            return await this.#calls.run(call, () => fn(this.#client(origin)));
        }
        catch (error) {
            // A write that may have taken effect: write() settles it.
            if (error instanceof Stop && error.maybeDone)
                throw error;
            const own = serviceErrorIn(error);
            if (own !== undefined)
                throw own;
            const f = error instanceof Stop ? error.failure : keyvault_failureOf(error);
            // A listing's page error comes without its body; the policy read it from the answer.
            const read = call.last !== undefined && f.code === undefined && call.last.status === f.status ? call.last : f;
            throw this.#error(read, call, origin);
        }
    }
    #client(origin) {
        let client = this.#clients.get(origin);
        if (client === undefined) {
            const { policy, log } = this.#options;
            const host = new URL(origin).hostname;
            const microsoft = isMicrosoftVaultHost(host);
            client = new dist_esm/* SecretClient */._V(origin, microsoft ? this.#credential : vaultOnly(this.#credential, host), {
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
    #error(f, call, origin) {
        const outcomeUnknown = call.write && call.lostAnswer;
        return new errors/* ServiceError */._7({
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
function serviceErrorIn(error) {
    for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1)
        if (e instanceof errors/* ServiceError */._7)
            return e;
    return undefined;
}
function vaultOrigin(vaultUrl) {
    const url = new URL(vaultUrl);
    if (url.protocol !== 'https:')
        throw new Error(`internal: the vault URL ${vaultUrl} is not https`);
    return url.origin;
}
const secretLabel = (origin, name) => `Key Vault secret '${name}' of ${origin}`;
function tagsOf(tags, name) {
    const { appId, keyId, ...others } = tags;
    const out = { [KEY_VAULT_TAGS.appId]: appId };
    if (keyId !== undefined)
        out[KEY_VAULT_TAGS.keyId] = keyId;
    for (const [k, v] of Object.entries(others))
        if (v !== undefined)
            out[k] = v;
    if (Object.keys(out).length > MAX_TAGS)
        throw new Error(`internal: ${Object.keys(out).length} tags for the Key Vault secret '${name}' (at most ${MAX_TAGS})`);
    if (!KEY_VAULT_NAME_RE.test(name))
        throw new Error(`internal: '${name}' is not a Key Vault secret name (letters, digits and dashes, 1 to 127)`);
    return out;
}
function infoOf(p) {
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
function newest(versions) {
    return versions.reduce((a, b) => ((b.createdOn?.getTime() ?? 0) >= (a.createdOn?.getTime() ?? 0) ? b : a));
}
/** The vault's name: the first label of a Microsoft vault host; a placeholder for any other host. */
function vaultName(origin) {
    const host = new URL(origin).hostname;
    return isMicrosoftVaultHost(host) ? (host.split('.')[0] ?? host) : '<vault-name>';
}
/** The vault's resource id, from an RBAC refusal's text (`Resource: '/subscriptions/…/vaults/<name>/…'`), if there. */
function vaultScope(message) {
    return /Resource: '(\/subscriptions\/[^']*?\/providers\/microsoft\.keyvault\/vaults\/[^/']+)/i.exec(message)?.[1];
}
function keyVaultHint(f, c) {
    const vault = vaultName(c.origin);
    const host = new URL(c.origin).host;
    const secret = c.secretName ?? '<secret-name>';
    const access = `the role "Key Vault Secrets Officer" on the vault for the rotator (client ID ${c.clientId})`;
    const roleLine = `az role assignment create --role "Key Vault Secrets Officer" --assignee ${c.clientId} --scope ${vaultScope(f.message) ?? `$(az keyvault show --name ${vault} --query id -o tsv)`}`;
    const policyLine = `az keyvault set-policy --name ${vault} --spn ${c.clientId} --secret-permissions get list set`;
    const code = f.code ?? '';
    const hints = {
        ForbiddenByRbac: `the vault uses Azure RBAC and the rotator has no role that allows this: give it ${access}: \`${roleLine}\` (role assignments can take minutes to apply)`,
        ForbiddenByPolicy: `the vault uses access policies and the rotator's lacks a permission: give it get, list and set on secrets: \`${policyLine}\` (or switch the vault to Azure RBAC and give it ${access})`,
        ForbiddenByFirewall: `the vault's firewall refused the runner's address: GitHub-hosted runners are outside the vault's network rules. Run the job on a self-hosted runner inside the allowed networks, or reach the vault through a private endpoint from such a runner`,
        ObjectIsDeletedButRecoverable: `a soft-deleted secret named '${secret}' is in the vault, and its name cannot be reused until it is recovered or purged: \`az keyvault secret recover --vault-name ${vault} --name ${secret}\` (keeps its versions; the next run writes a new one) or \`az keyvault secret purge --vault-name ${vault} --name ${secret}\` (gone for good)`,
        BadParameter: `Key Vault refused the request: a secret name has letters, digits and dashes only (1 to 127), and a secret at most 15 tags`,
        ELATE: 'the write window after adding the new credential closed before this write could start: nothing was sent; run again',
    };
    if (hints[code] !== undefined)
        return hints[code];
    if (TLS_VERIFICATION_CODES.has(code))
        return untrustedHint(host, 'the vault URL');
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
        return `the vault's host ${new URL(c.origin).hostname} does not resolve: check the vault URL (\`az keyvault show --name ${vault} --query properties.vaultUri -o tsv\` prints it); behind a private endpoint, the runner must resolve the vault's private DNS name`;
    }
    if (f.status === 401)
        return `the vault refused the rotator's token: check that the vault is in the rotator's tenant and that the vault URL is right (for a host that is not a Microsoft vault host, that it is the vault's own)`;
    if (f.status === 403)
        return `the rotator may not do this on the vault: give it ${access}, or an access policy with get, list and set on secrets`;
    if (f.status === 404)
        return `the vault has no such secret, or the vault URL is not a vault: check the vault URL`;
    if (f.status === 429)
        return 'Key Vault throttled the requests longer than this run waits: run again later';
    if (f.status !== undefined && f.status >= 500)
        return 'Key Vault had a transient failure: run again';
    if (/challenge resource/i.test(f.message))
        return CHALLENGE_HINT;
    return `the vault (${host}) could not be reached: check the vault URL, the proxy (HTTPS_PROXY, NO_PROXY) and the network, and run again`;
}
/**
 * Key Vault secrets as the core's SecretStore (the home kind KEY_VAULT_SECRET): a listing gives, per secret, when
 * it was last written and the key id its tag says it holds (no value is read); a write sets the value with its
 * content type, the credential's end as its expiry and the tags that say what it holds.
 */
class KeyVaultHome {
    #vault;
    constructor(vault) {
        this.#vault = vault;
    }
    async list(scope) {
        const found = await this.#vault.list(scope.vaultUrl);
        return new Map([...found].map(([name, v]) => [name, v.holds === undefined ? { updatedAt: v.updatedAt } : { updatedAt: v.updatedAt, holds: v.holds }]));
    }
    /** Nothing to fetch before writing (the listing already showed the run may read the vault). */
    prepare() {
        return Promise.resolve();
    }
    write(target, value, options = {}) {
        const contentType = KEY_VAULT_CONTENT_TYPES[CONTENT_OF[options.form ?? 'text']];
        return this.#vault.write(target.scope.vaultUrl, target.name, value, {
            contentType,
            ...(options.holds === undefined ? {} : { expiresOn: options.holds.endDateTime }),
            tags: { appId: options.appId ?? '', ...(options.holds === undefined ? {} : { keyId: options.holds.keyId }) },
            ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
        });
    }
    selectedRepositories() {
        return Promise.reject(new Error('internal: a Key Vault secret has no selected repositories'));
    }
}
/** Which content type each form of value is written with. */
const CONTENT_OF = { text: 'secret', id: 'secret', pem: 'pem', pfx: 'pfx', json: 'credentials' };

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
;// CONCATENATED MODULE: ./src/adapters/report-file.ts
/** The JSON report, written under RUNNER_TEMP (the runner empties it after the job), readable by the job's user only. */



function writeReportFile(json, env = process.env) {
    const dir = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(env['RUNNER_TEMP'] || (0,external_node_os_.tmpdir)(), 'entra-secret-rotator-'));
    const path = (0,external_node_path_.join)(dir, 'report.json');
    (0,external_node_fs_.writeFileSync)(path, json, { mode: 0o600 });
    return path;
}

// EXTERNAL MODULE: ./src/adapters/runner.ts
var runner = __webpack_require__(85512);
// EXTERNAL MODULE: ./src/core/credential-kind.ts
var credential_kind = __webpack_require__(67301);
// EXTERNAL MODULE: ./src/core/text.ts
var core_text = __webpack_require__(72020);
;// CONCATENATED MODULE: ./src/core/plan.ts




const plan_DAY_MS = 86_400_000;
/**
 * How the action knows which managed secret a GitHub secret holds, without reading it back (it cannot):
 * a run writes its new secret only within WRITE_WINDOW_MS of adding it (write-window.ts owns that promise and
 * the deadline, request timeout and retries it is made of), so a target last written at T can hold only a
 * managed secret that started between T - WRITE_WINDOW_MS and T, give or take CLOCK_SKEW_MS between the clocks
 * of Entra, GitHub and the runner. When two runs overlap, a target may hold either of their secrets: both are
 * then kept, whatever keep-previous says.
 */

/** The credentials this action created (and so may rotate or remove), newest first. */
function managedSecrets(all, credentialName) {
    return all.filter((p) => p.displayName === credentialName).sort(byNewestFirst);
}
function byNewestFirst(a, b) {
    return b.startDateTime.getTime() - a.startDateTime.getTime() || b.endDateTime.getTime() - a.endDateTime.getTime();
}
/** The one timestamp format a person reads (plan, summary, log lines): `2026-12-02 07:47 UTC`. Outputs stay ISO 8601. */
function minute(d) {
    return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
/** After this moment no run can still be writing any of these secrets. */
function settledAfter(secrets) {
    return new Date(Math.max(...secrets.map((p) => p.startDateTime.getTime())) + IN_FLIGHT_MS);
}
function holdings(managed, targets) {
    const out = [];
    for (const t of targets) {
        if (!(0,model/* carriesSecretValue */.PZ)(t.target.kind) || t.stored === 'unread' || t.stored === undefined)
            continue;
        out.push({ target: t.target, updatedAt: t.stored.updatedAt, candidates: homeOf(t.target).mayHold(t.stored, managed) });
    }
    return out;
}
/**
 * How an organisation secret's access differs from the declared one (visibility, or the selected repositories),
 * if it does. Either is fixed by writing the secret again with the declared access in the one PUT: never by a PUT
 * of the selection alone, since GitHub does not say whether that moves the secret's updated_at, from which later
 * runs tell what the secret holds (see mayHold).
 */
function accessDrift(t) {
    const declared = t.target.access;
    if (declared === undefined || t.stored === undefined || t.stored === 'unread')
        return undefined;
    if (t.stored.visibility !== undefined && t.stored.visibility !== declared.visibility) {
        return `${(0,model/* targetLabel */.Op)(t.target)} has visibility ${t.stored.visibility}, declared ${declared.visibility}: it is written again with the declared visibility`;
    }
    if (t.selected === undefined || declared.visibility !== 'selected')
        return undefined;
    const want = new Set(declared.repositories.map((r) => r.toLowerCase()));
    const have = new Set(t.selected.map((r) => r.toLowerCase()));
    if (want.size === have.size && [...want].every((r) => have.has(r)))
        return undefined;
    const shown = (names) => (names.length === 0 ? 'none' : [...names].sort().join(', '));
    return `${(0,model/* targetLabel */.Op)(t.target)} is shared with ${shown(t.selected)}, declared ${shown(declared.repositories)}: it is written again with the declared repositories`;
}
/** Why a target does not surely hold the newest managed secret, if it does not; undefined when it does. */
function targetReason(t, managed, kind, now) {
    const newest = managed[0];
    if (newest === undefined || !(0,model/* carriesSecretValue */.PZ)(t.target.kind) || t.stored === 'unread')
        return undefined;
    const home = homeOf(t.target);
    if (t.stored === undefined) {
        if (home.missingNeedsRotation === undefined)
            return undefined;
        return { due: true, reason: `${(0,model/* targetLabel */.Op)(t.target)} does not exist, and ${home.missingNeedsRotation}` };
    }
    const drift = accessDrift(t);
    if (drift !== undefined)
        return { due: true, reason: `${drift}, which takes a value, and a value cannot be read back` };
    const candidates = home.mayHold(t.stored, managed);
    const when = minute(t.stored.updatedAt);
    if (!candidates.includes(newest)) {
        // A home that says what it holds (a vault's tag) may hold a managed one an overlapping run made and wrote after
        // the run that made the newest: while the one it holds is that young, both are kept; once no run can still be
        // writing, a new one settles it. One it holds from before (a run that wrote the others but not it) is stale now.
        const settled = settledAfter([newest]);
        if (home.exact && candidates.length > 0 && now.getTime() <= settledAfter(candidates).getTime()) {
            return {
                due: false,
                reason: `${(0,model/* targetLabel */.Op)(t.target)} holds ${candidates.map((c) => c.keyId).join(' or ')}, not the newest managed ${kind.short} (${newest.keyId}), which a run made ${minute(newest.startDateTime)} and may still be writing: both are kept, and a run after ${minute(settled)} settles it`,
            };
        }
        return { due: true, reason: `${(0,model/* targetLabel */.Op)(t.target)} was last written ${when}, ${notNewest(t.stored.updatedAt, managed, candidates, kind)}` };
    }
    if (candidates.length === 1)
        return undefined;
    const ids = candidates.map((p) => p.keyId).join(' or ');
    const settled = settledAfter(candidates);
    if (now.getTime() > settled.getTime()) {
        return { due: true, reason: `${(0,model/* targetLabel */.Op)(t.target)} may hold ${ids}: runs that overlapped wrote it ${when}; a new ${kind.short} makes it hold one known ${kind.short}` };
    }
    return {
        due: false,
        reason: `${(0,model/* targetLabel */.Op)(t.target)} may hold ${ids} (runs that overlapped wrote it ${when}): all of them are kept, and a run after ${minute(settled)} settles it`,
    };
}
/** What a target last written at `updatedAt` holds when that cannot be the newest managed secret: only what is true. */
function notNewest(updatedAt, managed, candidates, kind) {
    const newest = managed[0];
    const one = `managed ${kind.short}`;
    if (candidates.length > 0)
        return `with ${candidates.map((p) => p.keyId).join(' or ')}, not the newest ${one} (${newest?.keyId ?? '?'}): it holds an older value`;
    const lastMade = Math.max(...managed.map((p) => p.startDateTime.getTime()));
    if (updatedAt.getTime() > lastMade)
        return `after every ${one} was made: it holds a value this action did not write`;
    return `before the newest ${one} (${newest?.keyId ?? '?'}) was made, and not with any ${one} the app has: it holds an older value`;
}
/** Why a rotation is due now (`due`), and what is uncertain but not yet a reason to rotate (`notes`). */
function rotationCheck(managed, targets, settings, now) {
    const due = [];
    const notes = [];
    const newest = managed[0];
    if (newest === undefined) {
        due.push(`the app has no ${settings.kind.noun} named '${settings.credentialName}' yet`);
    }
    else {
        const left = newest.endDateTime.getTime() - now.getTime();
        if (left <= 0)
            due.push(`the newest managed ${settings.kind.short} (${newest.keyId}) expired on ${(0,core_text/* day */.vd)(newest.endDateTime)}`);
        else if (left <= settings.rotateBeforeDays * plan_DAY_MS) {
            due.push(`the newest managed ${settings.kind.short} (${newest.keyId}) expires on ${(0,core_text/* day */.vd)(newest.endDateTime)}, within rotate-before-days (${settings.rotateBeforeDays})`);
        }
    }
    if (settings.force)
        due.push('force-rotation is true');
    for (const t of targets) {
        const r = targetReason(t, managed, settings.kind, now);
        if (r !== undefined)
            (r.due ? due : notes).push(r.reason);
    }
    return { due, notes };
}
/**
 * Managed secrets to remove: expired ones, those no target holds (made by a failed run after every target was
 * last written), and those beyond the keep-previous newest. Never one a target may hold, and never one a run
 * going on now may still write.
 */
function secretsToRemove(managedBefore, settings, ctx) {
    const held = new Set(ctx.afterRotation ? [] : (ctx.holdings ?? []).flatMap((h) => h.candidates.map((p) => p.keyId)));
    const lastWrite = ctx.holdings === undefined ? undefined : lastWritten(ctx.holdings);
    const removals = [];
    let kept = 0;
    for (const p of [...managedBefore].sort(byNewestFirst)) {
        if (p.startDateTime.getTime() >= ctx.runStart.getTime() - IN_FLIGHT_MS || held.has(p.keyId))
            continue;
        if (p.endDateTime.getTime() <= ctx.now.getTime()) {
            removals.push({ credential: p, reason: `expired on ${(0,core_text/* day */.vd)(p.endDateTime)}` });
        }
        else if (lastWrite !== undefined && floorToSecond(p.startDateTime) > lastWrite + CLOCK_SKEW_MS) {
            removals.push({ credential: p, reason: 'no target holds it (a failed run made it after every target was last written)' });
        }
        else if (kept < settings.keepPrevious) {
            kept += 1;
        }
        else {
            removals.push({
                credential: p,
                reason: settings.keepPrevious === 0
                    ? 'keep-previous is 0'
                    : `older than the ${settings.keepPrevious === 1 ? `previous ${settings.kind.short}` : `${settings.keepPrevious} previous ${settings.kind.short}s`} that keep-previous keeps`,
            });
        }
    }
    return removals;
}
/**
 * The clean-up of an app whose rotation (and GitHub writes) a run's budget defers: its expired managed secrets that
 * no target may hold. Nothing else: what keep-previous would remove waits for the rotation. None when some value
 * target was not read (no removal is then sure).
 */
function expiredNotHeld(plan, now) {
    if (plan.targets.some((t) => t.stored === 'unread'))
        return [];
    const managed = plan.credentials.filter((p) => p.managed);
    const held = new Set(holdings(managed, plan.targets).flatMap((h) => h.candidates.map((p) => p.keyId)));
    return managed
        .filter((p) => p.endDateTime.getTime() <= now.getTime() && !held.has(p.keyId))
        .map(({ managed: _, ...credential }) => ({ credential, reason: `expired on ${(0,core_text/* day */.vd)(credential.endDateTime)}, and no target holds it` }));
}
/** When a value target was last written, if any exists; only then can a secret be known to be held by none. */
function lastWritten(holdingsRead) {
    return holdingsRead.length === 0 ? undefined : Math.max(...holdingsRead.map((h) => h.updatedAt.getTime()));
}
function makePlan(input) {
    const { settings, now } = input;
    const existing = 'create' in input.app ? undefined : input.app;
    const { kind } = settings;
    const credentials = existing?.credentials ?? [];
    const managed = managedSecrets(credentials, settings.credentialName);
    const check = rotationCheck(managed, input.targets, settings, now);
    const rotate = check.due.length > 0;
    const writes = [];
    for (const t of input.targets) {
        if (rotate)
            writes.push({ target: t.target, reason: (0,model/* carriesSecretValue */.PZ)(t.target.kind) ? `new ${kind.noun}` : `written with the new ${kind.short}` });
        else if (t.stored === undefined)
            writes.push({ target: t.target, reason: 'missing' });
        // A companion's value (client or tenant ID) is known: its access is fixed by writing it again, without a rotation.
        else if (!(0,model/* carriesSecretValue */.PZ)(t.target.kind) && accessDrift(t) !== undefined)
            writes.push({ target: t.target, reason: accessDrift(t) ?? '' });
        else if (companionDiffers(t, existing?.appId, input.tenantId))
            writes.push({ target: t.target, reason: `holds another value than the ${t.target.kind === 'client-id' ? 'client' : 'tenant'} ID` });
    }
    const managedIds = new Set(managed.map((p) => p.keyId));
    const readAll = input.targets.every((t) => t.stored !== 'unread');
    return {
        app: existing === undefined
            ? { action: 'create', displayName: 'create' in input.app ? input.app.create : '' }
            : { action: 'use', displayName: existing.displayName, appId: existing.appId, objectId: existing.objectId },
        servicePrincipal: !input.servicePrincipal ? 'skip' : existing === undefined ? 'create' : rotate ? 'ensure' : 'skip',
        rotate,
        kind,
        reasons: rotate ? check.due : [notDueReason(managed, settings, now, readAll ? (check.notes.length > 0 ? 'uncertain' : 'held') : 'unread')],
        notes: [...check.notes, ...inFlightNotes(rotate ? managed : managed.slice(1), input.runStart)],
        newCredential: rotate ? { displayName: settings.credentialName, endDateTime: new Date(now.getTime() + settings.lifetimeDays * plan_DAY_MS) } : undefined,
        writes,
        githubWrites: githubWritesOf(writes.map((w) => w.target)),
        // After a rotation every existing managed secret is a previous one; without one, the newest stays current.
        // Either way leftovers (expired, beyond keep-previous, held by no target) go, so a failed run is cleaned up.
        removals: secretsToRemove(rotate ? managed : managed.slice(1), settings, {
            runStart: input.runStart,
            now,
            holdings: readAll ? holdings(managed, input.targets) : undefined,
            afterRotation: rotate,
        }),
        credentials: [...credentials].sort(byNewestFirst).map((p) => ({ ...p, managed: managedIds.has(p.keyId) })),
        targets: input.targets,
    };
}
/** A companion whose home shows its value (a variable) that holds another value than the app's client or tenant ID. */
function companionDiffers(t, appId, tenantId) {
    if (t.stored === undefined || t.stored === 'unread' || t.stored.value === undefined)
        return false;
    const want = t.target.kind === 'client-id' ? appId : t.target.kind === 'tenant-id' ? tenantId : undefined;
    return want !== undefined && t.stored.value.trim().toLowerCase() !== want.toLowerCase();
}
/** Why a previous managed secret that may look removable stays: it is young enough for a run going on now to be writing it. */
function inFlightNotes(previous, runStart) {
    const minutes = IN_FLIGHT_MS / 60_000;
    return previous
        .filter((p) => p.startDateTime.getTime() >= runStart.getTime() - IN_FLIGHT_MS)
        .map((p) => `kept ${p.keyId}: made less than ${minutes} minutes ago (${minute(p.startDateTime)}), a run going on now may still be writing it`);
}
/** `targets`: every target holds the newest secret, some may hold it or another (the notes say which), or none was read. */
function notDueReason(managed, settings, now, targets) {
    const current = managed[0];
    const valid = `the newest managed ${settings.kind.short} (${current?.keyId}) is valid until ${(0,core_text/* day */.vd)(current?.endDateTime ?? now)}, beyond rotate-before-days (${settings.rotateBeforeDays})`;
    if (targets === 'held')
        return `${valid}, and every target holds it`;
    if (targets === 'uncertain')
        return `${valid}; some targets may hold it or another managed ${settings.kind.short} (see the notes), so each of them is kept`;
    return `${valid}; whether the targets hold it is not known: they were not read (no github-token)`;
}

;// CONCATENATED MODULE: ./src/core/expiry.ts
/**
 * The expiry report: every credential (client secrets and certificates) of the apps in report-scope, with days
 * left, and a warning for each that needs a person: one within report-days (or expired) that this action will not
 * replace by itself.
 */



/** `managedOf(app)`: what this action manages of the app, or undefined when it manages nothing of it. */
function expiryEntries(apps, managedOf, now, reportDays) {
    const entries = [];
    for (const app of apps) {
        const managed = managedOf(app);
        const current = managed === undefined ? undefined : managedSecrets(managed.kind.of(app) ?? [], managed.credentialName)[0];
        const ref = { displayName: app.displayName, appId: app.appId, objectId: app.id };
        const entry = (kind, c, isManaged) => {
            const daysLeft = Math.ceil((c.endDateTime.getTime() - now.getTime()) / plan_DAY_MS);
            return { app: ref, kind, keyId: c.keyId, description: c.displayName, start: c.startDateTime, end: c.endDateTime, daysLeft, managed: isManaged, current: c.keyId === current?.keyId, flagged: daysLeft <= reportDays };
        };
        for (const listing of credential_kind/* REPORTED_CREDENTIALS */.hP) {
            const name = managed !== undefined && managed.kind.id === listing.id ? managed.credentialName : undefined;
            for (const c of listing.of(app) ?? [])
                entries.push(entry(listing.noun, c, name !== undefined && c.displayName === name));
        }
    }
    return entries.sort((a, b) => a.end.getTime() - b.end.getTime() || a.app.displayName.localeCompare(b.app.displayName));
}
/**
 * A warning for each flagged credential, except a previous managed secret: the action removes those itself (at the
 * next rotation, or once expired).
 */
function expiryWarnings(entries) {
    return entries.filter((e) => e.flagged && (!e.managed || e.current)).map(expiryWarning);
}
function expiryWarning(e) {
    const when = e.daysLeft <= 0 ? `expired on ${(0,core_text/* day */.vd)(e.end)}` : `expires on ${(0,core_text/* day */.vd)(e.end)}, in ${e.daysLeft} day${e.daysLeft === 1 ? '' : 's'}`;
    const whose = e.managed ? 'managed by this action' : 'not managed: rotate it yourself';
    return `App '${e.app.displayName}' (client ID ${e.app.appId}): ${e.kind} ${e.keyId}${e.description === null ? '' : ` ('${e.description}')`} ${when}; ${whose}`;
}

;// CONCATENATED MODULE: ./src/core/outcome.ts
function newOutcome(dryRun, kind) {
    return {
        kind,
        plan: undefined,
        app: undefined,
        appCreated: false,
        reconciled: false,
        rotated: false,
        deferred: false,
        deferredBy: undefined,
        newCredential: undefined,
        currentCredential: undefined,
        written: [],
        failed: [],
        unconfirmed: [],
        removed: [],
        error: undefined,
        dryRun,
    };
}
function asError(reason) {
    return reason instanceof Error ? reason : new Error(String(reason));
}

;// CONCATENATED MODULE: ./src/core/inventory.ts
/**
 * What the run needs to know before it plans, read for every app at once with as few requests as the services
 * allow: the apps in batches (Directory.findApps), each GitHub scope listed once however many apps write to it,
 * each declared API looked up once, and the selected repositories of the organisation secrets that have some.
 * A failure here belongs to the apps it concerns: one missing environment fails the apps that write to it only.
 */


/** Each app's state by AppSpec.key, or why it could not be read. */
async function readInventory(specs, ports, reads) {
    const targets = specs.flatMap((s) => s.targets).filter((t) => reads(t.scope));
    const [matches, listings, apis] = await Promise.all([
        ports.directory.findApps(specs.map((s) => (s.app.appId !== undefined ? { appId: s.app.appId } : { name: s.app.name ?? '' }))),
        readListings(targets, ports),
        readApis(specs, ports),
    ]);
    const [selections, certified] = await Promise.all([readSelections(targets, listings, ports), withCertificates(specs, matches, ports)]);
    const states = new Map();
    specs.forEach((spec, i) => {
        const found = certified[i] ?? [];
        states.set(spec.key, found instanceof Error ? found : appState(spec, found, { reads, listings, apis, selections }));
    });
    return states;
}
/**
 * The apps that rotate a credential kind lookups leave unread (certificates: Graph caps reads that select them)
 * get it read, for all of them at once; the others are as found. A failed read fails the apps it concerns.
 */
async function withCertificates(specs, matches, ports) {
    const unread = specs.flatMap((s, i) => (matches[i] ?? []).filter((a) => s.rotation.kind.of(a) === undefined));
    if (unread.length === 0)
        return [...matches];
    let read;
    try {
        read = new Map((await certificatesRead(unread, ports)).map((a) => [a.id, a]));
    }
    catch (error) {
        read = asError(error);
    }
    const withRead = read;
    return matches.map((found) => {
        if (!found.some((a) => unread.includes(a)))
            return found;
        return withRead instanceof Error ? withRead : found.map((a) => (unread.includes(a) ? (withRead.get(a.id) ?? a) : a));
    });
}
/**
 * These apps with their certificates: those not read yet (keyCredentials absent) are read at once
 * (Directory.certificates: one GET, or batched reads of 15 ids); an app Graph no longer has gets none.
 */
async function certificatesRead(apps, ports) {
    const unread = [...new Map(apps.filter((a) => a.keyCredentials === undefined).map((a) => [a.id, a])).values()];
    if (unread.length === 0)
        return [...apps];
    const read = await ports.directory.certificates(unread);
    return apps.map((a) => (a.keyCredentials === undefined ? { ...a, keyCredentials: read.get(a.id) ?? [] } : a));
}
function appState(spec, matches, read) {
    try {
        const found = resolveApp(spec, matches);
        const targets = spec.targets.map((target) => {
            if (!read.reads(target.scope))
                return { target, stored: 'unread' };
            const listing = read.listings.get((0,model/* scopeKey */.OD)(target.scope));
            if (listing instanceof Error)
                throw listing;
            const selected = read.selections.get(target);
            if (selected instanceof Error)
                throw selected;
            const stored = listing?.get(target.name.toUpperCase());
            return selected === undefined ? { target, stored } : { target, stored, selected };
        });
        const apis = new Map();
        for (const line of spec.app.declared.apiPermissions ?? []) {
            const found = read.apis.get(line.api);
            if (found instanceof Error)
                throw found;
            apis.set(line.api, found ?? []);
        }
        return { found, targets, apis };
    }
    catch (error) {
        return asError(error);
    }
}
/** The app an AppSpec names, from what findApps matched; undefined when it is to be created. */
function resolveApp(spec, matches) {
    const { appId, name, createIfMissing } = spec.app;
    if (appId !== undefined) {
        const app = matches.find((a) => a.appId.toLowerCase() === appId.toLowerCase());
        if (app === undefined) {
            throw new Error(`No app registration with client ID ${appId} was found. Check app-id; with Application.ReadWrite.OwnedBy the rotator only sees apps it owns (add it as an owner of the app).`);
        }
        return app;
    }
    const displayName = name ?? '';
    const exact = matches.filter((a) => a.displayName === displayName);
    if (exact.length > 1) {
        throw new Error(`${exact.length} app registrations are named '${displayName}' (object IDs ${exact.map((a) => a.id).join(', ')}; client IDs ${exact
            .map((a) => a.appId)
            .join(', ')}). Display names are not unique: set app-id to the client ID of the one to manage.`);
    }
    if (exact[0] === undefined && !createIfMissing) {
        throw new Error(`No app registration named '${displayName}' was found and create-if-missing is false. Check app-name (the match is exact, case included); with Application.ReadWrite.OwnedBy the rotator only sees apps it owns.`);
    }
    return exact[0];
}
/** One listing per scope gives the metadata of every target in it. */
async function readListings(targets, ports) {
    const scopes = (0,model/* uniqueScopes */.Xe)(targets);
    const listed = await Promise.allSettled(scopes.map((s) => ports.store.list(s)));
    return new Map(scopes.map((s, i) => [(0,model/* scopeKey */.OD)(s), settled(listed[i], `listing the secrets of ${(0,model/* scopeLabel */.$o)(s)}`)]));
}
/** Each declared API's service principal(s), looked up once however many apps and lines name it. */
async function readApis(specs, ports) {
    const names = [...new Set(specs.flatMap((s) => (s.app.declared.apiPermissions ?? []).map((l) => l.api)))];
    const found = await Promise.allSettled(names.map((api) => ports.directory.resourceApis(api)));
    return new Map(names.map((api, i) => [api, settled(found[i], `looking up the API '${api}'`)]));
}
/**
 * The repositories each organisation secret that exists with visibility selected (and is declared so) is shared
 * with. (A missing secret, or one with another visibility, is written whole anyway.)
 */
async function readSelections(targets, listings, ports) {
    const selected = targets.filter((t) => {
        const listing = listings.get((0,model/* scopeKey */.OD)(t.scope));
        return t.access?.visibility === 'selected' && !(listing instanceof Error) && listing?.get(t.name.toUpperCase())?.visibility === 'selected';
    });
    const read = await Promise.allSettled(selected.map((t) => ports.store.selectedRepositories(t)));
    return new Map(selected.map((t, i) => [t, settled(read[i], `reading the selected repositories of ${t.name}`)]));
}
function settled(result, doing) {
    if (result === undefined)
        return new Error(`internal: no result for ${doing}`);
    return result.status === 'fulfilled' ? result.value : asError(result.reason);
}

;// CONCATENATED MODULE: ./src/core/reconcile.ts

/** Marks the federated credentials this action created; others are never touched. */
const FEDERATED_DESCRIPTION = 'Managed by entra-secret-rotator (GitHub Actions)';
const PERSONAL = ['AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount'];
const sameSet = (a, b) => {
    const x = new Set(a);
    const y = new Set(b);
    return x.size === y.size && [...x].every((v) => y.has(v));
};
const list = (xs) => (xs.length === 0 ? '(none)' : xs.join(', '));
function rraKeys(rra) {
    return rra.flatMap((r) => r.resourceAccess.map((a) => `${r.resourceAppId.toLowerCase()}/${a.id.toLowerCase()}/${a.type}`));
}
/** The differences, and the one PATCH body that removes them. */
function appChanges(actual, declared, describe) {
    const patch = {};
    const changes = [];
    const uris = (property, before, after) => {
        if (after === undefined || sameSet(before, after))
            return;
        // redirectUriSettings mirrors redirectUris; sending the old one beside the new list would contradict it.
        const whole = { ...actual.raw[property], redirectUris: after };
        delete whole['redirectUriSettings'];
        patch[property] = whole;
        changes.push({ property: `${property}.redirectUris`, before: list(before), after: list(after) });
    };
    uris('web', actual.webRedirectUris, declared.webRedirectUris);
    uris('spa', actual.spaRedirectUris, declared.spaRedirectUris);
    uris('publicClient', actual.publicClientRedirectUris, declared.publicClientRedirectUris);
    if (declared.allowPublicClientFlows !== undefined && (actual.isFallbackPublicClient ?? false) !== declared.allowPublicClientFlows) {
        patch['isFallbackPublicClient'] = declared.allowPublicClientFlows;
        changes.push({ property: 'isFallbackPublicClient', before: String(actual.isFallbackPublicClient ?? false), after: String(declared.allowPublicClientFlows) });
    }
    if (declared.signInAudience !== undefined && actual.signInAudience !== declared.signInAudience) {
        patch['signInAudience'] = declared.signInAudience;
        // Personal Microsoft accounts need v2 access tokens; Graph refuses the audience otherwise.
        if (PERSONAL.includes(declared.signInAudience))
            patch['api'] = { ...actual.raw.api, requestedAccessTokenVersion: 2 };
        changes.push({ property: 'signInAudience', before: actual.signInAudience, after: declared.signInAudience });
    }
    if (declared.requiredResourceAccess !== undefined && !sameSet(rraKeys(actual.requiredResourceAccess), rraKeys(declared.requiredResourceAccess))) {
        patch['requiredResourceAccess'] = declared.requiredResourceAccess;
        changes.push({ property: 'requiredResourceAccess', before: describe(actual.requiredResourceAccess), after: describe(declared.requiredResourceAccess) });
    }
    if (declared.tags !== undefined && !sameSet(actual.tags, declared.tags)) {
        patch['tags'] = declared.tags;
        changes.push({ property: 'tags', before: list(actual.tags), after: list(declared.tags) });
    }
    if (declared.notes !== undefined && (actual.notes ?? '') !== declared.notes) {
        patch['notes'] = declared.notes;
        changes.push({ property: 'notes', before: actual.notes ?? '(none)', after: declared.notes });
    }
    return { patch, changes };
}
/** A stable, valid credential name for a subject: letters, digits, '-' and '_', at most 120 characters. */
function federatedName(subject) {
    const base = `gha-${subject.replace(/^repo:/, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/-$/, '')}`;
    if (base.length <= 120)
        return base;
    return `${base.slice(0, 111)}-${(0,core_text/* fnv1a */.PS)(subject).toString(16).padStart(8, '0')}`;
}
/** `federation`: the issuer of GitHub's tokens and the cloud's token exchange audience that new credentials carry. */
function federatedChanges(existing, subjects, federation) {
    const { issuer, audience } = federation;
    const managed = (f) => f.description === FEDERATED_DESCRIPTION;
    const plan = { add: [], remove: [], coveredByOthers: [] };
    for (const subject of subjects) {
        const same = existing.filter((f) => f.subject === subject && f.issuer === issuer);
        if (same.some(managed))
            continue;
        if (same.length > 0) {
            plan.coveredByOthers.push(subject);
            continue;
        }
        plan.add.push({ name: federatedName(subject), issuer, subject, audiences: [audience], description: FEDERATED_DESCRIPTION });
    }
    plan.remove = existing.filter((f) => managed(f) && !(subjects.includes(f.subject) && f.issuer === issuer));
    return plan;
}
function closest(name, candidates, n = 3) {
    const distance = (c) => (0,core_text/* editDistance */.YC)(name.toLowerCase(), c.toLowerCase());
    return [...candidates].sort((a, b) => distance(a) - distance(b) || a.localeCompare(b)).slice(0, n);
}
/**
 * Permission lines → requiredResourceAccess, given the service principals each line's API matched.
 * Problems name the line and list the closest valid values.
 */
function resolvePermissions(lines, matches) {
    const problems = [];
    const byApp = new Map();
    for (const l of lines) {
        const found = matches.get(l.api) ?? [];
        if (found.length === 0) {
            problems.push(`${l.label ?? `api-permissions, line ${l.line}`}: no API (service principal) named or with the client ID '${l.api}' in this tenant; use the exact display name (like 'Microsoft Graph') or the API's client ID`);
            continue;
        }
        if (found.length > 1) {
            problems.push(`${l.label ?? `api-permissions, line ${l.line}`}: ${found.length} APIs are named '${l.api}' (client IDs ${found.map((f) => f.appId).join(', ')}); use the client ID instead`);
            continue;
        }
        const api = found[0];
        const entry = byApp.get(api.appId) ?? { resourceAppId: api.appId, resourceAccess: [] };
        byApp.set(api.appId, entry);
        for (const p of l.permissions) {
            const pool = p.type === 'Scope' ? api.scopes : api.roles;
            const hit = pool.find((x) => x.value === p.name) ?? pool.find((x) => x.value.toLowerCase() === p.name.toLowerCase());
            if (hit === undefined) {
                const kind = p.type === 'Scope' ? 'delegated permission' : 'application permission (=Role)';
                const other = (p.type === 'Scope' ? api.roles : api.scopes).some((x) => x.value.toLowerCase() === p.name.toLowerCase());
                problems.push(`${l.label ?? `api-permissions, line ${l.line}`}: ${api.displayName} has no ${kind} '${p.name}'${other ? ` (it is ${p.type === 'Scope' ? 'an application permission: write ' + p.name + '=Role' : 'a delegated permission: drop =Role'})` : ''}; closest: ${closest(p.name, pool.map((x) => x.value)).join(', ') || '(it offers none)'}`);
                continue;
            }
            if (!entry.resourceAccess.some((a) => a.id === hit.id && a.type === p.type))
                entry.resourceAccess.push({ id: hit.id, type: p.type });
        }
    }
    return { rra: [...byApp.values()].filter((r) => r.resourceAccess.length > 0), problems };
}

;// CONCATENATED MODULE: ./src/core/declare.ts
/**
 * The app as the workflow declares it: look up the declared APIs, read the federated credentials, and plan the
 * one PATCH and the credential changes (the pure diff is in reconcile.ts).
 */



async function reconcilePlan(settings, found, apis, directory) {
    const { declared } = settings;
    const wanted = { ...declared };
    if (declared.apiPermissions !== undefined) {
        const { rra, problems } = resolvePermissions(declared.apiPermissions, apis);
        if (problems.length > 0)
            throw new errors/* InputError */.dz(problems);
        wanted.requiredResourceAccess = rra;
    }
    const actual = found?.settings ?? (0,model/* newAppSettings */.TV)(settings.signInAudience);
    const { patch, changes } = appChanges(actual, wanted, (rra) => describeAccess(rra, apis));
    const existing = declared.federatedSubjects !== undefined && found !== undefined ? await directory.federatedCredentials(found) : [];
    const federated = declared.federatedSubjects === undefined ? { add: [], remove: [], coveredByOthers: [] } : federatedChanges(existing, declared.federatedSubjects, { issuer: settings.oidcIssuer, audience: settings.federatedAudience });
    return { patch, changes, federated };
}
/** requiredResourceAccess in the input's own words, where the API is known. */
function describeAccess(rra, apis) {
    if (rra.length === 0)
        return '(none)';
    const known = [...apis.values()].flat();
    return rra
        .map((r) => {
        const api = known.find((a) => a.appId.toLowerCase() === r.resourceAppId.toLowerCase());
        const perms = r.resourceAccess.map((a) => {
            const name = (a.type === 'Scope' ? api?.scopes : api?.roles)?.find((x) => x.id.toLowerCase() === a.id.toLowerCase())?.value ?? a.id;
            return a.type === 'Role' ? `${name}=Role` : name;
        });
        return `${api?.displayName ?? r.resourceAppId}: ${perms.join(', ')}`;
    })
        .join('; ');
}

;// CONCATENATED MODULE: ./src/core/report.ts




const date = minute;
function credentialLine(kind, p) {
    return `${p.keyId}  ${kind.detailHeading.toLowerCase()} ${kind.detail(p)}  ${date(p.startDateTime)} → ${date(p.endDateTime)}  ${p.managed ? 'managed' : `not managed (description '${p.displayName ?? ''}')`}`;
}
/** `declared`: whether the step or the fleet file declared any app property (else "as declared" would say nothing true). */
function formatPlan(plan, dryRun, declared = false) {
    const lines = [dryRun ? 'Plan (dry-run: nothing will be changed):' : 'Plan:'];
    lines.push(plan.app.action === 'create'
        ? `  app: create '${plan.app.displayName}'`
        : `  app: '${plan.app.displayName}' (client ID ${plan.app.appId}, object ID ${plan.app.objectId})`);
    if (plan.servicePrincipal !== 'skip')
        lines.push(`  service principal: ${plan.servicePrincipal === 'create' ? 'create' : 'make sure it exists'}`);
    const r = plan.reconcile;
    if (r !== undefined) {
        for (const c of r.changes)
            lines.push(`  ${plan.app.action === 'create' ? 'set' : 'change'} ${c.property}: ${c.before} → ${c.after}`);
        for (const f of r.federated.add)
            lines.push(`  add federated credential '${f.name}' for ${f.subject}`);
        for (const f of r.federated.remove)
            lines.push(`  remove federated credential '${f.name}' (${f.subject}): no longer listed`);
        for (const s of r.federated.coveredByOthers)
            lines.push(`  federated credential for ${s}: one this action did not create exists; left as it is`);
        if (declared && plan.app.action === 'use' && r.changes.length === 0 && r.federated.add.length + r.federated.remove.length === 0) {
            lines.push('  app properties: as declared');
        }
    }
    const { kind } = plan;
    lines.push(plan.credentials.length === 0 ? `  ${kind.noun}s: none` : `  ${kind.noun}s (${plan.credentials.length}):`);
    for (const s of plan.credentials)
        lines.push(`    ${credentialLine(kind, s)}`);
    lines.push(plan.rotate ? '  rotation: due, because' : '  rotation: not due:');
    for (const r of plan.reasons)
        lines.push(`    - ${r}`);
    for (const n of plan.notes)
        lines.push(`  note: ${n}`);
    if (plan.newCredential)
        lines.push(`  add ${kind.noun} '${plan.newCredential.displayName}' valid until ${date(plan.newCredential.endDateTime)}`);
    for (const w of plan.writes)
        lines.push(`  write ${(0,model/* targetLabel */.Op)(w.target)}: ${w.reason}`);
    if (plan.githubWrites > 0)
        lines.push(`  GitHub writes: ${plan.githubWrites} (counted against max-writes)`);
    for (const t of plan.targets) {
        if (t.stored === 'unread')
            lines.push(`  not read (no github-token): ${(0,model/* targetLabel */.Op)(t.target)}`);
    }
    for (const r of plan.removals)
        lines.push(`  then remove ${kind.noun} ${r.credential.keyId}: ${r.reason}`);
    const reconciling = (r?.changes.length ?? 0) + (r?.federated.add.length ?? 0) + (r?.federated.remove.length ?? 0) > 0;
    if (plan.writes.length === 0 && plan.removals.length === 0 && !plan.rotate && plan.app.action === 'use' && !reconciling)
        lines.push('  nothing to change');
    return lines.join('\n');
}
function summaryMarkdown(outcome, tenantId) {
    const { plan } = outcome;
    const out = [`## Entra ${outcome.kind.noun} rotation`, ''];
    const app = outcome.app;
    if (app !== undefined) {
        out.push(`**App:** ${(0,core_text/* cell */.Hn)(app.displayName)} · **client ID** \`${app.appId}\` · **object ID** \`${app.id}\` · **tenant** \`${tenantId}\`${outcome.appCreated ? ' · created by this run' : ''}`);
    }
    else if (plan?.app.action === 'create') {
        out.push(`**App:** ${(0,core_text/* cell */.Hn)(plan.app.displayName)} (${outcome.dryRun ? 'would be created' : 'not created'})`);
    }
    out.push('');
    const status = outcome.error
        ? '❌ Failed'
        : outcome.deferred
            ? outcome.deferredBy === 'max-writes'
                ? `⏸ ${plan?.rotate === false ? 'GitHub writes due' : 'Rotation due'}, deferred by max-writes: the GitHub writes of apps nearer expiry filled this run; a later run makes them`
                : '⏸ Rotation due, deferred: max-rotations apps nearer expiry rotated in this run; a later run rotates it'
            : outcome.dryRun
                ? '🔎 Dry run: nothing was changed'
                : outcome.rotated
                    ? '✅ Rotated'
                    : '✅ Nothing to rotate';
    out.push(`**Result:** ${status}`, '');
    const r = plan?.reconcile;
    if (r !== undefined && r.changes.length + r.federated.add.length + r.federated.remove.length > 0) {
        const verb = outcome.dryRun ? 'would change' : outcome.error && !outcome.reconciled && !outcome.appCreated ? 'planned' : 'changed';
        out.push(`**App registration (${verb}):**`, '', '| Property | Before | After |', '|---|---|---|');
        for (const c of r.changes)
            out.push(`| \`${c.property}\` | ${(0,core_text/* cell */.Hn)(c.before)} | ${(0,core_text/* cell */.Hn)(c.after)} |`);
        for (const f of r.federated.add)
            out.push(`| federated credential \`${(0,core_text/* cell */.Hn)(f.name)}\` | (none) | ${(0,core_text/* cell */.Hn)(f.subject)} |`);
        for (const f of r.federated.remove)
            out.push(`| federated credential \`${(0,core_text/* cell */.Hn)(f.name)}\` | ${(0,core_text/* cell */.Hn)(f.subject)} | (removed) |`);
        out.push('');
    }
    if (plan) {
        out.push(plan.rotate ? '**Rotation due because:**' : '**Rotation not due:**');
        for (const r of plan.reasons)
            out.push(`- ${(0,core_text/* cell */.Hn)(r)}`);
        for (const n of plan.notes)
            out.push(`- Note: ${(0,core_text/* cell */.Hn)(n)}`);
        out.push('');
        out.push(...credentialsTable(plan, outcome), ...targetsTable(plan, outcome));
    }
    if (outcome.error)
        out.push('**Error:**', '', '```text', outcome.error.message, '```', '');
    return out.join('\n');
}
function credentialsTable(plan, outcome) {
    const { kind } = plan;
    const rows = [...plan.credentials];
    if (outcome.newCredential)
        rows.unshift({ ...outcome.newCredential, managed: true });
    if (rows.length === 0)
        return [];
    const noun = `${kind.noun.charAt(0).toUpperCase()}${kind.noun.slice(1)}`;
    const out = [`| ${noun} (key ID) | ${kind.detailHeading} | Start | End | Managed | This run |`, '|---|---|---|---|---|---|'];
    for (const s of rows) {
        const change = s.keyId === outcome.newCredential?.keyId
            ? 'added'
            : outcome.removed.some((r) => r.keyId === s.keyId)
                ? 'removed'
                : outcome.dryRun && plan.removals.some((r) => r.credential.keyId === s.keyId)
                    ? 'would be removed'
                    : '';
        out.push(`| \`${s.keyId}\` | ${(0,core_text/* cell */.Hn)(kind.detail(s))} | ${date(s.startDateTime)} | ${date(s.endDateTime)} | ${s.managed ? 'yes' : `no (${(0,core_text/* cell */.Hn)(s.displayName ?? '')})`} | ${change} |`);
    }
    return [...out, ''];
}
/** One row a target; when every target is the same kind of home, its noun heads the first column, else a column says it. */
function targetsTable(plan, outcome) {
    const homes = new Set(plan.targets.map((t) => homeOf(t.target).noun));
    const [onlyHome] = homes.size === 1 ? homes : [undefined];
    const out = onlyHome === undefined ? ['| Target | Kind | Where | This run |', '|---|---|---|---|'] : [`| ${onlyHome} | Where | This run |`, '|---|---|---|'];
    for (const t of plan.targets) {
        const failed = outcome.failed.find((f) => f.target === t.target);
        const unconfirmed = outcome.unconfirmed.some((f) => f.target === t.target);
        const state = outcome.written.includes(t.target)
            ? 'written'
            : unconfirmed
                ? '**unconfirmed** (no answer came: it may hold the new value or the previous one)'
                : failed
                    ? '**failed**'
                    : plan.writes.some((w) => w.target === t.target)
                        ? outcome.dryRun
                            ? 'would be written'
                            : 'not written'
                        : t.stored === 'unread'
                            ? 'not read'
                            : 'unchanged';
        const home = homeOf(t.target);
        out.push(`| \`${t.target.name}\` | ${onlyHome === undefined ? `${home.noun} | ` : ''}${(0,core_text/* cell */.Hn)(home.where(t.target))} | ${state} |`);
    }
    return [...out, ''];
}

;// CONCATENATED MODULE: ./src/core/rotate.ts
/**
 * One app, in the order that never leaves a target without a working credential:
 * plan → (create app) → add the new credential → write every target → only then remove old managed credentials.
 * The same order for every credential kind: each step goes through the kind (credential-kind.ts).
 * What the app and its targets look like now comes in from the inventory (inventory.ts), read for the whole run.
 */








/** The plan of one app from what was read: the one PATCH, the federated credentials, the rotation. */
async function planApp(spec, state, ports, runStart, tenantId) {
    const { found } = state;
    const reconcile = await reconcilePlan(spec.app, found, state.apis, ports.directory);
    const plan = makePlan({
        app: found === undefined
            ? { create: spec.app.name ?? '' }
            : { displayName: found.displayName, appId: found.appId, objectId: found.id, credentials: credentialsOf(spec.rotation.kind, found) },
        targets: state.targets,
        settings: spec.rotation,
        servicePrincipal: spec.app.servicePrincipal,
        now: runStart,
        runStart,
        tenantId,
    });
    plan.reconcile = reconcile;
    return { spec, found, plan, reconcile };
}
/** The app's credentials of the kind rotated: a kind whose credentials were not read cannot be planned. */
function credentialsOf(kind, app) {
    const read = kind.of(app);
    if (read === undefined)
        throw new Error(`internal: the ${kind.noun}s of '${app.displayName}' were not read`);
    return read;
}
/** Logs the plan of an app (and what it means for API permissions). */
function logPlan(p, dryRun, log) {
    log.info(formatPlan(p.plan, dryRun, Object.values(p.spec.app.declared).some((v) => v !== undefined)));
    if (p.spec.app.declared.apiPermissions !== undefined) {
        log.info('Note: api-permissions only declares what the app asks for; it is not consent. An admin grants it once: portal → App registrations → the app → API permissions → Grant admin consent, or `az ad app permission admin-consent --id <client-id>`.');
    }
}
/** Applies an app's plan; failures end up in `outcome.error`, never thrown. */
async function applyApp(p, ctx, ports, outcome) {
    recordPlan(p, outcome);
    if (ctx.dryRun)
        return;
    try {
        const app = await ensureApp(p, ports, outcome);
        await rotateCredential(p, app, ctx, ports, outcome);
    }
    catch (error) {
        outcome.error = asError(error);
    }
}
/**
 * An app whose rotation the run's budget defers (max-rotations, max-writes): the budget limits GitHub writes and
 * rotations, so those wait, but its Graph side does not: the declared properties and federated credentials, the
 * service principal, and its expired managed secrets that no target may hold. An app yet to be created waits whole
 * (creating it is its first rotation). Failures end up in `outcome.error`.
 */
async function applyGraphSide(p, ctx, ports, outcome) {
    recordPlan(p, outcome);
    if (ctx.dryRun || p.found === undefined)
        return;
    try {
        const app = await ensureApp(p, ports, outcome);
        if (p.plan.servicePrincipal !== 'skip')
            await ensureServicePrincipal(app, false, ports.directory, ports.log);
        await removeOld(app, p.spec.rotation.kind, expiredNotHeld(p.plan, ctx.runStart), ports, outcome);
    }
    catch (error) {
        outcome.error = asError(error);
    }
}
/** What an outcome says before anything is done: the app as read and its plan. */
function recordPlan(p, outcome) {
    outcome.app = p.found;
    outcome.plan = p.plan;
    outcome.currentCredential = p.found === undefined ? undefined : managedSecrets(credentialsOf(p.spec.rotation.kind, p.found), p.spec.rotation.credentialName)[0];
}
/** The app, as declared: created with the declared properties, or brought to them with one PATCH. */
async function ensureApp(p, ports, outcome) {
    const { directory, log } = ports;
    const { reconcile, plan } = p;
    let app = p.found;
    if (app === undefined) {
        log.info(`Creating app registration '${plan.app.displayName}' (sign-in audience ${p.spec.app.signInAudience})`);
        app = await directory.createApp(plan.app.displayName, p.spec.app.signInAudience, reconcile.patch);
        // A new app has no credentials of any kind, read or not.
        const { kind } = p.spec.rotation;
        if (kind.of(app) === undefined)
            app = kind.withCredentials(app, []);
        outcome.app = app;
        outcome.appCreated = true;
        log.info(`Created app registration '${app.displayName}': client ID ${app.appId}, object ID ${app.id}`);
    }
    else if (reconcile.changes.length > 0) {
        await directory.updateApp(app, reconcile.patch);
        outcome.reconciled = true;
        log.info(`Updated ${reconcile.changes.map((c) => c.property).join(', ')} of '${app.displayName}'`);
    }
    for (const f of reconcile.federated.remove) {
        await directory.removeFederatedCredential(app, f);
        log.info(`Removed the federated credential '${f.name}' (${f.subject})`);
    }
    for (const f of reconcile.federated.add) {
        await directory.addFederatedCredential(app, f);
        log.info(`Added the federated credential '${f.name}' (${f.subject})`);
    }
    return app;
}
/**
 * After the app itself: the new credential (when due), the targets, then the removals of old managed credentials.
 * Also runs when nothing is due: missing companions are written and leftovers removed.
 */
async function rotateCredential(p, app, ctx, ports, outcome) {
    const { plan, spec } = p;
    const { kind } = spec.rotation;
    const started = await startRotation(p, app, ctx, ports, outcome);
    const { added, addDeadline } = started;
    if (added !== undefined && spec.rotation.verifyNewSecret)
        await verifyNew(app, kind, added, started.spByVerify, ports);
    if (added !== undefined && addDeadline !== undefined && ports.now().getTime() > addDeadline.getTime()) {
        await undoNew(app, kind, added.info, ports, 'it could not be written in time');
        throw new Error(`The new ${kind.noun} was added more than ${WRITE_DEADLINE_MS / 60_000} minutes ago and no target has it yet (Entra was slow to accept it), so it was removed again and no target was changed. Run again.`);
    }
    // Write every target, then remove old managed credentials, only when every target that carries the value surely
    // holds the new one.
    const values = added === undefined ? undefined : new DerivedValues(added.value, kind, app, ctx.tenantId, ports.log);
    const writesValue = plan.writes.some((w) => (0,model/* carriesSecretValue */.PZ)(w.target.kind));
    const holds = added?.info ?? outcome.currentCredential;
    await writeTargets(plan.writes.map((w) => w.target), (t) => valueFor(t, app, ctx.tenantId, values), { app, holds, notAfter: addDeadline, kind }, ports, outcome);
    let settled;
    try {
        if (added !== undefined)
            await settleRotation(app, kind, added.info, writesValue, ports, outcome);
        if (!plan.rotate || outcome.rotated)
            await removeOld(app, kind, plan.removals, ports, outcome);
    }
    catch (error) {
        settled = asError(error);
    }
    const kept = added !== undefined && possiblyHeld(outcome) ? await keepNew(app, kind, added.info, ports) : undefined;
    if (settled !== undefined) {
        if (kept !== undefined)
            ports.log.warning(kept.message);
        throw settled;
    }
    const failures = [...outcome.unconfirmed, ...outcome.failed].map((f) => f.error);
    if (kept !== undefined)
        failures.push(kept);
    if (started.spFailure !== undefined)
        failures.push(started.spFailure);
    const [first, ...more] = failures;
    if (first !== undefined)
        throw more.length === 0 ? first : new errors/* AggregateFailure */.Ey(`${failures.length} steps failed:`, failures);
}
/**
 * The start of a rotation, in parallel: what writing to each home needs (a GitHub scope's public key), the service
 * principal, and (when due) the new credential. When the new credential is verified, that token request also tells
 * whether the service principal exists.
 */
async function startRotation(p, app, ctx, ports, outcome) {
    const { plan, spec } = p;
    const { directory, store, log } = ports;
    const { kind } = spec.rotation;
    const spByVerify = plan.servicePrincipal === 'ensure' && plan.rotate && spec.rotation.verifyNewSecret;
    const spTask = plan.servicePrincipal === 'skip' || spByVerify ? Promise.resolve() : ensureServicePrincipal(app, plan.servicePrincipal === 'create', directory, log);
    const written = plan.writes.map((w) => w.target);
    const prepareTask = Promise.all((0,model/* uniqueScopes */.Xe)(written).map((s) => store.prepare(s, written.filter((t) => (0,model/* scopeKey */.OD)(t.scope) === (0,model/* scopeKey */.OD)(s)))));
    // No write of the new value starts after this (write-window.ts): how later runs tell what a target holds.
    const addDeadline = plan.rotate ? writeDeadline(ports.now()) : undefined;
    const addTask = plan.rotate
        ? addOnce(app, kind, plan.newCredential?.displayName ?? spec.rotation.credentialName, plan.newCredential?.endDateTime ?? ctx.runStart, ports)
        : Promise.resolve(undefined);
    const [spResult, prepared, adding] = await Promise.allSettled([spTask, prepareTask, addTask]);
    const added = adding.status === 'fulfilled' ? adding.value : undefined;
    if (added !== undefined) {
        outcome.newCredential = added.info;
        log.info(`Added ${kind.noun} ${added.info.keyId} (${kind.detailHeading.toLowerCase()} ${kind.detail(added.info)}, valid until ${minute(added.info.endDateTime)})`);
    }
    if (adding.status === 'rejected')
        throw adding.reason;
    if (prepared.status === 'rejected') {
        if (added !== undefined)
            await undoNew(app, kind, added.info, ports, 'no target could be written');
        throw prepared.reason;
    }
    return { added, addDeadline, spByVerify, spFailure: spResult.status === 'rejected' ? asError(spResult.reason) : undefined };
}
/** Before any target gets the new credential: Entra may refuse a new one for seconds, so wait until it accepts it. */
async function verifyNew(app, kind, added, spByVerify, ports) {
    const { directory, log, verifier } = ports;
    try {
        if ((await kind.accepts(verifier, app, added, { servicePrincipalMayBeMissing: spByVerify })) === 'no-service-principal') {
            await directory.createServicePrincipal(app);
            log.info(`Created the missing service principal (enterprise application) of '${app.displayName}'`);
            await kind.accepts(verifier, app, added, { servicePrincipalMayBeMissing: false });
        }
        log.info(`Entra accepts the new ${kind.noun} ${added.info.keyId}`);
    }
    catch (error) {
        await undoNew(app, kind, added.info, ports, 'Entra did not accept it');
        throw new errors/* AggregateFailure */.Ey(`Entra ID did not accept the new ${kind.noun}, so it was removed again; no target was changed and every existing ${kind.noun} was kept:`, [asError(error)]);
    }
}
/**
 * Writes in parallel. A write whose answer never came (or came as a server error) may have taken effect: its
 * target is "unconfirmed", which keeps every credential of the kind, the new one included.
 */
async function writeTargets(targets, valueOf, how, ports, outcome) {
    const form = (t) => (t.kind === 'credentials' ? 'json' : t.kind === 'secret' ? how.kind.valueForm : 'id');
    const options = (t) => ({
        appId: how.app.appId,
        form: form(t),
        ...(how.notAfter === undefined ? {} : { notAfter: how.notAfter }),
        // What a home that records it (a Key Vault secret's tag and expiry) records: the credential a value target holds.
        ...((0,model/* carriesSecretValue */.PZ)(t.kind) && how.holds !== undefined ? { holds: how.holds } : {}),
    });
    const results = await Promise.allSettled(targets.map((t) => ports.store.write(t, valueOf(t), options(t))));
    results.forEach((r, i) => {
        const target = targets[i];
        if (r.status === 'fulfilled') {
            outcome.written.push(target);
            ports.log.info(`Wrote ${(0,model/* targetLabel */.Op)(target)}`);
            return;
        }
        const error = asError(r.reason);
        if (error instanceof errors/* ServiceError */._7 && error.details.outcomeUnknown === true)
            outcome.unconfirmed.push({ target, error });
        else
            outcome.failed.push({ target, error });
    });
}
/**
 * After the writes: the new credential is current once a target surely holds it. It is removed again only when no
 * write of its value was even possibly done; any target that did not surely take it fails the step, and then every
 * credential of the kind is kept.
 */
async function settleRotation(app, kind, secret, writesValue, ports, outcome) {
    const tookValue = outcome.written.filter((t) => (0,model/* carriesSecretValue */.PZ)(t.kind));
    const stale = outcome.failed.filter((f) => (0,model/* carriesSecretValue */.PZ)(f.target.kind));
    const unconfirmed = outcome.unconfirmed.filter((f) => (0,model/* carriesSecretValue */.PZ)(f.target.kind));
    if (writesValue && tookValue.length === 0 && unconfirmed.length === 0) {
        await undoNew(app, kind, secret, ports, 'no target took its value');
        throw new errors/* AggregateFailure */.Ey(`No target could be written, so the new ${kind.noun} was removed again and the existing ${kind.short}s were left as they were:`, outcome.failed.map((f) => f.error));
    }
    if (!writesValue || tookValue.length > 0) {
        outcome.rotated = true;
        outcome.currentCredential = secret;
    }
    if (stale.length === 0 && unconfirmed.length === 0)
        return;
    const parts = [`The new ${kind.noun} ${secret.keyId} was ${tookValue.length > 0 ? `written to ${tookValue.map(model/* targetLabel */.Op).join(', ')}` : 'added'}`];
    if (unconfirmed.length > 0) {
        parts.push(`no answer came to writing ${unconfirmed.map((f) => (0,model/* targetLabel */.Op)(f.target)).join(', ')}, so ${unconfirmed.length === 1 ? 'it' : 'they'} may hold the new value or the previous one (unconfirmed)`);
    }
    if (stale.length > 0)
        parts.push(`these targets still hold the previous value: ${stale.map((f) => (0,model/* targetLabel */.Op)(f.target)).join(', ')}`);
    throw new errors/* AggregateFailure */.Ey(`${parts.join('; ')}. Every ${kind.noun} was kept, the new one too, so whatever each target holds still works. Fix the cause and run again: the next run writes them again or confirms them:`, [...unconfirmed, ...stale].map((f) => f.error));
}
/** Did a target take the new value, or may it have (no answer came)? */
function possiblyHeld(outcome) {
    return [...outcome.written, ...outcome.unconfirmed.map((f) => f.target)].some((t) => (0,model/* carriesSecretValue */.PZ)(t.kind));
}
/**
 * The last step of a rotation whose value reached a target: the new credential is still on the app, or is put back
 * (CredentialKind.keep). Its failure fails the step.
 */
async function keepNew(app, kind, added, ports) {
    try {
        if ((await kind.keep(ports.directory, app, added)) === 'restored') {
            ports.log.warning(`The new ${kind.noun} ${added.keyId} was no longer on '${app.displayName}' after the targets took it: another change of the app's ${kind.noun}s at the same time (another run?) had dropped it. It was put back, the same one, so the targets' value works.`);
        }
        return undefined;
    }
    catch (error) {
        return new errors/* AggregateFailure */.Ey(`The targets hold the new ${kind.noun} ${added.keyId} (${kind.detailHeading.toLowerCase()} ${kind.detail(added)}), but checking that it is still on '${app.displayName}' failed. Look at the app's ${kind.noun}s: if it is not there (another change of them at the same time dropped it), run again with force-rotation: true so the targets get one that is:`, [asError(error)]);
    }
}
async function removeOld(app, kind, removals, ports, outcome) {
    for (const { credential, reason } of removals) {
        try {
            await kind.remove(ports.directory, app, credential.keyId);
            outcome.removed.push(credential);
            ports.log.info(`Removed ${kind.noun} ${credential.keyId} (${reason})`);
        }
        catch (error) {
            ports.log.warning(`Could not remove the old ${kind.noun} ${credential.keyId}; it stays valid until ${minute(credential.endDateTime)} and the next run tries again. ${error instanceof Error ? error.message : String(error)}`);
        }
    }
}
/**
 * Adding a credential is not idempotent. When its outcome is unknown (the connection dropped after the request was
 * sent), the app is read again: a credential with our description and the exact expiry we asked for, which was not
 * there before, is ours, and since its value is lost it is removed before trying again.
 */
async function addOnce(app, kind, displayName, endDateTime, ports) {
    const { directory, log } = ports;
    const known = new Set(credentialsOf(kind, app).map((p) => p.keyId));
    for (let attempt = 1;; attempt += 1) {
        try {
            return await kind.add(directory, app, displayName, endDateTime);
        }
        catch (error) {
            if (!(error instanceof errors/* ServiceError */._7 && error.details.outcomeUnknown === true) || attempt >= 3)
                throw error;
            log.warning(`No answer came to adding a ${kind.noun} (${error.message}); checking whether it was added anyway`);
            const strays = ((await kind.read(directory, app)) ?? []).filter((p) => !known.has(p.keyId) && p.displayName === displayName && Math.abs(p.endDateTime.getTime() - endDateTime.getTime()) < 1000);
            for (const stray of strays) {
                await kind.remove(directory, app, stray.keyId);
                log.info(`Removed ${kind.noun} ${stray.keyId}: it was added, but its value never reached this run`);
            }
        }
    }
}
async function ensureServicePrincipal(app, justCreated, directory, log) {
    if (!justCreated && (await directory.servicePrincipalExists(app)))
        return;
    await directory.createServicePrincipal(app);
    log.info(`Created the service principal (enterprise application) of '${app.displayName}'`);
}
async function undoNew(app, kind, added, ports, why) {
    try {
        await kind.remove(ports.directory, app, added.keyId);
        ports.log.info(`Removed the new ${kind.noun} ${added.keyId} again: ${why}`);
    }
    catch (error) {
        ports.log.warning(`The new ${kind.noun} ${added.keyId} could not be removed again (${error instanceof Error ? error.message : String(error)}); no target holds it, and the next run removes it.`);
    }
}
/** Every form of the new value, each masked before anything else happens to it. */
class DerivedValues {
    secret;
    #kind;
    #app;
    #tenantId;
    #log;
    #credentials = new Map();
    constructor(secret, kind, app, tenantId, log) {
        this.secret = secret;
        this.#kind = kind;
        this.#app = app;
        this.#tenantId = tenantId;
        this.#log = log;
    }
    /** The azure/login JSON, per subscription ID. */
    credentials(subscriptionId) {
        const known = this.#credentials.get(subscriptionId ?? '');
        if (known !== undefined)
            return known;
        const key = this.#kind.azureLoginKey;
        // config.ts refuses a credentials target for a kind azure/login cannot sign in with, before any request.
        if (key === undefined)
            throw new Error(`internal: azure/login takes no ${this.#kind.noun}`);
        const creds = { clientId: this.#app.appId, [key]: this.secret.reveal(), tenantId: this.#tenantId };
        if (subscriptionId !== undefined)
            creds['subscriptionId'] = subscriptionId;
        const json = JSON.stringify(creds);
        this.#log.mask(json);
        const value = new secret/* Secret */.z(json);
        this.#credentials.set(subscriptionId ?? '', value);
        return value;
    }
}
function valueFor(target, app, tenantId, values) {
    switch (target.kind) {
        case 'client-id':
            return new secret/* Secret */.z(app.appId);
        case 'tenant-id':
            return new secret/* Secret */.z(tenantId);
        case 'secret':
        case 'credentials':
            if (values === undefined)
                throw new Error(`internal: no new secret for ${(0,model/* targetLabel */.Op)(target)}`);
            return target.kind === 'secret' ? values.secret : values.credentials(target.subscriptionId);
    }
}

;// CONCATENATED MODULE: ./src/core/spec.ts
/** A label for an app in logs and reports: its display name or client ID, as declared. */
function appLabel(spec) {
    return spec.app.name ?? spec.app.appId ?? spec.key;
}

;// CONCATENATED MODULE: ./src/core/fleet.ts
/**
 * A run over many apps (the single-app inputs are a fleet of one): read everything once (inventory.ts), plan each
 * app, keep to the max-rotations budget (nearest expiry first), apply one app at a time with the single-app order
 * and safety rules (rotate.ts), then the expiry report. One app's failure is recorded and the others go on.
 */






/** Does this app belong to shard `index` of `count`? Stable across runs and runners: a hash of the app's key. */
function inShard(key, shard) {
    return shard === undefined || ((0,core_text/* fnv1a */.PS)(key) % shard.count) + 1 === shard.index;
}
async function runFleet(specs, settings, ctx, ports) {
    const runStart = ports.now();
    const mine = specs.filter((s) => inShard(s.key, settings.shard));
    const apps = mine.map((spec) => ({ spec, outcome: newOutcome(ctx.dryRun, spec.rotation.kind) }));
    const plans = await planAll(apps, ctx, ports, runStart);
    const kept = budget(plans, settings);
    logBudget(kept, settings, ctx, ports.log);
    let done = 0;
    for (const r of apps) {
        const plan = plans.get(r);
        await inGroup(ctx, ports, appLabel(r.spec), () => applyOne(r, plan, kept, settings, { ...ctx, runStart }, ports));
        done += 1;
        if (!ctx.single)
            ports.log.info(`${done} of ${apps.length} apps done: ${appLabel(r.spec)} ${resultWord(r.outcome)}`);
    }
    const report = await expiryReport(specs, apps, settings, ctx, ports);
    return { apps, otherShards: specs.length - mine.length, ...report, dryRun: ctx.dryRun, githubWrites: { planned: kept.writes, max: settings.maxWrites } };
}
/** The inventory, then each app's plan; an app whose state or plan cannot be had gets that as its error. */
async function planAll(apps, ctx, ports, runStart) {
    const plans = new Map();
    let states;
    try {
        states = await readInventory(apps.map((a) => a.spec), ports, ctx.reads);
    }
    catch (error) {
        for (const a of apps)
            a.outcome.error = asError(error);
        return plans;
    }
    await Promise.all(apps.map(async (a) => {
        const state = states.get(a.spec.key);
        try {
            if (state === undefined || state instanceof Error)
                throw state ?? new Error(`internal: ${a.spec.key} was not read`);
            const p = await planApp(a.spec, state, ports, runStart, ctx.tenantId);
            recordPlan(p, a.outcome);
            plans.set(a, p);
        }
        catch (error) {
            a.outcome.error = asError(error);
        }
    }));
    return plans;
}
/**
 * The apps with something to do (a rotation due, or a GitHub write such as a missing companion secret), nearest
 * expiry first (an app without a managed secret, or one to be created, goes first: it has nothing that works yet),
 * go ahead while they fit in max-rotations (rotations) and max-writes (GitHub writes); the others wait. One that
 * does not fit leaves its place to later, smaller apps; it is still nearest expiry next run, so it goes first then.
 */
function budget(plans, settings) {
    const expiry = (r) => r.outcome.currentCredential?.endDateTime.getTime() ?? Number.NEGATIVE_INFINITY;
    const active = [...plans].filter(([, p]) => p.plan.rotate || p.plan.githubWrites > 0);
    const ordered = active.map(([r, p], i) => ({ r, p: p.plan, i })).sort((a, b) => expiry(a.r) - expiry(b.r) || a.i - b.i);
    const out = { waits: new Map(), tooMany: new Set(), writes: 0 };
    let rotations = 0;
    for (const { r, p } of ordered) {
        if (p.rotate && rotations >= settings.maxRotations)
            out.waits.set(r, 'max-rotations');
        else if (p.githubWrites > settings.maxWrites)
            out.tooMany.add(r);
        else if (out.writes + p.githubWrites > settings.maxWrites)
            out.waits.set(r, 'max-writes');
        else {
            out.writes += p.githubWrites;
            if (p.rotate)
                rotations += 1;
        }
    }
    return out;
}
function logBudget(kept, settings, ctx, log) {
    const byRotations = [...kept.waits.values()].filter((w) => w === 'max-rotations').length;
    const byWrites = kept.waits.size - byRotations;
    if (!ctx.single && byRotations > 0) {
        const due = byRotations + settings.maxRotations;
        log.info(`${due} apps are due and max-rotations is ${settings.maxRotations}: the ${settings.maxRotations} nearest expiry rotate now, ${byRotations} ${byRotations === 1 ? 'waits' : 'wait'} for a later run`);
    }
    if (ctx.single && kept.writes === 0 && byWrites === 0)
        return;
    const waiting = byWrites === 0 ? '' : `; ${byWrites} ${byWrites === 1 ? 'app waits' : 'apps wait'} for a later run: ${byWrites === 1 ? 'its' : 'their'} writes would pass it`;
    log.info(`${writesLine(kept.writes, settings.maxWrites, ctx.dryRun)}${waiting}`);
}
/** `This run will make 42 GitHub writes (max-writes 200)`: the log's line, and the job summary's. */
function writesLine(writes, max, dryRun) {
    const count = writes === 0 ? 'no GitHub writes' : `${writes} GitHub ${writes === 1 ? 'write' : 'writes'}`;
    return `This run ${dryRun ? 'would make' : 'will make'} ${count} (max-writes ${max})`;
}
async function applyOne(r, plan, kept, settings, ctx, ports) {
    if (plan === undefined) {
        // A single app's failure is the step's error; a fleet's says which app it belongs to.
        if (!ctx.single)
            ports.log.warning(`${appLabel(r.spec)} (${r.spec.source}): ${r.outcome.error?.message ?? 'not planned'}`);
        return;
    }
    logPlan(plan, ctx.dryRun, ports.log);
    if (kept.tooMany.has(r)) {
        r.outcome.error = tooManyWrites(plan, settings.maxWrites);
        if (!ctx.single)
            ports.log.warning(`${appLabel(r.spec)} failed: ${r.outcome.error.message}`);
        return;
    }
    const by = kept.waits.get(r);
    if (by !== undefined) {
        r.outcome.deferred = true;
        r.outcome.deferredBy = by;
        ports.log.warning(deferredLine(r, plan, by, settings));
        await applyGraphSide(plan, ctx, ports, r.outcome);
        if (r.outcome.error !== undefined && !ctx.single)
            ports.log.warning(`${appLabel(r.spec)} failed: ${r.outcome.error.message}`);
        return;
    }
    await applyApp(plan, ctx, ports, r.outcome);
    if (r.outcome.error !== undefined && !ctx.single)
        ports.log.warning(`${appLabel(r.spec)} failed: ${r.outcome.error.message}`);
}
function deferredLine(r, plan, by, settings) {
    const current = r.outcome.currentCredential;
    const until = current === undefined ? '' : `; its newest managed ${r.spec.rotation.kind.short} is valid until ${current.endDateTime.toISOString().slice(0, 10)}`;
    if (by === 'max-rotations')
        return `${appLabel(r.spec)}: rotation due, deferred: max-rotations (${settings.maxRotations}) apps nearer expiry rotate in this run${until}`;
    const what = plan.plan.rotate ? 'rotation due' : `${plan.plan.githubWrites} GitHub ${plan.plan.githubWrites === 1 ? 'write' : 'writes'} due`;
    const writes = `${plan.plan.githubWrites} GitHub ${plan.plan.githubWrites === 1 ? 'write does' : 'writes do'}`;
    return `${appLabel(r.spec)}: ${what}, deferred by max-writes (${settings.maxWrites}): its ${writes} not fit beside those of apps nearer expiry in this run; a later run makes them${until}`;
}
function tooManyWrites(plan, max) {
    const n = plan.plan.githubWrites;
    return new Error(`The app needs ${n} GitHub writes in one run (one per target secret) and max-writes is ${max}, so it can never go ahead: raise max-writes to at least ${n} (GitHub.com allows about 500 content-creating requests an hour), or give the app fewer targets (one organisation secret shared with selected repositories is one write for all of them)`);
}
function inGroup(ctx, ports, title, fn) {
    return ctx.single ? fn() : ports.log.group(title, fn);
}
function fleetCounts(result) {
    const count = (f) => result.apps.filter((a) => f(a.outcome)).length;
    return { rotated: count((o) => o.rotated), rotatedNew: count((o) => o.rotated && o.appCreated), deferred: count((o) => o.deferred), failed: count((o) => o.error !== undefined) };
}
function resultWord(o) {
    if (o.error !== undefined)
        return 'failed';
    if (o.deferred)
        return 'due, deferred';
    if (o.dryRun)
        return o.plan?.rotate === true ? 'would rotate' : 'planned';
    if (o.appCreated)
        return 'created';
    if (o.rotated)
        return 'rotated';
    if (o.written.length + o.removed.length > 0 || o.reconciled)
        return 'updated';
    return 'unchanged';
}
/** The apps' credentials after the run (report-scope managed), or every app of the tenant (all), and their warnings. */
async function expiryReport(specs, apps, settings, ctx, ports) {
    try {
        // Lookups leave certificates unread (Graph caps reads that select them): the report reads them once, for all apps.
        const tenantApps = settings.reportScope === 'all' ? await ports.directory.allApps() : await certificatesRead(apps.flatMap((a) => appAfter(a.outcome) ?? []), ports);
        const credentials = expiryEntries(tenantApps, managedBy(specs, apps), ports.now(), settings.reportDays);
        for (const w of expiryWarnings(credentials))
            ports.log.warning(w);
        return { credentials, reportError: undefined };
    }
    catch (error) {
        const e = asError(error);
        ports.log.warning(`The expiry report could not be made: ${e.message}`);
        return { credentials: [], reportError: e };
    }
}
/** The app's credentials of the kind it rotates as the run left them: as read, less those removed, with the new one. */
function appAfter(o) {
    if (o.app === undefined)
        return undefined;
    const removed = new Set(o.removed.map((p) => p.keyId));
    const kept = (o.kind.of(o.app) ?? []).filter((p) => !removed.has(p.keyId) && p.keyId !== o.newCredential?.keyId);
    return o.kind.withCredentials(o.app, o.newCredential === undefined ? kept : [o.newCredential, ...kept]);
}
/** What this file manages of an app (in any shard): matched by client ID, else by display name. */
function managedBy(specs, apps) {
    const byAppId = new Map();
    const byName = new Map();
    const managed = (s) => ({ kind: s.rotation.kind, credentialName: s.rotation.credentialName });
    for (const s of specs) {
        if (s.app.appId !== undefined)
            byAppId.set(s.app.appId.toLowerCase(), managed(s));
        else if (s.app.name !== undefined)
            byName.set(s.app.name, managed(s));
    }
    for (const a of apps)
        if (a.outcome.app !== undefined)
            byAppId.set(a.outcome.app.appId.toLowerCase(), managed(a.spec));
    return (app) => byAppId.get(app.appId.toLowerCase()) ?? byName.get(app.displayName);
}

;// CONCATENATED MODULE: ./src/core/summary.ts






/**
 * GitHub refuses a job summary over 1 MiB (in bytes, as uploaded: UTF-8) for a step; the fleet's details go first
 * when it would be too long.
 */
const SUMMARY_LIMIT = 1_000_000;
function fleetSummary(result, tenantId, single) {
    const expiry = expiryMarkdown(result.credentials);
    const only = result.apps[0];
    if (single && only !== undefined)
        return [summaryMarkdown(only.outcome, tenantId), `${writesMarkdown(result)}\n`, expiry].join('\n');
    const head = [fleetTable(result, tenantId), expiry].join('\n');
    const details = result.apps
        // Each app's own summary, less its heading (the fleet's stands above).
        .map((a) => `<details><summary>${escapeHtml(appLabel(a.spec))}: ${resultWord(a.outcome)}</summary>\n\n${summaryMarkdown(a.outcome, tenantId).replace(/^## [^\n]*\n+/, '')}\n</details>\n`)
        .join('\n');
    if ((0,core_text/* utf8Length */.wI)(`${head}\n${details}`) <= SUMMARY_LIMIT)
        return `${head}\n${details}`;
    const note = '\n_The details of each app are left out: the summary would pass GitHub’s 1 MiB limit. The JSON report (output `report-file`) has them all._\n';
    return (0,core_text/* utf8Length */.wI)(head + note) <= SUMMARY_LIMIT ? head + note : `${utf8Prefix(head, SUMMARY_LIMIT - (0,core_text/* utf8Length */.wI)(note))}${note}`;
}
/** The longest start of a text that takes at most `bytes` bytes in UTF-8, never cutting a character. */
function utf8Prefix(text, bytes) {
    const encoded = new TextEncoder().encode(text);
    if (encoded.length <= bytes)
        return text;
    let end = Math.max(0, bytes);
    // A UTF-8 continuation byte (10xxxxxx) is inside a character: cut before the byte that starts it.
    while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80)
        end -= 1;
    return new TextDecoder().decode(encoded.subarray(0, end));
}
function fleetTable(result, tenantId) {
    const { rotated, rotatedNew, deferred, failed } = fleetCounts(result);
    // The outputs' counts: rotated-count includes the apps created (and given their first secret) in this run.
    const counts = [`${rotated} rotated${rotatedNew > 0 ? ` (${rotatedNew} of them new apps, created in this run)` : ''}`, `${deferred} due, deferred`, `${failed} failed`];
    const kinds = new Set(result.apps.map((a) => a.outcome.kind));
    const [only] = kinds.size === 1 ? kinds : [undefined];
    const out = [`## Entra ${only?.noun ?? 'credential'} rotation: fleet`, ''];
    out.push(`**Tenant** \`${tenantId}\` · **${result.apps.length} apps** in this run${result.otherShards > 0 ? ` (${result.otherShards} in other shards)` : ''} · ${counts.join(' · ')}`);
    out.push('', `**Result:** ${failed > 0 ? `❌ ${failed} of ${result.apps.length} apps failed` : result.dryRun ? '🔎 Dry run: nothing was changed' : '✅ Done'}`, '');
    out.push(writesMarkdown(result), '');
    out.push(`| App | Client ID | Newest managed ${only?.short ?? 'credential'} expires | Action | Targets written | Failures |`, '|---|---|---|---|---|---|');
    for (const { spec, outcome: o } of result.apps) {
        const written = o.written.filter((t) => (0,model/* carriesSecretValue */.PZ)(t.kind) || o.rotated).length;
        const failures = [...o.failed, ...o.unconfirmed].map((f) => (0,model/* targetLabel */.Op)(f.target));
        if (o.error !== undefined && failures.length === 0)
            failures.push(o.error.message.split('\n')[0] ?? '');
        out.push(`| ${(0,core_text/* cell */.Hn)(appLabel(spec))} | ${o.app === undefined ? '' : `\`${o.app.appId}\``} | ${o.currentCredential === undefined ? '' : `${(0,core_text/* day */.vd)(o.currentCredential.endDateTime)}${only === undefined ? ` (${o.kind.noun})` : ''}`} | ${resultWord(o)} | ${written} of ${spec.targets.length} | ${(0,core_text/* cell */.Hn)(failures.join('; '))} |`);
    }
    return `${out.join('\n')}\n`;
}
/** What the run writes to GitHub, against max-writes, and how many apps wait for it. */
function writesMarkdown(result) {
    const waiting = result.apps.filter((a) => a.outcome.deferredBy === 'max-writes').length;
    const line = `**GitHub writes:** ${writesLine(result.githubWrites.planned, result.githubWrites.max, result.dryRun)}`;
    return waiting === 0 ? `${line}.` : `${line}; ${waiting} ${waiting === 1 ? 'app was' : 'apps were'} deferred by max-writes.`;
}
function expiryMarkdown(entries) {
    const flagged = entries.filter((e) => e.flagged);
    if (flagged.length === 0)
        return `**Expiry report:** no credential of ${entries.length === 0 ? 'these apps' : `the ${entries.length} read`} expires within report-days.\n`;
    const out = [`**Expiry report:** ${flagged.length} credential${flagged.length === 1 ? '' : 's'} expire within report-days or have expired`, ''];
    out.push('| App | Client ID | Credential | Key ID | Description | Expires | Days left | Managed |', '|---|---|---|---|---|---|---|---|');
    for (const e of flagged) {
        const managed = e.managed ? (e.current ? 'yes (current)' : 'yes (previous: the action removes it at the next rotation or once expired)') : 'no: rotate it yourself';
        out.push(`| ${(0,core_text/* cell */.Hn)(e.app.displayName)} | \`${e.app.appId}\` | ${e.kind} | \`${e.keyId}\` | ${(0,core_text/* cell */.Hn)(e.description ?? '')} | ${(0,core_text/* day */.vd)(e.end)} | ${e.daysLeft} | ${managed} |`);
    }
    return `${out.join('\n')}\n`;
}
function escapeHtml(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
/** The JSON report (output report-file): every app, every credential, what the run did. Never a value. */
function reportJson(result, tenantId, generatedAt) {
    const apps = result.apps.map(({ spec, outcome: o }) => ({
        key: spec.key,
        source: spec.source,
        name: o.app?.displayName ?? spec.app.name ?? null,
        clientId: o.app?.appId ?? null,
        objectId: o.app?.id ?? null,
        action: resultWord(o),
        created: o.appCreated,
        rotated: o.rotated,
        deferred: o.deferred,
        deferredBy: o.deferredBy ?? null,
        githubWrites: o.plan?.githubWrites ?? 0,
        credentialType: o.kind.id,
        newSecretKeyId: o.newCredential?.keyId ?? null,
        currentSecretExpires: o.currentCredential?.endDateTime.toISOString() ?? null,
        removedKeyIds: o.removed.map((p) => p.keyId),
        targets: spec.targets.map((t) => ({
            name: t.name,
            home: homeOf(t).id,
            where: homeOf(t).where(t),
            kind: t.kind,
            result: o.written.includes(t)
                ? 'written'
                : o.unconfirmed.some((f) => f.target === t)
                    ? 'unconfirmed'
                    : o.failed.some((f) => f.target === t)
                        ? 'failed'
                        : 'unchanged',
        })),
        error: o.error?.message ?? null,
    }));
    const credentials = result.credentials.map((e) => ({
        app: e.app.displayName,
        clientId: e.app.appId,
        kind: e.kind,
        keyId: e.keyId,
        description: e.description,
        start: e.start.toISOString(),
        end: e.end.toISOString(),
        daysLeft: e.daysLeft,
        managed: e.managed,
        current: e.current,
        flagged: e.flagged,
    }));
    const githubWrites = { planned: result.githubWrites.planned, maxWrites: result.githubWrites.max };
    return `${JSON.stringify({ generatedAt: generatedAt.toISOString(), tenantId, dryRun: result.dryRun, githubWrites, apps, credentials }, null, 2)}\n`;
}

;// CONCATENATED MODULE: ./src/main.ts












async function main(config) {
    // Inputs that are secrets are masked before anything else is printed.
    if (config.signIn.clientSecret)
        runner/* runnerLog */.t1.mask(config.signIn.clientSecret.reveal());
    if (config.github.token)
        runner/* runnerLog */.t1.mask(config.github.token.reveal());
    if (config.dryRunBecause !== undefined)
        runner/* runnerLog */.t1.info(`Dry run: ${config.dryRunBecause}`);
    const policy = defaultRetryPolicy();
    // One rotator credential (its token cache) for Graph and Key Vault.
    const credential = rotatorCredential(config.signIn, policy, runner/* runnerLog */.t1);
    const directory = new GraphDirectory(config.signIn.graphEndpoint, credential, runner/* runnerLog */.t1, policy);
    // One GitHub connection (one Octokit, one pacer) for secrets and variables.
    const github = config.github.token ? new GitHubConnection(config.github.token, config.github.apiUrl, runner/* runnerLog */.t1, policy) : undefined;
    const store = new HomeStores({
        'github-secret': github === undefined ? { missing: 'no github-token: a dry run' } : new GitHubSecrets(github),
        'github-variable': github === undefined ? { missing: 'no github-token: a dry run' } : new GitHubVariableStore(new GitHubVariables(github)),
        'key-vault-secret': new KeyVaultHome(new KeyVaultSecrets(credential, { clientId: config.signIn.clientId, log: runner/* runnerLog */.t1, policy })),
    });
    const single = config.mode === 'single';
    const result = await runFleet(config.apps, config.fleet, { tenantId: config.signIn.tenantId, dryRun: config.dryRun, reads: (scope) => store.reads(scope), single }, { directory, store, verifier: newSecretVerifier(config.signIn, policy, runner/* runnerLog */.t1), log: runner/* runnerLog */.t1, now: () => new Date() });
    const reportFile = reportFileOrWarning(reportJson(result, config.signIn.tenantId, new Date()));
    (0,runner/* setOutputs */.n0)({ ...(single ? singleOutputs(result, config) : {}), ...fleetOutputs(result), 'report-file': reportFile });
    await (0,runner/* writeSummary */.Sy)(fleetSummary(result, config.signIn.tenantId, single));
    const error = failure(result, single);
    if (error !== undefined)
        (0,runner/* fail */.fJ)(error);
}
/**
 * The JSON report's path, or '' when it could not be written: a warning says why, and the run's outputs and job
 * summary are written all the same (what the run did to Entra and GitHub stands either way).
 */
function reportFileOrWarning(json) {
    try {
        return writeReportFile(json);
    }
    catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        runner/* runnerLog */.t1.warning(`The JSON report could not be written under RUNNER_TEMP (${why}); the output report-file is empty, and the other outputs and the job summary are written as usual. Check that RUNNER_TEMP is a writable directory.`);
        return '';
    }
}
/** The step fails when an app failed: a fleet names every failed app, with why. */
function failure(result, single) {
    const failed = result.apps.filter((a) => a.outcome.error !== undefined);
    if (failed.length === 0)
        return undefined;
    if (single)
        return failed[0]?.outcome.error?.message;
    const why = failed.map((a) => `- ${appLabel(a.spec)} (${a.spec.source}): ${a.outcome.error?.message ?? ''}`);
    return [`${failed.length} of ${result.apps.length} apps failed: ${failed.map((a) => appLabel(a.spec)).join(', ')}`, ...why].join('\n');
}
function singleOutputs(result, config) {
    const outcome = result.apps[0]?.outcome;
    return {
        'client-id': outcome?.app?.appId ?? '',
        'object-id': outcome?.app?.id ?? '',
        'tenant-id': config.signIn.tenantId,
        'app-created': String(outcome?.appCreated ?? false),
        rotated: String(outcome?.rotated ?? false),
        'secret-key-id': outcome?.currentCredential?.keyId ?? '',
        'secret-expires-on': outcome?.currentCredential?.endDateTime.toISOString() ?? '',
    };
}
function fleetOutputs(result) {
    const counts = fleetCounts(result);
    return {
        'rotated-count': String(counts.rotated),
        'deferred-count': String(counts.deferred),
        'failed-count': String(counts.failed),
        'expiring-count': String(result.credentials.filter((e) => e.flagged).length),
    };
}


/***/ })

};
