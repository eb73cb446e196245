/**
 * Entra as the Directory port sees it, in memory: app registrations with their client secrets (values kept, as
 * only Entra and the holders know them), certificates, service principals, federated credentials and resource APIs.
 * Mirrors src/adapters/graph.ts after its retries: lookups never read certificates except findApps of one ref;
 * appsByName matches as Graph's `eq` does (case-insensitively), leaving the exact check to the core, while findApps
 * gives only exact matches, as graph.ts filters them; with Application.ReadWrite.OwnedBy every app can be read but
 * only owned ones changed (403 Authorization_RequestDenied); a new app is owned by its creator; removePassword
 * resolves once the key is gone (a repeat is harmless); a federated credential is added once (a repeat is
 * harmless), and not at all when another holds its name or its issuer and subject.
 * test/contract holds these promises to the adapters' (__tests__/core/contract-fakes.test.ts).
 */
import { ServiceError } from '../../src/core/errors.ts';
import {
  newAppSettings,
  type AppRegistration,
  type AppSettings,
  type CertificateFormat,
  type CertificateInfo,
  type FederatedCredential,
  type PasswordInfo,
  type ResourceApi,
} from '../../src/core/model.ts';
import type { Directory, NewCertificate } from '../../src/core/ports.ts';
import { Secret } from '../../src/core/secret.ts';
import type { World } from './faults.ts';

export interface StoredPassword extends PasswordInfo {
  /** The secret text: only the reply to addPassword carries it. */
  value: string;
}

export interface StoredCertificate extends CertificateInfo {
  /** The private key and certificate as a PEM: only the run that made it (and the targets) know it. */
  pem: string;
}

export interface FakeApp {
  id: string;
  appId: string;
  displayName: string;
  passwords: StoredPassword[];
  certificates: StoredCertificate[];
  settings: AppSettings;
  federated: FederatedCredential[];
  /** The rotator is an owner (Application.ReadWrite.OwnedBy can change only these). */
  owned: boolean;
}

export interface SeedApp {
  displayName: string;
  appId?: string;
  passwords?: Array<{ displayName: string | null; start: Date; end: Date; value?: string }>;
  certificates?: Array<{ displayName: string | null; start: Date; end: Date }>;
  servicePrincipal?: boolean;
  owned?: boolean;
  federated?: Array<Omit<FederatedCredential, 'id'>>;
  settings?: Partial<AppSettings>;
}

/** A stand-in certificate: a PEM-shaped text unique to it (the core never parses one), and its metadata. */
function fakeCertificate(displayName: string | null, start: Date, end: Date): StoredCertificate {
  const keyId = fakeGuid('ce7');
  const thumbprint = keyId.replace(/-/g, '').slice(0, 40).toUpperCase().padEnd(40, '0');
  const pem = `-----BEGIN PRIVATE KEY-----\nfake-key-${keyId}\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nfake-cert-${keyId}\n-----END CERTIFICATE-----\n`;
  return { keyId, displayName, type: 'AsymmetricX509Cert', startDateTime: start, endDateTime: end, thumbprint, pem };
}

/** The PFX form of a fake PEM (one line, as a base64 PKCS#12 would be). */
export function pfxOf(pem: string): string {
  return Buffer.from(pem).toString('base64');
}

let serial = 0;
/** A GUID-shaped id, unique in the process, readable in failures (`…-0000000000a1`). */
export function fakeGuid(prefix: string): string {
  serial += 1;
  const tag = prefix.replace(/[^0-9a-f]/g, '').padEnd(8, '0').slice(0, 8);
  return `${tag}-0000-4000-8000-${serial.toString(16).padStart(12, '0')}`;
}

export class FakeDirectory implements Directory {
  readonly apps: FakeApp[] = [];
  readonly servicePrincipals = new Set<string>();
  readonly resourceApiList: ResourceApi[] = [];
  /** Application.ReadWrite.All: every app may be changed. Default OwnedBy: only owned ones. */
  readWriteAll = false;
  readonly #world: World;
  /** Certificates this directory added, by keyId: keepCertificate puts one back as it was. */
  readonly #addedCertificates = new Map<string, StoredCertificate>();

  constructor(world: World) {
    this.#world = world;
  }

  seed(seed: SeedApp): FakeApp {
    const app: FakeApp = {
      id: fakeGuid('0b1ec7'),
      appId: seed.appId ?? fakeGuid('a99'),
      displayName: seed.displayName,
      passwords: (seed.passwords ?? []).map((p) => ({
        keyId: fakeGuid('cee'),
        displayName: p.displayName,
        hint: (p.value ?? 'old').slice(0, 3),
        startDateTime: p.start,
        endDateTime: p.end,
        value: p.value ?? `seeded-${fakeGuid('5ec')}`,
      })),
      certificates: (seed.certificates ?? []).map((c) => fakeCertificate(c.displayName, c.start, c.end)),
      settings: { ...newAppSettings('AzureADMyOrg'), ...seed.settings },
      federated: (seed.federated ?? []).map((f) => ({ ...f, id: fakeGuid('fed') })),
      owned: seed.owned ?? true,
    };
    this.apps.push(app);
    if (seed.servicePrincipal !== false) this.servicePrincipals.add(app.appId);
    return app;
  }

  byAppId(appId: string): FakeApp | undefined {
    return this.apps.find((a) => a.appId.toLowerCase() === appId.toLowerCase());
  }

  byName(displayName: string): FakeApp[] {
    return this.apps.filter((a) => a.displayName === displayName);
  }

  /** Is this value a live client secret or certificate (PEM; or the PFX form of one) of the app (what Entra accepts)? */
  accepts(appId: string, value: string, now: Date): boolean {
    const app = this.byAppId(appId);
    const live = (c: { endDateTime: Date }): boolean => c.endDateTime.getTime() > now.getTime();
    return (app?.passwords.some((p) => p.value === value && live(p)) ?? false) || (app?.certificates.some((c) => (c.pem === value || pfxOf(c.pem) === value) && live(c)) ?? false);
  }

  appByAppId(appId: string): Promise<AppRegistration | undefined> {
    return this.#read('appByAppId', appId, () => {
      const app = this.byAppId(appId);
      return app === undefined ? undefined : view(app, false);
    });
  }

  appsByName(displayName: string): Promise<AppRegistration[]> {
    return this.#read('appsByName', displayName, () => this.#named(displayName).map((a) => view(a, false)));
  }

  findApps(refs: ReadonlyArray<{ appId?: string; name?: string }>): Promise<AppRegistration[][]> {
    const certificates = refs.length === 1;
    return this.#read('findApps', `${refs.length} refs`, () =>
      refs.map((r) => {
        if (r.appId !== undefined) {
          const app = this.byAppId(r.appId);
          return app === undefined ? [] : [view(app, certificates)];
        }
        // The exact name: graph.ts drops what Graph's case-insensitive `eq` matched besides.
        return this.byName(r.name ?? '').map((a) => view(a, certificates));
      }),
    );
  }

  allApps(): Promise<AppRegistration[]> {
    return this.#read('allApps', 'tenant', () => this.apps.map((a) => view(a, true)));
  }

  certificates(apps: readonly AppRegistration[]): Promise<Map<string, CertificateInfo[]>> {
    return this.#read('certificates', `${apps.length} apps`, () => {
      const out = new Map<string, CertificateInfo[]>();
      for (const a of apps) {
        const app = this.apps.find((x) => x.id === a.id);
        if (app !== undefined) out.set(app.id, app.certificates.map((c) => ({ ...c })));
      }
      return out;
    });
  }

  createApp(displayName: string, signInAudience: string, properties: Record<string, unknown>): Promise<AppRegistration> {
    return this.#world.serve('createApp', displayName, `creating the app registration '${displayName}'`, () => {
      const app = this.seed({ displayName, servicePrincipal: false, owned: true, settings: { signInAudience } });
      applyPatch(app, properties);
      this.#world.record('createApp', displayName);
      return view(app, false);
    });
  }

  updateApp(app: AppRegistration, patch: Record<string, unknown>): Promise<void> {
    return this.#change('updateApp', app, `${app.displayName} ${Object.keys(patch).join(',')}`, `updating '${app.displayName}'`, (a) => applyPatch(a, patch));
  }

  resourceApis(api: string): Promise<ResourceApi[]> {
    return this.#read('resourceApis', api, () =>
      this.resourceApiList.filter((r) => r.appId.toLowerCase() === api.toLowerCase() || r.displayName === api).map((r) => structuredClone(r)),
    );
  }

  federatedCredentials(app: AppRegistration): Promise<FederatedCredential[]> {
    return this.#read('federatedCredentials', app.displayName, () => (this.apps.find((a) => a.id === app.id)?.federated ?? []).map((f) => structuredClone(f)));
  }

  addFederatedCredential(app: AppRegistration, credential: Omit<FederatedCredential, 'id'>): Promise<void> {
    const doing = `adding the federated credential '${credential.name}'`;
    return this.#change('addFederatedCredential', app, `${app.displayName} ${credential.subject}`, doing, (a) => {
      // A repeat after a lost answer finds it there: the goal (graph.ts accepts the 409 / 400 duplicate when the app
      // holds exactly this credential).
      const sameAudiences = (f: FederatedCredential): boolean => f.audiences.length === credential.audiences.length && f.audiences.every((x) => credential.audiences.includes(x));
      if (a.federated.some((f) => f.name === credential.name && f.issuer === credential.issuer && f.subject === credential.subject && sameAudiences(f))) return;
      // Graph allows one credential per issuer and subject (400) and one per name (409): graph.ts then fails, naming it.
      const bySubject = a.federated.find((f) => f.issuer === credential.issuer && f.subject === credential.subject);
      const inTheWay = bySubject ?? a.federated.find((f) => f.name.toLowerCase() === credential.name.toLowerCase());
      if (inTheWay !== undefined) {
        throw new ServiceError({
          service: 'Microsoft Graph',
          doing,
          status: bySubject === undefined ? 409 : 400,
          code: bySubject === undefined ? 'Request_MultipleObjectsWithSameKeyValue' : 'InvalidFederatedIdentityCredentialValue',
          requestId: 'fake-request',
          hint: `the app already has the federated credential '${inTheWay.name}' (id ${inTheWay.id}, issuer ${inTheWay.issuer}, subject ${inTheWay.subject}), which this action did not make as '${credential.name}'`,
        });
      }
      a.federated.push({ ...structuredClone(credential), id: fakeGuid('fed') });
    });
  }

  removeFederatedCredential(app: AppRegistration, credential: FederatedCredential): Promise<void> {
    return this.#change('removeFederatedCredential', app, `${app.displayName} ${credential.subject}`, `removing the federated credential '${credential.name}'`, (a) => {
      a.federated = a.federated.filter((f) => f.id !== credential.id);
    });
  }

  servicePrincipalExists(app: AppRegistration): Promise<boolean> {
    return this.#read('servicePrincipalExists', app.displayName, () => this.servicePrincipals.has(app.appId));
  }

  createServicePrincipal(app: AppRegistration): Promise<void> {
    // 409 "exists" is the goal (graph.ts accepts it).
    return this.#change('createServicePrincipal', app, app.displayName, `creating the service principal of '${app.displayName}'`, (a) => {
      this.servicePrincipals.add(a.appId);
    });
  }

  addPassword(app: AppRegistration, displayName: string, endDateTime: Date): Promise<{ info: PasswordInfo; value: Secret }> {
    return this.#change('addPassword', app, app.displayName, `adding a client secret to '${app.displayName}'`, (a) => {
      const value = `${fakeGuid('5ec')}~${'x'.repeat(8)}`;
      const info: PasswordInfo = { keyId: fakeGuid('cee'), displayName, hint: value.slice(0, 3), startDateTime: this.#world.clock.now(), endDateTime: new Date(endDateTime) };
      a.passwords.push({ ...info, value });
      // Masked the moment it exists, as the adapter does.
      this.#world.mask(value);
      return { info: { ...info }, value: new Secret(value) };
    }, (r) => `${app.displayName} ${r.info.keyId}`);
  }

  removePassword(app: AppRegistration, keyId: string): Promise<void> {
    return this.#change('removePassword', app, `${app.displayName} ${keyId}`, `removing client secret ${keyId} from '${app.displayName}'`, (a) => {
      a.passwords = a.passwords.filter((p) => p.keyId !== keyId);
    });
  }

  addCertificate(app: AppRegistration, displayName: string, endDateTime: Date, format: CertificateFormat): Promise<NewCertificate> {
    return this.#change('addCertificate', app, app.displayName, `adding a certificate to '${app.displayName}'`, (a) => {
      const stored = fakeCertificate(displayName, this.#world.clock.now(), new Date(endDateTime));
      a.certificates.push(stored);
      this.#addedCertificates.set(stored.keyId, { ...stored });
      const value = format === 'pem' ? stored.pem : pfxOf(stored.pem);
      // Masked the moment it exists, as the adapter does (every line of a PEM).
      for (const line of stored.pem.split('\n')) this.#world.mask(line);
      if (format === 'pfx') this.#world.mask(value);
      const { pem, ...info } = stored;
      return { info, value: new Secret(value), pem: new Secret(pem) };
    }, (r) => `${app.displayName} ${r.info.keyId}`);
  }

  removeCertificate(app: AppRegistration, keyId: string): Promise<void> {
    return this.#change('removeCertificate', app, `${app.displayName} ${keyId}`, `removing certificate ${keyId} from '${app.displayName}'`, (a) => {
      a.certificates = a.certificates.filter((c) => c.keyId !== keyId);
    });
  }

  /** Puts back a certificate this directory added when something dropped it (as the adapter does, same keyId and bytes). */
  keepCertificate(app: AppRegistration, keyId: string): Promise<'there' | 'restored'> {
    const mine = this.#addedCertificates.get(keyId);
    if (mine === undefined) throw new Error(`internal: certificate ${keyId} was not added by this directory`);
    const label = `${app.displayName} ${keyId}`;
    return this.#world.serve('keepCertificate', label, `checking that certificate ${keyId} is still on '${app.displayName}'`, () => {
      const a = this.apps.find((x) => x.id === app.id);
      if (a === undefined || a.certificates.some((c) => c.keyId === keyId)) return 'there';
      a.certificates.push({ ...mine });
      // An effect only when it was put back: a check that finds it changes nothing.
      this.#world.record('keepCertificate', label);
      return 'restored';
    });
  }

  #named(displayName: string): FakeApp[] {
    return this.apps.filter((a) => a.displayName.toLowerCase() === displayName.toLowerCase());
  }

  #read<T>(call: 'appByAppId' | 'appsByName' | 'findApps' | 'allApps' | 'certificates' | 'resourceApis' | 'federatedCredentials' | 'servicePrincipalExists', label: string, fn: () => T): Promise<T> {
    return this.#world.serve(call, label, `reading (${call}) ${label}`, fn);
  }

  /** A change to one app: 404 when it is gone, 403 when the rotator may not change it, else `fn`, journaled. */
  #change<T>(
    call: 'updateApp' | 'addFederatedCredential' | 'removeFederatedCredential' | 'createServicePrincipal' | 'addPassword' | 'removePassword' | 'addCertificate' | 'removeCertificate',
    ref: AppRegistration,
    label: string,
    doing: string,
    fn: (app: FakeApp) => T,
    effectLabel: (result: T) => string = () => label,
  ): Promise<T> {
    return this.#world.serve(call, label, doing, () => {
      const app = this.apps.find((a) => a.id === ref.id);
      if (app === undefined) throw new ServiceError({ service: 'Microsoft Graph', doing, status: 404, code: 'Request_ResourceNotFound', requestId: 'fake-request' });
      if (!app.owned && !this.readWriteAll) {
        throw new ServiceError({
          service: 'Microsoft Graph',
          doing,
          status: 403,
          code: 'Authorization_RequestDenied',
          requestId: 'fake-request',
          detail: 'Insufficient privileges to complete the operation.',
          hint: "the rotator lacks Application.ReadWrite.OwnedBy, or it is not an owner of this app: add the rotator's service principal as an owner of the app, or grant Application.ReadWrite.All",
        });
      }
      const result = fn(app);
      this.#world.record(call, effectLabel(result));
      return result;
    });
  }
}

/** The app as Graph shows it: no secret values; certificates only when read. */
function view(app: FakeApp, withCertificates: boolean): AppRegistration {
  const out: AppRegistration = {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    signInAudience: app.settings.signInAudience,
    passwordCredentials: app.passwords.map(({ value: _, ...p }) => ({ ...p, startDateTime: new Date(p.startDateTime), endDateTime: new Date(p.endDateTime) })),
    settings: structuredClone(app.settings),
  };
  if (withCertificates) out.keyCredentials = app.certificates.map((c) => ({ ...c }));
  return out;
}

/** The declarable properties a PATCH (or a create) sets, as Graph stores them. */
function applyPatch(app: FakeApp, patch: Record<string, unknown>): void {
  const s = app.settings;
  const uris = (v: unknown): string[] => ((v as { redirectUris?: string[] } | undefined)?.redirectUris ?? []).slice();
  if ('web' in patch) [s.webRedirectUris, s.raw.web] = [uris(patch['web']), structuredClone(patch['web'] as Record<string, unknown>)];
  if ('spa' in patch) [s.spaRedirectUris, s.raw.spa] = [uris(patch['spa']), structuredClone(patch['spa'] as Record<string, unknown>)];
  if ('publicClient' in patch) [s.publicClientRedirectUris, s.raw.publicClient] = [uris(patch['publicClient']), structuredClone(patch['publicClient'] as Record<string, unknown>)];
  if ('api' in patch) s.raw.api = structuredClone(patch['api'] as Record<string, unknown>);
  if ('isFallbackPublicClient' in patch) s.isFallbackPublicClient = patch['isFallbackPublicClient'] as boolean;
  if ('signInAudience' in patch) s.signInAudience = patch['signInAudience'] as string;
  if ('requiredResourceAccess' in patch) s.requiredResourceAccess = structuredClone(patch['requiredResourceAccess'] as AppSettings['requiredResourceAccess']);
  if ('tags' in patch) s.tags = [...(patch['tags'] as string[])];
  if ('notes' in patch) s.notes = patch['notes'] as string;
}
