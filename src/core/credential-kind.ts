/**
 * A credential kind: what the action rotates on an app (a client secret today; a certificate next). The rules of
 * make-before-break (plan.ts, rotate.ts) are the same for every kind; what differs is here: which of the app's
 * credentials are of the kind, how one is added, removed and checked (each through the ports' own methods), what a
 * person calls it, and what a target receives. Plan, log, summary and report ask the kind; none knows each one.
 */
import type { AppRegistration, CredentialInfo, PasswordInfo } from './model';
import type { Directory, SecretVerifier } from './ports';
import type { Secret } from './secret';

export type CredentialKindId = 'client-secret';

/** A credential this run added: its metadata and its value, masked the moment it existed. */
export interface NewCredential {
  info: CredentialInfo;
  value: Secret;
}

/** Credentials of an app the expiry report lists: every kind this action rotates, and the ones it only reports. */
export interface CredentialListing {
  /** What a person calls one: `client secret`. */
  readonly noun: string;
  /** The app's credentials of this kind as read; undefined when they were not read. */
  of(app: AppRegistration): readonly CredentialInfo[] | undefined;
}

export interface CredentialKind extends CredentialListing {
  readonly id: CredentialKindId;
  /** The same, where the sentence already says what it is about (`the newest managed secret`). */
  readonly short: string;
  /** What tells two credentials apart without their value, as a column heading: `Hint`. */
  readonly detailHeading: string;
  /** That detail of one credential (`Abc…`), never its value. */
  detail(c: CredentialInfo): string;
  /** The app with these as its credentials of this kind (what the expiry report reads after a run). */
  withCredentials(app: AppRegistration, credentials: CredentialInfo[]): AppRegistration;
  /** Adds one. The adapter masks the value the moment it has it. */
  add(directory: Directory, app: AppRegistration, displayName: string, endDateTime: Date): Promise<NewCredential>;
  /** Resolves only once it is gone (see Directory.removePassword). */
  remove(directory: Directory, app: AppRegistration, keyId: string): Promise<void>;
  /** Resolves once Entra accepts the new credential for the app (see SecretVerifier.accepts). */
  accepts(verifier: SecretVerifier, app: AppRegistration, value: Secret, options: { servicePrincipalMayBeMissing: boolean }): Promise<'accepted' | 'no-service-principal'>;
  /**
   * The azure/login JSON key that carries the value (`clientSecret`), or undefined when azure/login cannot sign in
   * with this kind (then a `credentials` target is an input error, found by config before any request).
   */
  readonly azureLoginKey: string | undefined;
}

function hasHint(c: CredentialInfo): c is PasswordInfo {
  return 'hint' in c;
}

export const CLIENT_SECRET: CredentialKind = {
  id: 'client-secret',
  noun: 'client secret',
  short: 'secret',
  detailHeading: 'Hint',
  detail: (c) => `${hasHint(c) ? (c.hint ?? '?') : '?'}…`,
  of: (app) => app.passwordCredentials,
  withCredentials: (app, credentials) => ({ ...app, passwordCredentials: credentials.map(asPassword) }),
  add: (directory, app, displayName, endDateTime) => directory.addPassword(app, displayName, endDateTime),
  remove: (directory, app, keyId) => directory.removePassword(app, keyId),
  accepts: (verifier, app, value, options) => verifier.accepts(app, value, options),
  azureLoginKey: 'clientSecret',
};

/** Every kind this action rotates. */
export const CREDENTIAL_KINDS: readonly CredentialKind[] = [CLIENT_SECRET];

/** Certificates (keyCredentials): reported on, not rotated yet. Lookups leave them unread (Directory.certificates). */
const CERTIFICATES: CredentialListing = { noun: 'certificate', of: (app) => app.keyCredentials };

/** What the expiry report lists of each app, in this order. */
export const REPORTED_CREDENTIALS: readonly CredentialListing[] = [CLIENT_SECRET, CERTIFICATES];

export function credentialKind(id: CredentialKindId): CredentialKind {
  const kind = CREDENTIAL_KINDS.find((k) => k.id === id);
  if (kind === undefined) throw new Error(`internal: no credential kind '${id}'`);
  return kind;
}

function asPassword(c: CredentialInfo): PasswordInfo {
  return hasHint(c) ? c : { ...c, hint: null };
}
