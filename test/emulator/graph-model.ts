/**
 * Microsoft Graph v1.0 resource shapes: application and servicePrincipal wire representations, request body
 * validation for application create/update, and the pre-seeded resource service principals.
 */
import type { Application, PasswordCredential as GraphPasswordCredential, ServicePrincipal } from '@microsoft/microsoft-graph-types';
import type { ApiApplication, AppRole, GraphApp, GraphNamed, GraphServicePrincipal, PermissionScope, WebApplication } from './types.ts';
import { graphDate, guid, isGuid, isPlainObject } from './util.ts';

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
export const SIGN_IN_AUDIENCES = ['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount'];
export const PERSONAL_AUDIENCES = ['AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount'];

// ---------------------------------------------------------------------------------------------------------------
// Validation of request bodies

type Spec =
  | { k: 'string'; nullable?: boolean; max?: number }
  | { k: 'bool'; nullable?: boolean }
  | { k: 'int'; nullable?: boolean }
  | { k: 'guid'; nullable?: boolean }
  | { k: 'enum'; values: string[]; nullable?: boolean }
  | { k: 'array'; of: Spec }
  | { k: 'object'; type: string; props: Record<string, Spec>; nullable?: boolean }
  | { k: 'any' };

const str = (max?: number): Spec => (max === undefined ? { k: 'string', nullable: true } : { k: 'string', nullable: true, max });
const strNN: Spec = { k: 'string' };
const bool: Spec = { k: 'bool', nullable: true };
const boolNN: Spec = { k: 'bool' };
const int: Spec = { k: 'int', nullable: true };
const guidS: Spec = { k: 'guid' };
const arr = (of: Spec): Spec => ({ k: 'array', of });
const obj = (type: string, props: Record<string, Spec>, nullable = false): Spec => ({ k: 'object', type, props, nullable });
const any: Spec = { k: 'any' };

const permissionScopeSpec = obj('permissionScope', {
  adminConsentDescription: str(),
  adminConsentDisplayName: str(),
  id: guidS,
  isEnabled: boolNN,
  origin: str(),
  type: str(),
  userConsentDescription: str(),
  userConsentDisplayName: str(),
  value: str(),
});

export const APPLICATION_WRITABLE: Record<string, Spec> = {
  addIns: arr(any),
  api: obj('apiApplication', {
    acceptMappedClaims: bool,
    knownClientApplications: arr(guidS),
    oauth2PermissionScopes: arr(permissionScopeSpec),
    preAuthorizedApplications: arr(obj('preAuthorizedApplication', { appId: str(), delegatedPermissionIds: arr(strNN) })),
    requestedAccessTokenVersion: int,
  }, true),
  appRoles: arr(obj('appRole', {
    allowedMemberTypes: arr(strNN),
    description: str(),
    displayName: str(),
    id: guidS,
    isEnabled: boolNN,
    origin: str(),
    value: str(),
  })),
  defaultRedirectUri: str(),
  description: str(1024),
  displayName: { k: 'string', max: 256 },
  groupMembershipClaims: str(),
  identifierUris: arr(strNN),
  info: obj('informationalUrl', { logoUrl: str(), marketingUrl: str(), privacyStatementUrl: str(), supportUrl: str(), termsOfServiceUrl: str() }, true),
  isDeviceOnlyAuthSupported: bool,
  isFallbackPublicClient: bool,
  keyCredentials: arr(any),
  nativeAuthenticationApisEnabled: { k: 'enum', values: ['none', 'all'], nullable: true },
  notes: str(),
  optionalClaims: any,
  parentalControlSettings: obj('parentalControlSettings', { countriesBlockedForMinors: arr(strNN), legalAgeGroupRule: str() }, true),
  publicClient: obj('publicClientApplication', { redirectUris: arr(strNN) }, true),
  requestSignatureVerification: any,
  requiredResourceAccess: arr(obj('requiredResourceAccess', {
    resourceAppId: strNN,
    resourceAccess: arr(obj('resourceAccess', { id: guidS, type: strNN })),
  })),
  samlMetadataUrl: str(),
  serviceManagementReference: str(),
  servicePrincipalLockConfiguration: any,
  signInAudience: { k: 'enum', values: SIGN_IN_AUDIENCES, nullable: false },
  spa: obj('spaApplication', { redirectUris: arr(strNN) }, true),
  tags: arr(strNN),
  tokenEncryptionKeyId: { k: 'guid', nullable: true },
  uniqueName: str(),
  web: obj('webApplication', {
    homePageUrl: str(),
    implicitGrantSettings: obj('implicitGrantSettings', { enableAccessTokenIssuance: bool, enableIdTokenIssuance: bool }, true),
    logoutUrl: str(),
    redirectUris: arr(strNN),
    redirectUriSettings: arr(obj('redirectUriSettings', { uri: str(), index: int })),
  }, true),
};

export const APPLICATION_READ_ONLY = ['id', 'appId', 'createdDateTime', 'deletedDateTime', 'publisherDomain', 'applicationTemplateId', 'disabledByMicrosoftStatus', 'certification', 'verifiedPublisher'];

export interface GraphErrorInfo {
  status: number;
  code: string;
  message: string;
  details?: Array<{ code: string; message: string; target: string }>;
}

export function badRequest(message: string, code = 'Request_BadRequest'): GraphErrorInfo {
  return { status: 400, code, message };
}

export function invalidValue(path: string, resource: string): GraphErrorInfo {
  return badRequest(`Invalid value specified for property '${path}' of resource '${resource}'.`);
}

export function unknownProperty(name: string): GraphErrorInfo {
  return badRequest(`Property '${name}' does not exist as a declared property or extension property.`);
}

function validate(v: unknown, spec: Spec, path: string, resource: string): GraphErrorInfo | undefined {
  const nullable = 'nullable' in spec && spec.nullable === true;
  if (v === null) return nullable || spec.k === 'any' ? undefined : invalidValue(path, resource);
  switch (spec.k) {
    case 'any':
      return undefined;
    case 'string':
      if (typeof v !== 'string') return invalidValue(path, resource);
      if (spec.max !== undefined && v.length > spec.max) return invalidValue(path, resource);
      return undefined;
    case 'bool':
      return typeof v === 'boolean' ? undefined : invalidValue(path, resource);
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? undefined : invalidValue(path, resource);
    case 'guid':
      return typeof v === 'string' && isGuid(v) ? undefined : invalidValue(path, resource);
    case 'enum':
      return typeof v === 'string' && spec.values.includes(v) ? undefined : invalidValue(path, resource);
    case 'array': {
      if (!Array.isArray(v)) return invalidValue(path, resource);
      for (const item of v) {
        const e = validate(item, spec.of, path, resource);
        if (e) return e;
      }
      return undefined;
    }
    case 'object': {
      if (!isPlainObject(v)) return invalidValue(path, resource);
      for (const [key, value] of Object.entries(v)) {
        if (key === '@odata.type') continue;
        const s = spec.props[key];
        if (!s) return unknownProperty(key);
        const e = validate(value, s, `${path}.${key}`, resource);
        if (e) return e;
      }
      return undefined;
    }
  }
}

function validRedirectUri(uri: string, kind: 'web' | 'spa' | 'publicClient'): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (uri.length > 256) return false;
  if (kind === 'publicClient') return true;
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1');
}

/**
 * Validate an application create (POST) or update (PATCH) body. Returns the error Graph would answer, if any.
 * `appId` is needed to check identifier URIs (api://{appId}).
 */
export function validateApplicationBody(body: Record<string, unknown>, ctx: { create: boolean; appId: string; tenantId: string; tenantDomain: string }): GraphErrorInfo | undefined {
  for (const [key, value] of Object.entries(body)) {
    if (key === '@odata.type') {
      if (value !== '#microsoft.graph.application' && value !== 'microsoft.graph.application') return badRequest(`Invalid @odata.type '${String(value)}'.`, 'BadRequest');
      continue;
    }
    if (key === 'owners@odata.bind' && ctx.create) {
      if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) return invalidValue('owners', 'Application');
      continue;
    }
    if (key === 'passwordCredentials') {
      return badRequest("Property 'passwordCredentials' is read-only and cannot be set: adding passwords when creating or updating applications is not supported. Use addPassword and removePassword.");
    }
    if (APPLICATION_READ_ONLY.includes(key)) return badRequest(`Property '${key}' is read-only and cannot be set.`);
    const spec = APPLICATION_WRITABLE[key];
    if (!spec) return unknownProperty(key);
    const e = validate(value, spec, key, 'Application');
    if (e) return e;
  }
  if (ctx.create && (typeof body['displayName'] !== 'string' || body['displayName'].trim() === '')) return invalidValue('displayName', 'Application');
  if (!ctx.create && 'displayName' in body && (typeof body['displayName'] !== 'string' || body['displayName'].trim() === '')) return invalidValue('displayName', 'Application');
  if (!ctx.create && 'uniqueName' in body) return badRequest("Property 'uniqueName' is immutable and can only be set when the application is created.");
  for (const kind of ['web', 'spa', 'publicClient'] as const) {
    const section = body[kind];
    if (isPlainObject(section) && Array.isArray(section['redirectUris'])) {
      for (const uri of section['redirectUris'] as string[]) {
        if (!validRedirectUri(uri, kind)) return badRequest('One or more properties contains invalid values.');
      }
    }
  }
  const rra = body['requiredResourceAccess'];
  if (Array.isArray(rra)) {
    for (const r of rra as Array<{ resourceAccess: Array<{ type: string }> }>) {
      for (const a of r.resourceAccess) if (a.type !== 'Scope' && a.type !== 'Role') return invalidValue('requiredResourceAccess.resourceAccess.type', 'Application');
    }
  }
  const uris = body['identifierUris'];
  if (Array.isArray(uris)) {
    for (const uri of uris as string[]) {
      if (!validIdentifierUri(uri, ctx)) {
        return {
          status: 400,
          code: 'HostNameNotOnVerifiedDomain',
          message: `Values of identifierUris property must use a verified domain of the organization or its subdomain: '${uri}'`,
        };
      }
    }
  }
  return undefined;
}

function validIdentifierUri(uri: string, ctx: { appId: string; tenantId: string; tenantDomain: string }): boolean {
  const lower = uri.toLowerCase();
  if (lower.startsWith('api://')) {
    const rest = lower.slice('api://'.length).replace(/\/$/, '');
    return rest === ctx.appId.toLowerCase() || rest.startsWith(`${ctx.tenantId.toLowerCase()}/`) || rest.startsWith(`${ctx.appId.toLowerCase()}/`);
  }
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:') return false;
  const host = u.hostname.toLowerCase();
  return host === ctx.tenantDomain || host.endsWith(`.${ctx.tenantDomain}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Applications

export function defaultWeb(): WebApplication {
  return { redirectUris: [], homePageUrl: null, logoutUrl: null, implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false }, redirectUriSettings: [] };
}

export function defaultApi(signInAudience: string): ApiApplication {
  return {
    acceptMappedClaims: null,
    knownClientApplications: [],
    requestedAccessTokenVersion: PERSONAL_AUDIENCES.includes(signInAudience) ? 2 : null,
    oauth2PermissionScopes: [],
    preAuthorizedApplications: [],
  };
}

export function newApp(displayName: string, signInAudience: string): GraphApp {
  return {
    id: guid(),
    appId: guid(),
    displayName,
    description: null,
    signInAudience,
    createdDateTime: graphDate(new Date()),
    uniqueName: null,
    owners: [],
    passwordCredentials: [],
    web: defaultWeb(),
    spa: { redirectUris: [] },
    publicClient: { redirectUris: [] },
    isFallbackPublicClient: null,
    requiredResourceAccess: [],
    identifierUris: [],
    tags: [],
    notes: null,
    api: defaultApi(signInAudience),
    appRoles: [],
    federatedIdentityCredentials: [],
    extra: {},
  };
}

/**
 * Tests may push hand-built GraphApp objects into emu.graph.apps with only the fields they care about:
 * fill in whatever is missing so the handlers can rely on the full shape.
 */
export function fillAppDefaults(app: GraphApp): void {
  const a: Partial<GraphApp> = app;
  a.id ??= guid();
  a.appId ??= guid();
  a.displayName ??= '';
  a.description ??= null;
  a.signInAudience ??= 'AzureADMyOrg';
  a.createdDateTime ??= graphDate(new Date());
  a.uniqueName ??= null;
  a.owners ??= [];
  a.passwordCredentials ??= [];
  a.web ??= defaultWeb();
  a.spa ??= { redirectUris: [] };
  a.publicClient ??= { redirectUris: [] };
  a.isFallbackPublicClient ??= null;
  a.requiredResourceAccess ??= [];
  a.identifierUris ??= [];
  a.tags ??= [];
  a.notes ??= null;
  a.api ??= defaultApi(a.signInAudience);
  a.appRoles ??= [];
  a.federatedIdentityCredentials ??= [];
  a.extra ??= {};
}

function deepMerge(target: unknown, patch: unknown): unknown {
  if (isPlainObject(target) && isPlainObject(patch)) {
    const out: Record<string, unknown> = { ...target };
    for (const [k, v] of Object.entries(patch)) {
      if (k === '@odata.type') continue;
      out[k] = deepMerge(out[k], v);
    }
    return out;
  }
  return structuredClone(patch);
}

const TYPED_FIELDS = ['displayName', 'description', 'signInAudience', 'uniqueName', 'web', 'spa', 'publicClient', 'isFallbackPublicClient', 'requiredResourceAccess', 'identifierUris', 'tags', 'notes', 'api', 'appRoles'] as const;

/** Apply a validated body (PATCH semantics: complex properties merge, collections replace). */
export function applyApplicationBody(app: GraphApp, body: Record<string, unknown>): void {
  const rec = app as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) {
    if (key === '@odata.type' || key === 'owners@odata.bind') continue;
    if ((TYPED_FIELDS as readonly string[]).includes(key)) {
      if (key === 'web' || key === 'spa' || key === 'publicClient' || key === 'api') {
        if (value !== null) rec[key] = deepMerge(rec[key], value);
      } else {
        rec[key] = structuredClone(value);
      }
    } else {
      app.extra[key] = isPlainObject(value) && isPlainObject(app.extra[key]) ? deepMerge(app.extra[key], value) : structuredClone(value);
    }
  }
}

/**
 * keyCredentials as Graph shows them: `key` (the certificate's base64 DER) only when `withKeys` (a single-app read
 * whose $select names keyCredentials), otherwise null.
 */
export function keyCredentialsToWire(app: GraphApp, withKeys: boolean): Array<Record<string, unknown>> {
  const stored = app.extra['keyCredentials'];
  if (!Array.isArray(stored)) return [];
  return stored.filter(isPlainObject).map((k) => ({ ...structuredClone(k), key: withKeys && typeof k['key'] === 'string' ? k['key'] : null }));
}

/** The application as Graph returns it (secretText always null; keyCredentials' key only `withKeys`). */
export function applicationToWire(app: GraphApp, tenantDomain: string, withKeys = false): Record<string, unknown> {
  const x = app.extra;
  const pick = (k: string, dflt: unknown): unknown => (k in x ? structuredClone(x[k]) : dflt);
  return {
    id: app.id,
    deletedDateTime: null,
    appId: app.appId,
    applicationTemplateId: null,
    disabledByMicrosoftStatus: null,
    createdDateTime: app.createdDateTime,
    displayName: app.displayName,
    description: app.description,
    groupMembershipClaims: pick('groupMembershipClaims', null),
    identifierUris: [...app.identifierUris],
    isDeviceOnlyAuthSupported: pick('isDeviceOnlyAuthSupported', null),
    isFallbackPublicClient: app.isFallbackPublicClient,
    nativeAuthenticationApisEnabled: pick('nativeAuthenticationApisEnabled', null),
    notes: app.notes,
    publisherDomain: tenantDomain,
    serviceManagementReference: pick('serviceManagementReference', null),
    signInAudience: app.signInAudience,
    tags: [...app.tags],
    tokenEncryptionKeyId: pick('tokenEncryptionKeyId', null),
    uniqueName: app.uniqueName,
    samlMetadataUrl: pick('samlMetadataUrl', null),
    defaultRedirectUri: pick('defaultRedirectUri', null),
    certification: null,
    optionalClaims: pick('optionalClaims', null),
    servicePrincipalLockConfiguration: pick('servicePrincipalLockConfiguration', {
      isEnabled: true,
      allProperties: true,
      credentialsWithUsageVerify: true,
      credentialsWithUsageSign: true,
      identifierUris: false,
      tokenEncryptionKeyId: true,
    }),
    requestSignatureVerification: pick('requestSignatureVerification', null),
    addIns: pick('addIns', []),
    api: structuredClone(app.api),
    appRoles: structuredClone(app.appRoles),
    info: pick('info', { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null }),
    keyCredentials: keyCredentialsToWire(app, withKeys),
    parentalControlSettings: pick('parentalControlSettings', { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' }),
    passwordCredentials: app.passwordCredentials.map((p) => ({
      customKeyIdentifier: null,
      displayName: p.displayName,
      endDateTime: p.endDateTime,
      hint: p.hint,
      keyId: p.keyId,
      secretText: null,
      startDateTime: p.startDateTime,
    }) satisfies GraphPasswordCredential),
    publicClient: structuredClone(app.publicClient),
    requiredResourceAccess: structuredClone(app.requiredResourceAccess),
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    web: structuredClone(app.web),
    spa: structuredClone(app.spa),
  } satisfies GraphNamed<Application>;
}

// ---------------------------------------------------------------------------------------------------------------
// Service principals

export function servicePrincipalToWire(sp: GraphServicePrincipal): Record<string, unknown> {
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: sp.accountEnabled,
    alternativeNames: [],
    appDisplayName: sp.appDisplayName,
    appDescription: null,
    appId: sp.appId,
    applicationTemplateId: null,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    appRoleAssignmentRequired: sp.appRoleAssignmentRequired,
    createdDateTime: sp.createdDateTime,
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: sp.displayName,
    homepage: null,
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: [],
    servicePrincipalNames: [...sp.servicePrincipalNames],
    servicePrincipalType: sp.servicePrincipalType,
    signInAudience: sp.signInAudience,
    tags: [...sp.tags],
    tokenEncryptionKeyId: null,
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    samlSingleSignOnSettings: null,
    addIns: [],
    appRoles: structuredClone(sp.appRoles),
    keyCredentials: [],
    oauth2PermissionScopes: structuredClone(sp.oauth2PermissionScopes),
    passwordCredentials: (sp.passwordCredentials ?? []).map((p) => ({ customKeyIdentifier: p.customKeyIdentifier, displayName: p.displayName, endDateTime: p.endDateTime, hint: p.hint, keyId: p.keyId, secretText: null, startDateTime: p.startDateTime })),
    resourceSpecificApplicationPermissions: [],
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    // createdDateTime: Graph returns it, v1.0's metadata does not list it.
  } satisfies GraphNamed<ServicePrincipal> & { createdDateTime: unknown };
}

export const SERVICE_PRINCIPAL_CREATABLE = ['appId', 'accountEnabled', 'appRoleAssignmentRequired', 'tags', 'notes', 'description', 'notificationEmailAddresses', 'preferredSingleSignOnMode', 'loginUrl', 'homepage'];

export function servicePrincipalForApp(app: GraphApp, tenantId: string): GraphServicePrincipal {
  return {
    id: guid(),
    appId: app.appId,
    displayName: app.displayName,
    appDisplayName: app.displayName,
    appOwnerOrganizationId: tenantId,
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    servicePrincipalNames: [app.appId, ...app.identifierUris],
    servicePrincipalType: 'Application',
    signInAudience: app.signInAudience,
    tags: [],
    createdDateTime: graphDate(new Date()),
    appRoles: [],
    oauth2PermissionScopes: [],
  };
}

function role(value: string, id: string, displayName: string, description: string): AppRole {
  return { allowedMemberTypes: ['Application'], description, displayName, id, isEnabled: true, origin: 'Application', value };
}

function scope(value: string, id: string, type: 'User' | 'Admin', displayName: string, description: string): PermissionScope {
  return {
    adminConsentDescription: description,
    adminConsentDisplayName: displayName,
    id,
    isEnabled: true,
    type,
    userConsentDescription: type === 'User' ? description : null,
    userConsentDisplayName: type === 'User' ? displayName : null,
    value,
  };
}

/** Resource service principals that exist in every tenant (Microsoft first-party apps). */
export function seedResourceServicePrincipals(): GraphServicePrincipal[] {
  const base = (appId: string, displayName: string, names: string[]): GraphServicePrincipal => ({
    id: guid(),
    appId,
    displayName,
    appDisplayName: displayName,
    appOwnerOrganizationId: MICROSOFT_TENANT_ID,
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    servicePrincipalNames: [appId, ...names],
    servicePrincipalType: 'Application',
    signInAudience: 'AzureADMultipleOrgs',
    tags: [],
    createdDateTime: null,
    appRoles: [],
    oauth2PermissionScopes: [],
  });
  const graph = base(GRAPH_APP_ID, 'Microsoft Graph', ['https://graph.microsoft.com', 'https://graph.microsoft.com/', 'https://canary.graph.microsoft.com', 'https://ags.windows.net']);
  graph.appRoles = [
    role('Application.ReadWrite.OwnedBy', '18a4783c-866b-4cc7-a460-3d5e5662c884', 'Manage apps that this app creates or owns',
      'Allows the app to create other applications, and fully manage those applications (read, update, update application secrets and delete), without a signed-in user.  It cannot update any apps that it is not an owner of.'),
    role('Application.ReadWrite.All', '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', 'Read and write all applications',
      'Allows the app to create, read, update and delete applications and service principals without a signed-in user.  Does not allow management of consent grants.'),
    role('Application.Read.All', '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', 'Read all applications',
      'Allows the app to read all applications and service principals without a signed-in user.'),
    role('User.Read.All', 'df021288-bdef-4463-88db-98f22de89214', "Read all users' full profiles",
      'Allows the app to read user profiles without a signed in user.'),
    role('Directory.Read.All', '7ab1d382-f21e-4acd-a863-ba3e13f7da61', 'Read directory data',
      'Allows the app to read data in your organization\'s directory, such as users, groups and apps, without a signed-in user.'),
    role('Group.Read.All', '5b567255-7703-4780-807c-7be8301ae99b', 'Read all groups',
      'Allows the app to read group properties and memberships, and read conversations for all groups, without a signed-in user.'),
  ];
  graph.oauth2PermissionScopes = [
    scope('User.Read', 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', 'User', 'Sign in and read user profile',
      'Allows users to sign-in to the app, and allows the app to read the profile of signed-in users. It also allows the app to read basic company information of signed-in users.'),
    scope('Directory.Read.All', '06da0dbc-49e2-44d2-8312-53f166ab848a', 'Admin', 'Read directory data',
      'Allows the app to read data in your organization\'s directory, such as users, groups and apps.'),
    scope('User.Read.All', 'a154be20-db9c-4678-8ab7-66f6cc099a59', 'Admin', "Read all users' full profiles",
      'Allows the app to read the full set of profile properties, reports, and managers of other users in your organization, on behalf of the signed-in user.'),
    scope('openid', '37f7f235-527c-4136-accd-4a02d197296e', 'User', 'Sign users in', 'Allows users to sign in to the app with their work or school accounts and allows the app to see basic user profile information.'),
    scope('profile', '14dad69e-099b-42c9-810b-d002981feec1', 'User', "View users' basic profile", "Allows the app to see your users' basic profile (e.g., name, picture, user name, email address)"),
    scope('email', '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', 'User', "View users' email address", "Allows the app to read your users' primary email address"),
    scope('offline_access', '7427e0e9-2fba-42fe-b0c0-848c9e6a8182', 'User', 'Maintain access to data you have given it access to',
      "Allows the app to see and update the data you gave it access to, even when users are not currently using the app. This does not give the app any additional permissions."),
    scope('Application.Read.All', 'c79f8feb-a9db-4090-85f9-90d820caa0eb', 'Admin', 'Read applications', 'Allows the app to read applications and service principals on behalf of the signed-in user.'),
    scope('Application.ReadWrite.All', 'bdfbf15f-ee85-4955-8675-146e8e5296b5', 'Admin', 'Read and write all applications',
      'Allows the app to create, read, update and delete applications and service principals on behalf of the signed-in user. Does not allow management of consent grants.'),
  ];
  const healthcare = base('4f6778d8-5aef-43dc-a1ff-b073724b9495', 'Azure Healthcare APIs', ['https://azurehealthcareapis.com']);
  healthcare.oauth2PermissionScopes = [
    scope('user_impersonation', 'e5a4c1f2-7b0d-4c1e-9a53-2f6b8d0e4a71', 'User', 'Access Azure Healthcare APIs', 'Allow the application to access Azure Healthcare APIs on behalf of the signed-in user.'),
  ];
  const dicom = base('75e725bf-66ce-4cea-9b9a-5c4caae57f33', 'Azure API for DICOM', ['https://dicom.healthcareapis.azure.com']);
  dicom.oauth2PermissionScopes = [
    scope('user_impersonation', '3c9a1d7e-5b2f-4e80-a6c4-91d0f2b7e35a', 'User', 'Access Azure API for DICOM', 'Allow the application to access Azure API for DICOM on behalf of the signed-in user.'),
  ];
  return [graph, healthcare, dicom];
}
