/**
 * A credential kind: what the action rotates on an app (a client secret, or a certificate). The rules of
 * make-before-break (plan.ts, rotate.ts) are the same for every kind; what differs is here: which of the app's
 * credentials are of the kind, how one is added, removed and checked (each through the ports' own methods), what a
 * person calls it, and what a target receives. Plan, log, summary and report ask the kind; none knows each one.
 */
import type { AppRegistration, CertificateFormat, CertificateInfo, CredentialInfo, PasswordInfo } from './model';
import type { Directory, SecretVerifier } from './ports';
import type { Secret } from './secret';

export type CredentialKindId = 'client-secret' | 'certificate';

/** A credential this run added: its metadata and its value, masked the moment it existed. */
export interface NewCredential {
  info: CredentialInfo;
  value: Secret;
  /** What the verifier signs in with, when the value's form cannot serve (a certificate as PFX: its PEM). */
  signIn?: Secret;
}

export interface CredentialKind {
  readonly id: CredentialKindId;
  /** What a person calls one: `client secret`. */
  readonly noun: string;
  /** The same, where the sentence already says what it is about (`the newest managed secret`). */
  readonly short: string;
  /** What tells two credentials apart without their value, as a column heading: `Hint`. */
  readonly detailHeading: string;
  /** That detail of one credential (`Abc…`), never its value. */
  detail(c: CredentialInfo): string;
  /** The app's credentials of this kind as read; undefined when they were not read. */
  of(app: AppRegistration): readonly CredentialInfo[] | undefined;
  /** The app's credentials of this kind as they are now (a fresh read: the Directory's own way to read them). */
  read(directory: Directory, app: AppRegistration): Promise<readonly CredentialInfo[] | undefined>;
  /** The app with these as its credentials of this kind (what the expiry report reads after a run). */
  withCredentials(app: AppRegistration, credentials: CredentialInfo[]): AppRegistration;
  /** Adds one. The adapter masks the value the moment it has it. */
  add(directory: Directory, app: AppRegistration, displayName: string, endDateTime: Date): Promise<NewCredential>;
  /** Resolves only once it is gone (see Directory.removePassword). */
  remove(directory: Directory, app: AppRegistration, keyId: string): Promise<void>;
  /**
   * After the targets took the new credential (and again after the removals): it is still on the app, or is put
   * back. Adding is atomic for a client secret (nothing to check: no request); a certificate is added by a PATCH of
   * the whole keyCredentials collection, which another run's PATCH, built from an older read, can undo.
   */
  keep(directory: Directory, app: AppRegistration, added: CredentialInfo): Promise<'there' | 'restored'>;
  /** The form of the value a target receives: a secret's text, a PEM (key and certificate), or base64 of a PFX. */
  readonly valueForm: 'text' | 'pem' | 'pfx';
  /** Resolves once Entra accepts the new credential for the app (see SecretVerifier.accepts). */
  accepts(verifier: SecretVerifier, app: AppRegistration, added: NewCredential, options: { servicePrincipalMayBeMissing: boolean }): Promise<'accepted' | 'no-service-principal'>;
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
  read: async (directory, app) => (await directory.appByAppId(app.appId))?.passwordCredentials,
  withCredentials: (app, credentials) => ({ ...app, passwordCredentials: credentials.map(asPassword) }),
  add: (directory, app, displayName, endDateTime) => directory.addPassword(app, displayName, endDateTime),
  remove: (directory, app, keyId) => directory.removePassword(app, keyId),
  keep: () => Promise.resolve('there'),
  valueForm: 'text',
  accepts: (verifier, app, added, options) => verifier.accepts(app, added.value, options),
  azureLoginKey: 'clientSecret',
};

function isCertificate(c: CredentialInfo): c is CertificateInfo {
  return 'type' in c;
}

/**
 * A certificate credential (keyCredentials), made in the run; targets receive it as `format` says. Lookups leave
 * an app's certificates unread (Graph caps reads that select them): the inventory reads them for the apps that
 * rotate one (Directory.certificates).
 */
export function certificateKind(format: CertificateFormat): CredentialKind {
  return format === 'pem' ? CERTIFICATE_PEM : CERTIFICATE_PFX;
}

function certificate(format: CertificateFormat): CredentialKind {
  return {
    id: 'certificate',
    noun: 'certificate',
    short: 'certificate',
    detailHeading: 'Thumbprint',
    detail: (c) => (isCertificate(c) ? (c.thumbprint ?? '?') : '?'),
    of: (app) => app.keyCredentials,
    // Lookups leave certificates out: they are read on their own.
    read: async (directory, app) => (await directory.certificates([app])).get(app.id),
    withCredentials: (app, credentials) => ({ ...app, keyCredentials: credentials.map(asCertificate) }),
    add: (directory, app, displayName, endDateTime) => directory.addCertificate(app, displayName, endDateTime, format).then(({ info, value, pem }) => ({ info, value, signIn: pem })),
    remove: (directory, app, keyId) => directory.removeCertificate(app, keyId),
    keep: (directory, app, added) => directory.keepCertificate(app, added.keyId),
    valueForm: format,
    accepts: (verifier, app, added, options) => verifier.acceptsCertificate(app, added.signIn ?? added.value, options),
    // azure/login signs in with a client secret or OIDC only: config refuses a credentials target with a certificate.
    azureLoginKey: undefined,
  };
}

const CERTIFICATE_PEM = certificate('pem');
const CERTIFICATE_PFX = certificate('pfx');

/** What the expiry report lists of each app, in this order (a kind's credentials, whatever its format). */
export const REPORTED_CREDENTIALS: readonly CredentialKind[] = [CLIENT_SECRET, CERTIFICATE_PEM];

function asCertificate(c: CredentialInfo): CertificateInfo {
  return isCertificate(c) ? c : { ...c, type: 'AsymmetricX509Cert' };
}

function asPassword(c: CredentialInfo): PasswordInfo {
  return hasHint(c) ? c : { ...c, hint: null };
}
