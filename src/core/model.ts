/** The facts the action reasons about. Pure data: no I/O, no SDK types. */

export type SignInAudience =
  | 'AzureADMyOrg'
  | 'AzureADMultipleOrgs'
  | 'AzureADandPersonalMicrosoftAccount'
  | 'PersonalMicrosoftAccount';

export const SIGN_IN_AUDIENCES: readonly SignInAudience[] = [
  'AzureADMyOrg',
  'AzureADMultipleOrgs',
  'AzureADandPersonalMicrosoftAccount',
  'PersonalMicrosoftAccount',
];

/** A credential of an app as Graph lists it, of any kind (credential-kind.ts): metadata, never a value. */
export interface CredentialInfo {
  keyId: string;
  /** The description: a credential is managed by this action when it is the credential-name. */
  displayName: string | null;
  startDateTime: Date;
  endDateTime: Date;
}

/** A client secret as Graph shows it after creation (no value). */
export interface PasswordInfo extends CredentialInfo {
  hint: string | null;
}

/** A certificate of an app (keyCredentials) as Graph lists it: metadata only. */
export interface CertificateInfo extends CredentialInfo {
  /** AsymmetricX509Cert, Symmetric, ... */
  type: string | null;
  /** SHA-1 thumbprint, 40 upper-case hex digits (Graph's customKeyIdentifier, as the portal shows it), when known. */
  thumbprint?: string;
}

/**
 * What a target of a certificate credential receives: `pem`, the PKCS#8 private key then the certificate (what
 * @azure/identity's ClientCertificateCredential and `az login --certificate` read), or `pfx`, base64 of a PKCS#12
 * bundle with an empty password (what Terraform's azurerm and azuread providers read from ARM_CLIENT_CERTIFICATE).
 */
export type CertificateFormat = 'pem' | 'pfx';

export interface AppRegistration {
  /** Object id. */
  id: string;
  /** Application (client) id. */
  appId: string;
  displayName: string;
  signInAudience: string;
  passwordCredentials: PasswordInfo[];
  /**
   * Certificates: never rotated by this action, only reported on. Absent: not read. Graph allows 150 reads a minute
   * per tenant that select keyCredentials (each batch item counts), so lookups leave them out and the expiry report
   * reads them (Directory.certificates).
   */
  keyCredentials?: CertificateInfo[];
  /** The declarable properties, as read. */
  settings: AppSettings;
}

/**

 * Where values are written on GitHub: Actions secrets of a repository, of one of its environments or of an
 * organisation (no `repo`); Dependabot or Codespaces secrets of a repository or an organisation; Actions variables
 * (`variables`) of a repository, an environment or an organisation.
 */
export interface GitHubScope {
  service: 'actions' | 'dependabot' | 'codespaces' | 'variables';
  owner: string;
  /** Absent: the organisation `owner`. */
  repo?: string;
  /** Only with `repo`, and the actions or variables service. */
  environment?: string;
}

/** An Azure Key Vault, by its URL (`https://<vault>.vault.azure.net`, no path): its secrets are targets. */
export interface KeyVaultScope {
  service: 'key-vault';
  vaultUrl: string;
}

/** Where a target is kept (home-kind.ts says what kind of home each is). */
export type Scope = GitHubScope | KeyVaultScope;

export function isKeyVault(scope: Scope): scope is KeyVaultScope {
  return scope.service === 'key-vault';
}

export type OrgVisibility = 'all' | 'private' | 'selected';

/** Which repositories of an organisation may use an organisation secret. */
export interface OrgAccess {
  visibility: OrgVisibility;
  /** Repository names (not owner/name), with visibility selected; empty otherwise. */
  repositories: string[];
}

/** What a target secret holds. Only `secret` and `credentials` carry the client secret value. */
export type TargetKind = 'secret' | 'credentials' | 'client-id' | 'tenant-id';

export interface Target<S extends Scope = Scope> {
  scope: S;
  name: string;
  kind: TargetKind;
  /** Organisation scopes only: the visibility and selected repositories to hold the secret with. */
  access?: OrgAccess;
  /** `credentials` targets only: the subscriptionId of the azure/login JSON. */
  subscriptionId?: string;
}

/** What a home shows of a stored value without its value (a variable's value excepted: it is not secret). */
export interface StoredSecretInfo {
  updatedAt: Date;
  /** Organisation secrets and variables only. */
  visibility?: OrgVisibility;
  /** Key Vault secrets: the key id of the credential the latest version holds (its tag), when it has one. */
  holds?: string;
  /** Variables: the value, which a variable shows (it is not secret). */
  value?: string;
}

/** An Actions variable as GitHub lists it: unlike a secret, its value reads back. */
export interface StoredVariableInfo {
  value: string;
  updatedAt: Date;
  /** Organisation variables only. */
  visibility?: OrgVisibility;
}

export function carriesSecretValue(kind: TargetKind): boolean {
  return kind === 'secret' || kind === 'credentials';
}

/** What a person calls the secrets of a service other than Actions, as a label's prefix. */
const SERVICE_PREFIX: Record<GitHubScope['service'], string> = { actions: '', dependabot: 'Dependabot, ', codespaces: 'Codespaces, ', variables: 'variables of ' };

export function scopeLabel(scope: Scope): string {
  if (isKeyVault(scope)) return `Key Vault ${scope.vaultUrl}`;
  const prefix = SERVICE_PREFIX[scope.service];
  if (scope.repo === undefined) return `${prefix}organisation ${scope.owner}`;
  const repo = `${scope.owner}/${scope.repo}`;
  return scope.environment === undefined ? `${prefix}repository ${repo}` : `${prefix}environment '${scope.environment}' of ${repo}`;
}

export function targetLabel(t: Target): string {
  return `${t.name} (${scopeLabel(t.scope)})`;
}

/** Identifies a scope: GitHub compares owner, repository and environment names case-insensitively, hosts are too. */
export function scopeKey(scope: Scope): string {
  if (isKeyVault(scope)) return `key-vault:${scope.vaultUrl}`.toLowerCase();
  return `${scope.service}:${scope.owner}/${scope.repo ?? ''}#${scope.environment ?? ''}`.toLowerCase();
}

/** Each scope once, in first-seen order. */
export function uniqueScopes(targets: readonly Target[]): Scope[] {
  return [...new Map(targets.map((t) => [scopeKey(t.scope), t.scope])).values()];
}

export interface PermissionRef {
  id: string;
  type: 'Scope' | 'Role';
}

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: PermissionRef[];
}

/** The properties of an app registration that a workflow may declare. */
export interface AppSettings {
  signInAudience: string;
  webRedirectUris: string[];
  spaRedirectUris: string[];
  publicClientRedirectUris: string[];
  isFallbackPublicClient: boolean | null;
  requiredResourceAccess: RequiredResourceAccess[];
  tags: string[];
  notes: string | null;
  /**
   * The complex properties as read (web, spa, publicClient, api): a PATCH sends them whole, with only the
   * declared part changed, so nothing else in them is lost whether Graph merges or replaces complex values.
   */
  raw: Partial<Record<'web' | 'spa' | 'publicClient' | 'api', Record<string, unknown>>>;
}

/** A new app's properties before any is declared. */
export function newAppSettings(signInAudience: string): AppSettings {
  return {
    signInAudience,
    webRedirectUris: [],
    spaRedirectUris: [],
    publicClientRedirectUris: [],
    isFallbackPublicClient: null,
    requiredResourceAccess: [],
    tags: [],
    notes: null,
    raw: {},
  };
}

/** A resource API's service principal: what permissions it offers. */
export interface ResourceApi {
  appId: string;
  displayName: string;
  scopes: Array<{ id: string; value: string }>;
  roles: Array<{ id: string; value: string }>;
}

export interface FederatedCredential {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
}
