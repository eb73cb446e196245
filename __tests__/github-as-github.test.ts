/**
 * Issue 16: behave as GitHub behaves, not only as the emulator does by default. Each test switches on what the real
 * service does (or may do: where GitHub does not document it, the test assumes the case that would hurt) and runs
 * the bundled action against it:
 * - GitHub's content-creating limits (about 80 a minute and 500 an hour; secret PUTs planned for as if they count):
 *   a run keeps to max-writes, and past the hourly window GitHub asks for a wait far longer than any run makes;
 * - a public-key read that failed is not kept for the apps after it;
 * - whether PUT …/secrets/{name}/repositories moves updated_at is not documented: the action must not depend on it.
 */
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, GITHUB_PAT, runAction, runFleetAction, writesIn } from '../test/harness.ts';

const DAY = 86_400_000;
const ORG = 'octo-org';
const name = (i: number): string => `limit-app-${String(i).padStart(2, '0')}`;

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
  emu.addRotator({ clientId: '0f0e0d0c-0b0a-4909-8807-060504030201', secret: 'Rot8Q~rotator.secret_value-0123456789abcd' });
  emu.github.addOrg(ORG);
  for (const r of ['billing', 'invoices', 'ledger']) emu.github.addRepo(`${ORG}/${r}`);
  emu.github.addToken(GITHUB_PAT, 'pat');
});
afterEach(async () => {
  await emu.close();
});

function newest(displayName: string) {
  const app = emu.graph.apps.find((a) => a.displayName === displayName);
  return app?.passwordCredentials.filter((p) => p.displayName === 'rotated-by-github-actions').sort((a, b) => b.startDateTime.localeCompare(a.startDateTime))[0];
}

/** App i: a repository secret with its client ID and tenant ID companions: 3 GitHub writes per rotation. */
function threeTargets(i: number): string {
  return `
  - app-name: ${name(i)}
    targets:
      - repository: ${ORG}/billing
        secret-name: APP_${i}_SECRET
        client-id-secret-name: APP_${i}_CLIENT_ID
        tenant-id-secret-name: APP_${i}_TENANT_ID`;
}

const githubWrites = () => emu.log.filter((e) => e.service === 'github' && e.method !== 'GET');
const warnings = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('::warning::'));

describe("GitHub's content-creating window (max-writes)", () => {
  it('writes no more than max-writes, defers whole apps with a warning, and meets no refusal; the next hour finishes', async () => {
    // 10 apps to create, 3 writes each: 30 writes due, against a window of 20 an hour (GitHub's is 500).
    emu.github.contentLimit({ perHour: 20, perMinute: 80 });
    const file = `apps:${Array.from({ length: 10 }, (_, i) => threeTargets(i + 1)).join('')}\n`;
    const run = await runFleetAction(emu, file, { ...baseInputs(emu), 'max-writes': '20' });
    expect(run.error).toBe('');
    expect(run.code).toBe(0);
    // Nearest expiry first: none of them has a secret yet, so file order: apps 1-6 (18 writes) fit, 7-10 wait.
    expect(run.outputs['rotated-count']).toBe('6');
    expect(run.outputs['deferred-count']).toBe('4');
    expect(githubWrites().map((e) => e.status).filter((s) => s >= 300)).toEqual([]);
    expect(githubWrites()).toHaveLength(18);
    expect(emu.github.contentWrites()).toBe(18);
    for (let i = 1; i <= 6; i += 1) expect(emu.github.open({ repo: `${ORG}/billing` }, `APP_${i}_SECRET`)).toBe(newest(name(i))?.secretText);
    for (let i = 7; i <= 10; i += 1) expect(emu.github.open({ repo: `${ORG}/billing` }, `APP_${i}_SECRET`)).toBeUndefined();
    expect(run.stdout).toContain('This run will make 18 GitHub writes (max-writes 20); 4 apps wait for a later run: their writes would pass it');
    const deferred = warnings(run.stdout).filter((w) => w.includes('rotation due, deferred by max-writes (20): its 3 GitHub writes do not fit'));
    expect(deferred.map((w) => /limit-app-\d\d/.exec(w)?.[0])).toEqual([7, 8, 9, 10].map(name));
    expect(run.summary).toContain('**GitHub writes:** This run will make 18 GitHub writes (max-writes 20); 4 apps were deferred by max-writes.');
    expect(run.summary.split('\n').filter((l) => l.includes('| due, deferred |'))).toHaveLength(4);
    expect(run.report?.apps.filter((a) => (a as { deferredBy?: string }).deferredBy === 'max-writes')).toHaveLength(4);

    // An hour later the window is empty again: the 4 deferred apps go, the 6 others have nothing to write.
    emu.github.contentLimit({ perHour: 20, perMinute: 80 });
    emu.resetCounters();
    const next = await runFleetAction(emu, file, { ...baseInputs(emu), 'max-writes': '20' });
    expect(next.error).toBe('');
    expect(next.outputs['rotated-count']).toBe('4');
    expect(next.outputs['deferred-count']).toBe('0');
    expect(githubWrites().map((e) => e.status).filter((s) => s >= 300)).toEqual([]);
    expect(next.stdout).toContain('This run will make 12 GitHub writes (max-writes 20)\n');
    for (let i = 1; i <= 10; i += 1) expect(emu.github.open({ repo: `${ORG}/billing` }, `APP_${i}_SECRET`)).toBe(newest(name(i))?.secretText);
  });

  it('fails an app that alone needs more writes than max-writes, before any change, saying what to do', async () => {
    emu.resetCounters();
    const run = await runAction(emu, {
      ...baseInputs(emu),
      'app-name': 'wide-app',
      repository: `${ORG}/billing`,
      'client-id-secret-name': 'AZURE_CLIENT_ID',
      'tenant-id-secret-name': 'AZURE_TENANT_ID',
      'max-writes': '2',
    });
    expect(run.code).toBe(1);
    expect(run.error).toContain('The app needs 3 GitHub writes in one run (one per target secret) and max-writes is 2');
    expect(run.error).toContain('raise max-writes to at least 3');
    expect(writesIn(emu)).toEqual([]);
  });
});

describe('a failed public-key read', () => {
  it('fails only the app that met it: the next app writing to the same scope reads the key again', async () => {
    // Every try of the first read (the action tries 5 times) answers 503; the sixth request and on are served.
    const fault = emu.faults.add({ match: { service: 'github', method: 'GET', path: /\/actions\/secrets\/public-key$/ }, kind: 'status', status: 503, times: 5 });
    const file = `apps:${[1, 2, 3].map(threeTargets).join('')}\n`;
    const run = await runFleetAction(emu, file, baseInputs(emu));
    expect(fault.fired).toBe(5);
    expect(run.code).toBe(1);
    expect(run.error).toContain(`1 of 3 apps failed: ${name(1)}`);
    expect(run.error).toContain('reading the secrets public key of repository octo-org/billing');
    expect(run.outputs['rotated-count']).toBe('2');
    expect(emu.github.open({ repo: `${ORG}/billing` }, 'APP_1_SECRET')).toBeUndefined();
    for (const i of [2, 3]) expect(emu.github.open({ repo: `${ORG}/billing` }, `APP_${i}_SECRET`)).toBe(newest(name(i))?.secretText);
  });
});

describe('the selection PUT and updated_at', () => {
  it('fixes a selection drift with the value in one PUT, so a run after it does not rotate when the selection PUT would move updated_at', async () => {
    // Not documented by GitHub: assume it does, the case that would make a later run misread what the secret holds.
    emu.github.selectionPutMovesUpdatedAt = true;
    const file = `apps:
  - app-name: shared-app
    targets:
      - organization: ${ORG}
        visibility: selected
        repositories: [billing, invoices]
        secret-name: SHARED_SECRET
        client-id-secret-name: SHARED_CLIENT_ID
`;
    const first = await runFleetAction(emu, file, baseInputs(emu));
    expect(first.error).toBe('');
    emu.age(DAY);
    // Someone shares both secrets with another repository by hand: the selection changes, the value does not.
    for (const secret of ['SHARED_SECRET', 'SHARED_CLIENT_ID']) {
      const meta = emu.github.secret({ org: ORG }, secret);
      emu.github.putPlain({ org: ORG }, secret, emu.github.open({ org: ORG }, secret) ?? '', meta?.updated_at, { visibility: 'selected', repositories: ['billing', 'ledger'] });
    }

    emu.resetCounters();
    const fix = await runFleetAction(emu, file, baseInputs(emu));
    expect(fix.error).toBe('');
    expect(fix.stdout).toMatch(/SHARED_SECRET \(organisation octo-org\) is shared with billing, ledger, declared billing, invoices: it is written again with the declared repositories/);
    expect(fix.outputs['rotated-count']).toBe('1');
    expect(writesIn(emu).filter((w) => w.includes('/repositories'))).toEqual([]);
    for (const secret of ['SHARED_SECRET', 'SHARED_CLIENT_ID']) expect(emu.github.access(ORG, secret)).toEqual({ visibility: 'selected', repositories: ['billing', 'invoices'] });

    emu.resetCounters();
    const after = await runFleetAction(emu, file, baseInputs(emu));
    expect(after.error).toBe('');
    expect(after.outputs['rotated-count']).toBe('0');
    expect(writesIn(emu)).toEqual([]);
    // Never a secret removed that a target holds: the target holds the newest, and Entra still has it.
    expect(emu.github.open({ org: ORG }, 'SHARED_SECRET')).toBe(newest('shared-app')?.secretText);
  });
});
