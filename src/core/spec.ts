/**
 * What a run is asked to do, one shape for both ways of asking: the step's inputs (a fleet of one app) or a fleet
 * file (many apps). Read and checked by src/config.ts and src/inputs/; the core reads nothing else.
 */
import type { DeclaredInput } from './declare';
import type { SignInAudience, Target } from './model';
import type { RotationSettings } from './plan';

/** Which app registration, and what it should look like. */
export interface AppIdentity {
  /** Display name: found (exact match) or created. One of name / appId. */
  name: string | undefined;
  /** Client ID of an existing app. */
  appId: string | undefined;
  createIfMissing: boolean;
  /** Sent on create; enforced on an existing app only when declared (declared.signInAudience). */
  signInAudience: SignInAudience;
  servicePrincipal: boolean;
  /** Each property is enforced only when declared. */
  declared: DeclaredInput;
  /** Issuer of GitHub's OIDC tokens for this server (github.com, or GHES), for federated credentials. */
  oidcIssuer: string;
  /** The cloud's token exchange audience, for federated credentials. */
  federatedAudience: string;
}

export interface AppRotation extends RotationSettings {
  /** Get a token with the new secret before any target gets it. */
  verifyNewSecret: boolean;
}

/** One app of the run and everything it feeds. */
export interface AppSpec {
  /** Stable and unique in the run: `app-id:<guid>` or `app-name:<name>`. Shards hash it. */
  key: string;
  /** Where it was declared, for messages: `inputs`, or `fleet.yml: apps[3]`. */
  source: string;
  app: AppIdentity;
  rotation: AppRotation;
  targets: Target[];
}

export type ReportScope = 'managed' | 'all';

export interface FleetSettings {
  /** At most this many apps rotate in one run; the other due ones are deferred, nearest expiry first rotated. */
  maxRotations: number;
  /**
   * At most this many GitHub writes (PUT, POST, PATCH, DELETE) in one run: whole apps beyond it are deferred,
   * nearest expiry first kept, so that the run stays within GitHub's content-creating limits.
   */
  maxWrites: number;
  /** The expiry report flags credentials that expire within this many days (or have expired). */
  reportDays: number;
  reportScope: ReportScope;
  /** `K/N`: only the apps whose key hashes into shard K (1-based) of N. */
  shard: { index: number; count: number } | undefined;
}

/** A label for an app in logs and reports: its display name or client ID, as declared. */
export function appLabel(spec: AppSpec): string {
  return spec.app.name ?? spec.app.appId ?? spec.key;
}
