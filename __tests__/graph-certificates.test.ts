/**
 * The Graph adapter's certificates (addCertificate, removeCertificate) and the Entra verifier's certificate sign-in,
 * in-process against the emulator over real HTTPS: what the contract suite (test/contract/directory.ts) cannot
 * plan on both sides. The requests a change makes (one capped read, one PATCH, one read back); a lost PATCH answer
 * settled by a read (taken effect: no second PATCH; not taken effect: a second PATCH from a fresh read); a
 * certificate that was there before and is missing after the PATCH put back, and the call failing loudly whether or
 * not that worked; a tenant's lifetime cap and its hint; AADSTS700027 from Entra.
 */
import { newSecretVerifier, rotatorCredential, type SignIn } from '../src/adapters/entra';
import { GraphDirectory, thumbprintOf } from '../src/adapters/graph';
import { defaultRetryPolicy, type RetryPolicy } from '../src/adapters/retry';
import type { AppRegistration } from '../src/core/model';
import type { Log } from '../src/core/ports';
import { Secret } from '../src/core/secret';
import { startEmulator, type Emulator, type EmulatorKeys, type RequestLogEntry } from '../test/emulator/index.ts';
import { withTrustedEmulatorKeys } from '../test/trusted-keys.ts';
import { ROTATOR_ID, ROTATOR_SECRET, standardSetup } from '../test/harness.ts';
import { failure } from '../test/service-failure.ts';

const DAY = 86_400_000;
const POLICY: RetryPolicy = { ...defaultRetryPolicy({}), baseMs: 10 };

let keys: EmulatorKeys;
withTrustedEmulatorKeys((k) => (keys = k));

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

interface World {
  e: Emulator;
  directory: GraphDirectory;
  signIn: SignIn;
  lines: string[];
  app: AppRegistration;
  /** keyId to base64 DER, as the emulator holds them. */
  held: () => Map<string, string>;
}

async function world(certificates = 1): Promise<World> {
  const e = await startEmulator({ keys });
  emu = e;
  standardSetup(e);
  const lines: string[] = [];
  const log: Log = { info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`), mask: () => undefined, group: (_t, fn) => fn() };
  const signIn: SignIn = {
    tenantId: e.tenantId,
    clientId: ROTATOR_ID,
    clientSecret: new Secret(ROTATOR_SECRET),
    oidcAudience: 'api://AzureADTokenExchange',
    authorityHost: e.urls.authority,
    graphEndpoint: e.urls.graph,
  };
  const directory = new GraphDirectory(e.urls.graph, rotatorCredential(signIn, POLICY, log), log, POLICY);
  const start = new Date(Date.now() - 10 * DAY).toISOString();
  const end = new Date(Date.now() + 300 * DAY).toISOString();
  const seeded = e.seedApp({
    displayName: 'billing-api',
    servicePrincipal: true,
    certificates: Array.from({ length: certificates }, (_, i) => ({ displayName: `CN=by hand ${i + 1}`, startDateTime: start, endDateTime: end })),
  });
  const app = await directory.appByAppId(seeded.appId);
  if (app === undefined) throw new Error('the seeded app cannot be read');
  const held = (): Map<string, string> => new Map(e.certificates(seeded.id).map((c) => [c.keyId, c.der?.toString('base64') ?? '']));
  return { e, directory, signIn, lines, app, held };
}

const graphWrites = (e: Emulator): RequestLogEntry[] => e.log.filter((x) => x.service === 'graph' && x.method === 'PATCH');
const keyReads = (e: Emulator): RequestLogEntry[] => e.log.filter((x) => x.service === 'graph' && x.method === 'GET' && /keyCredentials/.test(decodeURIComponent(x.path)));

/**
 * Drops the certificate `keyId` from the app the first time a read of its keyCredentials follows a PATCH: as if the
 * PATCH had lost it (or another writer's PATCH came in between). A hold's predicate runs before the request is
 * handled; it parks nothing. Once only: the restore's read back sees what the restore did.
 */
function dropAfterPatch(w: World, keyId: string, then?: () => void): void {
  let patched = false;
  let done = false;
  w.e.hold({
    match: (entry) => {
      if (entry.service === 'graph' && entry.method === 'PATCH') patched = true;
      else if (patched && !done && entry.service === 'graph' && entry.method === 'GET' && /keyCredentials/.test(entry.path)) {
        done = true;
        const stored = w.e.graph.apps.find((a) => a.id === w.app.id)?.extra;
        if (stored !== undefined) stored['keyCredentials'] = (stored['keyCredentials'] as Array<{ keyId: string }>).filter((k) => k.keyId !== keyId);
        then?.();
      }
      return false;
    },
  });
}

describe('addCertificate and removeCertificate against the emulator', () => {
  test('add: one capped read with the bytes, one PATCH carrying every certificate byte for byte plus the new one, one read back', async () => {
    const w = await world(2);
    const before = w.held();
    w.e.resetCounters();
    const { info } = await w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 90 * DAY), 'pem');
    expect(keyReads(w.e)).toHaveLength(2);
    expect(graphWrites(w.e)).toHaveLength(1);
    const after = w.held();
    expect([...after.keys()].sort()).toEqual([...before.keys(), info.keyId].sort());
    for (const [keyId, der] of before) expect(after.get(keyId)).toBe(der);
    const stored = w.e.certificates(w.app.id).find((c) => c.keyId === info.keyId);
    expect(stored).toMatchObject({ displayName: 'rotated-by-github-actions', thumbprint: info.thumbprint, type: 'AsymmetricX509Cert', usage: 'Verify' });
    expect(new Date(stored?.endDateTime ?? '')).toEqual(info.endDateTime);
  });

  test('a lost PATCH answer that took effect is settled by the read back: no second PATCH, success', async () => {
    const w = await world();
    const handle = w.e.faults.add({ kind: 'drop-after', times: 1, match: { service: 'graph', method: 'PATCH' } });
    w.e.resetCounters();
    const { info } = await w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 90 * DAY), 'pem');
    expect(handle.fired).toBe(1);
    expect(graphWrites(w.e)).toHaveLength(1);
    expect(w.held().size).toBe(2);
    expect(w.held().has(info.keyId)).toBe(true);
  });

  test('a lost PATCH that did not take effect is sent again, built from a fresh read: exactly one new certificate', async () => {
    const w = await world();
    const handle = w.e.faults.add({ kind: 'drop', times: 1, match: { service: 'graph', method: 'PATCH' } });
    w.e.resetCounters();
    const { info } = await w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 90 * DAY), 'pem');
    expect(handle.fired).toBe(1);
    expect(graphWrites(w.e)).toHaveLength(2);
    expect(w.held().size).toBe(2);
    expect(w.held().has(info.keyId)).toBe(true);
    expect(w.lines.some((l) => /answer to the PATCH was lost/.test(l))).toBe(true);
  });

  test('a certificate missing after the PATCH is put back with its bytes, and the call fails loudly saying so', async () => {
    const w = await world(2);
    const before = w.held();
    const [victim, other] = [...before.keys()];
    dropAfterPatch(w, victim ?? '');
    const error = await failure(w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 90 * DAY), 'pem'));
    expect(error.message).toContain(victim);
    expect(error.message).toContain('CN=by hand 1');
    expect(error.details.hint).toMatch(/^they were put back/);
    expect(error.details.outcomeUnknown).not.toBe(true);
    const after = w.held();
    expect(after.get(victim ?? '')).toBe(before.get(victim ?? ''));
    expect(after.get(other ?? '')).toBe(before.get(other ?? ''));
    // The new certificate stays (everything there now is kept); its value is lost with the failure.
    expect(after.size).toBe(3);
  });

  test('when putting the certificate back fails too, the call says so (FAILED) and names it', async () => {
    const w = await world(1);
    const [victim] = [...w.held().keys()];
    dropAfterPatch(w, victim ?? '', () => {
      w.e.faults.add({ kind: 'status', status: 400, code: 'Request_BadRequest', times: Infinity, match: { service: 'graph', method: 'PATCH' } });
    });
    const error = await failure(w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 90 * DAY), 'pem'));
    expect(error.message).toContain(victim);
    expect(error.details.hint).toMatch(/putting them back FAILED/);
    expect(w.held().has(victim ?? '')).toBe(false);
  });

  test('remove: a certificate the change lost is put back too', async () => {
    const w = await world(3);
    const before = w.held();
    const [gone, victim, kept] = [...before.keys()];
    dropAfterPatch(w, victim ?? '');
    const error = await failure(w.directory.removeCertificate(w.app, gone ?? ''));
    expect(error.message).toContain(victim);
    expect(error.details.hint).toMatch(/^they were put back/);
    expect([...w.held()].sort()).toEqual([...before].filter(([k]) => k !== gone).sort());
    expect(w.held().get(kept ?? '')).toBe(before.get(kept ?? ''));
  });

  test('remove after this run added a certificate: one removeKey signed by the new one, no PATCH, so a certificate another writer added meanwhile stays', async () => {
    const w = await world(1);
    const [old] = [...w.held().keys()];
    const { info } = await w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 90 * DAY), 'pem');
    // Another writer adds a certificate after this run's last read of keyCredentials.
    const other = w.e.seedApp({ displayName: 'elsewhere', certificates: [{ displayName: 'CN=theirs', startDateTime: new Date(Date.now() - DAY).toISOString(), endDateTime: new Date(Date.now() + 30 * DAY).toISOString() }] });
    const theirs = w.e.certificates(other.id)[0];
    const app = w.e.graph.apps.find((a) => a.id === w.app.id);
    const stored = w.e.graph.apps.find((a) => a.id === other.id)?.extra['keyCredentials'];
    if (app === undefined || !Array.isArray(stored)) throw new Error('seeded apps not found');
    (app.extra['keyCredentials'] as unknown[]).push(stored[0]);
    w.e.resetCounters();
    await w.directory.removeCertificate(w.app, old ?? '');
    const removeKeys = w.e.log.filter((x) => x.service === 'graph' && x.method === 'POST' && x.path.endsWith('/removeKey'));
    expect(removeKeys.map((x) => x.status)).toEqual([204]);
    expect(graphWrites(w.e)).toHaveLength(0);
    expect([...w.held().keys()].sort()).toEqual([info.keyId, theirs?.keyId].sort());
  });

  test('removeKey refused (the proof not accepted): removed by a PATCH of keyCredentials instead, and the log says so', async () => {
    const w = await world(1);
    const [old] = [...w.held().keys()];
    const { info } = await w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 90 * DAY), 'pem');
    const refused = w.e.faults.add({ kind: 'status', status: 400, code: 'Request_BadRequest', times: 1, match: { service: 'graph', method: 'POST', path: /\/removeKey$/ } });
    w.e.resetCounters();
    await w.directory.removeCertificate(w.app, old ?? '');
    expect(refused.fired).toBe(1);
    expect(graphWrites(w.e)).toHaveLength(1);
    expect([...w.held().keys()]).toEqual([info.keyId]);
    expect(w.lines.some((l) => /removeKey answered 400 Request_BadRequest; removing it by a PATCH of keyCredentials instead/.test(l))).toBe(true);
  });

  test("a tenant's lifetime cap: 400 CredentialInvalidLifetimeAsPerAppPolicy with a hint naming the days and secret-lifetime-days; the days of the cap itself pass", async () => {
    const w = await world(1);
    w.e.policy.maxCertificateLifetimeDays = 30;
    const error = await failure(w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 90 * DAY), 'pem'));
    expect(error.code).toBe('CredentialInvalidLifetimeAsPerAppPolicy');
    expect(error.details.hint).toMatch(/lifetime of certificates/);
    expect(error.details.hint).toMatch(/90 days/);
    expect(error.details.hint).toMatch(/lower secret-lifetime-days/);
    expect(w.held().size).toBe(1);
    // The credential's lifetime is the days asked for (from the second they are counted), not 5 minutes more.
    const { info } = await w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 30 * DAY), 'pem');
    expect(info.endDateTime.getTime() - info.startDateTime.getTime()).toBe(30 * DAY);
  });
});

describe('acceptsCertificate against the emulator', () => {
  test('a new certificate refused with AADSTS700027 while it propagates is waited out; one the app does not have is refused with AADSTS700027', async () => {
    const w = await world(0);
    const verifier = newSecretVerifier(w.signIn, POLICY, { info: (m) => w.lines.push(m), warning: () => undefined, mask: () => undefined, group: (_t, fn) => fn() });
    w.e.faults.secretPropagationMs = (POLICY.baseMs * 60) / 3;
    const { pem } = await w.directory.addCertificate(w.app, 'rotated-by-github-actions', new Date(Date.now() + 90 * DAY), 'pfx');
    await expect(verifier.acceptsCertificate(w.app, pem, { servicePrincipalMayBeMissing: false })).resolves.toBe('accepted');
    expect(w.lines.some((l) => /does not accept the new certificate yet \(AADSTS700027\)/.test(l))).toBe(true);

    const other = w.e.seedApp({ displayName: 'someone-else', servicePrincipal: true });
    const error = await failure(verifier.acceptsCertificate({ ...w.app, appId: other.appId, displayName: 'someone-else' }, pem, { servicePrincipalMayBeMissing: false }));
    expect(error.code).toBe('AADSTS700027');
    expect(error.details.hint).toMatch(/still refused the new certificate/);
  });
});

describe('thumbprints as Graph shows them', () => {
  test('customKeyIdentifier as base64 of the 20 SHA-1 bytes (Edm.Binary on the wire) or as 40 hex digits; a custom identifier is none', () => {
    const hex = '219F6E953ADC23FC2875A81B5CFF9A2C916F5927';
    expect(thumbprintOf(Buffer.from(hex, 'hex').toString('base64'))).toBe(hex);
    expect(thumbprintOf(hex.toLowerCase())).toBe(hex);
    expect(thumbprintOf(Buffer.from('my-own-identifier').toString('base64'))).toBeUndefined();
    expect(thumbprintOf(null)).toBeUndefined();
  });

  test('the certificates read for an app carry the thumbprint the emulator holds', async () => {
    const w = await world(2);
    const read = (await w.directory.certificates([w.app])).get(w.app.id) ?? [];
    expect(read.map((c) => c.thumbprint)).toEqual(w.e.certificates(w.app.id).map((c) => c.thumbprint));
  });
});
