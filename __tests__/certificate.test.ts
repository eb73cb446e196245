/**
 * The certificate maker, held to what its consumers read: Node (OpenSSL 3), the openssl command, @azure/identity's
 * ClientCertificateCredential (through its own HTTP client option, no network), and a client assertion as Entra
 * checks it. Every key is made for real; RSA 2048 keeps each test well under a second.
 */
import { spawnSync } from 'node:child_process';
import { constants, createPrivateKey, createPublicKey, randomUUID, sign, verify, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { ClientCertificateCredential, type ClientCertificateCredentialOptions } from '@azure/identity';
import { makeCertificate, type CertificateRequest, type MadeCertificate } from '../src/adapters/certificate';

const NOW = new Date('2026-12-03T10:20:30.456Z');
const NOW_S = Date.parse('2026-12-03T10:20:30Z');
const DAY_MS = 24 * 60 * 60 * 1000;

async function make(overrides: Partial<CertificateRequest> = {}): Promise<{ made: MadeCertificate; masked: string[] }> {
  const masked: string[] = [];
  const made = await makeCertificate({ commonName: 'billing-api', lifetimeDays: 90, now: NOW, format: 'pem', mask: (v) => masked.push(v), ...overrides });
  return { made, masked };
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN ([A-Z ]+)-----\n[A-Za-z0-9+/=\n]+-----END \1-----\n/g) ?? [];
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const withOpenssl = hasOpenssl ? it : it.skip;

function openssl(args: string[], input: string | Buffer): { out: string; err: string } {
  const r = spawnSync('openssl', args, { input });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return { out: r.stdout.toString(), err: r.stderr.toString() };
}

function b64url(value: object | Buffer): string {
  return (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');
}

describe('makeCertificate, PEM', () => {
  let made: MadeCertificate;
  let masked: string[];
  let pem: string;
  let cert: X509Certificate;

  beforeAll(async () => {
    ({ made, masked } = await make());
    pem = made.value.reveal();
    cert = new X509Certificate(made.certificateDer);
  });

  it('is the PKCS#8 private key, then the certificate', () => {
    const blocks = pemBlocks(pem);
    expect(blocks.map((b) => b.split('\n')[0])).toEqual(['-----BEGIN PRIVATE KEY-----', '-----BEGIN CERTIFICATE-----']);
    expect(blocks.join('')).toBe(pem);
    expect(new X509Certificate(blocks[1] ?? '').raw).toEqual(made.certificateDer);
  });

  it('holds an RSA 2048 key that node:crypto opens, and that the certificate carries', () => {
    const key = createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(createPublicKey(key).export({ type: 'spki', format: 'der' })).toEqual(cert.publicKey.export({ type: 'spki', format: 'der' }));
  });

  it('is self-signed for CN=<the name>, from 5 minutes before now (to the second) for the lifetime', () => {
    expect(cert.subject).toBe('CN=billing-api');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.validFromDate).toEqual(new Date(NOW_S - 5 * 60 * 1000));
    expect(cert.validToDate).toEqual(new Date(NOW_S + 90 * DAY_MS));
    expect(made.startDateTime).toEqual(cert.validFromDate);
    expect(made.endDateTime).toEqual(cert.validToDate);
    // Extended key usage: client authentication only.
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('has a random positive serial number, different every time', async () => {
    expect(cert.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    const other = new X509Certificate((await make()).made.certificateDer);
    expect(other.serialNumber).not.toBe(cert.serialNumber);
  });

  it('gives the thumbprints Node and the portal give, and x5t', () => {
    expect(made.thumbprintSha1).toBe(cert.fingerprint.replaceAll(':', ''));
    expect(made.thumbprintSha256).toBe(cert.fingerprint256.replaceAll(':', ''));
    expect(made.thumbprintSha1).toMatch(/^[0-9A-F]{40}$/);
    expect(Buffer.from(made.x5t, 'base64url').toString('hex').toUpperCase()).toBe(made.thumbprintSha1);
    expect(made.certificateDer).toEqual(cert.raw);
  });

  it('signs a client assertion that verifies with the certificate, as Entra checks one', () => {
    const header = b64url({ alg: 'RS256', typ: 'JWT', x5t: made.x5t });
    const exp = Math.floor(NOW.getTime() / 1000) + 600;
    const payload = b64url({ aud: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token', iss: 'client', sub: 'client', jti: randomUUID(), exp });
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), createPrivateKey(pem));
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), cert.publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from(`${header}.${payload}x`), cert.publicKey, signature)).toBe(false);
  });

  it('masks every line of the value (the runner masks line by line) and the whole, before it returns', () => {
    const lines = pem.split('\n').filter((l) => l !== '');
    const armour = lines.filter((l) => l.startsWith('-----'));
    expect(armour).toHaveLength(4);
    for (const line of lines) {
      // The armour lines are in every PEM and secret in none: masking them would hide any log line that names them.
      if (armour.includes(line)) expect(masked).not.toContain(line);
      else expect(masked).toContain(line);
    }
    expect(masked).toContain(pem);
    // The key's lines first: masked when the key was exported, before the certificate existed.
    const keyLines = (pemBlocks(pem)[0] ?? '').split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
    expect(masked.slice(0, keyLines.length)).toEqual(keyLines);
  });

  it('prints *** wherever the value could be logged', () => {
    expect(String(made.value)).toBe('***');
    expect(`${made.value}`).toBe('***'); // eslint-disable-line @typescript-eslint/restrict-template-expressions -- the template is what is tested
    const json = JSON.stringify(made);
    expect(json).toContain('"value":"***"');
    expect(json).not.toContain('PRIVATE KEY');
  });

  withOpenssl('reads as the openssl command reads it: SHA-256 with RSA, 2048 bits, key usage, not a CA', () => {
    const { out } = openssl(['x509', '-noout', '-text'], pem);
    expect(out).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(out).toContain('Public-Key: (2048 bit)');
    expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(out).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Client Authentication/);
    expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(out).toContain('Subject: CN = billing-api');
    const fingerprint = openssl(['x509', '-noout', '-fingerprint', '-sha1'], pem).out;
    expect(fingerprint.trim().split('=')[1]?.replaceAll(':', '')).toBe(made.thumbprintSha1);
    expect(openssl(['pkey', '-noout', '-check'], pem).out).toContain('Key is valid');
  });

  it("is accepted by @azure/identity's ClientCertificateCredential, whose assertion verifies with the certificate", async () => {
    const { form, assertion } = await tokenRequestOf(pem);
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const [header, payload, signature] = assertion.split('.') as [string, string, string];
    const fields = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, string>;
    expect(fields.alg).toBe('PS256');
    // MSAL names the certificate by its SHA-256 thumbprint; Entra finds the key credential by it.
    expect(Buffer.from(fields['x5t#S256'] ?? '', 'base64url').toString('hex').toUpperCase()).toBe(made.thumbprintSha256);
    const ok = verify('sha256', Buffer.from(`${header}.${payload}`), { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING }, Buffer.from(signature, 'base64url'));
    expect(ok).toBe(true);
  });
});

/**
 * Runs ClientCertificateCredential.getToken with the PEM through the credential's own `httpClient` option: the
 * client sees the token request (with the client assertion) and answers it, and nothing leaves the process.
 */
async function tokenRequestOf(pem: string): Promise<{ form: URLSearchParams; assertion: string }> {
  type HttpClient = NonNullable<ClientCertificateCredentialOptions['httpClient']>;
  type Request = Parameters<HttpClient['sendRequest']>[0];
  type Response = Awaited<ReturnType<HttpClient['sendRequest']>>;
  const tenant = '72f988bf-0000-4000-8000-000000000001';
  const host = 'https://login.microsoftonline.com';
  const forms: URLSearchParams[] = [];
  const answer = (request: Request, body: object): Response => {
    const headers = new Map<string, string>([['content-type', 'application/json']]);
    const httpHeaders = {
      get: (n: string) => headers.get(n.toLowerCase()),
      has: (n: string) => headers.has(n.toLowerCase()),
      set: (n: string, v: string | number | boolean) => void headers.set(n.toLowerCase(), String(v)),
      delete: (n: string) => void headers.delete(n.toLowerCase()),
      toJSON: () => Object.fromEntries(headers),
      [Symbol.iterator]: () => headers.entries(),
    };
    return { request, status: 200, headers: httpHeaders, bodyAsText: JSON.stringify(body) };
  };
  const httpClient: HttpClient = {
    sendRequest: (request) => {
      if (request.method === 'POST') {
        forms.push(new URLSearchParams(typeof request.body === 'string' ? request.body : ''));
        return Promise.resolve(answer(request, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: 'token' }));
      }
      return Promise.resolve(
        answer(request, {
          token_endpoint: `${host}/${tenant}/oauth2/v2.0/token`,
          authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${host}/${tenant}/oauth2/v2.0/logout`,
          issuer: `${host}/${tenant}/v2.0`,
          jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
        }),
      );
    },
  };
  const credential = new ClientCertificateCredential(tenant, '11111111-0000-4000-8000-000000000002', { certificate: pem }, { httpClient, disableInstanceDiscovery: true, retryOptions: { maxRetries: 0 } });
  const token = await credential.getToken('https://graph.microsoft.com/.default');
  expect(token.token).toBe('token');
  const form = forms.at(-1);
  const assertion = form?.get('client_assertion');
  if (form === undefined || assertion == null) throw new Error('no token request with a client assertion was sent');
  return { form, assertion };
}

describe('makeCertificate, PFX (PKCS#12, empty password)', () => {
  let made: MadeCertificate;
  let masked: string[];
  let pfx: Buffer;

  beforeAll(async () => {
    ({ made, masked } = await make({ format: 'pfx' }));
    pfx = Buffer.from(made.value.reveal(), 'base64');
  });

  it('is one base64 string, masked whole', () => {
    expect(made.value.reveal()).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(pfx.toString('base64')).toBe(made.value.reveal());
    expect(masked.at(-1)).toBe(made.value.reveal());
    // Before it, the lines of the PEM key it was made from, masked when that was exported.
    expect(masked.length).toBeGreaterThan(20);
    for (const line of masked.slice(0, -1)) expect(line).toMatch(/^[A-Za-z0-9+/=]{1,64}$/);
    expect(String(made.value)).toBe('***');
    expect(JSON.stringify(made)).toContain('"value":"***"');
  });

  it('opens in Node (OpenSSL 3) without a password, and with an empty one', () => {
    expect(() => createSecureContext({ pfx })).not.toThrow();
    expect(() => createSecureContext({ pfx, passphrase: '' })).not.toThrow();
    expect(() => createSecureContext({ pfx, passphrase: 'wrong' })).toThrow(/mac verify failure/i);
  });

  withOpenssl('opens with openssl pkcs12 -passin pass:, shrouded with AES-256 and PBKDF2-HMAC-SHA-256', () => {
    const { out, err } = openssl(['pkcs12', '-info', '-nodes', '-passin', 'pass:'], pfx);
    expect(err).toMatch(/MAC: sha1, Iteration 2048/);
    expect(err).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
    const blocks = pemBlocks(out);
    const certs = blocks.filter((b) => b.startsWith('-----BEGIN CERTIFICATE-----'));
    const keys = blocks.filter((b) => b.startsWith('-----BEGIN PRIVATE KEY-----'));
    expect([certs.length, keys.length]).toEqual([1, 1]);
    const cert = new X509Certificate(certs[0] ?? '');
    expect(cert.raw).toEqual(made.certificateDer);
    expect(cert.checkPrivateKey(createPrivateKey(keys[0] ?? ''))).toBe(true);
    // The key and the certificate are paired by localKeyID, the SHA-1 thumbprint (what Windows and .NET look for).
    expect(out).toContain(`localKeyID: ${made.thumbprintSha1.replace(/(..)(?!$)/g, '$1 ')}`);
  });
});

describe('makeCertificate, options and limits', () => {
  it('makes a larger key when asked', async () => {
    const { made } = await make({ keyBits: 3072 });
    expect(new X509Certificate(made.certificateDer).publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(createPrivateKey(made.value.reveal()).asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('writes any display name as UTF-8, and cuts it to the 64 characters a CN may have', async () => {
    const name = 'Zahlungsdienst – Prüfung & Co_1 @ 東京';
    const { made } = await make({ commonName: name });
    expect(new X509Certificate(made.certificateDer).subject).toBe(`CN=${name}`);
    const long = `${'ä'.repeat(60)}${'x'.repeat(40)}`;
    const cut = new X509Certificate((await make({ commonName: long })).made.certificateDer).subject;
    expect(cut).toBe(`CN=${long.slice(0, 64)}`);
  });

  it('refuses a lifetime that is not whole days', async () => {
    await expect(make({ lifetimeDays: 0 })).rejects.toThrow(/whole days, at least 1 \(was 0\)/);
    await expect(make({ lifetimeDays: 1.5 })).rejects.toThrow(/was 1.5/);
  });

  it('makes a new key every time', async () => {
    const [a, b] = await Promise.all([make(), make()]);
    const spki = (m: MadeCertificate): Buffer => new X509Certificate(m.certificateDer).publicKey.export({ type: 'spki', format: 'der' });
    expect(spki(a.made)).not.toEqual(spki(b.made));
    expect(a.made.value.reveal()).not.toBe(b.made.value.reveal());
  });
});
