import { newAppSettings, type AppSettings, type ResourceApi } from '../src/core/model';
import { appChanges, closest, FEDERATED_DESCRIPTION, federatedChanges, federatedName, resolvePermissions } from '../src/core/reconcile';

const GRAPH: ResourceApi = {
  appId: '00000003-0000-0000-c000-000000000000',
  displayName: 'Microsoft Graph',
  scopes: [
    { id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', value: 'User.Read' },
    { id: '06da0dbc-49e2-44d2-8312-53f166ab848a', value: 'Directory.Read.All' },
  ],
  roles: [
    { id: '18a4783c-866b-4cc7-a460-3d5e5662c884', value: 'Application.ReadWrite.OwnedBy' },
    { id: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', value: 'Application.ReadWrite.All' },
  ],
};
const EMPTY: AppSettings = newAppSettings('AzureADMyOrg');
const describe_ = (): string => 'x';

describe('appChanges', () => {
  it('patches only what differs, in one body, comparing collections as sets', () => {
    const actual: AppSettings = { ...EMPTY, webRedirectUris: ['https://b', 'https://a'], tags: ['x'] };
    const { patch, changes } = appChanges(actual, { webRedirectUris: ['https://a', 'https://b'], tags: ['x', 'y'], allowPublicClientFlows: false }, describe_);
    expect(patch).toEqual({ tags: ['x', 'y'] });
    expect(changes).toEqual([{ property: 'tags', before: 'x', after: 'x, y' }]);
  });

  it('sends complex properties whole, so their other fields survive a PATCH', () => {
    const actual: AppSettings = {
      ...EMPTY,
      webRedirectUris: ['https://old'],
      raw: {
        web: { redirectUris: ['https://old'], homePageUrl: 'https://home', logoutUrl: null, implicitGrantSettings: { enableIdTokenIssuance: true }, redirectUriSettings: [{ uri: 'https://old', index: null }] },
        api: { oauth2PermissionScopes: [{ value: 'access' }], requestedAccessTokenVersion: null },
      },
    };
    const { patch } = appChanges(actual, { webRedirectUris: ['https://new'], signInAudience: 'PersonalMicrosoftAccount' }, describe_);
    expect(patch).toEqual({
      web: { redirectUris: ['https://new'], homePageUrl: 'https://home', logoutUrl: null, implicitGrantSettings: { enableIdTokenIssuance: true } },
      signInAudience: 'PersonalMicrosoftAccount',
      api: { oauth2PermissionScopes: [{ value: 'access' }], requestedAccessTokenVersion: 2 },
    });
  });

  it('leaves alone what is not declared', () => {
    const actual: AppSettings = { ...EMPTY, webRedirectUris: ['https://a'], notes: 'hello', isFallbackPublicClient: true };
    expect(appChanges(actual, {}, describe_)).toEqual({ patch: {}, changes: [] });
  });

  it.each([
    ['web', { webRedirectUris: ['https://app/auth'] }, { web: { redirectUris: ['https://app/auth'] } }],
    ['spa', { spaRedirectUris: ['https://spa'] }, { spa: { redirectUris: ['https://spa'] } }],
    ['public client', { publicClientRedirectUris: ['https://www.getpostman.com/oauth2/callback'] }, { publicClient: { redirectUris: ['https://www.getpostman.com/oauth2/callback'] } }],
    ['empties a list', { webRedirectUris: [] as string[] }, {}],
    ['public client flows', { allowPublicClientFlows: true }, { isFallbackPublicClient: true }],
    ['audience', { signInAudience: 'AzureADMultipleOrgs' }, { signInAudience: 'AzureADMultipleOrgs' }],
    ['personal audience needs v2 tokens', { signInAudience: 'AzureADandPersonalMicrosoftAccount' }, { signInAudience: 'AzureADandPersonalMicrosoftAccount', api: { requestedAccessTokenVersion: 2 } }],
    ['notes', { notes: 'owned by team X' }, { notes: 'owned by team X' }],
  ])('%s', (_name, declared, patch) => {
    expect(appChanges(EMPTY, declared, describe_).patch).toEqual(patch);
  });

  it('compares permissions by API, id and type, not order', () => {
    const a = { resourceAppId: GRAPH.appId, resourceAccess: [{ id: 'r1', type: 'Role' as const }, { id: 's1', type: 'Scope' as const }] };
    const b = { resourceAppId: GRAPH.appId, resourceAccess: [{ id: 's1', type: 'Scope' as const }, { id: 'r1', type: 'Role' as const }] };
    expect(appChanges({ ...EMPTY, requiredResourceAccess: [a] }, { requiredResourceAccess: [b] }, describe_).changes).toEqual([]);
    const c = { resourceAppId: GRAPH.appId, resourceAccess: [{ id: 's1', type: 'Role' as const }] };
    expect(appChanges({ ...EMPTY, requiredResourceAccess: [a] }, { requiredResourceAccess: [c] }, describe_).changes).toHaveLength(1);
  });
});

describe('resolvePermissions', () => {
  const matches = new Map([
    ['Microsoft Graph', [GRAPH]],
    ['00000003-0000-0000-c000-000000000000', [GRAPH]],
    ['Nope', []],
    ['Twice', [GRAPH, { ...GRAPH, appId: 'other' }]],
  ]);
  it('maps names to ids, delegated to Scope and =Role to Role, merging lines of one API', () => {
    const { rra, problems } = resolvePermissions(
      [
        { line: 1, api: 'Microsoft Graph', permissions: [{ name: 'User.Read', type: 'Scope' }] },
        { line: 2, api: '00000003-0000-0000-c000-000000000000', permissions: [{ name: 'Application.ReadWrite.OwnedBy', type: 'Role' }, { name: 'user.read', type: 'Scope' }] },
      ],
      matches,
    );
    expect(problems).toEqual([]);
    expect(rra).toEqual([
      {
        resourceAppId: GRAPH.appId,
        resourceAccess: [
          { id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' },
          { id: '18a4783c-866b-4cc7-a460-3d5e5662c884', type: 'Role' },
        ],
      },
    ]);
  });

  it.each([
    [{ api: 'Nope', permissions: [{ name: 'x', type: 'Scope' as const }] }, "api-permissions, line 3: no API (service principal) named or with the client ID 'Nope'"],
    [{ api: 'Twice', permissions: [{ name: 'x', type: 'Scope' as const }] }, "api-permissions, line 3: 2 APIs are named 'Twice' (client IDs 00000003-0000-0000-c000-000000000000, other); use the client ID instead"],
    [{ api: 'Microsoft Graph', permissions: [{ name: 'User.Reed', type: 'Scope' as const }] }, "api-permissions, line 3: Microsoft Graph has no delegated permission 'User.Reed'; closest: User.Read, Directory.Read.All"],
    [{ api: 'Microsoft Graph', permissions: [{ name: 'Application.ReadWrite.OwnedBy', type: 'Scope' as const }] }, 'it is an application permission: write Application.ReadWrite.OwnedBy=Role'],
    [{ api: 'Microsoft Graph', permissions: [{ name: 'User.Read', type: 'Role' as const }] }, 'it is a delegated permission: drop =Role'],
  ])('names the line and what is valid: %j', (line, message) => {
    const { problems } = resolvePermissions([{ line: 3, ...line }], matches);
    expect(problems.join('\n')).toContain(message);
  });

  it('lists the closest values', () => {
    expect(closest('Application.ReadWrite.Owned', ['User.Read', 'Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All'], 2)).toEqual([
      'Application.ReadWrite.OwnedBy',
      'Application.ReadWrite.All',
    ]);
  });
});

describe('federated credentials', () => {
  const ISSUER = 'https://token.actions.githubusercontent.com';
  it('derives stable, valid names of at most 120 characters', () => {
    expect(federatedName('repo:octo/app:environment:prod')).toBe('gha-octo-app-environment-prod');
    expect(federatedName('repo:octo/app:ref:refs/heads/main')).toBe('gha-octo-app-ref-refs-heads-main');
    const long = `repo:octo/app:environment:${'e'.repeat(200)}`;
    expect(federatedName(long)).toHaveLength(120);
    expect(federatedName(long)).toBe(federatedName(long));
    expect(federatedName(long)).not.toBe(federatedName(`${long}x`));
    expect(federatedName('repo:o/r:environment:staging area/ü')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('adds what is missing, keeps what is there, removes only its own that are no longer listed', () => {
    const mine = (subject: string, id: string) => ({ id, name: federatedName(subject), issuer: ISSUER, subject, audiences: ['api://AzureADTokenExchange'], description: FEDERATED_DESCRIPTION });
    const theirs = { id: 't', name: 'hand-made', issuer: ISSUER, subject: 'repo:octo/app:environment:legacy', audiences: ['api://AzureADTokenExchange'], description: null };
    const plan = federatedChanges(
      [mine('repo:octo/app:environment:prod', '1'), mine('repo:octo/app:environment:old', '2'), theirs],
      ['repo:octo/app:environment:prod', 'repo:octo/app:ref:refs/heads/main', 'repo:octo/app:environment:legacy'],
      { issuer: ISSUER, audience: 'api://AzureADTokenExchange' },
    );
    expect(plan.add.map((f) => f.subject)).toEqual(['repo:octo/app:ref:refs/heads/main']);
    expect(plan.remove.map((f) => f.id)).toEqual(['2']);
    expect(plan.coveredByOthers).toEqual(['repo:octo/app:environment:legacy']);
  });

  it("gives new credentials the cloud's token exchange audience", () => {
    const plan = federatedChanges([], ['repo:octo/app:environment:prod'], { issuer: ISSUER, audience: 'api://AzureADTokenExchangeUSGov' });
    expect(plan.add.map((f) => f.audiences)).toEqual([['api://AzureADTokenExchangeUSGov']]);
  });
});
