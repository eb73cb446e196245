/**
 * Public types of the local service emulator (Entra ID token endpoint, Microsoft Graph v1.0 application
 * management, GitHub Actions OIDC ID-token endpoint, GitHub REST secrets API, Azure Key Vault's secrets data plane).
 */

import type * as Graph from '@microsoft/microsoft-graph-types';

export type Service = 'entra' | 'graph' | 'github' | 'oidc' | 'keyvault';

/**
 * A model of a Graph resource: `S` names only properties of Graph's type `T` (from @microsoft/microsoft-graph-types;
 * a misspelt name does not compile), each of a type `T` allows, narrowed to what Graph always returns.
 */
export type GraphShape<T, S extends { [K in keyof S]: K extends keyof T ? T[K] : never }> = S;

/** Any of Graph's property names of `T`, of any value: what a wire object built from loose parts `satisfies`. */
export type GraphNamed<T> = { [K in keyof T]?: unknown };

export interface RequestLogEntry {
  /** Global request index across the four servers, 0-based; equals the entry's position in `log` (reset by resetCounters). */
  index: number;
  service: Service;
  method: string;
  /** Path and query exactly as received. */
  path: string;
  /** Status sent; 0 when the connection was dropped (or the request is still in flight). */
  status: number;
  /**
   * Id of the TLS connection (socket) the request arrived on, global across servers, never reset. Every request
   * of one HTTP/1.1 keep-alive connection or one HTTP/2 session shares it.
   */
  connection: number;
  /**
   * The remote port of that TLS connection as the server saw it: the client's own port, or, through a proxy, the
   * local port of the proxy's socket to this server (test/proxy.ts records those).
   */
  remotePort: number;
  /** HTTP version the request used: '2.0' when the client negotiated h2 through ALPN, otherwise '1.1'. */
  protocol: '1.1' | '2.0';
  requestId: string;
  /** When the request arrived (ms since the epoch): spacing between requests is read from it. */
  at: number;
  /** When it was answered, dropped or abandoned (ms since the epoch); absent while in flight or parked. */
  doneAt?: number;
  /** Which fault was applied, e.g. 'status 503', 'drop', 'drop-after (handled 200)'. */
  fault?: string;
  /**
   * Who sent it: the rotator's client id (a token request as that rotator, a Graph request with a token issued
   * to it) or the GitHub token's label (see EmulatorGitHub.addToken). A request whose credentials name neither (a
   * token request with an app's own secret, an ID-token request) gets the caller last named on the same TLS
   * connection, since one process holds a connection; undefined when there is none. Set once the body is read.
   */
  principal?: string;
  /** True while a hold keeps the request parked (see Emulator.hold). */
  parked?: boolean;
  /**
   * Graph JSON batching: set on each request carried inside a `POST /v1.0/$batch`, to the log index of that
   * envelope. Envelope and items are all logged: count `e.batch === undefined` for HTTP requests, `e.path ===
   * '/v1.0/$batch'` for envelopes, `e.batch !== undefined` for batched requests.
   */
  batch?: number;
}

export interface FaultMatch {
  service?: Service;
  method?: string;
  path?: RegExp;
  /** Global request index as in the log. */
  index?: number;
  /**
   * Only from the n-th request (1-based) that matches the rest of `match`: the n-th token request, say. With
   * `times: Infinity` the fault hits the n-th and every later matching request (retries of it included):
   * "persistent from request n on".
   */
  occurrence?: number;
  /**
   * true: only requests carried inside a Graph `$batch` (items); false: only requests sent on their own (batch
   * envelopes included); absent: both. `drop` and `drop-after` never apply to a batch item (an item has no
   * connection of its own): aim them at the envelope (`path: /\$batch/`).
   */
  batched?: boolean;
}

export interface Fault {
  match?: FaultMatch;
  /** How many matching requests it hits (from `match.occurrence` on). Default 1; Infinity = persistent. */
  times?: number;
  /**
   * status: answer `status` (body in the service's error shape) instead of handling: the request is NOT processed;
   * drop: destroy the TLS connection without handling: NOT processed, no answer;
   * drop-after: handle the request (state changes happen) and destroy the TLS connection instead of replying:
   * processed, the answer is lost.
   * status-after: handle the request (state changes happen), then answer `status` instead of the real reply:
   * processed, the answer says it failed.
   *
   * A drop destroys the whole connection, as a reset on the way would: no response, no HTTP/2 GOAWAY or
   * RST_STREAM, no TLS close_notify. Under HTTP/1.1 a Node client sees ECONNRESET ('socket hang up'). Under
   * HTTP/2 every request in flight on that session fails with it, and a node:http2 client sees NO error event:
   * the stream ends and closes (rstCode NGHTTP2_CANCEL) without a 'response' event, and the session closes.
   */
  kind: 'status' | 'drop' | 'drop-after' | 'status-after';
  status?: number;
  /** Error code in the body: Graph error.code, Entra `error`, GitHub/OIDC `message`. */
  code?: string;
  /** Retry-After header value. */
  retryAfter?: string;
}

/** What faults.add returns: the fault and how many requests it hit so far. */
export interface FaultHandle {
  readonly fault: Fault;
  readonly fired: number;
}

export interface FaultCount {
  fault: Fault;
  fired: number;
}

/** Which requests a hold parks: the fields given must all match (as in FaultMatch), `principal` exactly. */
export interface HoldMatch {
  service?: Service;
  method?: string;
  path?: RegExp;
  principal?: string;
}

export interface HoldRule {
  /** A predicate on the log entry (service, method, path, principal are set when it is asked), or fields. */
  match: HoldMatch | ((entry: RequestLogEntry) => boolean);
  /** Called when a request is parked. */
  onParked?: (request: ParkedRequest) => void;
}

export interface ParkedRequest {
  /** The request's log index; pass it to Emulator.release. */
  id: number;
  entry: RequestLogEntry;
  /** The request body as text (GitHub values are sealed). */
  body: string;
}

export interface Hold {
  /** Stops parking; releases the requests this hold parked. Resolves when they have been answered. */
  remove(): Promise<RequestLogEntry[]>;
}

export type PasswordCredential = GraphShape<Graph.PasswordCredential, {
  keyId: string;
  displayName: string | null;
  hint: string;
  startDateTime: string;
  endDateTime: string;
  customKeyIdentifier: null;
  /** Kept server-side, never returned by reads (only once, by addPassword). */
  secretText: string;
}>;

export type FederatedIdentityCredential = GraphShape<Graph.FederatedIdentityCredential, {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
}>;

export type RequiredResourceAccess = GraphShape<Graph.RequiredResourceAccess, {
  resourceAppId: string;
  resourceAccess: Array<GraphShape<Graph.ResourceAccess, { id: string; type: 'Scope' | 'Role' }>>;
}>;

export type WebApplication = GraphShape<Graph.WebApplication, {
  redirectUris: string[];
  homePageUrl: string | null;
  logoutUrl: string | null;
  implicitGrantSettings: GraphShape<Graph.ImplicitGrantSettings, { enableAccessTokenIssuance: boolean | null; enableIdTokenIssuance: boolean | null }>;
  redirectUriSettings: Graph.RedirectUriSettings[];
}>;

export type ApiApplication = GraphShape<Graph.ApiApplication, {
  acceptMappedClaims: boolean | null;
  knownClientApplications: string[];
  requestedAccessTokenVersion: number | null;
  oauth2PermissionScopes: Graph.PermissionScope[];
  preAuthorizedApplications: Graph.PreAuthorizedApplication[];
}>;

/** An application: Graph's properties (GraphAppProperties), and what the emulator keeps beside them. */
export type GraphApp = GraphAppProperties & {
  /** Owners, as rotator clientIds (or raw directory object ids added through owners/$ref). */
  owners: string[];
  /** Every other writable property of microsoft.graph.application that was set (info, optionalClaims, keyCredentials, ...). */
  extra: Record<string, unknown>;
};

export type GraphAppProperties = GraphShape<Graph.Application, {
  id: string;
  appId: string;
  displayName: string;
  description: string | null;
  signInAudience: string;
  createdDateTime: string;
  uniqueName: string | null;
  passwordCredentials: PasswordCredential[];
  web: WebApplication;
  spa: { redirectUris: string[] };
  publicClient: { redirectUris: string[] };
  isFallbackPublicClient: boolean | null;
  requiredResourceAccess: RequiredResourceAccess[];
  identifierUris: string[];
  tags: string[];
  notes: string | null;
  api: ApiApplication;
  appRoles: Graph.AppRole[];
  federatedIdentityCredentials: FederatedIdentityCredential[];
}>;

export type AppRole = GraphShape<Graph.AppRole, {
  allowedMemberTypes: string[];
  description: string;
  displayName: string;
  id: string;
  isEnabled: boolean;
  origin: string;
  value: string;
}>;

export type PermissionScope = GraphShape<Graph.PermissionScope, {
  adminConsentDescription: string;
  adminConsentDisplayName: string;
  id: string;
  isEnabled: boolean;
  type: 'User' | 'Admin';
  userConsentDescription: string | null;
  userConsentDisplayName: string | null;
  value: string;
}>;

/** A service principal: Graph's properties, and createdDateTime (Graph returns it; v1.0's metadata does not list it). */
export type GraphServicePrincipal = GraphServicePrincipalProperties & { createdDateTime: string | null };

export type GraphServicePrincipalProperties = GraphShape<Graph.ServicePrincipal, {
  id: string;
  appId: string;
  displayName: string;
  appDisplayName: string;
  appOwnerOrganizationId: string;
  accountEnabled: boolean;
  appRoleAssignmentRequired: boolean;
  servicePrincipalNames: string[];
  servicePrincipalType: string;
  signInAudience: string;
  tags: string[];
  appRoles: AppRole[];
  oauth2PermissionScopes: PermissionScope[];
  /** The service principal's own passwords (POST /servicePrincipals/{id}/addPassword); absent: none. */
  passwordCredentials?: PasswordCredential[];
}>;

export interface RotatorInput {
  clientId: string;
  secret?: string;
  federatedSubject?: string;
  /** Default ['Application.ReadWrite.OwnedBy']. */
  roles?: string[];
}

export interface SeedAppInput {
  displayName: string;
  signInAudience?: string;
  uniqueName?: string;
  /** Rotator clientIds; default: every rotator added so far. */
  ownedBy?: string[];
  passwords?: Array<{ displayName: string | null; startDateTime: string; endDateTime: string }>;
  /** Default true: the app has a service principal (so its secrets can sign in). */
  servicePrincipal?: boolean;
  requiredResourceAccess?: RequiredResourceAccess[];
  federatedIdentityCredentials?: Array<Omit<FederatedIdentityCredential, 'id' | 'description'> & { description?: string | null }>;
  /**
   * Certificates (keyCredentials), stored as a PATCH of keyCredentials stores them: type AsymmetricX509Cert, usage
   * Verify, a new keyId (unless given), customKeyIdentifier the SHA-1 thumbprint (40 upper-case hex digits), the
   * certificate's bytes as `key` (shown only by a single-app GET with `$select=keyCredentials`). Either a real
   * certificate (`certificate`: PEM text or DER bytes; its validity gives start and end unless given), or metadata
   * only, for which the emulator makes a self-signed certificate (EC P-256, a key nobody holds) with that validity.
   */
  certificates?: SeedCertificate[];
}

export type SeedCertificate =
  | { displayName: string | null; startDateTime: string; endDateTime: string; keyId?: string }
  | { certificate: string | Buffer; displayName?: string | null; keyId?: string };

/** A certificate of an app as the emulator holds it (Emulator.certificates): its entry and its bytes. */
export interface CertificateView {
  keyId: string;
  displayName: string | null;
  customKeyIdentifier: string | null;
  startDateTime: string;
  endDateTime: string;
  type: string;
  usage: string;
  /** The certificate's DER bytes; null only for an entry a test pushed by hand without `key`. */
  der: Buffer | null;
  /** Upper-case hex SHA-1 of `der` (the thumbprint x5t names), or null without bytes. */
  thumbprint: string | null;
}

export type Permission = 'write' | 'read' | 'none';

export interface GitHubPermissions {
  /** Repository permission "Secrets" (repository secrets). */
  secrets?: Permission;
  /** Repository permission "Environments" (environment secrets). */
  environments?: Permission;
  /** Organization permission "Secrets" (organization secrets). */
  orgSecrets?: Permission;
  /** Permission "Dependabot secrets" (Dependabot secrets of repositories and organizations). */
  dependabotSecrets?: Permission;
  /** Repository permission "Codespaces secrets" (`codespaces_secrets`; GitHub asks write even to list them). */
  codespacesSecrets?: Permission;
  /** Organization permission "Organization codespaces secrets" (`organization_codespaces_secrets`). */
  orgCodespacesSecrets?: Permission;
  /** Repository permission "Variables" (`actions_variables`): repository variables (environment ones need "Environments"). */
  variables?: Permission;
  /** Organization permission "Variables" (`organization_actions_variables`). */
  orgVariables?: Permission;
}

/**
 * A secrets scope: Actions secrets by default, Dependabot secrets with `dependabot: true`, Codespaces secrets with
 * `codespaces: true` (no environment with either).
 */
export type GitHubScope = { repo: string; environment?: string; dependabot?: boolean; codespaces?: boolean } | { org: string; dependabot?: boolean; codespaces?: boolean };

/** An Actions variables scope: a repository, one of its environments, or an organization. */
export type GitHubVariableScope = { repo: string; environment?: string } | { org: string };

/** An Actions variable as the emulator holds it; `repositories` (names, sorted) for an organization one with visibility selected. */
export interface GitHubVariableView {
  name: string;
  value: string;
  created_at: string;
  updated_at: string;
  visibility?: 'all' | 'private' | 'selected';
  repositories?: string[];
}

/** Who may use an organization secret: repository names (not owner/name) with visibility selected. */
export interface GitHubOrgAccess {
  visibility: 'all' | 'private' | 'selected';
  repositories: string[];
}

/**
 * GitHub's secondary rate limit, switched on by emu.github.secondaryLimit: a content-creating request (PUT, POST,
 * PATCH, DELETE) beyond `max` processed in the last `windowMs` answers `status` with GitHub's message ("You have
 * exceeded a secondary rate limit...") and is not processed. `signal` says how the answer names the wait:
 * `retry-after` (seconds), `reset` (`x-ratelimit-remaining: 0` and `x-ratelimit-reset`, epoch seconds) or `none`.
 * The wait named is `retryAfterS`, by default the time until the window has room again (at least 1 s).
 */
export interface SecondaryLimit {
  max: number;
  windowMs: number;
  status: 403 | 429;
  signal: 'retry-after' | 'reset' | 'none';
  retryAfterS?: number;
}

/**
 * GitHub's limits on content-creating requests (emu.github.contentLimit): "in general" at most 80 a minute and 500
 * an hour, secret writes counted as if they were content (GitHub does not say whether they are).
 */
export interface ContentLimit {
  perHour: number;
  perMinute: number;
}

export interface GitHubSecretMeta {
  name: string;
  created_at: string;
  updated_at: string;
  visibility?: 'all' | 'private' | 'selected';
}

export interface EmulatorGitHub {
  /**
   * kind 'pat': a personal access token, default permissions all 'write' (a token starting `ghp_` is a classic one:
   * the API root and every secrets or variables answer show its scopes, `x-oauth-scopes`, and the scope the route
   * needs, `x-accepted-oauth-scopes`). kind 'app': a GitHub App installation token, default permissions all 'write',
   * refused as GitHub refuses an integration ("Resource not accessible by integration", with the permission it
   * lacks). kind 'GITHUB_TOKEN': cannot use the secrets or variables API at all. `label` names the token in the
   * request log (RequestLogEntry.principal); default `${kind}-${n}` (n counts the tokens added).
   */
  addToken(token: string, kind: 'pat' | 'app' | 'GITHUB_TOKEN', permissions?: GitHubPermissions, label?: string): void;
  /** Adds a repository (once; again adds environments) and returns its id: stable, numeric, as GET /repos/{o}/{r} shows it. */
  addRepo(fullName: string, environments?: string[]): number;
  /** The id of a repository added with addRepo. */
  repoId(fullName: string): number;
  addEnvironment(fullName: string, environment: string): void;
  /** Adds an organization with its Actions, Dependabot and Codespaces secrets scopes (own public keys) and its variables; its repositories are `org/…`. */
  addOrg(org: string): void;
  /** Plaintext of a stored secret (opened with the scope's private key at PUT time and kept). */
  open(scope: GitHubScope, name: string): string | undefined;
  secret(scope: GitHubScope, name: string): GitHubSecretMeta | undefined;
  /** Every secret of a scope (metadata), sorted by name. */
  secrets(scope: GitHubScope): GitHubSecretMeta[];
  /** Visibility and selected repositories (names, sorted) of an organization secret; undefined if there is none. */
  access(org: string, name: string, options?: { dependabot?: boolean; codespaces?: boolean }): GitHubOrgAccess | undefined;
  /** Seed a secret directly; `access` for an organization secret (default: as before, or private). */
  putPlain(scope: GitHubScope, name: string, value: string, updatedAt?: string, access?: GitHubOrgAccess): void;
  /** The scope's public key as served by GET .../public-key. */
  publicKey(scope: GitHubScope): { key_id: string; key: string } | undefined;
  /** An Actions variable as stored (value, times, and for an organization its visibility and selected repositories). */
  variable(scope: GitHubVariableScope, name: string): GitHubVariableView | undefined;
  /** Every variable of a scope, sorted by name. */
  variables(scope: GitHubVariableScope): GitHubVariableView[];
  /** Seed a variable directly (created, or its value replaced); `access` for an organization one (default: as before, or private). */
  putVariable(scope: GitHubVariableScope, name: string, value: string, updatedAt?: string, access?: GitHubOrgAccess): void;
  /** Switches GitHub's secondary rate limit on (see SecondaryLimit) or, with undefined, off; either way its count restarts. */
  secondaryLimit(limit: SecondaryLimit | undefined): void;
  /**
   * Switches GitHub's content-creating window on (see ContentLimit) or, with undefined, off; either way its count
   * restarts. Past it a PUT, POST, PATCH or DELETE answers 403 "You have exceeded a secondary rate limit" with a
   * retry-after of the seconds until the window has room (up to an hour), unprocessed and uncounted.
   */
  contentLimit(limit: ContentLimit | undefined): void;
  /** Content-creating requests the window counted in the last hour. */
  contentWrites(): number;
  /**
   * Whether `PUT …/secrets/{name}/repositories` moves the organisation secret's updated_at. GitHub does not document
   * it; default false. Tests set it true to hold the action to not depending on it.
   */
  selectionPutMovesUpdatedAt: boolean;
}

export interface EmulatorFaults {
  /** Adds a fault; the handle's `fired` counts the requests it hit. */
  add(f: Fault): FaultHandle;
  /** Every fault added since the last clear, in order, with how many requests it hit. */
  fired(): FaultCount[];
  clear(): void;
  /**
   * After the NEXT POST /applications, the next `times` Graph requests addressing the new app (by id or appId)
   * answer 404 Request_ResourceNotFound, and the next `times` POST /servicePrincipals for its appId answer
   * 400 NoBackingApplicationObject.
   */
  replicationLag(times: number): void;
  /**
   * A password added by addPassword is refused by the token endpoint (AADSTS7000215) for this long; so is a
   * certificate added by a PATCH of keyCredentials (AADSTS700027, key not found), as Entra is slow to see new
   * credentials. Default 0.
   */
  secretPropagationMs: number;
  /**
   * The next n removePassword calls for a secret added through addPassword answer 400 "No password credential
   * found" and leave it in place, as Graph can right after the secret was added (replication lag).
   */
  newKeyRemovalLag: number;
  /**
   * The next n listings of an app's federated credentials leave out the one added last, as a Graph listing can
   * right after the POST that made it (replication lag).
   */
  federatedListLag: number;
  /**
   * Graph throttling: the next `count` Graph requests matching `match` (default: every Graph request, plain or
   * batched) answer 429 TooManyRequests with `Retry-After: retryAfterS`, unprocessed. A batch item hit by it is
   * a 429 item inside a 200 envelope, with its own Retry-After.
   */
  throttle(options: { count: number; retryAfterS: number; match?: FaultMatch }): FaultHandle;
  /**
   * After the NEXT POST /applications, the next `times` POST /servicePrincipals for its appId answer 403
   * Authorization_RequestDenied, unprocessed, as Graph can for a few seconds while the caller's ownership of the
   * new app is not replicated yet. Other apps are not affected.
   */
  ownershipLag(times: number): void;
}

export interface EmulatorPolicy {
  /** addPassword beyond it -> 400 CredentialInvalidLifetimeAsPerAppPolicy. */
  maxLifetimeDays?: number;
  /**
   * Default true, as in the real Graph: Application.ReadWrite.OwnedBy may READ every application and service
   * principal (only writes are limited to owned apps). Set false to make reads of non-owned apps 403 and
   * hide them from lists.
   */
  ownedByCanReadAll?: boolean;
  /**
   * Graph's cap on reads of certificates: at most this many application GETs a minute (rolling) whose `$select`
   * names keyCredentials (one app, a page of a listing, or a JSON batch item: each counts 1); beyond it 429
   * TooManyRequests with Retry-After (seconds until the minute has room), unprocessed and not counted. Graph's
   * limit is 150 per tenant; undefined (the default): no cap.
   */
  keyCredentialsPerMinute?: number;
  /**
   * True: the tenant's app management policy forbids new client secrets: addPassword answers 400
   * CredentialTypeNotAllowedAsPerAppPolicy. Default false.
   */
  passwordAdditionBlocked?: boolean;
  /**
   * The tenant's app management policy caps certificate lifetimes: a PATCH of keyCredentials adding a certificate
   * whose startDateTime-to-endDateTime span exceeds this many days answers 400 CredentialInvalidLifetimeAsPerAppPolicy
   * and changes nothing. Certificates already on the app (sent back unchanged) are not checked. Default: no cap.
   */
  maxCertificateLifetimeDays?: number;
}

export interface EmulatorUrls {
  /** 'https://127.0.0.1:P1', no trailing slash. */
  authority: string;
  /** 'https://127.0.0.1:P2', Graph root (the client appends /v1.0). */
  graph: string;
  /** 'https://127.0.0.1:P3' (GITHUB_API_URL). */
  github: string;
  /** 'https://127.0.0.1:P4/idtoken?api-version=2.0' (already has '?'). */
  idTokenRequestUrl: string;
  /**
   * 'https://127.0.0.1:P5': the Key Vault server. A vault is reached on this port by its own host name (the URL
   * emu.keyVault.addVault returns); this URL itself is a vault only once a vault at 127.0.0.1 is added.
   */
  keyVault: string;
}

/** Azure RBAC's built-in roles for secrets: "User" reads values and metadata; "Officer" does everything. */
export type KeyVaultRole = 'Key Vault Secrets Officer' | 'Key Vault Secrets User';

/** An access policy's secret permissions (backup and restore are not modelled). */
export type KeyVaultSecretPermission = 'get' | 'list' | 'set' | 'delete' | 'recover' | 'purge';

/**
 * How a vault grants access to secrets, by client id (case-insensitive): Azure RBAC (a role per principal; none:
 * 403 ForbiddenByRbac), or the access-policy model (permissions per principal; one missing: 403 ForbiddenByPolicy).
 */
export type KeyVaultAccess =
  | { rbac: Record<string, KeyVaultRole> }
  | { accessPolicies: Record<string, KeyVaultSecretPermission[]> };

/** A version to seed (emu.keyVault.seed / seedDeleted). */
export interface KeyVaultSeed {
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  expiresOn?: Date;
  notBefore?: Date;
  /** Default true. */
  enabled?: boolean;
  /** Its created and updated time (whole seconds); default now. */
  updatedOn?: Date;
}

/** One version of a secret as the vault holds it, without its value. */
export interface KeyVaultVersionView {
  /** As first written (names are case-insensitive). */
  name: string;
  /** 32 lower-case hex digits. */
  version: string;
  contentType: string | undefined;
  enabled: boolean;
  notBefore: Date | undefined;
  expiresOn: Date | undefined;
  createdOn: Date;
  updatedOn: Date;
  /** {} when the version has none. */
  tags: Record<string, string>;
}

/** A secret's latest version, how many it has, and whether it is soft-deleted. */
export interface KeyVaultSecretView extends KeyVaultVersionView {
  versionCount: number;
  deleted: boolean;
}

/**
 * Azure Key Vault's secrets data plane (see README.md, "Azure Key Vault"). Every method taking `vaultUrl` accepts
 * the vault's URL (any path and port ignored) or its host name, and throws for a vault that was not added.
 */
export interface EmulatorKeyVault {
  /**
   * Adds a vault at `host` (a host name: 'kv1.vault.emulator.test', '127.0.0.1', 'localhost'; or a URL) and returns
   * its URL, `https://<host>:<the Key Vault server's port>`. Default access: RBAC with no role for anyone. `name`
   * (default: the host's first label, or `vault-<n>` for an address) is what 403 messages and the resource id name.
   */
  addVault(host: string, access?: KeyVaultAccess, options?: { name?: string }): string;
  /** The vault's URL, name and Azure resource id (`/subscriptions/…/providers/Microsoft.KeyVault/vaults/<name>`). */
  vault(vaultUrl: string): { url: string; name: string; resourceId: string };
  /**
   * Changes one principal's access: a role on an RBAC vault, permissions on an access-policy vault; undefined
   * removes it. Throws when the grant does not fit the vault's model.
   */
  grant(vaultUrl: string, clientId: string, grant: KeyVaultRole | readonly KeyVaultSecretPermission[] | undefined): void;
  /** On: every authenticated request answers 403 Forbidden, inner ForbiddenByFirewall (the caller is outside the network rules). */
  firewall(vaultUrl: string, on: boolean): void;
  /** Plaintext of the latest version, or undefined (no such secret, or soft-deleted). */
  open(vaultUrl: string, name: string): string | undefined;
  /** Every version of a secret, oldest first, with tags and attributes (soft-deleted ones too); [] if none. */
  versions(vaultUrl: string, name: string): KeyVaultVersionView[];
  /** Every secret of the vault (its latest version), soft-deleted ones flagged, sorted by name. */
  secrets(vaultUrl: string): KeyVaultSecretView[];
  /** Adds a version, as a PUT would (a new secret, or a new latest version). */
  seed(vaultUrl: string, name: string, seed: KeyVaultSeed): KeyVaultVersionView;
  /** Adds a version and leaves the secret soft-deleted (a PUT of its name: 409 ObjectIsDeletedButRecoverable). */
  seedDeleted(vaultUrl: string, name: string, seed: KeyVaultSeed): KeyVaultVersionView;
  /** Whether the secret is soft-deleted now. */
  isDeleted(vaultUrl: string, name: string): boolean;
}

export interface Emulator {
  urls: EmulatorUrls;
  caPem: string;
  /** CA certificate file in a fresh temp dir (removed by close()). */
  caFile: string;
  tenantId: string;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  idTokenRequestToken: string;
  /** sub of issued GitHub ID tokens; default 'repo:octo/app:ref:refs/heads/main'. */
  oidcSubject: string;
  addRotator(r: RotatorInput): void;
  seedApp(a: SeedAppInput): GraphApp;
  /** Many apps at once (10,000 in well under a second): as seedApp each. */
  seedApps(apps: readonly SeedAppInput[]): GraphApp[];
  graph: { apps: GraphApp[]; servicePrincipals: GraphServicePrincipal[] };
  /**
   * The certificates (keyCredentials) of the app with this object id or appId, in the app's order, each with its
   * bytes: to compare a certificate byte for byte. Throws for an unknown app.
   */
  certificates(app: string): CertificateView[];
  github: EmulatorGitHub;
  /** Azure Key Vault's secrets data plane: vaults, their access, their secrets. */
  keyVault: EmulatorKeyVault;
  log: RequestLogEntry[];
  /** TLS connections accepted per server (since start or resetCounters), whatever protocol they then spoke. */
  tlsConnections(): Record<Service, number>;
  resetCounters(): void;
  /**
   * Every secret-like value the emulator issued or was given: client secrets (rotators', seeded and added
   * passwords), access tokens, GitHub ID tokens, the ID-token request token, GitHub tokens. Not the values
   * stored in GitHub secrets (those may be non-secret, e.g. a client id).
   */
  handedOut(): string[];
  faults: EmulatorFaults;
  policy: EmulatorPolicy;
  /**
   * Delay every request by `ms` (after its body is read, before the response or fault) on every server, under
   * HTTP/1.1 and HTTP/2 alike; parallel HTTP/2 streams are delayed in parallel, not one after the other.
   */
  setLatency(ms: number): void;
  /**
   * As if `ms` had passed: every stored timestamp moves `ms` into the past: passwords' startDateTime and
   * endDateTime (and keyCredentials' if set), apps' and service principals' createdDateTime, GitHub secrets'
   * created_at and updated_at in every scope, Key Vault versions' created and updated (and soft-deleted secrets'
   * dates), when each password was added (secretPropagationMs) and when access tokens expire.
   */
  age(ms: number): void;
  /**
   * Parks every request that matches `rule` (checked once its body is read, before faults and latency), until
   * release(id). Non-matching requests flow as usual. The first matching hold parks a request.
   */
  hold(rule: HoldRule): Hold;
  /** Requests parked now, in arrival order. */
  parked(): ParkedRequest[];
  /**
   * Lets a parked request be processed and answered (faults and latency apply then). Resolves with its log entry
   * once it has been answered, dropped, or abandoned by the client; rejects for an id that is not parked.
   */
  release(id: number): Promise<RequestLogEntry>;
  /** Releases every parked request; resolves once all have been answered. */
  releaseAll(): Promise<RequestLogEntry[]>;
  /** Requests received and not answered yet, parked ones excluded, in arrival order. */
  inFlight(): RequestLogEntry[];
  /** Stops the servers, destroying open connections and HTTP/2 sessions, and removes caFile. Parked requests are abandoned unanswered. */
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** Initial latency in ms (see setLatency); default 0. */
  latencyMs?: number;
  /**
   * Serve HTTP/1.1 only: ALPN selects http/1.1 when offered and refuses a client offering only h2 (TLS alert
   * no_application_protocol). Default false: every server speaks HTTP/2 (ALPN h2) and HTTP/1.1, like the real ones.
   */
  http1Only?: boolean;
  /** Graph page size when the client sends no $top (default 100, like Graph). */
  pageSize?: number;
  /**
   * Two writes to one app (PATCH, DELETE, addPassword, removePassword, federated credentials, owners) less than
   * this many ms apart: the later one answers 409 Directory_ConcurrencyViolation and does not take effect, as
   * back-to-back writes to one app can in Graph. 0 (the default): off.
   */
  concurrentWriteWindowMs?: number;
}
