/**
 * Certificate credentials end to end: the bundled action, run as a runner runs it, against the emulator (which
 * keeps keyCredentials as Graph does and signs in with a client assertion checked against the app's certificates).
 * Every stored PEM is used: @azure/identity's ClientCertificateCredential signs in with it. The PFX is opened.
 */
import { createSecureContext } from 'node:tls';
import { ClientCertificateCredential } from '@azure/identity';
import forge from 'node-forge';
import { startEmulator, type Emulator, type EmulatorKeys } from '../test/emulator/index.ts';
import { withTrustedEmulatorKeys } from '../test/trusted-keys.ts';
import { baseInputs, expectNoLeak, REPO, runAction, runFleetAction, standardSetup, writesIn, type ActionRun } from '../test/harness.ts';

const DAY = 86_400_000;
const iso = (msFromNow: number): string => new Date(Date.now() + msFromNow).toISOString();
const repo = { repo: REPO };
const MANAGED = 'rotated-by-github-actions';

let keys: EmulatorKeys;
let emu: Emulator;
withTrustedEmulatorKeys((k) => (keys = k));
beforeEach(async () => {
  emu = await startEmulator({ keys });
  standardSetup(emu);
});
afterEach(async () => {
  await emu.close();
});

const certInputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...baseInputs(emu),
  'app-name': 'cert-api',
  'credential-type': 'certificate',
  'secret-name': 'AZURE_CLIENT_CERTIFICATE',
  ...extra,
});

function appOf(name = 'cert-api') {
  const app = emu.graph.apps.find((a) => a.displayName === name);
  if (app === undefined) throw new Error(`no app ${name}`);
  return app;
}

/** Signs in as the app with a PEM (PKCS#8 key then certificate), as a consumer of the secret would. */
async function signIn(appId: string, pem: string): Promise<string> {
  const credential = new ClientCertificateCredential(emu.tenantId, appId, { certificate: pem }, { authorityHost: emu.urls.authority, disableInstanceDiscovery: true });
  return (await credential.getToken(`${emu.urls.graph}/.default`)).token;
}

/** No line of the private key outside the ::add-mask:: commands, in any place the action writes. */
function expectKeyNotLeaked(run: ActionRun, pem: string): void {
  const keyLines = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  const visible = [run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), run.stderr, JSON.stringify(run.outputs), run.summary, run.reportText].join('\n');
  for (const line of keyLines) expect(visible).not.toContain(line);
  for (const line of keyLines) expect(run.stdout).toContain(`::add-mask::${line}`);
}

describe('certificate credentials, end to end', () => {
  it('creates an app with a certificate; the stored PEM (key, then certificate) signs in as the app; a second run changes nothing', async () => {
    const run = await runAction(emu, certInputs());
    expect(run.error).toBe('');
    const app = appOf();
    const certificates = emu.certificates(app.appId);
    expect(certificates.map((c) => c.displayName)).toEqual([MANAGED]);
    expect(app.passwordCredentials).toEqual([]);
    const pem = emu.github.open(repo, 'AZURE_CLIENT_CERTIFICATE') ?? '';
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/);
    const token = await signIn(app.appId, pem);
    expect(emu.handedOut()).toContain(token);
    expect(run.outputs['secret-key-id']).toBe(certificates[0]?.keyId);
    expect(run.summary).toContain('## Entra certificate rotation');
    expect(run.summary).toContain(certificates[0]?.thumbprint);
    expectKeyNotLeaked(run, pem);
    expectNoLeak(run, emu);

    const writes = writesIn(emu).length;
    const again = await runAction(emu, certInputs());
    expect(again.error).toBe('');
    expect(again.outputs['rotated']).toBe('false');
    expect(writesIn(emu).length).toBe(writes);
  });

  it('near expiry: uploads a new certificate carrying the others byte for byte, then removes the older managed one; an unmanaged certificate and an unmanaged client secret stay', async () => {
    const seeded = emu.seedApp({
      displayName: 'cert-api',
      certificates: [
        { displayName: MANAGED, startDateTime: iso(-170 * DAY), endDateTime: iso(10 * DAY) },
        { displayName: MANAGED, startDateTime: iso(-340 * DAY), endDateTime: iso(5 * DAY) },
        { displayName: 'CN=made by hand', startDateTime: iso(-30 * DAY), endDateTime: iso(300 * DAY) },
      ],
      passwords: [{ displayName: 'Password uploaded on Thu Mar 16 2023', startDateTime: iso(-300 * DAY), endDateTime: iso(60 * DAY) }],
    });
    const before = emu.certificates(seeded.appId);
    const [current, older, unmanaged] = before;
    const passwords = structuredClone(seeded.passwordCredentials);
    const run = await runAction(emu, certInputs());
    expect(run.error).toBe('');

    const after = emu.certificates(seeded.appId);
    expect(after.map((c) => c.keyId)).toEqual([current?.keyId, unmanaged?.keyId, expect.any(String)]);
    expect(after.find((c) => c.keyId === unmanaged?.keyId)?.der?.toString('base64')).toBe(unmanaged?.der?.toString('base64'));
    expect(after.find((c) => c.keyId === current?.keyId)?.der?.toString('base64')).toBe(current?.der?.toString('base64'));
    expect(after.some((c) => c.keyId === older?.keyId)).toBe(false);
    expect(seeded.passwordCredentials).toEqual(passwords);
    const pem = emu.github.open(repo, 'AZURE_CLIENT_CERTIFICATE') ?? '';
    const token = await signIn(seeded.appId, pem);
    expect(emu.handedOut()).toContain(token);
    expect(run.stdout).toMatch(/Removed certificate [0-9a-f-]+ \(older than the previous certificate that keep-previous keeps\)/);
    expectKeyNotLeaked(run, pem);
  });

  it('pfx: the target holds base64 of a PKCS#12 bundle with an empty password, holding the key and the certificate now on the app', async () => {
    const run = await runAction(emu, certInputs({ 'certificate-format': 'pfx' }));
    expect(run.error).toBe('');
    const stored = emu.github.open(repo, 'AZURE_CLIENT_CERTIFICATE') ?? '';
    expect(stored).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(() => createSecureContext({ pfx: Buffer.from(stored, 'base64'), passphrase: '' })).not.toThrow();
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(stored)), '');
    const certBag = forge.pki.oids['certBag'] ?? '';
    const cert = p12.getBags({ bagType: certBag })[certBag]?.[0]?.cert;
    const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert as forge.pki.Certificate)).getBytes(), 'binary');
    expect(emu.certificates(appOf().appId)[0]?.der?.toString('base64')).toBe(der.toString('base64'));
    expect(run.stdout).toContain(`::add-mask::${stored}`);
    expectNoLeak(run, emu);
  });

  it('a tenant that refuses client secrets: the client secret run fails pointing to credential-type: certificate, which works', async () => {
    emu.policy.passwordAdditionBlocked = true;
    const secretRun = await runAction(emu, { ...baseInputs(emu), 'app-name': 'cert-api' });
    expect(secretRun.code).not.toBe(0);
    expect(secretRun.error).toContain('CredentialTypeNotAllowedAsPerAppPolicy');
    expect(secretRun.error).toContain('credential-type: certificate');
    const certRun = await runAction(emu, certInputs());
    expect(certRun.error).toBe('');
    expect(emu.certificates(appOf().appId)).toHaveLength(1);
  });

  it('a fleet with one app of each kind: the certificate app near expiry rotates its certificate (PFX, from the defaults), the client secret app is created with a secret; each target signs in; the summary and report say which is which; a second run changes nothing', async () => {
    const seeded = emu.seedApp({
      displayName: 'cert-api',
      certificates: [{ displayName: MANAGED, startDateTime: iso(-170 * DAY), endDateTime: iso(10 * DAY) }],
      passwords: [{ displayName: 'Password uploaded on Thu Mar 16 2023', startDateTime: iso(-300 * DAY), endDateTime: iso(60 * DAY) }],
    });
    const passwords = structuredClone(seeded.passwordCredentials);
    const file = [
      'defaults:',
      '  keep-previous: 0',
      '  certificate-format: pfx',
      'apps:',
      '  - app-name: cert-api',
      '    credential-type: certificate',
      '    targets:',
      `      - repository: ${REPO}`,
      '        secret-name: CERT_API_CERTIFICATE',
      '  - app-name: secret-api',
      '    targets:',
      `      - repository: ${REPO}`,
      '        environment: production',
      '        secret-name: SECRET_API_CLIENT_SECRET',
      '        client-id-secret-name: SECRET_API_CLIENT_ID',
      '',
    ].join('\n');
    const run = await runFleetAction(emu, file, baseInputs(emu));
    expect(run.error).toBe('');

    // The certificate app: a new certificate, the old managed one gone (keep-previous 0), the client secret untouched.
    const certs = emu.certificates(seeded.appId);
    expect(certs).toHaveLength(1);
    expect(seeded.passwordCredentials).toEqual(passwords);
    const pfx = emu.github.open(repo, 'CERT_API_CERTIFICATE') ?? '';
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(pfx)), '');
    const keyBag = forge.pki.oids['pkcs8ShroudedKeyBag'] ?? '';
    const certBag = forge.pki.oids['certBag'] ?? '';
    const key = p12.getBags({ bagType: keyBag })[keyBag]?.[0]?.key as forge.pki.rsa.PrivateKey;
    const cert = p12.getBags({ bagType: certBag })[certBag]?.[0]?.cert as forge.pki.Certificate;
    expect(Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary').toString('base64')).toBe(certs[0]?.der?.toString('base64'));
    const pem = `${forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key)))}${forge.pki.certificateToPem(cert)}`;
    const token = await signIn(seeded.appId, pem);
    expect(emu.handedOut()).toContain(token);

    // The client secret app: created, with a client secret the target holds and Entra accepts; no certificate.
    const secretApp = appOf('secret-api');
    const production = { repo: REPO, environment: 'production' };
    expect(secretApp.passwordCredentials.map((p) => p.secretText)).toEqual([emu.github.open(production, 'SECRET_API_CLIENT_SECRET')]);
    expect(emu.certificates(secretApp.appId)).toEqual([]);
    expect(emu.github.open(production, 'SECRET_API_CLIENT_ID')).toBe(secretApp.appId);

    expect(run.report?.apps.map((a) => [a.name, (a as { credentialType?: string }).credentialType, a.rotated])).toEqual([
      ['cert-api', 'certificate', true],
      ['secret-api', 'client-secret', true],
    ]);
    expect(run.summary).toMatch(/certificate/i);
    expect(run.summary).toMatch(/client secret/i);
    expectNoLeak(run, emu);
    expect(run.stdout).not.toContain(pem.split('\n')[1]);

    const writes = writesIn(emu).length;
    const again = await runFleetAction(emu, file, baseInputs(emu));
    expect(again.error).toBe('');
    expect(again.report?.apps.map((a) => a.rotated)).toEqual([false, false]);
    expect(writesIn(emu).length).toBe(writes);
  });

  it('azure/login JSON with a certificate is an input error before any request', async () => {
    const run = await runAction(emu, certInputs({ 'credentials-secret-name': 'AZURE_CREDENTIALS' }));
    expect(run.code).not.toBe(0);
    expect(run.error).toContain('credentials-secret-name: not with credential-type: certificate');
    expect(emu.log).toEqual([]);
  });
});
