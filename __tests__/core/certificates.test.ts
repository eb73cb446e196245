/**
 * Certificate credentials over the fakes: the same make-before-break as client secrets, through the certificate
 * kind (src/core/credential-kind.ts). Unmanaged certificates and client secrets are never touched; the inventory
 * reads certificates only for the apps that rotate one, once for all of them.
 */
import { certificateKind } from '../../src/core/credential-kind.ts';
import { runFleet, type FleetOutcome } from '../../src/core/fleet.ts';
import { fleetSummary, reportJson } from '../../src/core/summary.ts';
import type { AppSpec } from '../../src/core/spec.ts';
import { fakePorts, type Fake } from '../../test/fakes/index.ts';
import { pfxOf } from '../../test/fakes/directory.ts';
import { convergenceProblems, credentialsOf, newManaged, seedNearExpiry, seedNothing, violations } from '../../test/fakes/seed.ts';
import { appSpec, DAY, fleet, fleetSettings, repo, single, target, TENANT } from '../../test/fakes/specs.ts';

const PEM = certificateKind('pem');
const PFX = certificateKind('pfx');

const withCompanions = (kind = PEM, keepPrevious = 1): AppSpec =>
  appSpec({
    kind,
    keepPrevious,
    targets: [target(repo('app', 'production'), 'AZURE_CLIENT_CERTIFICATE'), target(repo('app', 'production'), 'AZURE_CLIENT_ID', 'client-id'), target(repo('app', 'production'), 'AZURE_TENANT_ID', 'tenant-id')],
  });

async function runOne(fake: Fake, spec: AppSpec): Promise<FleetOutcome> {
  return runFleet([spec], fleetSettings(), single, fake.ports());
}

describe('certificate credentials', () => {
  it('creates an app with a certificate: the target holds its PEM, which Entra accepts', async () => {
    const fake = fakePorts();
    const s = seedNothing(fake, withCompanions());
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(fake.world.effects.map((e) => e.call)).toEqual(['createApp', 'createServicePrincipal', 'addCertificate', 'write', 'write', 'write']);
    const [made] = newManaged(fake, s);
    expect(fake.store.held(repo('app', 'production'), 'AZURE_CLIENT_CERTIFICATE')?.value).toBe(made?.value);
    expect(made?.value).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(fake.directory.apps[0]?.passwords).toEqual([]);
    expect(violations(fake, s)).toEqual([]);
    // Masked the moment it exists: every line of the PEM.
    for (const line of made?.value.split('\n') ?? []) expect(fake.log().masked).toContain(line);
    expect(fake.log().text()).not.toContain('fake-key-');
  });

  it('near expiry: adds, verifies with the PEM, writes, then removes the older managed certificate; the unmanaged certificate and client secret stay', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, withCompanions());
    const app = fake.directory.apps[0];
    const [current, older, unmanaged] = app?.certificates.map((c) => ({ ...c })) ?? [];
    const password = app?.passwords.map((p) => ({ ...p }));
    const result = await runOne(fake, s.spec);

    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(fake.world.effects.map((e) => e.call)).toEqual(['addCertificate', 'write', 'write', 'write', 'removeCertificate']);
    const calls = fake.world.calls.map((c) => c.call);
    expect(calls.indexOf('accepts')).toBeGreaterThan(calls.indexOf('addCertificate'));
    expect(calls.indexOf('accepts')).toBeLessThan(calls.indexOf('write'));
    const [made] = newManaged(fake, s);
    expect(app?.certificates.map((c) => c.keyId)).toEqual([current?.keyId, unmanaged?.keyId, made?.keyId]);
    expect(app?.certificates.find((c) => c.keyId === unmanaged?.keyId)).toEqual(unmanaged);
    expect(app?.passwords).toEqual(password);
    expect(fake.world.effects.at(-1)?.label).toContain(older?.keyId);
    expect(violations(fake, s)).toEqual([]);

    const log = fake.log().text();
    expect(log).toContain('certificates (3):');
    expect(log).toMatch(/the newest managed certificate \([^)]+\) expires on/);
    expect(log).toMatch(/Added certificate [0-9a-f-]+ \(thumbprint [0-9A-F]{40}, valid until/);
    expect(log).toMatch(/Entra accepts the new certificate/);
    const summary = fleetSummary(result, TENANT, true);
    expect(summary).toContain('## Entra certificate rotation');
    expect(summary).toContain('| Certificate (key ID) | Thumbprint | Start | End | Managed | This run |');
    const report = JSON.parse(reportJson(result, TENANT, new Date())) as { apps: Array<{ credentialType: string }>; credentials: Array<{ kind: string; managed: boolean }> };
    expect(report.apps[0]?.credentialType).toBe('certificate');
    expect(report.credentials.filter((c) => c.kind === 'certificate' && c.managed)).toHaveLength(2);
    expect(report.credentials.filter((c) => c.kind === 'client secret' && !c.managed)).toHaveLength(1);
  });

  it('another writer drops the new certificate after the targets took it (a PATCH of keyCredentials from an older read): the run puts it back, the same one, and says so', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, withCompanions());
    const app = fake.directory.apps[0];
    let dropped = false;
    fake.world.beforeCall = (call) => {
      // After the last write, before the check: another run's PATCH, built from a read taken before ours, lands.
      if (call === 'removeCertificate' && !dropped) {
        dropped = true;
        const [made] = newManaged(fake, s);
        if (app !== undefined) app.certificates = app.certificates.filter((c) => c.keyId !== made?.keyId);
      }
      return Promise.resolve();
    };
    const result = await runOne(fake, s.spec);
    expect(dropped).toBe(true);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(fake.world.effects.map((e) => e.call)).toEqual(['addCertificate', 'write', 'write', 'write', 'removeCertificate', 'keepCertificate']);
    const [made] = newManaged(fake, s);
    expect(fake.store.held(repo('app', 'production'), 'AZURE_CLIENT_CERTIFICATE')?.value).toBe(made?.value);
    expect(violations(fake, s)).toEqual([]);
    expect(fake.log().text()).toMatch(/The new certificate [0-9a-f-]+ was no longer on 'payments-api' after the targets took it: .* It was put back, the same one/);
  });

  it('the check that the new certificate is still there fails: the step fails and says what to look at, the targets keep the new one', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, withCompanions());
    fake.world.faults.push({ call: 'keepCertificate', kind: 'refused', seen: 0, fired: 0 });
    const result = await runOne(fake, s.spec);
    const error = result.apps[0]?.outcome.error;
    expect(error?.message).toMatch(/The targets hold the new certificate [0-9a-f-]+ \(thumbprint [0-9A-F]{40}\), but checking that it is still on 'payments-api' failed\. .*force-rotation: true/);
    expect(String(error?.message)).not.toMatch(/BEGIN PRIVATE KEY/);
    const [made] = newManaged(fake, s);
    expect(fake.store.held(repo('app', 'production'), 'AZURE_CLIENT_CERTIFICATE')?.value).toBe(made?.value);
    expect(violations(fake, s)).toEqual([]);
  });

  it('a client secret rotation makes no check of that kind (adding a client secret is atomic)', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec({ targets: [target(repo('app', 'production'), 'AZURE_CLIENT_SECRET')] }));
    await runOne(fake, s.spec);
    expect(fake.world.calls.map((c) => c.call)).not.toContain('keepCertificate');
  });

  it('keep-previous 0: the current certificate goes too, after every target holds the new one', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, withCompanions(PEM, 0));
    await runOne(fake, s.spec);
    expect(fake.world.effects.map((e) => e.call)).toEqual(['addCertificate', 'write', 'write', 'write', 'removeCertificate', 'removeCertificate']);
    expect(convergenceProblems(fake, s)).toEqual([]);
    expect(credentialsOf(fake.directory.apps[0]!, s.spec).filter((c) => c.displayName !== 'Password uploaded on Thu Mar 16 2023')).toHaveLength(1);
  });

  it('pfx: the target holds the PKCS#12 form, and the check signs in with the PEM of the same certificate', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, withCompanions(PFX));
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    const made = fake.directory.apps[0]?.certificates.at(-1);
    expect(fake.store.held(repo('app', 'production'), 'AZURE_CLIENT_CERTIFICATE')?.value).toBe(pfxOf(made?.pem ?? ''));
    expect(violations(fake, s)).toEqual([]);
    expect(fake.log().masked).toContain(pfxOf(made?.pem ?? ''));
  });

  it('steady: nothing changes, and a second run right after changes nothing either', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, withCompanions());
    await runOne(fake, s.spec);
    const effects = fake.world.effects.length;
    fake.clock.advance(DAY);
    await runOne(fake, s.spec);
    expect(fake.world.effects.length).toBe(effects);
    expect(convergenceProblems(fake, s)).toEqual([]);
  });

  it('a fleet of a certificate app and a client secret app: certificates are read once, for the certificate app only', async () => {
    const fake = fakePorts();
    const cert = seedNearExpiry(fake, appSpec({ name: 'cert-app', kind: PEM, targets: [target(repo('app'), 'CERT_APP_PEM')] }));
    const secret = seedNearExpiry(fake, appSpec({ name: 'secret-app', targets: [target(repo('app'), 'SECRET_APP_SECRET')] }));
    const result = await runFleet([cert.spec, secret.spec], fleetSettings(), fleet, fake.ports());
    expect(result.apps.map((a) => a.outcome.error)).toEqual([undefined, undefined]);
    const certificateReads = fake.world.calls.filter((c) => c.call === 'certificates');
    // One read before planning (the certificate app), one for the expiry report (the client secret app's).
    expect(certificateReads).toHaveLength(2);
    expect(fake.world.effects.map((e) => e.call).sort()).toEqual(['addCertificate', 'addPassword', 'removeCertificate', 'removePassword', 'write', 'write']);
    expect([...violations(fake, cert), ...violations(fake, secret)]).toEqual([]);
    expect(fleetSummary(result, TENANT, false)).toContain('## Entra credential rotation: fleet');
  });
});
