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
import { createHash, createPrivateKey, generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as forge from 'node-forge';
import { Secret } from '../core/secret';

export type CertificateFormat = 'pem' | 'pfx';
export type RsaKeyBits = 2048 | 3072 | 4096;

export interface CertificateRequest {
  /** The subject's (and issuer's) CN: the app's display name. Cut to 64 characters, X.520's upper bound for a CN. */
  commonName: string;
  /** Whole days from `now` to the certificate's notAfter. */
  lifetimeDays: number;
  now: Date;
  /**
   * 2048 by default: what Entra, `az ad sp create-for-rbac --create-cert` and every consumer accept, and enough for
   * a key that the next rotation replaces. Larger keys take up to a second or more to make, and slow every signing.
   */
  keyBits?: RsaKeyBits;
  /** `pem`: the PKCS#8 private key, then the certificate. `pfx`: base64 of a PKCS#12 bundle with an empty password. */
  format: CertificateFormat;
  /** The runner's masking (Log.mask). */
  mask: (value: string) => void;
}

export interface MadeCertificate {
  /** The certificate alone (public): what Graph receives, base64, as a keyCredential's `key`. */
  certificateDer: Buffer;
  /** SHA-1 of the DER, hex upper-case: the thumbprint the portal shows. */
  thumbprintSha1: string;
  thumbprintSha256: string;
  /** SHA-1 of the DER, base64url: the `x5t` header of a client assertion signed with the key. */
  x5t: string;
  /** The certificate's notBefore and notAfter, to the second, as encoded. */
  startDateTime: Date;
  endDateTime: Date;
  /** In the format asked for. */
  value: Secret;
  /** The PEM (PKCS#8 key, then the certificate) whatever the format: what a client-assertion sign-in reads. */
  pem: Secret;
}

/** Before `now` by this much: the runner's clock, Entra's and a consumer's may disagree by a few minutes, and a
 * certificate not yet valid on the checking side is refused. Five minutes is the usual allowance (JWT, Kerberos). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
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
const PKCS12_OPTIONS = { algorithm: 'aes256', prfAlgorithm: 'sha256', count: 2048, saltSize: 16 } as const;

export async function makeCertificate(request: CertificateRequest): Promise<MadeCertificate> {
  const { lifetimeDays, format, mask } = request;
  const keyBits = request.keyBits ?? 2048;
  if (!Number.isInteger(lifetimeDays) || lifetimeDays < 1) throw new Error(`internal: a certificate's lifetime must be whole days, at least 1 (was ${lifetimeDays})`);
  const doing = `making an RSA ${keyBits} key and a self-signed certificate for '${request.commonName}'`;
  try {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: keyBits });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // Masked the moment it exists, in either format: an error that quoted it would still be hidden.
    maskPemLines(keyPem, mask);
    const forgeKey = forge.pki.privateKeyFromPem(keyPem);
    const forgeCert = selfSigned(forgeKey, request);
    const certificateDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(forgeCert)).getBytes(), 'binary');
    const x509 = checked(certificateDer, privateKey);
    // The PEM is made in either format: the verifier signs in with it. Given as the value, it is masked whole too.
    const pem = pemValue(keyPem, x509, mask, format === 'pem');
    const value = format === 'pem' ? pem : pfxValue(forgeKey, forgeCert, mask);
    return {
      certificateDer,
      thumbprintSha1: createHash('sha1').update(certificateDer).digest('hex').toUpperCase(),
      thumbprintSha256: createHash('sha256').update(certificateDer).digest('hex').toUpperCase(),
      x5t: createHash('sha1').update(certificateDer).digest('base64url'),
      startDateTime: x509.validFromDate,
      endDateTime: x509.validToDate,
      value,
      pem,
    };
  } catch (error) {
    throw new Error(`${doing}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function selfSigned(key: forge.pki.rsa.PrivateKey, request: CertificateRequest): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = randomSerial();
  // Encoded to the second: whole seconds here, so that what is returned is what the certificate says.
  const now = Math.floor(request.now.getTime() / 1000) * 1000;
  cert.validity.notBefore = new Date(now - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now + request.lifetimeDays * DAY_MS);
  // UTF8String: forge's default, PrintableString, cannot carry non-ASCII, '&', '_' or '@', all common in app names.
  // (Its types call valueTagClass an asn1.Class; it is an asn1.Type.)
  const name = [{ name: 'commonName', value: [...request.commonName].slice(0, MAX_CN).join(''), valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return cert;
}

/**
 * 16 random bytes (RFC 5280: at most 20 octets) with a first byte of 0x40–0x7f: positive, and with no leading zero
 * byte that minimal DER would have to drop. 126 random bits, above the 64 that CA rules ask for.
 */
function randomSerial(): string {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  return serial.toString('hex');
}

/** Node (OpenSSL) reads what forge wrote and finds the key in it: a certificate that fails here would fail every consumer. */
function checked(der: Buffer, privateKey: KeyObject): X509Certificate {
  const x509 = new X509Certificate(der);
  if (!x509.checkPrivateKey(privateKey) || !x509.verify(x509.publicKey)) throw new Error('internal: the certificate does not match its own key');
  return x509;
}

function pemValue(keyPem: string, x509: X509Certificate, mask: (value: string) => void, whole: boolean): Secret {
  const pem = `${keyPem.trimEnd()}\n${x509.toString().trimEnd()}\n`;
  maskPemLines(pem, mask);
  if (whole) mask(pem);
  return new Secret(pem);
}

function pfxValue(key: forge.pki.rsa.PrivateKey, cert: forge.pki.Certificate, mask: (value: string) => void): Secret {
  // An empty password, not none: a bundle without a MAC is refused by much software, and "" is what consumers
  // send when no password is set (Terraform's client_certificate_password, .NET, OpenSSL's -passin pass:).
  const pfx = forge.pkcs12.toPkcs12Asn1(key, cert, '', PKCS12_OPTIONS);
  const base64 = Buffer.from(forge.asn1.toDer(pfx).getBytes(), 'binary').toString('base64');
  mask(base64);
  return new Secret(base64);
}

/**
 * The runner masks line by line: a value of several lines is hidden only by a mask for each. The armour lines
 * (`-----BEGIN PRIVATE KEY-----`) are the same in every PEM and secret in none, so they are left readable.
 */
function maskPemLines(pem: string, mask: (value: string) => void): void {
  for (const line of pem.split('\n')) {
    const text = line.trim();
    if (text !== '' && !text.startsWith('-----')) mask(text);
  }
}

/**
 * A proof of possession for Graph's addKey and removeKey: a JWT (RS256, `x5t` the certificate's SHA-1) signed with
 * the private key in `pem`, `aud` Azure AD Graph's app id, `iss` the application's object id, valid for 5 minutes
 * (Graph allows at most 10). node:crypto signs; the JWT around it is three base64url parts joined by dots.
 */
export function proofOfPossession(pem: Secret, x5t: string, applicationObjectId: string, now: Date): string {
  const nbf = Math.floor(now.getTime() / 1000);
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signingInput = `${part({ alg: 'RS256', typ: 'JWT', x5t })}.${part({ aud: PROOF_AUDIENCE, iss: applicationObjectId, nbf, exp: nbf + 300 })}`;
  const signature = sign('sha256', Buffer.from(signingInput), createPrivateKey(pem.reveal()));
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** The audience Graph documents for proofs of possession: the legacy Azure AD Graph's app id. */
const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000';
