/**
 * End to end: the bundled action, run as a runner runs it, against the emulator. Assertions are on what
 * Entra and GitHub would hold afterwards (every stored secret is opened with the scope's private key).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { DIST, baseInputs, expectNoLeak, GITHUB_PAT, REPO, ROTATOR_ID, runAction, standardSetup, writesIn } from '../test/harness.ts';

const DAY = 86_400_000;
const iso = (msFromNow: number): string => new Date(Date.now() + msFromNow).toISOString();
const repo = { repo: REPO };

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
  standardSetup(emu);
});
afterEach(async () => {
  await emu.close();
});

function managed(appName = 'billing-api', credentialName = 'rotated-by-github-actions') {
  const app = emu.graph.apps.find((a) => a.displayName === appName);
  if (!app) throw new Error(`no app ${appName}`);
  return { app, managed: app.passwordCredentials.filter((p) => p.displayName === credentialName) };
}

describe('the action against the emulator', () => {
  it('creates the app, its service principal and a secret from nothing, and stores the secret', async () => {
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api' });
    expect(run.error).toBe('');
    expect(run.code).toBe(0);
    const { app, managed: secrets } = managed();
    expect(app.signInAudience).toBe('AzureADMyOrg');
    expect(app.owners).toContain(ROTATOR_ID);
    expect(emu.graph.servicePrincipals.some((sp) => sp.appId === app.appId)).toBe(true);
    expect(secrets).toHaveLength(1);
    const [secret] = secrets;
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(secret?.secretText);
    expect(new Date(secret?.endDateTime ?? 0).getTime() - Date.now()).toBeGreaterThan(179 * DAY);
    expect(run.outputs).toEqual({
      'client-id': app.appId,
      'object-id': app.id,
      'tenant-id': emu.tenantId,
      'app-created': 'true',
      rotated: 'true',
      'secret-key-id': secret?.keyId,
      'secret-expires-on': new Date(secret?.endDateTime ?? 0).toISOString(),
      'rotated-count': '1',
      'deferred-count': '0',
      'failed-count': '0',
      'expiring-count': '0',
      'report-file': expect.stringMatching(/report\.json$/),
    });
    expect(run.summary).toContain('billing-api');
    expect(run.summary).toContain(secret?.keyId);
    expect(run.stdout).toContain(`::add-mask::${secret?.secretText}`);
    expectNoLeak(run, emu);
  });

  it('keeps the outputs and the job summary of a run whose JSON report cannot be written, with a warning', async () => {
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api' }, { RUNNER_TEMP: join(tmpdir(), 'no-such-runner-temp', 'below') });
    expect(run.code).toBe(0);
    expect(run.error).toBe('');
    expect(run.stdout).toMatch(/::warning::The JSON report could not be written under RUNNER_TEMP \(ENOENT[^)]*\)/);
    const { managed: secrets } = managed();
    expect(secrets).toHaveLength(1);
    expect(run.outputs).toMatchObject({ 'app-created': 'true', rotated: 'true', 'secret-key-id': secrets[0]?.keyId, 'rotated-count': '1', 'report-file': '' });
    expect(run.summary).toContain(secrets[0]?.keyId);
  });

  it("runs on action.yml's defaults: only the required inputs, app-name and github-token (plus the emulator's hosts)", async () => {
    // What a workflow that gives nothing else gets: the runner passes every other input with its action.yml default.
    const inputs = {
      'tenant-id': emu.tenantId,
      'client-id': ROTATOR_ID,
      'app-name': 'billing-api',
      'github-token': GITHUB_PAT,
      'authority-host': emu.urls.authority,
      'graph-endpoint': emu.urls.graph,
    };
    const first = await runAction(emu, inputs);
    expect(first.error).toBe('');
    expect(first.outputs).toMatchObject({ 'app-created': 'true', rotated: 'true' });
    // client-secret '': GitHub OIDC, with the default audience
    const idTokenRequests = emu.log.filter((e) => e.service === 'oidc');
    expect(idTokenRequests).toHaveLength(1);
    expect(decodeURIComponent(idTokenRequests[0]?.path ?? '')).toContain('audience=api://AzureADTokenExchange');
    const { app, managed: secrets } = managed(); // credential-name: rotated-by-github-actions
    expect(app.signInAudience).toBe('AzureADMyOrg'); // sign-in-audience '': single tenant on create
    expect(emu.graph.servicePrincipals.some((sp) => sp.appId === app.appId)).toBe(true); // service-principal: true
    expect(secrets).toHaveLength(1);
    const days = (new Date(secrets[0]?.endDateTime ?? 0).getTime() - Date.now()) / DAY; // secret-lifetime-days: 180
    expect(days).toBeGreaterThan(179.9);
    expect(days).toBeLessThanOrEqual(180);
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(secrets[0]?.secretText); // secret-name, repository: the workflow's

    emu.resetCounters();
    const second = await runAction(emu, inputs); // rotate-before-days: 30, force-rotation: false
    expect(second.error).toBe('');
    expect(second.outputs).toMatchObject({ 'app-created': 'false', rotated: 'false', 'client-id': first.outputs['client-id'] });
    expect(writesIn(emu)).toEqual([]);
  });

  it("writes to github-api-url, whatever the runner's GITHUB_API_URL says", async () => {
    // A runner sets GITHUB_API_URL to its own GitHub, over any env: of the step; here it points nowhere useful.
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api', 'github-api-url': emu.urls.github }, { GITHUB_API_URL: 'https://127.0.0.1:9' });
    expect(run.error).toBe('');
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(managed().managed[0]?.secretText);
  });

  it('makes no write of any kind in the steady state', async () => {
    const first = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api' });
    expect(first.code).toBe(0);
    const stored = emu.github.open(repo, 'AZURE_CLIENT_SECRET');
    emu.resetCounters();
    const second = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api' });
    expect(second.error).toBe('');
    expect(second.outputs['rotated']).toBe('false');
    expect(second.outputs['app-created']).toBe('false');
    expect(writesIn(emu)).toEqual([]);
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(stored);
    expect(second.stdout).toContain('rotation: not due');
    expectNoLeak(second, emu);
  });

  it('rotates near expiry, keeps keep-previous managed secrets and never touches an unmanaged one', async () => {
    const app = emu.seedApp({
      displayName: 'billing-api',
      servicePrincipal: true,
      passwords: [
        { displayName: 'rotated-by-github-actions', startDateTime: iso(-170 * DAY), endDateTime: iso(10 * DAY) },
        { displayName: 'rotated-by-github-actions', startDateTime: iso(-340 * DAY), endDateTime: iso(5 * DAY) },
        { displayName: 'rotated-by-github-actions', startDateTime: iso(-400 * DAY), endDateTime: iso(-30 * DAY) },
        { displayName: 'Temp', startDateTime: iso(-20 * DAY), endDateTime: iso(2 * DAY) },
      ],
    });
    const [current, older, expired, unmanaged] = app.passwordCredentials.map((p) => ({ ...p }));
    emu.github.putPlain(repo, 'AZURE_CLIENT_SECRET', current?.secretText ?? '', iso(-170 * DAY + 5000));

    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api', 'keep-previous': '1' });
    expect(run.error).toBe('');
    const keyIds = app.passwordCredentials.map((p) => p.keyId);
    expect(keyIds).toContain(current?.keyId); // the one previous secret kept
    expect(keyIds).toContain(unmanaged?.keyId); // not ours: untouched even though it expires sooner
    expect(keyIds).not.toContain(older?.keyId);
    expect(keyIds).not.toContain(expired?.keyId);
    const added = app.passwordCredentials.find((p) => ![current, older, expired, unmanaged].some((o) => o?.keyId === p.keyId));
    expect(added?.displayName).toBe('rotated-by-github-actions');
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(added?.secretText);
    expect(run.outputs['rotated']).toBe('true');
    expect(run.outputs['secret-key-id']).toBe(added?.keyId);
    // make before break: the new value was stored before any old secret was removed
    const order = emu.log.map((e) => `${e.method} ${e.path}`);
    const put = order.findIndex((l) => l.startsWith('PUT') && l.includes('AZURE_CLIENT_SECRET'));
    const firstRemove = order.findIndex((l) => l.includes('/removePassword'));
    expect(put).toBeGreaterThan(-1);
    expect(firstRemove).toBeGreaterThan(put);
    expectNoLeak(run, emu);
  });

  it('writes environment secrets in two environments, one with a space in its name', async () => {
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api', environments: 'production\nstaging area\n' });
    expect(run.error).toBe('');
    const { managed: secrets } = managed();
    expect(emu.github.open({ repo: REPO, environment: 'production' }, 'AZURE_CLIENT_SECRET')).toBe(secrets[0]?.secretText);
    expect(emu.github.open({ repo: REPO, environment: 'staging area' }, 'AZURE_CLIENT_SECRET')).toBe(secrets[0]?.secretText);
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBeUndefined();
    expect(emu.log.some((e) => e.path.includes('/environments/staging%20area/secrets/public-key'))).toBe(true);
    expectNoLeak(run, emu);
  });

  it('writes the companion secrets: client ID, tenant ID and the azure/login credentials JSON', async () => {
    const subscription = '12345678-1234-1234-1234-123456789abc';
    const run = await runAction(emu, {
      ...baseInputs(emu),
      'app-name': 'billing-api',
      'client-id-secret-name': 'AZURE_CLIENT_ID',
      'tenant-id-secret-name': 'AZURE_TENANT_ID',
      'credentials-secret-name': 'AZURE_CREDENTIALS',
      'subscription-id': subscription,
    });
    expect(run.error).toBe('');
    const { app, managed: secrets } = managed();
    expect(emu.github.open(repo, 'AZURE_CLIENT_ID')).toBe(app.appId);
    expect(emu.github.open(repo, 'AZURE_TENANT_ID')).toBe(emu.tenantId);
    const creds = emu.github.open(repo, 'AZURE_CREDENTIALS') ?? '';
    expect(creds).not.toContain('\n');
    expect(JSON.parse(creds)).toEqual({ clientId: app.appId, clientSecret: secrets[0]?.secretText, tenantId: emu.tenantId, subscriptionId: subscription });
    expect(run.stdout).toContain(`::add-mask::${creds}`);
    expectNoLeak(run, emu);
  });

  it('signs in with GitHub OIDC, fetching the ID token once', async () => {
    const inputs = baseInputs(emu);
    delete inputs['client-secret'];
    const run = await runAction(emu, { ...inputs, 'app-name': 'billing-api' });
    expect(run.error).toBe('');
    expect(emu.log.filter((e) => e.service === 'oidc')).toHaveLength(1);
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(managed().managed[0]?.secretText);
    expectNoLeak(run, emu);
  });

  it('fails with a hint when OIDC is chosen but the job may not request an ID token', async () => {
    const inputs = baseInputs(emu);
    delete inputs['client-secret'];
    const run = await runAction(emu, { ...inputs, 'app-name': 'billing-api' }, { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' });
    expect(run.code).not.toBe(0);
    expect(run.error).toContain('id-token: write');
    expect(emu.graph.apps).toHaveLength(0);
  });

  it('plans and reports in a dry run, and changes nothing (no github-token needed)', async () => {
    const app = emu.seedApp({
      displayName: 'billing-api',
      passwords: [{ displayName: 'rotated-by-github-actions', startDateTime: iso(-170 * DAY), endDateTime: iso(10 * DAY) }],
    });
    const before = JSON.stringify(app);
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api', 'dry-run': 'true', 'github-token': '' });
    expect(run.error).toBe('');
    expect(writesIn(emu)).toEqual([]);
    expect(JSON.stringify(app)).toBe(before);
    expect(run.stdout).toContain('Plan (dry-run: nothing will be changed)');
    expect(run.stdout).toContain('rotation: due');
    expect(run.outputs['rotated']).toBe('false');
    expect(run.summary).toContain('Dry run');
    expectNoLeak(run, emu);
  });

  it('refuses an ambiguous display name, listing the object IDs and suggesting app-id', async () => {
    const a = emu.seedApp({ displayName: 'billing-api' });
    const b = emu.seedApp({ displayName: 'billing-api' });
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api' });
    expect(run.code).not.toBe(0);
    expect(run.error).toContain(a.id);
    expect(run.error).toContain(b.id);
    expect(run.error).toContain('app-id');
    expect(writesIn(emu)).toEqual([]);
    // A single app's failure is said once, as the step's error: no warning repeats it.
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::warning::'))).toEqual([]);
  });

  it("finds an app whose name has an apostrophe (OData quotes doubled) instead of creating it again", async () => {
    const name = "Bob's billing & reports";
    const first = await runAction(emu, { ...baseInputs(emu), 'app-name': name });
    expect(first.error).toBe('');
    const second = await runAction(emu, { ...baseInputs(emu), 'app-name': name });
    expect(second.error).toBe('');
    expect(second.outputs['app-created']).toBe('false');
    expect(emu.graph.apps.filter((a) => a.displayName === name)).toHaveLength(1);
    expect(emu.log.some((e) => e.path.includes("Bob''s") || e.path.includes('Bob%27%27s'))).toBe(true);
  });

  it('removes the new secret again when no GitHub target could be written, and keeps the old ones', async () => {
    const app = emu.seedApp({
      displayName: 'billing-api',
      servicePrincipal: true,
      passwords: [{ displayName: 'rotated-by-github-actions', startDateTime: iso(-170 * DAY), endDateTime: iso(10 * DAY) }],
    });
    const old = app.passwordCredentials[0]?.secretText ?? '';
    emu.github.putPlain(repo, 'AZURE_CLIENT_SECRET', old, iso(-170 * DAY + 5000));
    emu.faults.add({ match: { service: 'github', method: 'PUT' }, times: Infinity, kind: 'status', status: 422, code: 'Bad request' });
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api' });
    expect(run.code).not.toBe(0);
    expect(run.error).toContain('No target could be written');
    expect(run.error).toContain('HTTP 422');
    expect(app.passwordCredentials.map((p) => p.secretText)).toEqual([old]);
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(old);
    expect(emu.log.filter((e) => e.path.includes('/addPassword'))).toHaveLength(1);
    expect(emu.log.filter((e) => e.path.includes('/removePassword'))).toHaveLength(1);
    expect(run.outputs['rotated']).toBe('false');
    expectNoLeak(run, emu);
  });

  it('keeps every secret and names the stale target when only some targets took the new value', async () => {
    const app = emu.seedApp({
      displayName: 'billing-api',
      servicePrincipal: true,
      passwords: [{ displayName: 'rotated-by-github-actions', startDateTime: iso(-170 * DAY), endDateTime: iso(10 * DAY) }],
    });
    emu.faults.add({ match: { service: 'github', method: 'PUT', path: /staging%20area/ }, times: Infinity, kind: 'status', status: 422, code: 'Bad request' });
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api', environments: 'production\nstaging area' });
    expect(run.code).not.toBe(0);
    expect(run.error).toContain("still hold the previous value: AZURE_CLIENT_SECRET (environment 'staging area' of octo/app)");
    expect(app.passwordCredentials).toHaveLength(2);
    expect(emu.github.open({ repo: REPO, environment: 'production' }, 'AZURE_CLIENT_SECRET')).toBe(app.passwordCredentials[1]?.secretText);
    expect(emu.log.filter((e) => e.path.includes('/removePassword'))).toHaveLength(0);
    expectNoLeak(run, emu);
  });

  it("says that the workflow's GITHUB_TOKEN cannot write secrets, before any client secret is added", async () => {
    emu.github.addToken('ghs_workflowtoken', 'GITHUB_TOKEN');
    emu.seedApp({ displayName: 'billing-api', servicePrincipal: true });
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api', 'github-token': 'ghs_workflowtoken' });
    expect(run.code).not.toBe(0);
    expect(run.error).toContain('GITHUB_TOKEN can never read or write secrets');
    expect(run.error).toContain('HTTP 403');
    expect(run.error).toMatch(/request id \S+/);
    expect(emu.log.filter((e) => e.path.includes('/addPassword'))).toHaveLength(0);
  });

  it('explains a Graph 403: the rotator is not an owner of the app', async () => {
    emu.seedApp({ displayName: 'someone-elses-app', ownedBy: [] });
    const other = emu.graph.apps[0];
    const run = await runAction(emu, { ...baseInputs(emu), 'app-id': other?.appId ?? '' });
    expect(run.code).not.toBe(0);
    expect(run.error).toContain('HTTP 403');
    expect(run.error).toContain('Authorization_RequestDenied');
    expect(run.error).toContain('owner');
    expect(other?.passwordCredentials).toEqual([]);
    expect(emu.log.filter((e) => e.service === 'github' && e.method === 'PUT')).toEqual([]);
  });

  it('reports a bad rotator secret with the AADSTS code and what to check', async () => {
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api', 'client-secret': 'wrong8Q~secret' });
    expect(run.code).not.toBe(0);
    expect(run.error).toContain('AADSTS7000215');
    expect(run.error).toContain('Secret ID');
    expect(run.error).not.toContain('wrong8Q~secret');
  });

  it('retries through replication lag after creating the app', async () => {
    emu.faults.replicationLag(2);
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api' });
    expect(run.error).toBe('');
    expect(run.stdout).toMatch(/Retrying .* after replication lag on the new app/);
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(managed().managed[0]?.secretText);
  });

  it("retries a 403 on the new app's service principal while the rotator's ownership replicates", async () => {
    // Graph can answer POST /servicePrincipals for an app created seconds ago with 403 Authorization_RequestDenied.
    emu.faults.ownershipLag(2);
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api' });
    expect(run.error).toBe('');
    expect(run.stdout).toMatch(/Retrying creating the service principal .* after replication lag on the new app \(the rotator's ownership of it\)/);
    expect(emu.log.filter((e) => e.method === 'POST' && e.path === '/v1.0/servicePrincipals').map((e) => e.status)).toEqual([403, 403, 201]);
    expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(managed().managed[0]?.secretText);
  });

  it('says that a federated subject must match with case when it differs only in case (AADSTS7002138)', async () => {
    emu.oidcSubject = 'repo:Octo/App:ref:refs/heads/main';
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api', 'client-secret': '' });
    expect(run.code).not.toBe(0);
    expect(run.error).toContain('AADSTS7002138');
    expect(run.error).toContain('must match exactly, case included');
  });

  it('fails on bad input before sending any request', async () => {
    const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api', 'secret-lifetime-days': '1.5', 'secret-name': 'GITHUB_X' });
    expect(run.code).not.toBe(0);
    expect(run.error).toContain('secret-lifetime-days');
    expect(run.error).toContain('secret-name');
    expect(emu.log).toEqual([]);
  });

  it('runs from a copy of dist/ alone, with no node_modules anywhere above it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dist-only-'));
    try {
      cpSync(join(DIST, '..'), join(dir, 'dist'), { recursive: true });
      const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'billing-api' }, {}, join(dir, 'dist', 'index.js'));
      expect(run.error).toBe('');
      expect(emu.github.open(repo, 'AZURE_CLIENT_SECRET')).toBe(managed().managed[0]?.secretText);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
