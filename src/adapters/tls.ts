/** Certificates that fail verification: no retry changes that, and the user has to act. */

/** Node's codes for a certificate that failed verification (unknown CA, expired, not yet valid, wrong host). */
export const TLS_VERIFICATION_CODES: ReadonlySet<string> = new Set([
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
export const NEVER_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  ...TLS_VERIFICATION_CODES,
]);

/** What to try when a host's certificate is not trusted; `input` names where the host came from. */
export function untrustedHint(host: string, input: string): string {
  return `the TLS certificate of ${host} was not trusted. If a proxy or private CA signs it, point NODE_EXTRA_CA_CERTS (in the job's env) at that CA's PEM file; otherwise check ${input}, which names the host. Retrying cannot help, so none was made`;
}

/** The first Node error code in an error's cause chain (fetch wraps the socket's error in `cause`). */
export function causeCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth += 1) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return undefined;
}

/**
 * The first Node error code in an error's `cause` chain, with that error's message. Clients wrap the socket's
 * error (fetch: TypeError "fetch failed" → the Node error; Octokit: RequestError → that TypeError).
 */
export function nodeErrorIn(error: unknown): { code: string; message: string } | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; typeof e === 'object' && e !== null && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return { code, message: typeof message === 'string' ? message : code };
  }
  return undefined;
}
