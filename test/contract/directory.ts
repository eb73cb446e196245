/**
 * The contract of the Directory port (and of the SecretVerifier, which answers for the secrets it makes), written
 * once and run against every side that implements it: each test is one promise of src/core/ports.ts, or one the
 * core relies on (src/core/rotate.ts, inventory.ts, fleet.ts). Make-before-break first: finding the app, adding a
 * secret that works and is masked, removing one only once it is gone.
 */
import type { AppRegistration, FederatedCredential } from '../../src/core/model';
import { Secret } from '../../src/core/secret';
import { at, DAY, promiseTest, rejection } from './promise.ts';
import type { DirectoryWorld, KnownBreaks, SeededApp } from './worlds.ts';

const MANAGED = 'rotated-by-github-actions';
const ISSUER = 'https://token.actions.githubusercontent.com';
const AUDIENCE = 'api://AzureADTokenExchange';

const ids = (apps: readonly AppRegistration[]): string[] => apps.map((a) => a.id).sort();

export function directoryContract(side: string, setup: () => Promise<DirectoryWorld>, broken: KnownBreaks = {}): void {
  const promise = promiseTest(broken);

  describe(`Directory contract: ${side}`, () => {
    let w: DirectoryWorld;
    beforeEach(async () => {
      w = await setup();
    });
    afterEach(async () => {
      await w.teardown();
    });

    /** The app as the port reads it (the suite's way to get an AppRegistration to act on). */
    async function read(app: SeededApp): Promise<AppRegistration> {
      const found = await w.directory.appByAppId(app.appId);
      if (found === undefined) throw new Error(`the seeded app ${app.displayName} cannot be read`);
      return found;
    }

    const year = (): { start: Date; end: Date } => ({ start: at(w.now(), -10 * DAY), end: at(w.now(), 355 * DAY) });

    describe('lookups', () => {
      promise('findApps.order', 'findApps answers in the order of the refs: by client ID 0 or 1 app, by name every app with exactly that name', async () => {
        const alpha = w.seed({ displayName: 'contract-alpha' });
        const beta = w.seed({ displayName: 'contract-beta' });
        const twins = [w.seed({ displayName: 'contract-twin' }), w.seed({ displayName: 'contract-twin' })];
        // Another case: Graph's `eq` matches it, the exact lookup must not.
        w.seed({ displayName: 'Contract-Twin' });

        const found = await w.directory.findApps([
          { name: 'contract-twin' },
          { appId: alpha.appId },
          { appId: w.unknownAppId },
          { name: 'contract-beta' },
          { name: 'contract-nobody' },
          { name: 'CONTRACT-ALPHA' },
        ]);

        expect(found.map(ids)).toEqual([twins.map((t) => t.id).sort(), [alpha.id], [], [beta.id], [], []]);
      });

      promise('findApps.many', 'findApps of many refs (several batches) answers each in the order of the refs, names with quotes and URL characters included', async () => {
        const names = Array.from({ length: 45 }, (_, i) => (i % 3 === 0 ? `contract O'Brien & Co #${i}` : i % 3 === 1 ? `contract-${i}/100%` : `contract-${i}`));
        const apps = names.map((displayName) => w.seed({ displayName }));
        const refs = apps.map((a, i) => (i % 2 === 0 ? { name: a.displayName } : { appId: a.appId }));
        const found = await w.directory.findApps([...refs].reverse());
        expect(found.map(ids)).toEqual(apps.map((a) => [a.id]).reverse());
      });

      promise('findApps.both', 'a ref with both a client ID and a name is looked up by the client ID', async () => {
        const alpha = w.seed({ displayName: 'contract-alpha' });
        w.seed({ displayName: 'contract-beta' });
        const found = await w.directory.findApps([{ appId: alpha.appId, name: 'contract-beta' }, { appId: w.unknownAppId, name: 'contract-beta' }]);
        expect(found.map(ids)).toEqual([[alpha.id], []]);
      });

      promise('keyCredentials.lookups', 'lookups leave keyCredentials absent (not read), except findApps of one ref, which reads them', async () => {
        const { start, end } = year();
        const alpha = w.seed({ displayName: 'contract-alpha', certificates: [{ displayName: 'CN=alpha', start, end }] });
        w.seed({ displayName: 'contract-beta' });

        const [byOneId] = await w.directory.findApps([{ appId: alpha.appId }]);
        const [byOneName] = await w.directory.findApps([{ name: 'contract-alpha' }]);
        expect(byOneId?.[0]?.keyCredentials?.map((k) => k.displayName)).toEqual(['CN=alpha']);
        expect(byOneName?.[0]?.keyCredentials?.map((k) => k.displayName)).toEqual(['CN=alpha']);

        const several = await w.directory.findApps([{ appId: alpha.appId }, { name: 'contract-beta' }]);
        expect(several.flat()).toHaveLength(2);
        for (const app of several.flat()) expect(app.keyCredentials).toBeUndefined();
        expect((await w.directory.appByAppId(alpha.appId))?.keyCredentials).toBeUndefined();
        for (const app of await w.directory.appsByName('contract-alpha')) expect(app.keyCredentials).toBeUndefined();
      });

      promise('certificates', 'certificates() reads the certificates of the apps by object id, leaving out an app not found', async () => {
        const { start, end } = year();
        const alpha = await read(w.seed({ displayName: 'contract-alpha', certificates: [{ displayName: 'CN=alpha', start, end }] }));
        const beta = await read(w.seed({ displayName: 'contract-beta' }));
        const ghost: AppRegistration = { ...beta, id: w.unknownObjectId, appId: w.unknownAppId, displayName: 'contract-ghost' };

        const many = await w.directory.certificates([alpha, beta, ghost]);
        expect([...many.keys()].sort()).toEqual([alpha.id, beta.id].sort());
        expect(many.get(beta.id)).toEqual([]);
        const [cert] = many.get(alpha.id) ?? [];
        expect(cert).toMatchObject({ displayName: 'CN=alpha', type: 'AsymmetricX509Cert', startDateTime: start, endDateTime: end });
        expect(typeof cert?.keyId).toBe('string');

        // One app is read on its own (one GET): the same answer.
        expect(await w.directory.certificates([alpha])).toEqual(new Map([[alpha.id, many.get(alpha.id)]]));
        expect((await w.directory.certificates([ghost])).size).toBe(0);
      });

      promise('allApps', 'allApps gives every app of the tenant, with its client secrets and its certificates read', async () => {
        const { start, end } = year();
        const alpha = w.seed({ displayName: 'contract-alpha', passwords: [{ displayName: MANAGED, start, end }], certificates: [{ displayName: 'CN=alpha', start, end }] });
        const beta = w.seed({ displayName: 'contract-beta', owned: false });
        const all = await w.directory.allApps();
        const byId = new Map(all.map((a) => [a.id, a]));
        expect(byId.get(alpha.id)?.passwordCredentials.map((p) => p.keyId)).toEqual(w.keyIds(alpha));
        expect(byId.get(alpha.id)?.keyCredentials?.map((k) => k.displayName)).toEqual(['CN=alpha']);
        expect(byId.get(beta.id)?.keyCredentials).toEqual([]);
      });

      promise('certificates.many', 'certificates() of many apps (more than one read of 15) gives each its own', async () => {
        const { start, end } = year();
        const seeded = Array.from({ length: 32 }, (_, i) => w.seed({ displayName: `contract-${i}`, certificates: i % 4 === 0 ? [] : [{ displayName: `CN=contract-${i}`, start, end }] }));
        const apps = (await w.directory.findApps(seeded.map((a) => ({ appId: a.appId })))).flat();
        const read = await w.directory.certificates(apps);
        expect(read.size).toBe(32);
        seeded.forEach((a, i) => expect(read.get(a.id)?.map((c) => c.displayName)).toEqual(i % 4 === 0 ? [] : [`CN=contract-${i}`]));
      });

      promise('appsByName', 'appsByName gives every app with the name (as Graph matches it, case aside), and nothing that does not match', async () => {
        const exact = w.seed({ displayName: 'contract-alpha' });
        w.seed({ displayName: 'contract-alpha-2' });
        const found = await w.directory.appsByName('contract-alpha');
        expect(found.map((a) => a.id)).toContain(exact.id);
        for (const a of found) expect(a.displayName.toLowerCase()).toBe('contract-alpha');
      });

      promise('appByAppId', 'appByAppId gives the app with its client secrets as metadata (no value), or undefined', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-alpha', passwords: [{ displayName: MANAGED, start, end }] });
        expect(await w.directory.appByAppId(w.unknownAppId)).toBeUndefined();
        const app = await read(seeded);
        expect(app).toMatchObject({ id: seeded.id, appId: seeded.appId, displayName: 'contract-alpha' });
        expect(app.passwordCredentials).toHaveLength(1);
        const [p] = app.passwordCredentials;
        expect(Object.keys(p ?? {}).sort()).toEqual(['displayName', 'endDateTime', 'hint', 'keyId', 'startDateTime']);
        expect(p).toMatchObject({ keyId: w.keyIds(seeded)[0], displayName: MANAGED, startDateTime: start, endDateTime: end });
      });
    });

    describe('client secrets (make before break)', () => {
      promise('addPassword', 'addPassword returns the info and a Secret that Entra accepts, masked the moment it exists; a read shows the key', async () => {
        const seeded = w.seed({ displayName: 'contract-alpha' });
        const app = await read(seeded);
        const end = at(w.now(), 180 * DAY);

        const { info, value } = await w.directory.addPassword(app, MANAGED, end);

        expect(value).toBeInstanceOf(Secret);
        expect(info).toMatchObject({ displayName: MANAGED, endDateTime: end, hint: value.reveal().slice(0, 3) });
        expect(Math.abs(info.startDateTime.getTime() - w.now().getTime())).toBeLessThan(5 * 60_000);
        expect(w.masked()).toContain(value.reveal());
        expect(w.keyIds(seeded)).toContain(info.keyId);
        const after = await read(seeded);
        expect(after.passwordCredentials.map((p) => p.keyId)).toContain(info.keyId);
        expect(JSON.stringify(after)).not.toContain(value.reveal());
        await expect(w.verifier.accepts(after, value, { servicePrincipalMayBeMissing: false })).resolves.toBe('accepted');
      });

      promise('addPassword.lost', 'addPassword whose answer is lost fails with outcomeUnknown (the secret may exist)', async () => {
        const seeded = w.seed({ displayName: 'contract-alpha' });
        const app = await read(seeded);
        w.faults.loseNextAddPasswordAnswer();
        const error = await rejection(w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY)));
        expect(error.details.outcomeUnknown).toBe(true);
        expect(w.keyIds(seeded).length).toBeLessThanOrEqual(1);
      });

      promise('removePassword', 'removePassword resolves once the secret is gone, leaves the others, and a repeat (a lost answer) resolves too', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-alpha', passwords: [{ displayName: MANAGED, start, end }, { displayName: 'by hand', start, end }] });
        const app = await read(seeded);
        const [gone, kept] = w.keyIds(seeded);
        await w.directory.removePassword(app, gone ?? '');
        expect(w.keyIds(seeded)).toEqual([kept]);
        await w.directory.removePassword(app, gone ?? '');
        expect(w.keyIds(seeded)).toEqual([kept]);
      });

      promise('removePassword.lag', 'removePassword of a key just added resolves only once it is gone, through "no such key" answers of replication lag', async () => {
        const seeded = w.seed({ displayName: 'contract-alpha' });
        const app = await read(seeded);
        const { info } = await w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY));
        w.faults.newKeyRemovalLag(2);
        await w.directory.removePassword(app, info.keyId);
        expect(w.keyIds(seeded)).not.toContain(info.keyId);
      });

      promise('removePassword.strayLag', 'removePassword of a key just added whose addPassword answer was lost (rotate.ts removes such a stray) resolves only once it is gone, through replication lag', async () => {
        const seeded = w.seed({ displayName: 'contract-alpha' });
        const app = await read(seeded);
        w.faults.loseNextAddPasswordAnswer();
        await rejection(w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY)));
        // As rotate.ts (addPasswordOnce) finds it: a key that was not there before, read back.
        const [stray] = (await read(seeded)).passwordCredentials.filter((p) => !app.passwordCredentials.some((q) => q.keyId === p.keyId));
        if (stray === undefined) throw new Error('the lost add left no key (this side cannot lose an answer after the work)');
        w.faults.newKeyRemovalLag(2);
        const settled = await w.directory.removePassword(app, stray.keyId).then(
          () => 'resolved',
          (e: unknown) => e,
        );
        // Resolving while the key is still there is the broken promise; a failure (the key kept) would keep it.
        if (settled === 'resolved') expect(w.keyIds(seeded)).not.toContain(stray.keyId);
        else expect(w.keyIds(seeded)).toContain(stray.keyId);
      });

      promise('removePassword.lagOutlasts', 'removePassword of a key just added never resolves while the key is still there', async () => {
        const seeded = w.seed({ displayName: 'contract-alpha' });
        const app = await read(seeded);
        const { info } = await w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY));
        w.faults.newKeyRemovalLagOutlastingRetries();
        await rejection(w.directory.removePassword(app, info.keyId));
        expect(w.keyIds(seeded)).toContain(info.keyId);
      });

      promise('verifier.propagation', 'the verifier waits out a new secret that Entra refuses for a while, within its budget, and resolves once accepted', async () => {
        const app = await read(w.seed({ displayName: 'contract-alpha' }));
        w.faults.secretPropagation('within');
        const { value } = await w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY));
        await expect(w.verifier.accepts(app, value, { servicePrincipalMayBeMissing: false })).resolves.toBe('accepted');
      });

      promise('verifier.propagationBeyond', 'the verifier refuses (AADSTS7000215) a new secret that Entra has not accepted by the end of its budget', async () => {
        const app = await read(w.seed({ displayName: 'contract-alpha' }));
        w.faults.secretPropagation('beyond');
        const { value } = await w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY));
        expect((await rejection(w.verifier.accepts(app, value, { servicePrincipalMayBeMissing: false }))).code).toBe('AADSTS7000215');
      });

      promise('verifier.noServicePrincipal', 'without a service principal, and not told it may be missing, the verifier waits it out as replication and then refuses (AADSTS7000229)', async () => {
        const app = await read(w.seed({ displayName: 'contract-alpha', servicePrincipal: false }));
        const { value } = await w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY));
        expect((await rejection(w.verifier.accepts(app, value, { servicePrincipalMayBeMissing: false }))).code).toBe('AADSTS7000229');
      });

      promise('verifier.refuses', 'the verifier refuses a value that is not a secret of the app, with a ServiceError', async () => {
        const app = await read(w.seed({ displayName: 'contract-alpha' }));
        await w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY));
        const error = await rejection(w.verifier.accepts(app, new Secret('Not~a.secret_of-this-app-0123456789abcdef'), { servicePrincipalMayBeMissing: false }));
        expect(error.details.service).toBe('Microsoft Entra ID');
        expect(error.code).toBe('AADSTS7000215');
      });
    });

    describe('certificates (make before break)', () => {
      /** The lines of a PEM that are secret (the armour lines are the same in every PEM). */
      const pemBody = (pem: string): string[] => pem.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('-----'));
      const entries = (m: Map<string, string>): string[] => [...m].map(([k, v]) => `${k} ${v}`).sort();

      promise('addCertificate.pem', 'addCertificate (pem) returns the info and a PEM that Entra accepts, masked line by line; the certificate already there keeps its exact bytes', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-alpha', certificates: [{ displayName: 'CN=by hand', start, end }] });
        const app = await read(seeded);
        const before = w.certificates(seeded);
        const until = at(w.now(), 180 * DAY);

        const { info, value, pem } = await w.directory.addCertificate(app, MANAGED, until, 'pem');

        expect(value).toBeInstanceOf(Secret);
        expect(value.reveal()).toBe(pem.reveal());
        expect(info).toMatchObject({ displayName: MANAGED, type: 'AsymmetricX509Cert' });
        expect(info.thumbprint).toMatch(/^[0-9A-F]{40}$/);
        expect(Math.abs(info.endDateTime.getTime() - until.getTime())).toBeLessThan(60_000);
        expect(Math.abs(info.startDateTime.getTime() - w.now().getTime())).toBeLessThan(10 * 60_000);
        expect(pem.reveal()).toMatch(/-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
        for (const line of pemBody(pem.reveal())) expect(w.masked()).toContain(line);
        const after = w.certificates(seeded);
        expect([...after.keys()].sort()).toEqual([...before.keys(), info.keyId].sort());
        for (const [keyId, bytes] of before) expect(after.get(keyId)).toBe(bytes);
        expect(JSON.stringify(await w.directory.certificates([app]))).not.toContain(pemBody(pem.reveal())[0]);
        await expect(w.verifier.acceptsCertificate(app, pem, { servicePrincipalMayBeMissing: false })).resolves.toBe('accepted');
      });

      promise('addCertificate.pfx', 'addCertificate (pfx) returns a base64 PKCS#12 value (masked) and the PEM of the same certificate, which Entra accepts', async () => {
        const app = await read(w.seed({ displayName: 'contract-alpha' }));
        const { value, pem } = await w.directory.addCertificate(app, MANAGED, at(w.now(), 90 * DAY), 'pfx');
        expect(value.reveal()).toMatch(/^[A-Za-z0-9+/]+=*$/);
        expect(value.reveal()).not.toBe(pem.reveal());
        expect(w.masked()).toContain(value.reveal());
        for (const line of pemBody(pem.reveal())) expect(w.masked()).toContain(line);
        await expect(w.verifier.acceptsCertificate(app, pem, { servicePrincipalMayBeMissing: false })).resolves.toBe('accepted');
      });

      promise('removeCertificate', 'removeCertificate removes only that certificate (the others keep their exact bytes), and again (gone already) resolves', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-alpha', certificates: [{ displayName: 'CN=one', start, end }, { displayName: 'CN=two', start, end }] });
        const app = await read(seeded);
        const before = w.certificates(seeded);
        const { info } = await w.directory.addCertificate(app, MANAGED, at(w.now(), 90 * DAY), 'pem');
        await w.directory.removeCertificate(app, info.keyId);
        expect(entries(w.certificates(seeded))).toEqual(entries(before));

        const [gone, kept] = [...before.keys()];
        await w.directory.removeCertificate(app, gone ?? '');
        expect(entries(w.certificates(seeded))).toEqual([`${kept ?? ''} ${before.get(kept ?? '') ?? ''}`]);
        await w.directory.removeCertificate(app, gone ?? '');
        expect([...w.certificates(seeded).keys()]).toEqual([kept]);
      });

      promise('keepCertificate', 'keepCertificate finds a certificate this run added ("there", nothing changed), and puts it back with the same keyId and bytes when another writer dropped it ("restored"), the others untouched', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-alpha', certificates: [{ displayName: 'CN=by hand', start, end }] });
        const app = await read(seeded);
        const { info, pem } = await w.directory.addCertificate(app, MANAGED, at(w.now(), 90 * DAY), 'pem');
        const added = w.certificates(seeded);
        await expect(w.directory.keepCertificate(app, info.keyId)).resolves.toBe('there');
        expect(entries(w.certificates(seeded))).toEqual(entries(added));

        w.dropCertificate(seeded, info.keyId);
        await expect(w.directory.keepCertificate(app, info.keyId)).resolves.toBe('restored');
        expect(entries(w.certificates(seeded))).toEqual(entries(added));
        await expect(w.verifier.acceptsCertificate(app, pem, { servicePrincipalMayBeMissing: false })).resolves.toBe('accepted');
      });

      promise('removeCertificate.afterAdd', 'removeCertificate after this run added a certificate removes only that one, whatever else was added meanwhile', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-alpha', certificates: [{ displayName: 'CN=one', start, end }] });
        const app = await read(seeded);
        const [old] = [...w.certificates(seeded).keys()];
        const { info } = await w.directory.addCertificate(app, MANAGED, at(w.now(), 90 * DAY), 'pem');
        await w.directory.removeCertificate(app, old ?? '');
        expect([...w.certificates(seeded).keys()]).toEqual([info.keyId]);
        await w.directory.removeCertificate(app, old ?? '');
        expect([...w.certificates(seeded).keys()]).toEqual([info.keyId]);
      });

      promise('removeCertificate.absent', 'removeCertificate of a key the app does not have resolves and changes nothing', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-alpha', certificates: [{ displayName: 'CN=one', start, end }] });
        const app = await read(seeded);
        const before = entries(w.certificates(seeded));
        await w.directory.removeCertificate(app, w.unknownObjectId);
        expect(entries(w.certificates(seeded))).toEqual(before);
      });

      promise('addCertificate.lost', 'addCertificate whose PATCH answer is lost ends in success with exactly one new certificate (settled by a read, never "maybe done")', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-alpha', certificates: [{ displayName: 'CN=by hand', start, end }] });
        const app = await read(seeded);
        const before = w.certificates(seeded);
        w.faults.loseNextCertificatePatchAnswer();
        const { info, pem } = await w.directory.addCertificate(app, MANAGED, at(w.now(), 90 * DAY), 'pem');
        const after = w.certificates(seeded);
        expect([...after.keys()].sort()).toEqual([...before.keys(), info.keyId].sort());
        for (const [keyId, bytes] of before) expect(after.get(keyId)).toBe(bytes);
        await expect(w.verifier.acceptsCertificate(app, pem, { servicePrincipalMayBeMissing: false })).resolves.toBe('accepted');
      });

      promise('removeCertificate.lost', 'removeCertificate whose PATCH answer is lost resolves once a read shows it gone, the others kept', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-alpha', certificates: [{ displayName: 'CN=one', start, end }, { displayName: 'CN=two', start, end }] });
        const app = await read(seeded);
        const before = w.certificates(seeded);
        const [gone, kept] = [...before.keys()];
        w.faults.loseNextCertificatePatchAnswer();
        await w.directory.removeCertificate(app, gone ?? '');
        expect(entries(w.certificates(seeded))).toEqual([`${kept ?? ''} ${before.get(kept ?? '') ?? ''}`]);
      });

      promise('verifier.certificatePropagation', 'the verifier waits out a new certificate that Entra refuses for a while, within its budget', async () => {
        const app = await read(w.seed({ displayName: 'contract-alpha' }));
        w.faults.secretPropagation('within');
        const { pem } = await w.directory.addCertificate(app, MANAGED, at(w.now(), 90 * DAY), 'pem');
        await expect(w.verifier.acceptsCertificate(app, pem, { servicePrincipalMayBeMissing: false })).resolves.toBe('accepted');
      });

      promise('verifier.certificateNoServicePrincipal', 'without a service principal, the verifier says so for a certificate when told it may be missing', async () => {
        const app = await read(w.seed({ displayName: 'contract-alpha', servicePrincipal: false }));
        const { pem } = await w.directory.addCertificate(app, MANAGED, at(w.now(), 90 * DAY), 'pem');
        await expect(w.verifier.acceptsCertificate(app, pem, { servicePrincipalMayBeMissing: true })).resolves.toBe('no-service-principal');
      });

      promise('verifier.certificateRefused', 'the verifier refuses a certificate the app does not have, with a ServiceError from Entra', async () => {
        const other = await read(w.seed({ displayName: 'contract-other' }));
        const app = await read(w.seed({ displayName: 'contract-alpha' }));
        const { pem } = await w.directory.addCertificate(other, MANAGED, at(w.now(), 90 * DAY), 'pem');
        const error = await rejection(w.verifier.acceptsCertificate(app, pem, { servicePrincipalMayBeMissing: false }));
        expect(error.details.service).toBe('Microsoft Entra ID');
      });
    });

    describe('ownership (Application.ReadWrite.OwnedBy)', () => {
      promise('notOwned', 'an app the rotator does not own can be read, but a change to it fails (403 Authorization_RequestDenied) and changes nothing', async () => {
        const { start, end } = year();
        const seeded = w.seed({ displayName: 'contract-theirs', owned: false, passwords: [{ displayName: MANAGED, start, end }] });
        const app = await read(seeded);
        const before = w.keyIds(seeded);
        const denied = await rejection(w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY)));
        expect(denied).toMatchObject({ status: 403, code: 'Authorization_RequestDenied' });
        expect(denied.details.outcomeUnknown).not.toBe(true);
        expect(await rejection(w.directory.removePassword(app, before[0] ?? ''))).toMatchObject({ status: 403 });
        expect(await rejection(w.directory.updateApp(app, { notes: 'not mine' }))).toMatchObject({ status: 403 });
        expect(w.keyIds(seeded)).toEqual(before);
        expect((await read(seeded)).settings.notes).toBeNull();
      });
    });

    describe('service principals', () => {
      promise('servicePrincipal', 'no service principal: the verifier says so when told it may be missing; createServicePrincipal makes it (twice is fine), then it exists and the secret is accepted', async () => {
        const seeded = w.seed({ displayName: 'contract-alpha', servicePrincipal: false });
        const app = await read(seeded);
        const { value } = await w.directory.addPassword(app, MANAGED, at(w.now(), 180 * DAY));
        expect(await w.directory.servicePrincipalExists(app)).toBe(false);
        await expect(w.verifier.accepts(app, value, { servicePrincipalMayBeMissing: true })).resolves.toBe('no-service-principal');

        await w.directory.createServicePrincipal(app);
        expect(await w.directory.servicePrincipalExists(app)).toBe(true);
        expect(w.hasServicePrincipal(seeded)).toBe(true);
        // A repeat (its first answer lost): it exists, which is the goal.
        await w.directory.createServicePrincipal(app);
        await expect(w.verifier.accepts(app, value, { servicePrincipalMayBeMissing: false })).resolves.toBe('accepted');
      });
    });

    describe('federated credentials', () => {
      const credential = (name: string, subject: string): Omit<FederatedCredential, 'id'> => ({ name, issuer: ISSUER, subject, audiences: [AUDIENCE], description: null });
      const facts = (f: Omit<FederatedCredential, 'id' | 'description'>): string => `${f.name} ${f.issuer} ${f.subject} ${f.audiences.join(',')}`;

      promise('federated.repeat', 'addFederatedCredential twice with the same name, issuer and subject (a retry after a lost answer) ends with one credential', async () => {
        const seeded = w.seed({ displayName: 'contract-alpha' });
        const app = await read(seeded);
        const c = credential('deploy-production', 'repo:octo/app:environment:production');
        await w.directory.addFederatedCredential(app, c);
        await w.directory.addFederatedCredential(app, c);
        expect(w.federated(seeded).map(facts)).toEqual([facts(c)]);
        const listed = await w.directory.federatedCredentials(app);
        expect(listed).toHaveLength(1);
        expect(listed[0]).toMatchObject({ name: c.name, issuer: ISSUER, subject: c.subject, audiences: [AUDIENCE] });
        expect(typeof listed[0]?.id).toBe('string');
      });

      promise('federated.inTheWay', "addFederatedCredential fails when another credential holds the name or the issuer and subject (Graph allows one of each), and adds nothing", async () => {
        const seeded = w.seed({ displayName: 'contract-alpha', federated: [{ name: 'deploy', issuer: ISSUER, subject: 'repo:octo/app:environment:production', audiences: [AUDIENCE] }] });
        const app = await read(seeded);
        const before = w.federated(seeded).map(facts);
        await rejection(w.directory.addFederatedCredential(app, credential('deploy', 'repo:octo/app:ref:refs/heads/main')));
        await rejection(w.directory.addFederatedCredential(app, credential('deploy-production', 'repo:octo/app:environment:production')));
        expect(w.federated(seeded).map(facts)).toEqual(before);
      });

      promise('federated.remove', 'removeFederatedCredential removes the credential listed', async () => {
        const seeded = w.seed({ displayName: 'contract-alpha', federated: [{ name: 'deploy', issuer: ISSUER, subject: 'repo:octo/app:environment:production', audiences: [AUDIENCE] }] });
        const app = await read(seeded);
        const [listed] = await w.directory.federatedCredentials(app);
        if (listed === undefined) throw new Error('the seeded credential is not listed');
        await w.directory.removeFederatedCredential(app, listed);
        expect(w.federated(seeded)).toEqual([]);
        expect(await w.directory.federatedCredentials(app)).toEqual([]);
      });
    });

    describe('creating and updating apps', () => {
      promise('createApp', 'createApp makes the app with its declared properties in one go; it has no service principal, no secret, no certificate, and lookups find it', async () => {
        const web = { redirectUris: ['https://contract.example/callback'] };
        const created = await w.directory.createApp('contract-new', 'AzureADMyOrg', { web, tags: ['contract'], notes: 'made by the contract suite' });
        expect(created).toMatchObject({ displayName: 'contract-new', signInAudience: 'AzureADMyOrg', passwordCredentials: [] });
        expect(created.settings).toMatchObject({ webRedirectUris: web.redirectUris, tags: ['contract'], notes: 'made by the contract suite' });
        const seeded: SeededApp = { id: created.id, appId: created.appId, displayName: created.displayName };
        expect(w.hasServicePrincipal(seeded)).toBe(false);
        expect(await w.directory.servicePrincipalExists(created)).toBe(false);
        expect((await w.directory.findApps([{ name: 'contract-new' }]))[0]?.map((a) => a.id)).toEqual([created.id]);
        expect((await w.directory.appByAppId(created.appId))?.settings.tags).toEqual(['contract']);
        expect(await w.directory.certificates([created])).toEqual(new Map([[created.id, []]]));
      });

      promise('updateApp', 'updateApp sets the properties patched and leaves the rest', async () => {
        const seeded = w.seed({ displayName: 'contract-alpha' });
        const app = await read(seeded);
        await w.directory.updateApp(app, { tags: ['patched'], notes: 'patched by the contract suite' });
        const after = await read(seeded);
        expect(after.settings).toMatchObject({ tags: ['patched'], notes: 'patched by the contract suite', webRedirectUris: app.settings.webRedirectUris });
        expect(after.displayName).toBe('contract-alpha');
        expect(after.signInAudience).toBe(app.signInAudience);
      });
    });
  });
}
