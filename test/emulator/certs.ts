/**
 * Certificates as Graph keeps them in an application's keyCredentials: parsing what a client sends (base64 DER of
 * an X.509 certificate), the stored entry (with its bytes, which reads show only on request), and self-signed
 * certificates made on the spot for apps seeded with certificate metadata only.
 */
import { X509Certificate, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { graphDate } from './util.ts';

/**
 * One entry of an application's keyCredentials as the emulator stores it (in `app.extra['keyCredentials']`):
 * Graph's properties, with `key` the base64 DER of the certificate. Reads show `key` only for a single application
 * read whose `$select` names keyCredentials; every other read shows `key: null`. `key` is null only for entries a
 * test pushed by hand without bytes.
 */
export interface StoredKeyCredential {
  customKeyIdentifier: string | null;
  displayName: string | null;
  endDateTime: string;
  key: string | null;
  keyId: string;
  startDateTime: string;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
}

export interface ParsedCertificate {
  der: Buffer;
  x509: X509Certificate;
  notBefore: Date;
  notAfter: Date;
  /** SHA-1 of the DER: the certificate's thumbprint (x5t). */
  sha1: Buffer;
  /** SHA-256 of the DER (x5t#S256). */
  sha256: Buffer;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True when `s` is standard base64 (what Graph's Edm.Binary takes), padding included. */
export function isBase64(s: string): boolean {
  return s.length > 0 && BASE64_RE.test(s);
}

/** The certificate in `der`, or undefined when it is not one DER-encoded X.509 certificate. */
export function parseCertificateDer(der: Buffer): ParsedCertificate | undefined {
  // X509Certificate also takes PEM text; Graph's `key` is DER, so anything but a DER SEQUENCE is refused here.
  if (der.length < 16 || der[0] !== 0x30) return undefined;
  try {
    const x509 = new X509Certificate(der);
    // Trailing bytes after the certificate are not one certificate.
    if (!x509.raw.equals(der)) return undefined;
    return {
      der,
      x509,
      notBefore: x509.validFromDate,
      notAfter: x509.validToDate,
      sha1: createHash('sha1').update(der).digest(),
      sha256: createHash('sha256').update(der).digest(),
    };
  } catch {
    return undefined;
  }
}

/**
 * A key credential's `key` (base64 DER) as a certificate, or undefined. Whitespace inside the base64 is ignored, as
 * .NET's base64 decoder does: the Azure CLI sends a PEM body with its line breaks.
 */
export function parseCertificateKey(key: unknown): ParsedCertificate | undefined {
  if (typeof key !== 'string') return undefined;
  const compact = key.replace(/[\s]+/g, '');
  if (!isBase64(compact)) return undefined;
  return parseCertificateDer(Buffer.from(compact, 'base64'));
}

/** PEM text or DER bytes of a certificate, as DER. */
export function certificateDer(input: string | Buffer): Buffer {
  if (Buffer.isBuffer(input)) return input;
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(input);
  if (!m?.[1]) throw new Error('emulator: a certificate must be DER bytes or PEM text with a CERTIFICATE block');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

/**
 * customKeyIdentifier when the client sends none: the SHA-1 thumbprint. Graph's reference calls it "a 40-character
 * binary type ... defaults to the thumbprint of the certificate", and its how-to sends the thumbprint as 40
 * upper-case hex digits: that is what is stored and shown (a guess where the reference is not explicit).
 */
export function defaultCustomKeyIdentifier(cert: ParsedCertificate): string {
  return cert.sha1.toString('hex').toUpperCase();
}

/** A stored entry for a certificate. */
export function storedKeyCredential(cert: ParsedCertificate, o: { keyId: string; displayName: string | null; customKeyIdentifier?: string | null; startDateTime?: string; endDateTime?: string }): StoredKeyCredential {
  return {
    customKeyIdentifier: o.customKeyIdentifier ?? defaultCustomKeyIdentifier(cert),
    displayName: o.displayName,
    endDateTime: o.endDateTime ?? graphDate(cert.notAfter),
    key: cert.der.toString('base64'),
    keyId: o.keyId,
    startDateTime: o.startDateTime ?? graphDate(cert.notBefore),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Self-signed certificates for seeded metadata (a minimal DER writer; one EC P-256 key signs them all)

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out: number[] = [40 * a + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = d.getUTCFullYear();
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

const name = (cn: string): Buffer => seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));

let seedKey: { privateKey: KeyObject; spki: Buffer } | undefined;

/**
 * A self-signed certificate (DER) for `cn`, valid from `notBefore` to `notAfter` (whole seconds), signed with one
 * EC P-256 key made once per process: what a seeded app's certificate holds when the test gave only its metadata.
 * Nobody holds its key for signing in, which is what an unmanaged certificate is to the action.
 */
export function selfSignedDer(cn: string, notBefore: Date, notAfter: Date): Buffer {
  if (seedKey === undefined) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    seedKey = { privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
  }
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  const alg = seq(oid('1.2.840.10045.4.3.2'));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    alg,
    name(cn),
    seq(time(notBefore), time(notAfter)),
    name(cn),
    seedKey.spki,
  );
  const signature = sign('sha256', tbs, seedKey.privateKey);
  return seq(tbs, alg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}
