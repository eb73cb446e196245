/**
 * Bad input, end to end: each set fails the step with an error that names the input and what it expects, writes a
 * job summary that names it too, and the action sends no request at all (asserted on the emulator's log).
 */
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, GITHUB_PAT, ROTATOR_SECRET, runAction, runFleetAction, standardSetup } from '../test/harness.ts';

const G = '12345678-1234-1234-1234-123456789abc';
let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
  standardSetup(emu);
});
afterAll(async () => {
  await emu.close();
});

// [inputs changed from a valid set, the input named, what the message must say]
const CASES: Array<[Record<string, string>, string, string]> = [
  [{ 'tenant-id': '' }, 'tenant-id', 'required, expected a GUID'],
  [{ 'tenant-id': 'contoso.onmicrosoft.com' }, 'tenant-id', 'expected a GUID'],
  [{ 'tenant-id': `{${G}}` }, 'tenant-id', 'expected a GUID'],
  [{ 'client-id': '1234' }, 'client-id', 'expected a GUID'],
  [{ 'client-id': `${G}0` }, 'client-id', 'expected a GUID'],
  [{ 'client-id': '' }, 'client-id', 'required'],
  [{ 'app-name': '', 'app-id': 'my-app' }, 'app-id', 'expected a GUID'],
  [{ 'app-name': '' }, 'app-name / app-id', 'one is required'],
  [{ 'app-id': G }, 'app-name / app-id', 'give one, not both'],
  [{ 'app-name': 'x'.repeat(300) }, 'app-name', 'at most 256 characters'],
  [{ 'secret-name': 'GITHUB_CLIENT_SECRET' }, 'secret-name', 'does not start with GITHUB_'],
  [{ 'secret-name': 'github_token' }, 'secret-name', 'does not start with GITHUB_'],
  [{ 'secret-name': '9LIVES' }, 'secret-name', 'not starting with a digit'],
  [{ 'secret-name': 'AZURE-CLIENT-SECRET' }, 'secret-name', 'only letters, digits and underscores'],
  [{ 'secret-name': 'AZURE CLIENT SECRET' }, 'secret-name', 'only letters, digits and underscores'],
  [{ 'secret-name': 'AZURE.SECRET' }, 'secret-name', 'only letters, digits and underscores'],
  [{ 'secret-name': `S${'X'.repeat(100)}` }, 'secret-name', 'at most 100 characters'],
  [{ 'client-id-secret-name': 'AZURE_CLIENT_SECRET' }, 'client-id-secret-name', 'different from secret-name'],
  [{ 'credentials-secret-name': 'azure_client_secret' }, 'credentials-secret-name', 'case-insensitive'],
  [{ 'client-id-secret-name': 'AZURE_ID', 'tenant-id-secret-name': 'azure_id' }, 'tenant-id-secret-name', 'different from client-id-secret-name'],
  [{ 'tenant-id-secret-name': 'GITHUB_TENANT' }, 'tenant-id-secret-name', 'does not start with GITHUB_'],
  [{ 'secret-lifetime-days': 'six months' }, 'secret-lifetime-days', 'a whole number from 1 to 730'],
  [{ 'secret-lifetime-days': '-5' }, 'secret-lifetime-days', 'a whole number from 1 to 730'],
  [{ 'secret-lifetime-days': '1.5' }, 'secret-lifetime-days', 'a whole number from 1 to 730'],
  [{ 'secret-lifetime-days': '0' }, 'secret-lifetime-days', 'a whole number from 1 to 730'],
  [{ 'secret-lifetime-days': '731' }, 'secret-lifetime-days', 'a whole number from 1 to 730'],
  [{ 'secret-lifetime-days': '1e2' }, 'secret-lifetime-days', 'a whole number from 1 to 730'],
  [{ 'rotate-before-days': 'ten' }, 'rotate-before-days', 'a whole number from 0 to 730'],
  [{ 'rotate-before-days': '-1' }, 'rotate-before-days', 'a whole number from 0 to 730'],
  [{ 'rotate-before-days': '180' }, 'rotate-before-days', 'fewer days than secret-lifetime-days (180)'],
  [{ 'rotate-before-days': '60', 'secret-lifetime-days': '30' }, 'rotate-before-days', 'fewer days than secret-lifetime-days (30)'],
  [{ 'keep-previous': '-1' }, 'keep-previous', 'a whole number from 0 to 10'],
  [{ 'keep-previous': '11' }, 'keep-previous', 'a whole number from 0 to 10'],
  [{ 'keep-previous': '0.5' }, 'keep-previous', 'a whole number from 0 to 10'],
  [{ 'force-rotation': 'yes' }, 'force-rotation', 'true or false'],
  [{ 'dry-run': '1' }, 'dry-run', 'true or false'],
  [{ 'max-writes': '0' }, 'max-writes', 'a whole number from 1 to 100000'],
  [{ 'max-writes': '500 an hour' }, 'max-writes', 'a whole number from 1 to 100000'],
  [{ 'create-if-missing': 'no' }, 'create-if-missing', 'true or false'],
  [{ 'service-principal': 'on' }, 'service-principal', 'true or false'],
  [{ 'verify-new-secret': 'tru' }, 'verify-new-secret', 'true or false'],
  [{ 'authority-host': 'http://login.microsoftonline.com' }, 'authority-host', 'an https:// URL'],
  [{ 'authority-host': 'login.microsoftonline.com' }, 'authority-host', 'an https:// URL'],
  [{ 'graph-endpoint': 'https://graph.microsoft.com/v1.0' }, 'graph-endpoint', 'the root URL of the host'],
  [{ 'graph-endpoint': 'ftp://graph.microsoft.com' }, 'graph-endpoint', 'an https:// URL'],
  [{ cloud: 'AzureGermanCloud' }, 'cloud', 'one of AzureCloud, AzureUSGovernment, AzureUSGovernmentDoD, AzureChinaCloud'],
  [{ 'sign-in-audience': 'SingleTenant' }, 'sign-in-audience', 'one of AzureADMyOrg'],
  [{ repository: 'noowner' }, 'repository', 'owner/name'],
  [{ repository: 'owner/' }, 'repository', 'owner/name'],
  [{ repository: 'a/b/c' }, 'repository', 'owner/name'],
  [{ environments: 'production\nPRODUCTION' }, 'environments', 'each environment once'],
  [{ environments: `prod\n${'e'.repeat(256)}` }, 'environments', 'at most 255 characters'],
  [{ 'github-token': '' }, 'github-token', 'required (unless dry-run is true)'],
  [{ 'subscription-id': G }, 'subscription-id', 'credentials-secret-name is expected too'],
  [{ 'subscription-id': 'sub-1', 'credentials-secret-name': 'AZURE_CREDENTIALS' }, 'subscription-id', 'expected a GUID'],
  [{ 'credential-name': 'd'.repeat(101) }, 'credential-name', 'at most 100 characters'],
  [{ environments: 'production, staging' }, 'environments', 'one environment name per line'],
  [{ environments: 'qa\nproduction,staging' }, 'environments', 'one environment name per line'],
  // An empty value where action.yml has a default: the workflow passed '' itself (an unset variable, say).
  [{ 'secret-lifetime-days': '' }, 'secret-lifetime-days', "got '', expected a whole number from 1 to 730"],
  [{ 'rotate-before-days': '' }, 'rotate-before-days', "got '', expected a whole number from 0 to 730"],
  [{ 'keep-previous': '' }, 'keep-previous', "got '', expected a whole number from 0 to 10"],
  [{ 'dry-run': '' }, 'dry-run', "got '', expected true or false"],
  [{ 'secret-name': '' }, 'secret-name', "got '', expected the name of the GitHub secret"],
  [{ cloud: '' }, 'cloud', "got '', expected one of AzureCloud"],
  [{ 'credential-name': '' }, 'credential-name', "got '', expected the description"],
];

function valid(): Record<string, string> {
  return { ...baseInputs(emu), 'app-name': 'billing-api' };
}

it(`has at least 40 bad input sets (${CASES.length})`, () => {
  expect(CASES.length).toBeGreaterThanOrEqual(40);
});

it.each(CASES)('%j → names %s', async (change, input, expectation) => {
  emu.resetCounters();
  const run = await runAction(emu, { ...valid(), ...change });
  expect(run.code).toBe(1);
  const line = run.error.split('\n').find((l) => l.replace(/^\s*- /, '').replace(/^Invalid input: /, '').startsWith(`${input}: `));
  expect(line).toBeDefined();
  expect(line).toContain(expectation);
  expect(emu.log).toEqual([]);
  // The failed step still has its job summary, naming the input.
  expect(run.summary).toContain('Failed on bad input');
  expect(run.summary).toContain(`${input}: `);
});

it('reports every bad input of a set at once, and still sends nothing', async () => {
  emu.resetCounters();
  const run = await runAction(emu, { ...valid(), 'tenant-id': 'x', 'keep-previous': 'all', 'dry-run': 'maybe', 'secret-name': 'GITHUB_X' });
  expect(run.error).toMatch(/^4 invalid inputs:/);
  for (const name of ['tenant-id', 'keep-previous', 'dry-run', 'secret-name']) expect(run.error).toContain(`- ${name}: `);
  expect(emu.log).toEqual([]);
  expect(run.summary).toContain('fix 4 inputs of the step');
  for (const name of ['tenant-id', 'keep-previous', 'dry-run', 'secret-name']) expect(run.summary).toContain(`\n${name}: `);
});

it('shows no secret input in the error or the summary of a bad-input run', async () => {
  const run = await runAction(emu, { ...valid(), 'tenant-id': 'x', 'secret-lifetime-days': '' });
  expect(run.code).toBe(1);
  expect(run.summary).not.toBe('');
  // runAction checks every run for the values the emulator handed out: the rotator's secret and the PAT given here.
  for (const value of [ROTATOR_SECRET, GITHUB_PAT]) {
    expect(run.stdout).not.toContain(value);
    expect(run.summary).not.toContain(value);
  }
});

it('accepts blank lines and a trailing newline in a list input (normal YAML block scalars)', async () => {
  const run = await runAction(emu, { ...valid(), environments: '\nproduction\n\n  staging area  \n\n' });
  expect(run.error).toBe('');
  expect(run.code).toBe(0);
});

describe('a bad fleet file, end to end', () => {
  const APP = `apps:
  - app-name: billing-api
    targets:
      - repository: octo/app
        secret-name: AZURE_CLIENT_SECRET
`;
  // [the file, the exact `file:line: path: ` the problem starts with, what it says then]
  const FLEETS: Array<[string, string, string]> = [
    [APP.replace('      - repository: octo/app\n', '      - organization: octo\n        visibility: public\n'), 'fleet.yml:5: apps[0].targets[0].visibility: ', "expected all, private or selected, got 'public'"],
    [APP.replace('    targets:', '    secret-lifetime-days: 1000\n    targets:'), 'fleet.yml:3: apps[0].secret-lifetime-days: ', 'expected at most 730, got 1000'],
    [`${APP}  - app-name: invoices\n    targets:\n      - repository: octo/app\n        secret-name: azure_client_secret\n`, 'fleet.yml:9: apps[1].targets[0].secret-name: ', "app 'invoices' (apps[1]) writes azure_client_secret (repository octo/app), which app 'billing-api' (apps[0]) writes too"],
    [APP.replace('        secret-name:', '        environment: production\n        dependabot: true\n        secret-name:'), 'fleet.yml:5: apps[0].targets[0].environment: ', 'not with dependabot: true'],
    [APP.replace('        secret-name:', '        environment: production\n        codespaces: true\n        secret-name:'), 'fleet.yml:5: apps[0].targets[0].environment: ', 'not with codespaces: true (Codespaces secrets belong to repositories and organisations, not environments)'],
    [APP.replace('  - app-name: billing-api\n', '  - app-name: billing-api\n    app-id: 12345678-1234-1234-1234-123456789abc\n'), 'fleet.yml:2: apps[0].app-name / app-id: ', 'give one, not both'],
    // An empty environment is not "no environment": the value would go to the repository secret, readable by every workflow.
    [APP.replace('        secret-name:', "        environment: ''\n        secret-name:"), 'fleet.yml:5: apps[0].targets[0].environment: ', "expected a value (an empty one means nothing: leave the key out to use its default), got ''"],
  ];

  it.each(FLEETS.map(([yaml, where, says]) => [where, yaml, says]))('names %s', async (where, yaml, says) => {
    emu.resetCounters();
    const run = await runFleetAction(emu, yaml, baseInputs(emu));
    expect(run.code).toBe(1);
    expect(run.error).toMatch(/^Invalid fleet file: /);
    expect(run.error).toContain(`${where}${says}`);
    expect(emu.log).toEqual([]);
    expect(run.summary).toContain('Failed on a bad fleet file: fix a problem in the fleet file `fleet.yml`');
    expect(run.summary).toContain(where);
  });

  it('refuses a per-app input in the step of a fleet run, with the defaults of the real action.yml', async () => {
    emu.resetCounters();
    const run = await runFleetAction(emu, APP, { ...baseInputs(emu), 'secret-name': 'OTHER', 'keep-previous': '1' });
    expect(run.code).toBe(1);
    // keep-previous is given with its default: the runner would pass that anyway, so it is not "given".
    expect(run.error).toBe('Invalid input: secret-name: set per app in the fleet file (config), not in the step');
    expect(emu.log).toEqual([]);
  });

  it('says which file is missing, before any request', async () => {
    emu.resetCounters();
    const run = await runFleetAction(emu, APP, { ...baseInputs(emu), config: '.github/fleet.yml' });
    expect(run.code).toBe(1);
    expect(run.error).toMatch(/^Invalid input: config: no file '\.github\/fleet\.yml' in the workspace/);
    expect(emu.log).toEqual([]);
  });
});
