/**
 * The emulator keeps certificates as Graph keeps them and Entra signs in with them: a PATCH of keyCredentials
 * replaces the collection, `key` shows only on a single-app `$select=keyCredentials`, and the token endpoint takes
 * a client assertion signed with a certificate of the app. Real clients where they exist: the Graph SDK for PATCH
 * and GET, @azure/identity's ClientCertificateCredential (MSAL) for signing in; certificates made in the test
 * (key by node:crypto, certificate by @peculiar/x509). The emulator's CA is trusted in this process by adding it to
 * Node's default CA list, as NODE_EXTRA_CA_CERTS does at start-up.
 */
import 'reflect-metadata';
import { KeyObject, createHash, randomUUID, sign, webcrypto } from 'node:crypto';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { ClientCertificateCredential } from '@azure/identity';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { createEmulatorKeys, startEmulator, type Emulator, type EmulatorKeys, type GraphApp } from '../test/emulator/index.ts';
import { request, type HttpResponse } from '../test/emulator/https-client.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DAY = 24 * 60 * 60 * 1000;
const rotator = { clientId: randomUUID(), secret: 'crt1Q~certificate-rotator-secret.value_000' };

interface TestCert {
  der: Buffer;
  /** Base64 DER: a keyCredential's `key`. */
  key: string;
  pem: string;
  privateKey: KeyObject;
  /** PEM of the private key and the certificate, as ClientCertificateCredential and `az login --certificate` read it. */
  bundle: string;
  thumbprint: string;
  notBefore: Date;
  notAfter: Date;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };

/** An RSA key (node:crypto's WebCrypto) and a self-signed certificate for it (@peculiar/x509), valid in whole seconds. */
async function makeCert(cn: string, from: number, to: number): Promise<TestCert> {
  const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const notBefore = new Date(Math.floor((Date.now() + from) / 1000) * 1000);
  const notAfter = new Date(Math.floor((Date.now() + to) / 1000) * 1000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomUUID().replace(/-/g, '').replace(/^[89a-f]/, '1'),
    name: `CN=${cn}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: RSA,
  });
  const der = Buffer.from(cert.rawData);
  const privateKey = KeyObject.from(keys.privateKey);
  const pem = cert.toString('pem');
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { der, key: der.toString('base64'), pem, privateKey, bundle: `${keyPem}\n${pem}\n`, thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(), notBefore, notAfter };
}

let keys: EmulatorKeys;
let defaultCAs: string[];
let certA: TestCert;
let certB: TestCert;
let other: TestCert;

beforeAll(async () => {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  keys = await createEmulatorKeys();
  defaultCAs = getCACertificates('default');
  setDefaultCACertificates([...defaultCAs, keys.certs.caPem]);
  [certA, certB, other] = await Promise.all([makeCert('cert-a', -DAY, 300 * DAY), makeCert('cert-b', -60_000, 200 * DAY), makeCert('cert-a', -DAY, 300 * DAY)]);
});

afterAll(() => {
  setDefaultCACertificates(defaultCAs);
});

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setup(): Promise<{ e: Emulator; app: GraphApp; graph: Client; token: string }> {
  const e = await startEmulator({ keys });
  emu = e;
  e.addRotator(rotator);
  const app = e.seedApp({ displayName: 'certified' });
  const token = await rotatorToken(e);
  const graph = Client.init({ authProvider: (done) => done(null, token), baseUrl: `${e.urls.graph}/`, customHosts: new Set(['127.0.0.1']) });
  return { e, app, graph, token };
}

async function rotatorToken(e: Emulator): Promise<string> {
  const r = await request(`${e.urls.authority}/${e.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${e.urls.graph}/.default`, client_id: rotator.clientId, client_secret: rotator.secret }),
    ca: e.caPem,
  });
  return String((r.json as Json)['access_token']);
}

const entry = (c: TestCert, extra: Json = {}): Json => ({ type: 'AsymmetricX509Cert', usage: 'Verify', key: c.key, displayName: `CN=${c === certA ? 'cert-a' : 'cert-b'}`, ...extra });

async function graphError(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  throw new Error('expected a GraphError');
}

/** A client assertion signed with node:crypto: RS256 with x5t unless told otherwise. */
function assertion(e: Emulator, appId: string, signer: KeyObject, cert: TestCert, o: { alg?: 'RS256' | 'PS256'; aud?: string; exp?: number; sub?: string } = {}): string {
  const alg = o.alg ?? 'RS256';
  const header = alg === 'PS256'
    ? { alg, typ: 'JWT', 'x5t#S256': createHash('sha256').update(cert.der).digest('base64url') }
    : { alg, typ: 'JWT', x5t: createHash('sha1').update(cert.der).digest('base64url') };
  const now = Math.floor(Date.now() / 1000);
  const payload = { aud: o.aud ?? `${e.urls.authority}/${e.tenantId}/oauth2/v2.0/token`, iss: appId, sub: o.sub ?? appId, jti: randomUUID(), nbf: now - 5, iat: now - 5, exp: o.exp ?? now + 600 };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = alg === 'PS256'
    ? sign('sha256', Buffer.from(input), { key: signer, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 })
    : sign('sha256', Buffer.from(input), signer);
  return `${input}.${signature.toString('base64url')}`;
}

function tokenWith(e: Emulator, appId: string, jwt: string): Promise<HttpResponse> {
  return request(`${e.urls.authority}/${e.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: `${e.urls.graph}/.default`,
      client_id: appId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: jwt,
    }),
    ca: e.caPem,
  });
}

const aadsts = (r: HttpResponse): number | undefined => ((r.json as Json | undefined)?.['error_codes'] as number[] | undefined)?.[0];

describe('keyCredentials on applications, as Graph keeps them', () => {
  test('a PATCH adds a certificate; key only on a single-app $select=keyCredentials; the emulator holds its bytes', async () => {
    const { e, app, graph } = await setup();
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certA)] });

    const [held] = e.certificates(app.id);
    expect(held?.der?.equals(certA.der)).toBe(true);
    expect(held?.thumbprint).toBe(certA.thumbprint);

    const one = (await graph.api(`/applications/${app.id}`).select('keyCredentials').get()) as Json;
    expect(one['keyCredentials']).toEqual([{
      customKeyIdentifier: certA.thumbprint,
      displayName: 'CN=cert-a',
      endDateTime: certA.notAfter.toISOString().replace('.000Z', 'Z'),
      key: certA.key,
      keyId: held?.keyId,
      startDateTime: certA.notBefore.toISOString().replace('.000Z', 'Z'),
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
    }]);
    const plain = (await graph.api(`/applications/${app.id}`).get()) as Json;
    expect(plain['keyCredentials'][0]).toMatchObject({ keyId: held?.keyId, key: null });
    const listed = (await graph.api('/applications').select('id,keyCredentials').filter(`id eq '${app.id}'`).get()) as Json;
    expect(listed['value'][0]['keyCredentials'][0]).toMatchObject({ keyId: held?.keyId, customKeyIdentifier: certA.thumbprint, key: null });
    const byAppId = (await graph.api(`/applications(appId='${app.appId}')`).select('keyCredentials').get()) as Json;
    expect(byAppId['keyCredentials'][0]['key']).toBe(certA.key);
  });

  test('the collection is replaced: an entry kept as read (with its key) stays, one left out is removed, keyId given is kept', async () => {
    const { e, app, graph } = await setup();
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certA)] });
    const read = ((await graph.api(`/applications/${app.id}`).select('keyCredentials').get()) as Json)['keyCredentials'] as Json[];
    const keyIdB = randomUUID();
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [...read, entry(certB, { keyId: keyIdB })] });
    expect(e.certificates(app.id).map((c) => [c.keyId, c.thumbprint])).toEqual([[read[0]?.['keyId'], certA.thumbprint], [keyIdB, certB.thumbprint]]);

    // A left out: removed; B sent back as read: kept as it was.
    const both = ((await graph.api(`/applications/${app.id}`).select('keyCredentials').get()) as Json)['keyCredentials'] as Json[];
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: both.filter((k) => k['keyId'] === keyIdB) });
    expect(e.certificates(app.id).map((c) => c.keyId)).toEqual([keyIdB]);
    expect(e.certificates(app.id)[0]?.der?.equals(certB.der)).toBe(true);

    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [] });
    expect(e.certificates(app.id)).toEqual([]);
  });

  test('refused with 400, nothing changed: an entry without key (as a listing shows it), not a certificate, expired, a keyId of another certificate', async () => {
    const { e, app, graph } = await setup();
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certA)] });
    const listed = ((await graph.api(`/applications/${app.id}`).get()) as Json)['keyCredentials'] as Json[];
    const before = e.certificates(app.id);

    const noKey = await graphError(graph.api(`/applications/${app.id}`).patch({ keyCredentials: [...listed, entry(certB)] }));
    expect(noKey.statusCode).toBe(400);
    const missing = await graphError(graph.api(`/applications/${app.id}`).patch({ keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', displayName: 'no key' }] }));
    expect(missing.statusCode).toBe(400);
    const junk = await graphError(graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certB, { key: Buffer.from('not a certificate at all').toString('base64') })] }));
    expect([junk.statusCode, junk.message]).toEqual([400, expect.stringContaining('invalid certificate')]);
    const expired = await makeCert('expired', -10 * DAY, -DAY);
    expect((await graphError(graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(expired)] }))).statusCode).toBe(400);
    const swapped = await graphError(graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certB, { keyId: before[0]?.keyId })] }));
    expect(swapped.statusCode).toBe(400);
    const usage = await graphError(graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certB, { usage: 'Encrypt' })] }));
    expect(usage.statusCode).toBe(400);

    expect(e.certificates(app.id)).toEqual(before);
  });

  test('policy.maxCertificateLifetimeDays: a longer-lived certificate is 400 CredentialInvalidLifetimeAsPerAppPolicy; one already on the app is not checked', async () => {
    const { e, app, graph } = await setup();
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certA)] });
    e.policy.maxCertificateLifetimeDays = 250;
    const read = ((await graph.api(`/applications/${app.id}`).select('keyCredentials').get()) as Json)['keyCredentials'] as Json[];
    const tooLong = await graphError(graph.api(`/applications/${app.id}`).patch({ keyCredentials: [...read, entry(other)] }));
    expect([tooLong.statusCode, tooLong.code]).toEqual([400, 'CredentialInvalidLifetimeAsPerAppPolicy']);
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [...read, entry(certB)] });
    expect(e.certificates(app.id).map((c) => c.thumbprint)).toEqual([certA.thumbprint, certB.thumbprint]);
  });

  test('seedApp with certificates: real ones byte for byte, metadata-only ones as self-signed certificates with those dates', async () => {
    const e = await startEmulator({ keys });
    emu = e;
    e.addRotator(rotator);
    const keyId = randomUUID();
    const app = e.seedApp({
      displayName: 'unmanaged',
      certificates: [
        { certificate: certA.pem, displayName: 'CN=cert-a', keyId },
        { certificate: certB.der },
        { displayName: 'CN=made', startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2030-01-01T00:00:00Z' },
      ],
    });
    const [a, b, made] = e.certificates(app.id);
    expect([a?.keyId, a?.der?.equals(certA.der), a?.startDateTime, a?.displayName]).toEqual([keyId, true, certA.notBefore.toISOString().replace('.000Z', 'Z'), 'CN=cert-a']);
    expect(b?.der?.equals(certB.der)).toBe(true);
    expect([made?.startDateTime, made?.endDateTime, made?.customKeyIdentifier]).toEqual(['2026-01-01T00:00:00Z', '2030-01-01T00:00:00Z', made?.thumbprint]);

    // A rotator keeps the unmanaged ones by sending them back as read.
    const token = await rotatorToken(e);
    const graph = Client.init({ authProvider: (done) => done(null, token), baseUrl: `${e.urls.graph}/`, customHosts: new Set(['127.0.0.1']) });
    const read = ((await graph.api(`/applications/${app.id}`).select('keyCredentials').get()) as Json)['keyCredentials'] as Json[];
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [...read, entry(other)] });
    const after = e.certificates(app.id);
    expect(after.slice(0, 3)).toEqual([a, b, made]);
    expect(after[3]?.der?.equals(other.der)).toBe(true);
  });
});

describe('removeKey: one certificate removed on a proof of possession', () => {
  /** A proof as Microsoft documents it for addKey/removeKey: aud Azure AD Graph, iss the app's object id, 10 minutes at most. */
  function proof(appObjectId: string, signer: KeyObject, cert: TestCert, o: { aud?: string; iss?: string; lifetimeS?: number } = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5t: createHash('sha1').update(cert.der).digest('base64url') };
    const payload = { aud: o.aud ?? '00000002-0000-0000-c000-000000000000', iss: o.iss ?? appObjectId, nbf: now, exp: now + (o.lifetimeS ?? 300) };
    const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${input}.${sign('sha256', Buffer.from(input), signer).toString('base64url')}`;
  }

  test('signed by a certificate of the app: only that key goes (the Graph SDK posts it); refused, nothing changed: a key not on the app, the wrong issuer or audience, longer than 10 minutes, a certificate not on the app, a bad signature', async () => {
    const { e, app, graph } = await setup();
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certA), entry(certB)] });
    const [a, b] = e.certificates(app.id);
    const refused = async (body: Json): Promise<string> => {
      const err = await graphError(graph.api(`/applications/${app.id}/removeKey`).post(body));
      expect([err.statusCode, err.code]).toEqual([400, 'Request_BadRequest']);
      expect(e.certificates(app.id)).toHaveLength(2);
      return err.message;
    };
    expect(await refused({ keyId: b?.keyId, proof: proof(app.id, certA.privateKey, certA, { iss: randomUUID() }) })).toMatch(/iss/);
    expect(await refused({ keyId: b?.keyId, proof: proof(app.id, certA.privateKey, certA, { aud: 'https://graph.microsoft.com' }) })).toMatch(/aud/);
    expect(await refused({ keyId: b?.keyId, proof: proof(app.id, certA.privateKey, certA, { lifetimeS: 601 }) })).toMatch(/10 minutes/);
    expect(await refused({ keyId: b?.keyId, proof: proof(app.id, other.privateKey, other) })).toMatch(/not signed with a certificate of the application/);
    expect(await refused({ keyId: b?.keyId, proof: proof(app.id, other.privateKey, certA) })).toMatch(/signature/);
    expect(await refused({ keyId: randomUUID(), proof: proof(app.id, certA.privateKey, certA) })).toMatch(/No key credential found/);

    await graph.api(`/applications/${app.id}/removeKey`).post({ keyId: b?.keyId, proof: proof(app.id, certA.privateKey, certA) });
    expect(e.certificates(app.id).map((k) => k.keyId)).toEqual([a?.keyId]);
  });
});

describe('Entra: a client assertion signed with a certificate of the app', () => {
  test('@azure/identity ClientCertificateCredential gets a Graph token with a certificate PATCHed on', async () => {
    const { e, app, graph } = await setup();
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certA)] });
    const credential = new ClientCertificateCredential(e.tenantId, app.appId, { certificate: certA.bundle }, { authorityHost: e.urls.authority, disableInstanceDiscovery: true });
    const token = await credential.getToken(`${e.urls.graph}/.default`);
    expect(e.handedOut()).toContain(token.token);
    const graphAsApp = await request(`${e.urls.graph}/v1.0/applications`, { headers: { authorization: `Bearer ${token.token}` }, ca: e.caPem });
    expect(graphAsApp.status).toBe(403); // signed in as the app itself, which holds no Graph permission
    const tokenRequests = e.log.filter((x) => x.service === 'entra' && x.path.includes('/oauth2/v2.0/token'));
    expect(tokenRequests.map((x) => x.status)).toEqual([200, 200]); // the rotator's, then the app's by certificate

    // Another app's certificate does not sign in as this app.
    const stranger = new ClientCertificateCredential(e.tenantId, app.appId, { certificate: other.bundle }, { authorityHost: e.urls.authority, disableInstanceDiscovery: true });
    await expect(stranger.getToken(`${e.urls.graph}/.default`)).rejects.toThrow(/AADSTS700027/);
  });

  test('RS256 with x5t and PS256 with x5t#S256 signed by node:crypto; refused: wrong key, unknown certificate, expired assertion, wrong audience, wrong subject', async () => {
    const { e, app, graph } = await setup();
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certA)] });
    expect((await tokenWith(e, app.appId, assertion(e, app.appId, certA.privateKey, certA))).status).toBe(200);
    expect((await tokenWith(e, app.appId, assertion(e, app.appId, certA.privateKey, certA, { alg: 'PS256' }))).status).toBe(200);

    const wrongKey = await tokenWith(e, app.appId, assertion(e, app.appId, other.privateKey, certA));
    expect([wrongKey.status, aadsts(wrongKey), (wrongKey.json as Json)['error']]).toEqual([401, 700027, 'invalid_client']);
    expect(String((wrongKey.json as Json)['error_description'])).toContain('verify the signature failed');
    const unknown = await tokenWith(e, app.appId, assertion(e, app.appId, certB.privateKey, certB));
    expect([unknown.status, aadsts(unknown)]).toEqual([401, 700027]);
    expect(String((unknown.json as Json)['error_description'])).toContain(certB.thumbprint);
    const expired = await tokenWith(e, app.appId, assertion(e, app.appId, certA.privateKey, certA, { exp: Math.floor(Date.now() / 1000) - 60 }));
    expect([expired.status, aadsts(expired)]).toEqual([401, 700024]);
    const aud = await tokenWith(e, app.appId, assertion(e, app.appId, certA.privateKey, certA, { aud: 'https://login.example.com/x/oauth2/v2.0/token' }));
    expect(aud.status).toBe(401);
    const sub = await tokenWith(e, app.appId, assertion(e, app.appId, certA.privateKey, certA, { sub: randomUUID() }));
    expect([sub.status, aadsts(sub)]).toEqual([401, 50048]);

    // Removed from the app: no longer signs in.
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certB)] });
    expect(aadsts(await tokenWith(e, app.appId, assertion(e, app.appId, certA.privateKey, certA)))).toBe(700027);
  });

  test('a certificate on the app but not valid now (aged past its end) is refused as expired', async () => {
    const { e, app, graph } = await setup();
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certB)] });
    e.age(201 * DAY);
    const r = await tokenWith(e, app.appId, assertion(e, app.appId, certB.privateKey, certB));
    expect([r.status, aadsts(r)]).toEqual([401, 700027]);
    expect(String((r.json as Json)['error_description'])).toContain('expired');
  });

  test('faults.secretPropagationMs: a new certificate is refused until Entra has seen it, as a new secret is', async () => {
    const { e, app, graph } = await setup();
    e.faults.secretPropagationMs = 400;
    await graph.api(`/applications/${app.id}`).patch({ keyCredentials: [entry(certA)] });
    expect(aadsts(await tokenWith(e, app.appId, assertion(e, app.appId, certA.privateKey, certA)))).toBe(700027);
    await new Promise((r) => setTimeout(r, 450));
    expect((await tokenWith(e, app.appId, assertion(e, app.appId, certA.privateKey, certA))).status).toBe(200);
  });
});
