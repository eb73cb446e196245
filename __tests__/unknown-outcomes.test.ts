/**
 * An answer that never came is "maybe done": each case where a request may have taken effect without the action
 * hearing so, end to end. A write that may have happened is never undone on the assumption that it did not.
 */
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, REPO, runAction, standardSetup } from '../test/harness.ts';
import { heldValue, invariantViolations, MANAGED, newManaged, type StartState } from '../test/invariant.ts';

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(Date.now() + ms).toISOString();

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  await emu.close();
});

const count = (re: RegExp): number => emu.log.filter((e) => re.test(`${e.method} ${e.path}`)).length;

/** Near expiry, with one value target: the repository secret, written by the run that made the current secret. */
function oneValueTarget(): StartState {
  standardSetup(emu);
  const start = -170 * DAY;
  const app = emu.seedApp({
    displayName: 'payments-api',
    servicePrincipal: true,
    passwords: [
      { displayName: MANAGED, startDateTime: iso(start), endDateTime: iso(10 * DAY) },
      { displayName: MANAGED, startDateTime: iso(-340 * DAY), endDateTime: iso(5 * DAY) },
      { displayName: 'Password uploaded on Thu Mar 16 2023', startDateTime: iso(-300 * DAY), endDateTime: iso(60 * DAY) },
    ],
  });
  emu.github.putPlain({ repo: REPO }, 'AZURE_CLIENT_SECRET', app.passwordCredentials[0]?.secretText ?? '', iso(start + 5000));
  return {
    appName: 'payments-api',
    appId: app.appId,
    objectId: app.id,
    keyIds: app.passwordCredentials.map((p) => p.keyId),
    unmanagedKeyId: app.passwordCredentials[2]?.keyId ?? '',
    targets: [{ scope: { repo: REPO }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' }],
    clientIdScopes: [],
    keepPrevious: 1,
    inputs: { ...baseInputs(emu), 'app-name': 'payments-api', 'keep-previous': '1' },
  };
}

const secretPut = { service: 'github' as const, method: 'PUT', path: /\/actions\/secrets\/AZURE_CLIENT_SECRET$/ };

describe('a GitHub write whose answer never came', () => {
  it('done, answer lost on every try: keeps the new secret, names the target unconfirmed, and the next run confirms it', async () => {
    const start = oneValueTarget();
    emu.faults.add({ match: secretPut, times: Infinity, kind: 'drop-after' });
    const first = await runAction(emu, start.inputs);
    expect(first.code).toBe(1);
    expect(first.error).toContain("no answer came to writing AZURE_CLIENT_SECRET (repository octo/app), so it may hold the new value or the previous one (unconfirmed)");
    expect(first.error).toContain('Every client secret was kept, the new one too');
    expect(first.summary).toContain('**unconfirmed**');
    expect(count(/removePassword/)).toBe(0);
    const [added] = newManaged(emu, start);
    expect(heldValue(emu, start.targets[0]!)).toBe(added?.identity);
    expect(invariantViolations(emu, start)).toEqual([]);

    emu.faults.clear();
    emu.resetCounters();
    const second = await runAction(emu, start.inputs);
    expect(second.error).toBe('');
    expect(second.outputs['rotated']).toBe('false');
    expect(count(/addPassword|PUT/)).toBe(0);
    expect(second.outputs['secret-key-id']).toBe(added?.keyId);
    expect(invariantViolations(emu, start)).toEqual([]);
  });

  it('never done, no answer on any try: keeps the new secret, and the next run writes a new one', async () => {
    const start = oneValueTarget();
    const before = heldValue(emu, start.targets[0]!);
    emu.faults.add({ match: secretPut, times: Infinity, kind: 'drop' });
    const first = await runAction(emu, start.inputs);
    expect(first.code).toBe(1);
    expect(first.error).toContain('(unconfirmed)');
    expect(heldValue(emu, start.targets[0]!)).toBe(before);
    expect(newManaged(emu, start)).toHaveLength(1);
    expect(count(/removePassword/)).toBe(0);
    expect(invariantViolations(emu, start)).toEqual([]);

    emu.faults.clear();
    const second = await runAction(emu, start.inputs);
    expect(second.error).toBe('');
    expect(second.outputs['rotated']).toBe('true');
    const newest = newManaged(emu, start).find((p) => p.keyId === second.outputs['secret-key-id']);
    expect(heldValue(emu, start.targets[0]!)).toBe(newest?.identity);
    expect(invariantViolations(emu, start)).toEqual([]);
  });

  it('no answer within the request timeout on any try: gives up, keeps every secret, names the target unconfirmed', async () => {
    const start = oneValueTarget();
    const before = heldValue(emu, start.targets[0]!);
    // GitHub takes the PUT and never answers; the bundle's request timeout (shortened from 30 s) ends each try.
    emu.hold({ match: { service: 'github', method: 'PUT', path: secretPut.path } });
    const first = await runAction(emu, start.inputs, { ENTRA_ROTATOR_ATTEMPT_TIMEOUT_MS: '300' });
    expect(first.code).toBe(1);
    expect(first.error).toContain('(unconfirmed)');
    expect(first.error).toContain('ETIMEDOUT');
    expect(first.stdout).toMatch(/Retrying writing AZURE_CLIENT_SECRET .* \(attempt 5 of 5\) after ETIMEDOUT/);
    expect(count(/PUT/)).toBe(5);
    expect(heldValue(emu, start.targets[0]!)).toBe(before);
    expect(count(/removePassword/)).toBe(0);
    expect(invariantViolations(emu, start)).toEqual([]);
  });

  it('an answer after a try whose answer was lost does not say "not written"', async () => {
    const start = oneValueTarget();
    // The first try is done but its answer lost; the retry is refused. The target holds the new value.
    emu.faults.add({ match: secretPut, times: 1, kind: 'drop-after' });
    emu.faults.add({ match: secretPut, times: Infinity, kind: 'status', status: 404, code: 'Not Found' });
    const run = await runAction(emu, start.inputs);
    expect(run.code).toBe(1);
    expect(run.error).toContain('(unconfirmed)');
    expect(count(/removePassword/)).toBe(0);
    expect(heldValue(emu, start.targets[0]!)).toBe(newManaged(emu, start)[0]?.identity);
    expect(invariantViolations(emu, start)).toEqual([]);
  });

  it('a server error to a write counts as maybe done too', async () => {
    const start = oneValueTarget();
    emu.faults.add({ match: secretPut, times: Infinity, kind: 'status-after', status: 502 });
    const run = await runAction(emu, start.inputs);
    expect(run.code).toBe(1);
    expect(run.error).toContain('(unconfirmed)');
    expect(count(/removePassword/)).toBe(0);
    expect(invariantViolations(emu, start)).toEqual([]);
  });
});

it('creating an app answered 503 after it was made: finds it by name instead of making a second one', async () => {
  standardSetup(emu);
  emu.faults.add({ match: { service: 'graph', method: 'POST', path: /^\/v1\.0\/applications$/ }, times: 1, kind: 'status-after', status: 503 });
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'brand-new' });
  expect(run.error).toBe('');
  expect(run.stdout).toContain("No clear answer came to creating the app registration 'brand-new' (HTTP 503)");
  expect(emu.graph.apps.filter((a) => a.displayName === 'brand-new')).toHaveLength(1);
  expect(count(/^POST \/v1\.0\/applications$/)).toBe(1);
  expect(run.outputs['app-created']).toBe('true');
});

it('creating an app answered 503 before it was made: looks first, then creates it once', async () => {
  standardSetup(emu);
  emu.faults.add({ match: { service: 'graph', method: 'POST', path: /^\/v1\.0\/applications$/ }, times: 1, kind: 'status', status: 503 });
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'brand-new' });
  expect(run.error).toBe('');
  expect(run.stdout).toContain("No app registration named 'brand-new' exists: creating it again");
  expect(emu.graph.apps.filter((a) => a.displayName === 'brand-new')).toHaveLength(1);
  expect(count(/^POST \/v1\.0\/applications$/)).toBe(2);
});

describe('undoing a new secret that Entra never accepted', () => {
  const neverAccepted = (): StartState => {
    const start = oneValueTarget();
    emu.faults.secretPropagationMs = 3_600_000;
    return start;
  };

  it('"no such key" right after adding it is replication lag: asked again until the secret is gone', async () => {
    const start = neverAccepted();
    emu.faults.newKeyRemovalLag = 2;
    const run = await runAction(emu, start.inputs);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Retrying removing client secret [0-9a-f-]+ .* after replication lag on the new client secret/);
    expect(run.stdout).toMatch(/Removed the new client secret [0-9a-f-]+ again: Entra did not accept it/);
    expect(newManaged(emu, start)).toHaveLength(0);
    expect(invariantViolations(emu, start)).toEqual([]);
  });

  it('is not reported as removed while a read still shows it', async () => {
    const start = neverAccepted();
    emu.faults.newKeyRemovalLag = 1000;
    const run = await runAction(emu, start.inputs);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toMatch(/Removed the new client secret/);
    expect(run.stdout).toMatch(/The new client secret [0-9a-f-]+ could not be removed again .*no target holds it, and the next run removes it/);
    expect(newManaged(emu, start)).toHaveLength(1);
    expect(heldValue(emu, start.targets[0]!)).not.toBe(newManaged(emu, start)[0]?.identity);
  });
});

it('fails at once, without retrying, when a TLS certificate is not trusted, and says what to do', async () => {
  const start = oneValueTarget();
  // The emulator's CA is not given to the action: its certificates are unknown to it.
  const run = await runAction(emu, start.inputs, { NODE_EXTRA_CA_CERTS: '' });
  expect(run.code).toBe(1);
  expect(run.error).toMatch(/the TLS certificate of 127\.0\.0\.1:\d+ was not trusted/);
  expect(run.error).toContain('NODE_EXTRA_CA_CERTS');
  expect(run.error).toContain('authority-host');
  expect(run.stdout).not.toMatch(/Retrying .* in \d+ ms/);
  expect(emu.log).toHaveLength(0);
});

describe('a target that two overlapping runs wrote', () => {
  /**
   * Run A added a, run B added b a minute later; B wrote the target, then A did. The target holds a though b is
   * newer: "written after the newest secret started, so it holds the newest" would be wrong here.
   */
  function afterOverlap(minutesAgo: number): StartState & { a: string; b: string } {
    const start = oneValueTarget();
    const app = emu.graph.apps.find((x) => x.id === start.objectId)!;
    const t0 = -minutesAgo * 60_000;
    const seeded = emu.seedApp({ displayName: 'scratch', passwords: [
      { displayName: MANAGED, startDateTime: iso(t0), endDateTime: iso(180 * DAY) },
      { displayName: MANAGED, startDateTime: iso(t0 + 60_000), endDateTime: iso(180 * DAY + 60_000) },
    ] });
    app.passwordCredentials.push(...seeded.passwordCredentials);
    emu.graph.apps = emu.graph.apps.filter((x) => x !== seeded);
    const [a, b] = seeded.passwordCredentials;
    emu.github.putPlain({ repo: REPO }, 'AZURE_CLIENT_SECRET', a?.secretText ?? '', iso(t0 + 90_000));
    return { ...start, keyIds: app.passwordCredentials.map((p) => p.keyId), a: a?.keyId ?? '', b: b?.keyId ?? '', inputs: { ...start.inputs, 'keep-previous': '0' } };
  }

  it('with keep-previous 0, removes neither secret while either run may still be writing', async () => {
    const state = afterOverlap(3);
    const run = await runAction(emu, state.inputs);
    expect(run.error).toBe('');
    expect(run.stdout).toMatch(/note: AZURE_CLIENT_SECRET \(repository octo\/app\) may hold [0-9a-f-]+ or [0-9a-f-]+ .*all of them are kept/);
    const keys = emu.graph.apps.find((x) => x.id === state.objectId)!.passwordCredentials.map((p) => p.keyId);
    expect(keys).toEqual(expect.arrayContaining([state.a, state.b]));
    expect(invariantViolations(emu, state)).toEqual([]);
  });

  it('once no run can be writing, rotates so that the target holds one known secret, then removes both', async () => {
    const state = afterOverlap(60);
    const run = await runAction(emu, state.inputs);
    expect(run.error).toBe('');
    expect(run.outputs['rotated']).toBe('true');
    const app = emu.graph.apps.find((x) => x.id === state.objectId)!;
    const managed = app.passwordCredentials.filter((p) => p.displayName === MANAGED);
    expect(managed.map((p) => p.keyId)).toEqual([run.outputs['secret-key-id']]);
    expect(heldValue(emu, state.targets[0]!)).toBe(managed[0]?.secretText);
    expect(invariantViolations(emu, state)).toEqual([]);
  });
});
