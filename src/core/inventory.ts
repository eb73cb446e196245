/**
 * What the run needs to know before it plans, read for every app at once with as few requests as the services
 * allow: the apps in batches (Directory.findApps), each GitHub scope listed once however many apps write to it,
 * each declared API looked up once, and the selected repositories of the organisation secrets that have some.
 * A failure here belongs to the apps it concerns: one missing environment fails the apps that write to it only.
 */
import { scopeKey, scopeLabel, uniqueScopes, type AppRegistration, type ResourceApi, type Scope, type StoredSecretInfo, type Target } from './model';
import { asError } from './outcome';
import type { TargetState } from './plan';
import type { AppState } from './app-plan';
import type { Ports } from './ports';
import type { AppSpec } from './spec';

type Settled<T> = T | Error;

/** Each app's state by AppSpec.key, or why it could not be read. */
export async function readInventory(specs: readonly AppSpec[], ports: Ports, reads: (scope: Scope) => boolean): Promise<Map<string, Settled<AppState>>> {
  const targets = specs.flatMap((s) => s.targets).filter((t) => reads(t.scope));
  const [matches, listings, apis] = await Promise.all([
    ports.directory.findApps(specs.map((s) => (s.app.appId !== undefined ? { appId: s.app.appId } : { name: s.app.name ?? '' }))),
    readListings(targets, ports),
    readApis(specs, ports),
  ]);
  const [selections, certified] = await Promise.all([readSelections(targets, listings, ports), withCertificates(specs, matches, ports)]);
  const states = new Map<string, Settled<AppState>>();
  specs.forEach((spec, i) => {
    const found = certified[i] ?? [];
    states.set(spec.key, found instanceof Error ? found : appState(spec, found, { reads, listings, apis, selections }));
  });
  return states;
}

/**
 * The apps that rotate a credential kind lookups leave unread (certificates: Graph caps reads that select them)
 * get it read, for all of them at once; the others are as found. A failed read fails the apps it concerns.
 */
async function withCertificates(specs: readonly AppSpec[], matches: readonly AppRegistration[][], ports: Ports): Promise<Array<Settled<AppRegistration[]>>> {
  const unread = specs.flatMap((s, i) => (matches[i] ?? []).filter((a) => s.rotation.kind.of(a) === undefined));
  if (unread.length === 0) return [...matches];
  let read: Map<string, AppRegistration> | Error;
  try {
    read = new Map((await certificatesRead(unread, ports)).map((a) => [a.id, a]));
  } catch (error) {
    read = asError(error);
  }
  const withRead = read;
  return matches.map((found) => {
    if (!found.some((a) => unread.includes(a))) return found;
    return withRead instanceof Error ? withRead : found.map((a) => (unread.includes(a) ? (withRead.get(a.id) ?? a) : a));
  });
}

/**
 * These apps with their certificates: those not read yet (keyCredentials absent) are read at once
 * (Directory.certificates: one GET, or batched reads of 15 ids); an app Graph no longer has gets none.
 */
export async function certificatesRead(apps: readonly AppRegistration[], ports: Pick<Ports, 'directory'>): Promise<AppRegistration[]> {
  const unread = [...new Map(apps.filter((a) => a.keyCredentials === undefined).map((a) => [a.id, a])).values()];
  if (unread.length === 0) return [...apps];
  const read = await ports.directory.certificates(unread);
  return apps.map((a) => (a.keyCredentials === undefined ? { ...a, keyCredentials: read.get(a.id) ?? [] } : a));
}

interface Read {
  reads: (scope: Scope) => boolean;
  listings: ReadonlyMap<string, Settled<Map<string, StoredSecretInfo>>>;
  apis: ReadonlyMap<string, Settled<ResourceApi[]>>;
  selections: ReadonlyMap<Target, Settled<string[]>>;
}

function appState(spec: AppSpec, matches: AppRegistration[], read: Read): Settled<AppState> {
  try {
    const found = resolveApp(spec, matches);
    const targets: TargetState[] = spec.targets.map((target) => {
      if (!read.reads(target.scope)) return { target, stored: 'unread' as const };
      const listing = read.listings.get(scopeKey(target.scope));
      if (listing instanceof Error) throw listing;
      const selected = read.selections.get(target);
      if (selected instanceof Error) throw selected;
      const stored = listing?.get(target.name.toUpperCase());
      return selected === undefined ? { target, stored } : { target, stored, selected };
    });
    const apis = new Map<string, ResourceApi[]>();
    for (const line of spec.app.declared.apiPermissions ?? []) {
      const found = read.apis.get(line.api);
      if (found instanceof Error) throw found;
      apis.set(line.api, found ?? []);
    }
    return { found, targets, apis };
  } catch (error) {
    return asError(error);
  }
}

/** The app an AppSpec names, from what findApps matched; undefined when it is to be created. */
export function resolveApp(spec: AppSpec, matches: readonly AppRegistration[]): AppRegistration | undefined {
  const { appId, name, createIfMissing } = spec.app;
  if (appId !== undefined) {
    const app = matches.find((a) => a.appId.toLowerCase() === appId.toLowerCase());
    if (app === undefined) {
      throw new Error(
        `No app registration with client ID ${appId} was found. Check app-id; with Application.ReadWrite.OwnedBy the rotator only sees apps it owns (add it as an owner of the app).`,
      );
    }
    return app;
  }
  const displayName = name ?? '';
  const exact = matches.filter((a) => a.displayName === displayName);
  if (exact.length > 1) {
    throw new Error(
      `${exact.length} app registrations are named '${displayName}' (object IDs ${exact.map((a) => a.id).join(', ')}; client IDs ${exact
        .map((a) => a.appId)
        .join(', ')}). Display names are not unique: set app-id to the client ID of the one to manage.`,
    );
  }
  if (exact[0] === undefined && !createIfMissing) {
    throw new Error(
      `No app registration named '${displayName}' was found and create-if-missing is false. Check app-name (the match is exact, case included); with Application.ReadWrite.OwnedBy the rotator only sees apps it owns.`,
    );
  }
  return exact[0];
}

/** One listing per scope gives the metadata of every target in it. */
async function readListings(targets: readonly Target[], ports: Ports): Promise<Map<string, Settled<Map<string, StoredSecretInfo>>>> {
  const scopes = uniqueScopes(targets);
  const listed = await Promise.allSettled(scopes.map((s) => ports.store.list(s)));
  return new Map(scopes.map((s, i) => [scopeKey(s), settled(listed[i], `listing the secrets of ${scopeLabel(s)}`)]));
}

/** Each declared API's service principal(s), looked up once however many apps and lines name it. */
async function readApis(specs: readonly AppSpec[], ports: Ports): Promise<Map<string, Settled<ResourceApi[]>>> {
  const names = [...new Set(specs.flatMap((s) => (s.app.declared.apiPermissions ?? []).map((l) => l.api)))];
  const found = await Promise.allSettled(names.map((api) => ports.directory.resourceApis(api)));
  return new Map(names.map((api, i) => [api, settled(found[i], `looking up the API '${api}'`)]));
}

/**
 * The repositories each organisation secret that exists with visibility selected (and is declared so) is shared
 * with. (A missing secret, or one with another visibility, is written whole anyway.)
 */
async function readSelections(
  targets: readonly Target[],
  listings: ReadonlyMap<string, Settled<Map<string, StoredSecretInfo>>>,
  ports: Ports,
): Promise<Map<Target, Settled<string[]>>> {
  const selected = targets.filter((t) => {
    const listing = listings.get(scopeKey(t.scope));
    return t.access?.visibility === 'selected' && !(listing instanceof Error) && listing?.get(t.name.toUpperCase())?.visibility === 'selected';
  });
  const read = await Promise.allSettled(selected.map((t) => ports.store.selectedRepositories(t)));
  return new Map(selected.map((t, i): [Target, Settled<string[]>] => [t, settled(read[i], `reading the selected repositories of ${t.name}`)]));
}

function settled<T>(result: PromiseSettledResult<T> | undefined, doing: string): Settled<T> {
  if (result === undefined) return new Error(`internal: no result for ${doing}`);
  return result.status === 'fulfilled' ? result.value : asError(result.reason);
}
