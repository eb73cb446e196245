/**
 * Homes besides GitHub secrets, end to end: the bundled action run as a runner runs it, against the emulator.
 * Actions variables hold the client and tenant ID: written when missing, read back and left alone when they hold the
 * value (a steady run writes nothing), written again when they hold another.
 */
import { createEmulatorKeys, startEmulator, type Emulator, type EmulatorKeys } from '../test/emulator/index.ts';
import { baseInputs, expectNoLeak, REPO, runAction, runFleetAction, standardSetup, writesIn } from '../test/harness.ts';

let keys: EmulatorKeys;
let emu: Emulator;
beforeAll(async () => {
  keys = await createEmulatorKeys();
});
beforeEach(async () => {
  emu = await startEmulator({ keys });
  standardSetup(emu);
});
afterEach(async () => {
  await emu.close();
});

const appOf = (name: string): { appId: string } => {
  const app = emu.graph.apps.find((a) => a.displayName === name);
  if (app === undefined) throw new Error(`no app ${name}`);
  return app;
};

describe('Actions variables for the client and tenant ID', () => {
  it('a step writes them in each environment; a steady run writes nothing; one changed by hand is written again, without a rotation', async () => {
    const inputs = { ...baseInputs(emu), 'app-name': 'vars-api', environments: 'production\nstaging area', 'client-id-variable-name': 'AZURE_CLIENT_ID', 'tenant-id-variable-name': 'AZURE_TENANT_ID' };
    const first = await runAction(emu, inputs);
    expect(first.error).toBe('');
    const { appId } = appOf('vars-api');
    for (const environment of ['production', 'staging area']) {
      expect(emu.github.variable({ repo: REPO, environment }, 'AZURE_CLIENT_ID')?.value).toBe(appId);
      expect(emu.github.variable({ repo: REPO, environment }, 'AZURE_TENANT_ID')?.value).toBe(emu.tenantId);
    }
    expect(first.summary).toMatch(/AZURE_CLIENT_ID/);
    expectNoLeak(first, emu);

    const writes = writesIn(emu).length;
    const steady = await runAction(emu, inputs);
    expect(steady.error).toBe('');
    expect(steady.outputs['rotated']).toBe('false');
    expect(writesIn(emu).length).toBe(writes);

    emu.github.putVariable({ repo: REPO, environment: 'staging area' }, 'AZURE_TENANT_ID', '00000000-0000-0000-0000-000000000000');
    const fixed = await runAction(emu, inputs);
    expect(fixed.error).toBe('');
    expect(fixed.outputs['rotated']).toBe('false');
    expect(emu.github.variable({ repo: REPO, environment: 'staging area' }, 'AZURE_TENANT_ID')?.value).toBe(emu.tenantId);
    expect(writesIn(emu).length).toBe(writes + 1);
    expect(fixed.stdout).toMatch(/AZURE_TENANT_ID.*holds another value than the tenant ID/);
  });

  it('a token without the Variables permission: the step fails naming it', async () => {
    emu.github.addToken('github_pat_11NOVARIABLES0emulatorToken', 'pat', { secrets: 'write', environments: 'write', variables: 'none' });
    const run = await runAction(emu, { ...baseInputs(emu), 'github-token': 'github_pat_11NOVARIABLES0emulatorToken', 'app-name': 'vars-api', 'client-id-variable-name': 'AZURE_CLIENT_ID' });
    expect(run.code).not.toBe(0);
    expect(run.error).toMatch(/Variables: Read and write/);
  });

  it('a fleet: an organisation variable with its visibility next to a repository secret; the steady rerun writes nothing', async () => {
    emu.github.addOrg('octo');
    const file = ['apps:', '  - app-name: org-vars-api', '    targets:', `      - repository: ${REPO}`, '        secret-name: ORG_VARS_SECRET', '      - organization: octo', '        visibility: all', '        secret-name: ORG_VARS_SECRET', '        client-id-variable-name: ORG_VARS_CLIENT_ID', ''].join('\n');
    const first = await runFleetAction(emu, file, baseInputs(emu));
    expect(first.error).toBe('');
    expect(emu.github.variable({ org: 'octo' }, 'ORG_VARS_CLIENT_ID')).toMatchObject({ value: appOf('org-vars-api').appId, visibility: 'all' });
    const writes = writesIn(emu).length;
    const steady = await runFleetAction(emu, file, baseInputs(emu));
    expect(steady.error).toBe('');
    expect(writesIn(emu).length).toBe(writes);
  });
});
