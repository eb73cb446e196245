/**
 * Fleets end to end: the bundled action with a fleet file (input `config`), as a runner runs it, against the
 * emulator. Every stored value is opened by the emulator and compared with the secret Entra holds.
 */
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, GITHUB_PAT, ROTATOR_ID, runFleetAction, writesIn } from '../test/harness.ts';

const DAY = 86_400_000;
const iso = (msFromNow: number): string => new Date(Date.now() + msFromNow).toISOString();
const ORG = 'octo-org';
const REPOS = ['billing', 'invoices', 'ledger'];
const name = (i: number): string => `fleet-app-${String(i).padStart(2, '0')}`;

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
  emu.addRotator({ clientId: '0f0e0d0c-0b0a-4909-8807-060504030201', secret: 'Rot8Q~rotator.secret_value-0123456789abcd' });
  emu.github.addOrg(ORG);
  for (const r of REPOS) emu.github.addRepo(`${ORG}/${r}`, ['production']);
  emu.github.addToken(GITHUB_PAT, 'pat', { secrets: 'write', environments: 'write', orgSecrets: 'write', dependabotSecrets: 'write' });
});
afterEach(async () => {
  await emu.close();
});

function appNamed(displayName: string) {
  const app = emu.graph.apps.find((a) => a.displayName === displayName);
  if (app === undefined) throw new Error(`no app ${displayName}`);
  return app;
}

/** The newest secret this action made for an app: what every target must hold. */
function newest(displayName: string) {
  const managed = appNamed(displayName).passwordCredentials.filter((p) => p.displayName === 'rotated-by-github-actions');
  return managed.sort((a, b) => b.startDateTime.localeCompare(a.startDateTime))[0];
}

/** App i writes to one repository (secret and client ID), its production environment, an organisation secret shared with two repositories, and Dependabot. */
function fullApp(i: number, lifetime = 180): string {
  const repo = `${ORG}/${REPOS[i % 3]}`;
  return `
  - app-name: ${name(i)}
    secret-lifetime-days: ${lifetime}
    targets:
      - repository: ${repo}
        secret-name: APP_${i}_SECRET
        client-id-secret-name: APP_${i}_CLIENT_ID
      - repository: ${repo}
        environment: production
        secret-name: APP_${i}_SECRET
      - organization: ${ORG}
        visibility: selected
        repositories: [${REPOS[i % 3]}, ${REPOS[(i + 1) % 3]}]
        secret-name: APP_${i}_ORG_SECRET
      - repository: ${repo}
        dependabot: true
        secret-name: APP_${i}_REGISTRY`;
}

function expectTargetsHoldNewest(i: number): void {
  const repo = `${ORG}/${REPOS[i % 3]}`;
  const secret = newest(name(i));
  expect(secret?.secretText).toBeDefined();
  expect(emu.github.open({ repo }, `APP_${i}_SECRET`)).toBe(secret?.secretText);
  expect(emu.github.open({ repo, environment: 'production' }, `APP_${i}_SECRET`)).toBe(secret?.secretText);
  expect(emu.github.open({ org: ORG }, `APP_${i}_ORG_SECRET`)).toBe(secret?.secretText);
  expect(emu.github.open({ repo, dependabot: true }, `APP_${i}_REGISTRY`)).toBe(secret?.secretText);
  expect(emu.github.open({ repo }, `APP_${i}_CLIENT_ID`)).toBe(appNamed(name(i)).appId);
}

describe('a fleet from one file', () => {
  it('creates 12 apps with repository, environment, organisation and Dependabot targets, then stays still, then rotates the due ones', async () => {
    const apps = Array.from({ length: 12 }, (_, i) => fullApp(i + 1, i % 2 === 0 ? 120 : 180)).join('');
    const file = `apps:${apps}\n`;
    const first = await runFleetAction(emu, file, { ...baseInputs(emu), 'max-rotations': '20' });
    expect(first.error).toBe('');
    expect(first.code).toBe(0);
    expect(first.outputs['rotated-count']).toBe('12');
    for (let i = 1; i <= 12; i += 1) expectTargetsHoldNewest(i);
    expect(emu.github.access(ORG, 'APP_1_ORG_SECRET')).toEqual({ visibility: 'selected', repositories: ['invoices', 'ledger'] });
    expect(first.stdout).toContain('12 of 12 apps done');
    expect(first.stdout).toContain(`::group::${name(1)}`);

    // Steady state: nothing is due, nothing is written, anywhere.
    emu.resetCounters();
    const steady = await runFleetAction(emu, file, baseInputs(emu));
    expect(steady.error).toBe('');
    expect(steady.outputs['rotated-count']).toBe('0');
    expect(writesIn(emu)).toEqual([]);

    // 100 days on, the apps with 120-day secrets (odd numbers) are within rotate-before-days (30): only they rotate.
    emu.age(100 * DAY);
    const before = new Map(Array.from({ length: 12 }, (_, i) => [i + 1, newest(name(i + 1))?.keyId]));
    const third = await runFleetAction(emu, file, baseInputs(emu));
    expect(third.error).toBe('');
    expect(third.outputs['rotated-count']).toBe('6');
    for (let i = 1; i <= 12; i += 1) {
      expect(newest(name(i))?.keyId === before.get(i)).toBe(i % 2 === 0);
      expectTargetsHoldNewest(i);
    }
    expect(third.report?.apps.filter((a) => a.rotated).map((a) => a.name)).toEqual([1, 3, 5, 7, 9, 11].map(name));
  });

  it('writes Codespaces secrets of a repository and of an organisation, each sealed with its own key; a steady rerun writes nothing', async () => {
    const file = `apps:
  - app-name: ${name(1)}
    targets:
      - repository: ${ORG}/billing
        codespaces: true
        secret-name: APP_SECRET
        client-id-secret-name: APP_CLIENT_ID
      - organization: ${ORG}
        codespaces: true
        visibility: selected
        repositories: [billing, ledger]
        secret-name: APP_ORG_SECRET
      - repository: ${ORG}/billing
        secret-name: APP_SECRET
`;
    const first = await runFleetAction(emu, file, baseInputs(emu));
    expect(first.error).toBe('');
    expect(first.code).toBe(0);
    expect(first.outputs['rotated-count']).toBe('1');
    const secret = newest(name(1));
    expect(secret?.secretText).toBeDefined();
    const billing = `${ORG}/billing`;
    expect(emu.github.open({ repo: billing, codespaces: true }, 'APP_SECRET')).toBe(secret?.secretText);
    expect(emu.github.open({ repo: billing, codespaces: true }, 'APP_CLIENT_ID')).toBe(appNamed(name(1)).appId);
    expect(emu.github.open({ org: ORG, codespaces: true }, 'APP_ORG_SECRET')).toBe(secret?.secretText);
    expect(emu.github.access(ORG, 'APP_ORG_SECRET', { codespaces: true })).toEqual({ visibility: 'selected', repositories: ['billing', 'ledger'] });
    // The Actions secret of the same name is its own secret; nothing went to the Actions organisation scope.
    expect(emu.github.open({ repo: billing }, 'APP_SECRET')).toBe(secret?.secretText);
    expect(emu.github.secret({ org: ORG }, 'APP_ORG_SECRET')).toBeUndefined();
    expect(writesIn(emu).filter((w) => w.startsWith('PUT ')).sort()).toEqual([
      `PUT /orgs/${ORG}/codespaces/secrets/APP_ORG_SECRET`,
      `PUT /repos/${billing}/actions/secrets/APP_SECRET`,
      `PUT /repos/${billing}/codespaces/secrets/APP_CLIENT_ID`,
      `PUT /repos/${billing}/codespaces/secrets/APP_SECRET`,
    ]);
    expect(first.report?.apps[0]?.targets.map((t) => `${t.name} ${t.where}`)).toEqual(
      expect.arrayContaining([`APP_SECRET Codespaces, repository ${billing}`, `APP_ORG_SECRET Codespaces, organisation ${ORG}`, `APP_SECRET repository ${billing}`]),
    );
    expect(first.summary).toContain(`Codespaces, repository ${billing}`);

    emu.resetCounters();
    const steady = await runFleetAction(emu, file, baseInputs(emu));
    expect(steady.error).toBe('');
    expect(steady.outputs['rotated-count']).toBe('0');
    expect(writesIn(emu)).toEqual([]);
    // Read, not written: each Codespaces scope listed once, and the organisation secret's selection compared.
    expect(emu.log.filter((e) => e.path.includes('/codespaces/secrets') && e.method === 'GET').map((e) => e.path.split('?')[0]).sort()).toEqual([
      `/orgs/${ORG}/codespaces/secrets`,
      `/orgs/${ORG}/codespaces/secrets/APP_ORG_SECRET/repositories`,
      `/repos/${billing}/codespaces/secrets`,
    ]);
  });

  it('names the permission a token without Codespaces secrets lacks, before changing anything', async () => {
    emu.github.addToken('github_pat_no_codespaces', 'pat', { codespacesSecrets: 'none' });
    const file = `apps:\n  - app-name: ${name(1)}\n    targets:\n      - repository: ${ORG}/billing\n        codespaces: true\n        secret-name: APP_SECRET\n`;
    const run = await runFleetAction(emu, file, { ...baseInputs(emu), 'github-token': 'github_pat_no_codespaces' });
    expect(run.code).toBe(1);
    expect(run.error).toContain(`listing the secrets of Codespaces, repository ${ORG}/billing (HTTP 403`);
    expect(run.error).toContain(`personal access token without the repository permission "Codespaces secrets: Read and write" on ${ORG}/billing`);
    expect(emu.github.secrets({ repo: `${ORG}/billing`, codespaces: true })).toEqual([]);
    // The scopes are listed before anything changes: the app was not even created.
    expect(emu.graph.apps.find((a) => a.displayName === name(1))).toBeUndefined();
  });

  it('goes on past an app it may not change, fails naming it, and converges on the next run', async () => {
    const hidden = emu.seedApp({ displayName: name(3), ownedBy: [] });
    const file = `apps:${[1, 2, 3, 4].map((i) => fullApp(i)).join('')}\n`.replace(`app-name: ${name(3)}`, `app-id: ${hidden.appId}`);
    const run = await runFleetAction(emu, file, baseInputs(emu));
    expect(run.code).toBe(1);
    expect(run.error).toContain(`1 of 4 apps failed: ${hidden.appId}`);
    expect(run.outputs['failed-count']).toBe('1');
    expect(run.outputs['rotated-count']).toBe('3');
    for (const i of [1, 2, 4]) expectTargetsHoldNewest(i);
    expect(run.summary).toMatch(new RegExp(`\\| ${hidden.appId} \\|[^\\n]*\\| failed \\|`));

    hidden.owners.push(ROTATOR_ID);
    const again = await runFleetAction(emu, file, baseInputs(emu));
    expect(again.error).toBe('');
    expect(again.outputs['rotated-count']).toBe('1');
    for (const i of [1, 2, 3, 4]) expectTargetsHoldNewest(i);
  });

  it('keeps to max-rotations: of 25 due apps the 10 nearest expiry rotate, 15 are deferred and reported', async () => {
    const lines: string[] = ['defaults:', '  rotate-before-days: 30', 'apps:'];
    for (let i = 1; i <= 25; i += 1) {
      // App i's secret expires in 26 - i days: app 25 is nearest.
      emu.seedApp({ displayName: name(i), passwords: [{ displayName: 'rotated-by-github-actions', startDateTime: iso(-150 * DAY), endDateTime: iso((26 - i) * DAY) }] });
      lines.push(`  - app-name: ${name(i)}`, '    targets:', `      - repository: ${ORG}/billing`, `        secret-name: APP_${i}_SECRET`);
    }
    const run = await runFleetAction(emu, `${lines.join('\n')}\n`, { ...baseInputs(emu), 'max-rotations': '10' });
    expect(run.error).toBe('');
    expect(run.outputs['rotated-count']).toBe('10');
    expect(run.outputs['deferred-count']).toBe('15');
    const rotated = run.report?.apps.filter((a) => a.rotated).map((a) => a.name) ?? [];
    expect(rotated.sort()).toEqual(Array.from({ length: 10 }, (_, k) => name(16 + k)));
    for (let i = 16; i <= 25; i += 1) expect(emu.github.open({ repo: `${ORG}/billing` }, `APP_${i}_SECRET`)).toBe(newest(name(i))?.secretText);
    for (let i = 1; i <= 15; i += 1) expect(emu.github.open({ repo: `${ORG}/billing` }, `APP_${i}_SECRET`)).toBeUndefined();
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::warning::') && l.includes('rotation due, deferred'))).toHaveLength(15);
    expect(run.summary.split('\n').filter((l) => l.includes('| due, deferred |'))).toHaveLength(15);
  });

  it('a deferred app still gets its Graph side: properties, federated credentials, service principal, expired secrets no target holds; its GitHub writes wait', async () => {
    const managed = 'rotated-by-github-actions';
    emu.seedApp({ displayName: 'near', passwords: [{ displayName: managed, startDateTime: iso(-170 * DAY), endDateTime: iso(5 * DAY) }] });
    const waiting = emu.seedApp({
      displayName: 'waiting',
      servicePrincipal: false,
      passwords: [
        { displayName: managed, startDateTime: iso(-400 * DAY), endDateTime: iso(-20 * DAY) },
        { displayName: managed, startDateTime: iso(-160 * DAY), endDateTime: iso(20 * DAY) },
        { displayName: 'made by hand', startDateTime: iso(-400 * DAY), endDateTime: iso(-30 * DAY) },
      ],
    });
    const [expired, current, theirs] = waiting.passwordCredentials.map((p) => p.keyId);
    const file = `apps:
  - app-name: near
    targets: [{ repository: ${ORG}/billing, secret-name: NEAR_SECRET }]
  - app-name: waiting
    tags: [deferred-but-declared]
    federated-credentials: ['repo:${ORG}/billing:environment:production']
    targets: [{ repository: ${ORG}/billing, secret-name: WAITING_SECRET }]
`;
    const run = await runFleetAction(emu, file, { ...baseInputs(emu), 'max-rotations': '1' });
    expect(run.error).toBe('');
    expect(run.outputs['rotated-count']).toBe('1');
    expect(run.outputs['deferred-count']).toBe('1');
    expect(emu.github.open({ repo: `${ORG}/billing` }, 'NEAR_SECRET')).toBe(newest('near')?.secretText);
    // The budget limits rotations and GitHub writes: those wait.
    expect(emu.github.open({ repo: `${ORG}/billing` }, 'WAITING_SECRET')).toBeUndefined();
    const app = appNamed('waiting');
    // The Graph side does not: declared properties, federated credentials, the service principal, and the expired
    // managed secret (no target holds it: the only target does not exist). The current one and one made by hand stay.
    expect(app.tags).toEqual(['deferred-but-declared']);
    expect(app.federatedIdentityCredentials.map((f) => f.subject)).toEqual([`repo:${ORG}/billing:environment:production`]);
    expect(emu.graph.servicePrincipals.some((sp) => sp.appId === app.appId)).toBe(true);
    expect(app.passwordCredentials.map((p) => p.keyId).sort()).toEqual([current, theirs].sort());
    expect(expired).toBeDefined();
    expect(run.stdout).toContain(`Removed client secret ${expired} (expired on`);
    expect(run.summary.split('\n').filter((l) => l.includes('| due, deferred |'))).toHaveLength(1);
  });

  it('slows down when GitHub’s secondary rate limit answers, finishes, and leaves no target stale', async () => {
    emu.github.secondaryLimit({ max: 4, windowMs: 1500, status: 403, signal: 'retry-after', retryAfterS: 1 });
    const file = `apps:${[1, 2, 3, 4].map((i) => fullApp(i)).join('')}\n`;
    const run = await runFleetAction(emu, file, baseInputs(emu));
    expect(run.error).toBe('');
    expect(run.outputs['rotated-count']).toBe('4');
    for (const i of [1, 2, 3, 4]) expectTargetsHoldNewest(i);
    expect(run.stdout).toMatch(/GitHub asked to wait \d+ s \(secondary rate limit/);
  });

  it('reports every credential of the tenant with report-scope all, over more than one page', async () => {
    for (let i = 0; i < 1100; i += 1) emu.seedApp({ displayName: `other-${i}`, ownedBy: [] });
    const soon = emu.seedApp({ displayName: 'legacy-api', ownedBy: [], passwords: [{ displayName: 'made by hand', startDateTime: iso(-300 * DAY), endDateTime: iso(5 * DAY - 3_600_000) }] });
    const cert = emu.seedApp({ displayName: 'cert-api', ownedBy: [], certificates: [{ displayName: 'CN=cert-api', startDateTime: iso(-360 * DAY), endDateTime: iso(3 * DAY - 3_600_000) }] });
    const file = `apps:${fullApp(1)}\n`;
    emu.resetCounters();
    const run = await runFleetAction(emu, file, { ...baseInputs(emu), 'report-scope': 'all', 'report-days': '30' });
    expect(run.error).toBe('');
    expect(emu.log.filter((e) => e.method === 'GET' && /\/v1\.0\/applications(\?|$)/.test(e.path) && !e.path.includes('$filter')).length).toBeGreaterThan(1);
    const flagged = run.report?.credentials.filter((c) => c.flagged) ?? [];
    expect(flagged.map((c) => [c.app, c.kind, c.daysLeft, c.managed])).toEqual([
      ['cert-api', 'certificate', 3, false],
      ['legacy-api', 'client secret', 5, false],
    ]);
    expect(run.outputs['expiring-count']).toBe('2');
    const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
    expect(warnings.some((w) => w.includes(soon.appId) && w.includes('not managed: rotate it yourself'))).toBe(true);
    expect(warnings.some((w) => w.includes(cert.appId) && w.includes('certificate'))).toBe(true);
    expect(run.summary).toContain('| cert-api |');
    expect(run.report?.credentials.length).toBeGreaterThanOrEqual(3);
  });

  it("stays under Graph's cap on reads of keyCredentials (5 a minute here) for 30 apps, and still reports a certificate near expiry", async () => {
    // Graph caps application reads that select keyCredentials at 150 a minute per tenant, every batch item
    // counting. The emulator's switch models it with a small cap: lookups must select none, the report few.
    emu.policy.keyCredentialsPerMinute = 5;
    const lines: string[] = ['apps:'];
    for (let i = 1; i <= 30; i += 1) {
      emu.seedApp({
        displayName: name(i),
        passwords: [{ displayName: 'rotated-by-github-actions', startDateTime: iso(-10 * DAY), endDateTime: iso(170 * DAY) }],
        ...(i === 7 ? { certificates: [{ displayName: 'CN=signing', startDateTime: iso(-360 * DAY), endDateTime: iso(4 * DAY - 3_600_000) }] } : {}),
      });
      lines.push(`  - app-name: ${name(i)}`, '    targets:', `      - repository: ${ORG}/billing`, `        secret-name: APP_${i}_SECRET`);
    }
    const file = `${lines.join('\n')}\n`;
    const selectsCertificates = (): number =>
      emu.log.filter((e) => e.service === 'graph' && e.method === 'GET' && /[?&]\$select=[^&]*keyCredentials/i.test(decodeURIComponent(e.path))).length;
    for (const dryRun of ['true', 'false']) {
      emu.resetCounters();
      const run = await runFleetAction(emu, file, { ...baseInputs(emu), 'dry-run': dryRun, 'report-days': '30', 'max-rotations': '30' });
      expect(run.error).toBe('');
      expect(emu.log.filter((e) => e.status === 429)).toEqual([]);
      // 30 apps: 2 reads of certificates (15 ids each), in one batch.
      expect(selectsCertificates()).toBe(2);
      const flagged = run.report?.credentials.filter((c) => c.flagged && c.kind === 'certificate') ?? [];
      expect(flagged.map((c) => [c.app, c.daysLeft])).toEqual([[name(7), 4]]);
      expect(run.stdout.split('\n').some((l) => l.startsWith('::warning::') && l.includes('certificate') && l.includes(appNamed(name(7)).appId))).toBe(true);
    }
  });

  it('finds a misspelled selected repository before any target is written', async () => {
    const file = `apps:${fullApp(1)}\n`.replace('repositories: [invoices, ledger]', 'repositories: [invoices, ledgre]');
    const run = await runFleetAction(emu, file, baseInputs(emu));
    expect(run.code).toBe(1);
    expect(run.error).toContain(`${ORG}/ledgre`);
    expect(emu.github.open({ repo: `${ORG}/invoices` }, 'APP_1_SECRET')).toBeUndefined();
    expect(emu.github.open({ org: ORG }, 'APP_1_ORG_SECRET')).toBeUndefined();
    // The new secret was removed again: the app holds no secret this run made that no target has.
    expect(appNamed(name(1)).passwordCredentials).toEqual([]);
  });

  it('only plans on a pull_request event, and says why', async () => {
    const file = `apps:${fullApp(1)}\n`;
    emu.resetCounters();
    const run = await runFleetAction(emu, file, baseInputs(emu), { GITHUB_EVENT_NAME: 'pull_request' });
    expect(run.error).toBe('');
    expect(writesIn(emu)).toEqual([]);
    expect(run.stdout).toMatch(/Dry run: .*pull_request/);
    expect(run.summary).toContain('Dry run');
    expect(run.report?.dryRun).toBe(true);
  });
});

describe('shard', () => {
  it('puts every app in exactly one of N shards, the same on every run', async () => {
    const { inShard } = await import('../src/core/fleet');
    const keys = Array.from({ length: 200 }, (_, i) => `app-name:${name(i)}`);
    const shards = [1, 2, 3].map((index) => keys.filter((k) => inShard(k, { index, count: 3 })));
    expect(shards.flat().sort()).toEqual([...keys].sort());
    for (const s of shards) expect(s.length).toBeGreaterThan(40);
    expect(keys.filter((k) => inShard(k, { index: 2, count: 3 }))).toEqual(shards[1]);
  });
});
