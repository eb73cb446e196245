/**
 * Declared vs actual app registration: which properties differ (collections compared as sets), the one PATCH
 * body that makes them equal, and which federated credentials to add or remove. Pure.
 */
import type { AppSettings, FederatedCredential, RequiredResourceAccess, ResourceApi } from './model';
import { editDistance, fnv1a } from './text';

export interface Declared {
  webRedirectUris?: string[];
  spaRedirectUris?: string[];
  publicClientRedirectUris?: string[];
  allowPublicClientFlows?: boolean;
  signInAudience?: string;
  requiredResourceAccess?: RequiredResourceAccess[];
  federatedSubjects?: string[];
  tags?: string[];
  notes?: string;
}

export interface PermissionLine {
  line: number;
  /** Where the line was declared, for messages: a fleet file's path and key; absent: `api-permissions, line N`. */
  label?: string;
  api: string;
  permissions: Array<{ name: string; type: 'Scope' | 'Role' }>;
}

export interface PropertyChange {
  property: string;
  before: string;
  after: string;
}

/** Marks the federated credentials this action created; others are never touched. */
export const FEDERATED_DESCRIPTION = 'Managed by entra-secret-rotator (GitHub Actions)';
const PERSONAL = ['AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount'];

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};
const list = (xs: readonly string[]): string => (xs.length === 0 ? '(none)' : xs.join(', '));

function rraKeys(rra: readonly RequiredResourceAccess[]): string[] {
  return rra.flatMap((r) => r.resourceAccess.map((a) => `${r.resourceAppId.toLowerCase()}/${a.id.toLowerCase()}/${a.type}`));
}

/** The differences, and the one PATCH body that removes them. */
export function appChanges(actual: AppSettings, declared: Declared, describe: (rra: readonly RequiredResourceAccess[]) => string): { patch: Record<string, unknown>; changes: PropertyChange[] } {
  const patch: Record<string, unknown> = {};
  const changes: PropertyChange[] = [];
  const uris = (property: 'web' | 'spa' | 'publicClient', before: string[], after: string[] | undefined): void => {
    if (after === undefined || sameSet(before, after)) return;
    // redirectUriSettings mirrors redirectUris; sending the old one beside the new list would contradict it.
    const whole: Record<string, unknown> = { ...actual.raw[property], redirectUris: after };
    delete whole['redirectUriSettings'];
    patch[property] = whole;
    changes.push({ property: `${property}.redirectUris`, before: list(before), after: list(after) });
  };
  uris('web', actual.webRedirectUris, declared.webRedirectUris);
  uris('spa', actual.spaRedirectUris, declared.spaRedirectUris);
  uris('publicClient', actual.publicClientRedirectUris, declared.publicClientRedirectUris);
  if (declared.allowPublicClientFlows !== undefined && (actual.isFallbackPublicClient ?? false) !== declared.allowPublicClientFlows) {
    patch['isFallbackPublicClient'] = declared.allowPublicClientFlows;
    changes.push({ property: 'isFallbackPublicClient', before: String(actual.isFallbackPublicClient ?? false), after: String(declared.allowPublicClientFlows) });
  }
  if (declared.signInAudience !== undefined && actual.signInAudience !== declared.signInAudience) {
    patch['signInAudience'] = declared.signInAudience;
    // Personal Microsoft accounts need v2 access tokens; Graph refuses the audience otherwise.
    if (PERSONAL.includes(declared.signInAudience)) patch['api'] = { ...actual.raw.api, requestedAccessTokenVersion: 2 };
    changes.push({ property: 'signInAudience', before: actual.signInAudience, after: declared.signInAudience });
  }
  if (declared.requiredResourceAccess !== undefined && !sameSet(rraKeys(actual.requiredResourceAccess), rraKeys(declared.requiredResourceAccess))) {
    patch['requiredResourceAccess'] = declared.requiredResourceAccess;
    changes.push({ property: 'requiredResourceAccess', before: describe(actual.requiredResourceAccess), after: describe(declared.requiredResourceAccess) });
  }
  if (declared.tags !== undefined && !sameSet(actual.tags, declared.tags)) {
    patch['tags'] = declared.tags;
    changes.push({ property: 'tags', before: list(actual.tags), after: list(declared.tags) });
  }
  if (declared.notes !== undefined && (actual.notes ?? '') !== declared.notes) {
    patch['notes'] = declared.notes;
    changes.push({ property: 'notes', before: actual.notes ?? '(none)', after: declared.notes });
  }
  return { patch, changes };
}

/** A stable, valid credential name for a subject: letters, digits, '-' and '_', at most 120 characters. */
export function federatedName(subject: string): string {
  const base = `gha-${subject.replace(/^repo:/, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/-$/, '')}`;
  if (base.length <= 120) return base;
  return `${base.slice(0, 111)}-${fnv1a(subject).toString(16).padStart(8, '0')}`;
}

export interface FederatedPlan {
  add: Array<Omit<FederatedCredential, 'id'>>;
  remove: FederatedCredential[];
  /** Subjects already covered by a credential this action did not create: left as they are. */
  coveredByOthers: string[];
}

/** `federation`: the issuer of GitHub's tokens and the cloud's token exchange audience that new credentials carry. */
export function federatedChanges(existing: readonly FederatedCredential[], subjects: readonly string[], federation: { issuer: string; audience: string }): FederatedPlan {
  const { issuer, audience } = federation;
  const managed = (f: FederatedCredential): boolean => f.description === FEDERATED_DESCRIPTION;
  const plan: FederatedPlan = { add: [], remove: [], coveredByOthers: [] };
  for (const subject of subjects) {
    const same = existing.filter((f) => f.subject === subject && f.issuer === issuer);
    if (same.some(managed)) continue;
    if (same.length > 0) {
      plan.coveredByOthers.push(subject);
      continue;
    }
    plan.add.push({ name: federatedName(subject), issuer, subject, audiences: [audience], description: FEDERATED_DESCRIPTION });
  }
  plan.remove = existing.filter((f) => managed(f) && !(subjects.includes(f.subject) && f.issuer === issuer));
  return plan;
}

export function closest(name: string, candidates: readonly string[], n = 3): string[] {
  const distance = (c: string): number => editDistance(name.toLowerCase(), c.toLowerCase());
  return [...candidates].sort((a, b) => distance(a) - distance(b) || a.localeCompare(b)).slice(0, n);
}

/**
 * Permission lines → requiredResourceAccess, given the service principals each line's API matched.
 * Problems name the line and list the closest valid values.
 */
export function resolvePermissions(lines: readonly PermissionLine[], matches: ReadonlyMap<string, ResourceApi[]>): { rra: RequiredResourceAccess[]; problems: string[] } {
  const problems: string[] = [];
  const byApp = new Map<string, RequiredResourceAccess>();
  for (const l of lines) {
    const found = matches.get(l.api) ?? [];
    if (found.length === 0) {
      problems.push(`${l.label ?? `api-permissions, line ${l.line}`}: no API (service principal) named or with the client ID '${l.api}' in this tenant; use the exact display name (like 'Microsoft Graph') or the API's client ID`);
      continue;
    }
    if (found.length > 1) {
      problems.push(`${l.label ?? `api-permissions, line ${l.line}`}: ${found.length} APIs are named '${l.api}' (client IDs ${found.map((f) => f.appId).join(', ')}); use the client ID instead`);
      continue;
    }
    const api = found[0] as ResourceApi;
    const entry = byApp.get(api.appId) ?? { resourceAppId: api.appId, resourceAccess: [] };
    byApp.set(api.appId, entry);
    for (const p of l.permissions) {
      const pool = p.type === 'Scope' ? api.scopes : api.roles;
      const hit = pool.find((x) => x.value === p.name) ?? pool.find((x) => x.value.toLowerCase() === p.name.toLowerCase());
      if (hit === undefined) {
        const kind = p.type === 'Scope' ? 'delegated permission' : 'application permission (=Role)';
        const other = (p.type === 'Scope' ? api.roles : api.scopes).some((x) => x.value.toLowerCase() === p.name.toLowerCase());
        problems.push(
          `${l.label ?? `api-permissions, line ${l.line}`}: ${api.displayName} has no ${kind} '${p.name}'${
            other ? ` (it is ${p.type === 'Scope' ? 'an application permission: write ' + p.name + '=Role' : 'a delegated permission: drop =Role'})` : ''
          }; closest: ${closest(p.name, pool.map((x) => x.value)).join(', ') || '(it offers none)'}`,
        );
        continue;
      }
      if (!entry.resourceAccess.some((a) => a.id === hit.id && a.type === p.type)) entry.resourceAccess.push({ id: hit.id, type: p.type });
    }
  }
  return { rra: [...byApp.values()].filter((r) => r.resourceAccess.length > 0), problems };
}
