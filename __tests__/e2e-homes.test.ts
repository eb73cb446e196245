/**
 * Homes besides GitHub secrets, end to end: the bundled action run as a runner runs it, against the emulator.
 * Actions variables hold the client and tenant ID: written when missing, read back and left alone when they hold the
 * value (a steady run writes nothing), written again when they hold another. Azure Key Vault secrets hold the value
 * with tags saying which credential it is: a run whose only home is a vault needs no GitHub token and sends GitHub
 * nothing; a vault holding an older key id is rotated; each refusal says what to do; a write whose answer was lost is
 * settled by reading the tags back.
 */
import { createEmulatorKeys, startEmulator, type Emulator, type EmulatorKeys } from '../test/emulator/index.ts';
import { baseInputs, expectNoLeak, REPO, ROTATOR_ID, runAction, runFleetAction, standardSetup, writesIn } from '../test/harness.ts';

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

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(Date.now() + ms).toISOString();
const MANAGED = 'rotated-by-github-actions';

describe('Azure Key Vault secrets', () => {
  const vaultInputs = (vault: string, extra: Record<string, string> = {}): Record<string, string> => {
    const rest: Record<string, string> = { ...baseInputs(emu) };
    delete rest['github-token'];
    return { ...rest, 'app-name': 'kv-api', 'key-vault-secrets': `${vault}/secrets/kv-api-client-secret`, ...extra };
  };
  const officer = (): string => emu.keyVault.addVault('127.0.0.1', { rbac: { [ROTATOR_ID]: 'Key Vault Secrets Officer' } });

  it('a vault alone: no github-token, no GitHub request; the value, its content type, its expiry and the tags saying which credential it is; a steady run writes nothing', async () => {
    const vault = officer();
    const run = await runAction(emu, vaultInputs(vault));
    expect(run.error).toBe('');
    const app = emu.graph.apps.find((a) => a.displayName === 'kv-api');
    const [secret] = app?.passwordCredentials ?? [];
    expect(emu.keyVault.open(vault, 'kv-api-client-secret')).toBe(secret?.secretText);
    const [version] = emu.keyVault.versions(vault, 'kv-api-client-secret');
    expect(version?.tags).toEqual({ 'entra-client-id': app?.appId, 'entra-credential-key-id': secret?.keyId });
    expect(version?.contentType).toBe('text/plain');
    // Key Vault keeps an expiry in whole seconds.
    expect(version?.expiresOn?.getTime()).toBe(Math.floor(Date.parse(secret?.endDateTime ?? '') / 1000) * 1000);
    expect(emu.log.filter((e) => e.service === 'github')).toEqual([]);
    expect(run.summary).toMatch(/Key Vault/);
    expectNoLeak(run, emu);

    const writes = writesIn(emu).length;
    const steady = await runAction(emu, vaultInputs(vault));
    expect(steady.error).toBe('');
    expect(steady.outputs['rotated']).toBe('false');
    expect(writesIn(emu).length).toBe(writes);
  });

  it('a vault and a GitHub secret near expiry: both get the new secret; a vault that holds an older key id is a reason to rotate', async () => {
    const vault = officer();
    const seeded = emu.seedApp({
      displayName: 'kv-api',
      servicePrincipal: true,
      passwords: [
        { displayName: MANAGED, startDateTime: iso(-20 * DAY), endDateTime: iso(160 * DAY) },
        { displayName: MANAGED, startDateTime: iso(-200 * DAY), endDateTime: iso(5 * DAY) },
      ],
    });
    const [current, older] = seeded.passwordCredentials;
    emu.github.putPlain({ repo: REPO }, 'AZURE_CLIENT_SECRET', current?.secretText ?? '', iso(-20 * DAY + 5_000));
    // The vault still holds the older one (a run that wrote GitHub only): the newest is not expiring, yet a rotation is due.
    emu.keyVault.seed(vault, 'kv-api-client-secret', { value: older?.secretText ?? '', tags: { 'entra-client-id': seeded.appId, 'entra-credential-key-id': older?.keyId ?? '' } });
    const run = await runAction(emu, { ...vaultInputs(vault), 'github-token': baseInputs(emu)['github-token'] ?? '' });
    expect(run.error).toBe('');
    expect(run.outputs['rotated']).toBe('true');
    expect(run.stdout).toMatch(new RegExp(`kv-api-client-secret \\(Key Vault ${vault.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) was last written .*with ${older?.keyId ?? ''}, not the newest`));
    const newest = seeded.passwordCredentials.find((p) => p.keyId === run.outputs['secret-key-id']);
    expect(emu.keyVault.open(vault, 'kv-api-client-secret')).toBe(newest?.secretText);
    expect(emu.github.open({ repo: REPO }, 'AZURE_CLIENT_SECRET')).toBe(newest?.secretText);
    expect(emu.keyVault.versions(vault, 'kv-api-client-secret').at(-1)?.tags['entra-credential-key-id']).toBe(newest?.keyId);
  });

  it('a certificate in a vault: the PEM, as application/x-pem-file', async () => {
    const vault = officer();
    const run = await runAction(emu, vaultInputs(vault, { 'credential-type': 'certificate' }));
    expect(run.error).toBe('');
    const [version] = emu.keyVault.versions(vault, 'kv-api-client-secret');
    expect(version?.contentType).toBe('application/x-pem-file');
    expect(emu.keyVault.open(vault, 'kv-api-client-secret')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(version?.tags['entra-credential-key-id']).toBe(emu.certificates(emu.graph.apps.find((a) => a.displayName === 'kv-api')?.appId ?? '')[0]?.keyId);
  });

  it.each([
    ['no role on the vault', (v: string) => emu.keyVault.grant(v, ROTATOR_ID, undefined), /ForbiddenByRbac[\s\S]*Key Vault Secrets Officer[\s\S]*az role assignment create/],
    ['the vault refuses the runner (firewall)', (v: string) => emu.keyVault.firewall(v, true), /ForbiddenByFirewall[\s\S]*self-hosted runner/],
  ])('%s: fails before any credential is added, saying what to do', async (_name, breakIt, hint) => {
    const vault = officer();
    breakIt(vault);
    const run = await runAction(emu, vaultInputs(vault));
    expect(run.code).not.toBe(0);
    expect(run.error).toMatch(hint);
    expect(emu.graph.apps.find((a) => a.displayName === 'kv-api')?.passwordCredentials ?? []).toEqual([]);
  });

  it('an access-policy vault without set: listing works, the write is refused (ForbiddenByPolicy), the new secret is removed again, and the step names the policy to add', async () => {
    const vault = emu.keyVault.addVault('127.0.0.1', { accessPolicies: { [ROTATOR_ID]: ['get', 'list'] } });
    const run = await runAction(emu, vaultInputs(vault));
    expect(run.code).not.toBe(0);
    expect(run.error).toMatch(/ForbiddenByPolicy[\s\S]*az keyvault set-policy[\s\S]*get list set/);
    expect(run.error).toMatch(/the new client secret was removed again/);
    expect(emu.graph.apps.find((a) => a.displayName === 'kv-api')?.passwordCredentials).toEqual([]);
  });

  it('a vault host that does not resolve: fails before any credential is added, pointing to az keyvault show', async () => {
    const run = await runAction(emu, vaultInputs('https://no-such-vault.vault.invalid'));
    expect(run.code).not.toBe(0);
    expect(run.error).toMatch(/az keyvault show/);
    expect(emu.graph.apps.find((a) => a.displayName === 'kv-api')?.passwordCredentials ?? []).toEqual([]);
  });

  it('a soft-deleted secret of that name: the write is refused, the new secret removed again, and the step says how to recover or purge it', async () => {
    const vault = officer();
    emu.keyVault.seedDeleted(vault, 'kv-api-client-secret', { value: 'old' });
    const run = await runAction(emu, vaultInputs(vault));
    expect(run.code).not.toBe(0);
    expect(run.error).toMatch(/ObjectIsDeletedButRecoverable[\s\S]*az keyvault secret (recover|purge)/);
    expect(run.error).toMatch(/the new client secret was removed again/);
    expect(emu.graph.apps.find((a) => a.displayName === 'kv-api')?.passwordCredentials).toEqual([]);
  });

  it('a vault write whose answer was lost is settled by reading the tags back: one version, the run succeeds', async () => {
    const vault = officer();
    const lost = emu.faults.add({ kind: 'drop-after', times: 1, match: { service: 'keyvault', method: 'PUT', path: /\/secrets\/kv-api-client-secret(\?|$)/ } });
    const run = await runAction(emu, vaultInputs(vault));
    expect(run.error).toBe('');
    expect(lost.fired).toBe(1);
    const app = emu.graph.apps.find((a) => a.displayName === 'kv-api');
    expect(emu.keyVault.versions(vault, 'kv-api-client-secret').map((v) => v.tags['entra-credential-key-id'])).toEqual([app?.passwordCredentials[0]?.keyId]);
  });
});

describe('a fleet with every kind of home', () => {
  it('a Key Vault target, a Codespaces target and variables in one file: each written; the steady rerun writes nothing', async () => {
    emu.github.addOrg('octo');
    const vault = emu.keyVault.addVault('127.0.0.1', { rbac: { [ROTATOR_ID]: 'Key Vault Secrets Officer' } });
    const file = [
      'apps:',
      '  - app-name: homes-api',
      '    targets:',
      `      - key-vault: ${vault}`,
      '        secret-name: homes-api-client-secret',
      '        client-id-secret-name: homes-api-client-id',
      `      - repository: ${REPO}`,
      '        codespaces: true',
      '        secret-name: HOMES_API_SECRET',
      `      - repository: ${REPO}`,
      '        environment: production',
      '        secret-name: HOMES_API_SECRET',
      '        client-id-variable-name: HOMES_API_CLIENT_ID',
      '        tenant-id-variable-name: HOMES_API_TENANT_ID',
      '',
    ].join('\n');
    const first = await runFleetAction(emu, file, baseInputs(emu));
    expect(first.error).toBe('');
    const app = emu.graph.apps.find((a) => a.displayName === 'homes-api');
    const secret = app?.passwordCredentials[0]?.secretText;
    expect(emu.keyVault.open(vault, 'homes-api-client-secret')).toBe(secret);
    expect(emu.keyVault.open(vault, 'homes-api-client-id')).toBe(app?.appId);
    expect(emu.github.open({ repo: REPO, codespaces: true }, 'HOMES_API_SECRET')).toBe(secret);
    expect(emu.github.open({ repo: REPO, environment: 'production' }, 'HOMES_API_SECRET')).toBe(secret);
    expect(emu.github.variable({ repo: REPO, environment: 'production' }, 'HOMES_API_CLIENT_ID')?.value).toBe(app?.appId);
    expect(emu.github.variable({ repo: REPO, environment: 'production' }, 'HOMES_API_TENANT_ID')?.value).toBe(emu.tenantId);
    expect(first.summary).toMatch(/Key Vault secret/);
    expect(first.summary).toMatch(/GitHub variable/);
    expectNoLeak(first, emu);

    const writes = writesIn(emu).length;
    const steady = await runFleetAction(emu, file, baseInputs(emu));
    expect(steady.error).toBe('');
    expect(steady.report?.apps.map((a) => a.rotated)).toEqual([false]);
    expect(writesIn(emu).length).toBe(writes);
  });
});
