/**
 * Faults one at a time, end to end: retries and what they log, secret propagation, a lost addPassword answer,
 * tenant policies, GitHub token and environment problems, and two runs at once.
 */
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, expectNoLeak, REPO, runAction } from '../test/harness.ts';
import { heldValue, invariantViolations, nearExpiryWithCompanions, newManaged, type StartState } from '../test/invariant.ts';

let emu: Emulator;
let start: StartState;
beforeEach(async () => {
  emu = await startEmulator();
  start = nearExpiryWithCompanions(emu, baseInputs(emu));
});
afterEach(async () => {
  await emu.close();
});

const count = (re: RegExp): number => emu.log.filter((e) => re.test(`${e.method} ${e.path}`)).length;

it('retries a 429 with Retry-After in seconds, and says so', async () => {
  emu.faults.add({ match: { service: 'graph', method: 'GET', path: /\/applications\?/ }, times: 2, kind: 'status', status: 429, retryAfter: '0' });
  const run = await runAction(emu, start.inputs);
  expect(run.error).toBe('');
  expect(run.stdout).toMatch(/Retrying looking up app registrations named 'payments-api' in 0 ms \(attempt 2 of 5\) after HTTP 429/);
  expect(invariantViolations(emu, start)).toEqual([]);
});

it('honours Retry-After as an HTTP date', async () => {
  // An HTTP date has whole seconds: 6 s ahead leaves over a second when the PUT is answered, even on a loaded
  // machine where the run takes 3 s to reach it (seen: 2.7 s with 3 s ahead, a 300 ms wait).
  emu.faults.add({ match: { service: 'github', method: 'PUT' }, times: 1, kind: 'status', status: 503, retryAfter: new Date(Date.now() + 6000).toUTCString() });
  const run = await runAction(emu, start.inputs);
  expect(run.error).toBe('');
  expect(run.stdout).toMatch(/Retrying writing AZURE_\w+ \(environment '[^']+' of octo\/app\) in \d+ ms \(attempt 2 of 5\) after HTTP 503/);
  // The wait is the date's, not the backoff's (20 ms here).
  const waited = Number(/in (\d+) ms \(attempt 2 of 5\) after HTTP 503/.exec(run.stdout)?.[1]);
  expect(waited).toBeGreaterThan(500);
});

it("waits out GitHub's secondary rate limit (403 with retry-after)", async () => {
  emu.faults.add({ match: { service: 'github', method: 'GET' }, times: 1, kind: 'status', status: 403, code: 'You have exceeded a secondary rate limit.', retryAfter: '0' });
  const run = await runAction(emu, start.inputs);
  expect(run.error).toBe('');
  // retry-after 0 names no wait: GitHub's minute (60 × 1 s in production), scaled by the tests' 20 ms base to 1.2 s.
  expect(run.stdout).toMatch(/GitHub named no wait \(secondary rate limit, HTTP 403\): waiting 1\.2 s, as GitHub advises, before listing the secrets of environment '[^']+' of octo\/app \(wait 1 of at most 6\)/);
});

it('does not retry a 400, and says what was being done, the status, code and request id', async () => {
  emu.faults.add({ match: { service: 'graph', method: 'POST', path: /addPassword/ }, times: 1, kind: 'status', status: 400, code: 'Request_BadRequest' });
  const run = await runAction(emu, start.inputs);
  expect(run.code).toBe(1);
  expect(count(/addPassword/)).toBe(1);
  expect(run.error).toMatch(/Microsoft Graph: failed adding a client secret to 'payments-api' \(client ID [0-9a-f-]+\) \(HTTP 400, Request_BadRequest, request id [0-9a-f-]+\)/);
  expect(invariantViolations(emu, start)).toEqual([]);
});

it('waits until Entra accepts the new secret before any GitHub secret gets it', async () => {
  emu.faults.secretPropagationMs = 400;
  const run = await runAction(emu, start.inputs);
  expect(run.error).toBe('');
  expect(run.stdout).toMatch(/Entra does not accept the new client secret yet \(AADSTS7000215\); asking again in \d+ ms/);
  const order = emu.log.map((e) => `${e.service} ${e.method} ${e.path}`);
  const accepted = order.findLastIndex((l) => l.startsWith('entra POST'));
  const firstPut = order.findIndex((l) => l.startsWith('github PUT'));
  expect(accepted).toBeLessThan(firstPut);
  expect(invariantViolations(emu, start)).toEqual([]);
});

it('keeps the old secrets and changes no GitHub secret when Entra never accepts the new one', async () => {
  emu.faults.secretPropagationMs = 3_600_000;
  const run = await runAction(emu, start.inputs);
  expect(run.code).toBe(1);
  expect(run.error).toContain('Entra ID did not accept the new client secret, so it was removed again');
  expect(run.error).toContain('AADSTS7000215');
  expect(count(/^PUT /)).toBe(0);
  expect(newManaged(emu, start)).toHaveLength(0);
  expect(invariantViolations(emu, start)).toEqual([]);
  expectNoLeak(run, emu);
});

it('removes the secret a lost addPassword answer left behind, and adds exactly one', async () => {
  emu.faults.add({ match: { service: 'graph', method: 'POST', path: /addPassword/ }, times: 1, kind: 'drop-after' });
  const run = await runAction(emu, start.inputs);
  expect(run.error).toBe('');
  expect(run.stdout).toContain('No answer came to adding a client secret');
  expect(run.stdout).toMatch(/Removed client secret [0-9a-f-]+: it was added, but its value never reached this run/);
  expect(count(/addPassword/)).toBe(2);
  expect(newManaged(emu, start)).toHaveLength(1);
  expect(invariantViolations(emu, start)).toEqual([]);
});

it('finds the app a lost create answer made, instead of creating a second one', async () => {
  emu.faults.add({ match: { service: 'graph', method: 'POST', path: /^\/v1\.0\/applications$/ }, times: 1, kind: 'drop-after' });
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'brand-new' });
  expect(run.error).toBe('');
  expect(run.stdout).toContain("No clear answer came to creating the app registration 'brand-new' (no response)");
  expect(emu.graph.apps.filter((a) => a.displayName === 'brand-new')).toHaveLength(1);
  expect(count(/^POST \/v1\.0\/applications$/)).toBe(1);
  expect(run.outputs['app-created']).toBe('true');
});

it.each([
  ['the token request that verifies the new secret', 'true', /Created the missing service principal/],
  ['a read, when verify-new-secret is false', 'false', /Created the service principal/],
])('creates a missing service principal at a rotation, found by %s', async (_how, verify, message) => {
  const orphan = emu.seedApp({
    displayName: 'no-sp-app',
    servicePrincipal: false,
    passwords: [{ displayName: 'rotated-by-github-actions', startDateTime: new Date(Date.now() - 170 * 86_400_000).toISOString(), endDateTime: new Date(Date.now() + 10 * 86_400_000).toISOString() }],
  });
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'no-sp-app', 'verify-new-secret': verify });
  expect(run.error).toBe('');
  expect(run.stdout).toMatch(message);
  expect(emu.graph.servicePrincipals.filter((sp) => sp.appId === orphan.appId)).toHaveLength(1);
  expect(count(/servicePrincipals\(appId/)).toBe(verify === 'true' ? 0 : 1);
});

it('explains a tenant policy that caps the lifetime of secrets', async () => {
  emu.policy.maxLifetimeDays = 90;
  const run = await runAction(emu, start.inputs);
  expect(run.code).toBe(1);
  expect(run.error).toContain('CredentialInvalidLifetimeAsPerAppPolicy');
  expect(run.error).toContain('lower secret-lifetime-days');
  expect(invariantViolations(emu, start)).toEqual([]);
});

it('explains the two-secret cap of apps open to personal Microsoft accounts', async () => {
  emu.seedApp({
    displayName: 'consumer-app',
    signInAudience: 'AzureADandPersonalMicrosoftAccount',
    passwords: [
      { displayName: 'a', startDateTime: new Date().toISOString(), endDateTime: new Date(Date.now() + 86_400_000 * 100).toISOString() },
      { displayName: 'b', startDateTime: new Date().toISOString(), endDateTime: new Date(Date.now() + 86_400_000 * 100).toISOString() },
    ],
  });
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'consumer-app' });
  expect(run.code).toBe(1);
  expect(run.error).toContain('TooManyAppPasswords');
  expect(run.error).toContain('only 2 client secrets');
});

it('names an environment that does not exist, before any secret is added', async () => {
  const run = await runAction(emu, { ...start.inputs, environments: 'production\nqa' });
  expect(run.code).toBe(1);
  expect(run.error).toContain("environment 'qa' does not exist in octo/app");
  expect(run.error).toContain('HTTP 404');
  expect(count(/addPassword/)).toBe(0);
});

it('says a personal access token lacks the permission, before any secret is added', async () => {
  emu.github.addToken('github_pat_readonly', 'pat', { secrets: 'none', environments: 'none' });
  const run = await runAction(emu, { ...start.inputs, 'github-token': 'github_pat_readonly' });
  expect(run.code).toBe(1);
  expect(run.error).toContain('personal access token without the repository permission "Secrets: Read and write" and "Environments: Read and write"');
  expect(count(/addPassword/)).toBe(0);
});

it('lets two runs at once both finish without breaking each other', async () => {
  const inputs = { ...start.inputs, 'force-rotation': 'true' };
  const [a, b] = await Promise.all([runAction(emu, inputs), runAction(emu, inputs)]);
  expect([a.error, b.error]).toEqual(['', '']);
  const added = newManaged(emu, start);
  expect(added).toHaveLength(2);
  expect(invariantViolations(emu, start)).toEqual([]);
  const held = new Set(start.targets.map((t) => heldValue(emu, t)));
  for (const value of held) expect(added.map((p) => p.identity)).toContain(value);
  expect(emu.github.open({ repo: REPO, environment: 'production' }, 'AZURE_CLIENT_ID')).toBe(start.appId);
});
