/**
 * The demo: starts the bundled emulator (Entra ID + Microsoft Graph + GitHub, HTTPS on 127.0.0.1), runs the real
 * bundled action (dist/index.js) against it as a runner would (create, steady state, forced rotation, a fleet file,
 * a certificate, and a client secret kept in Azure Key Vault only), and shows what happened. The secret value is verified by opening the sealed GitHub secret; it is never printed.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { startEmulator } from '../test/emulator/index.ts';
import { baseInputs, expectNoLeak, REPO, ROTATOR_ID, runAction, runFleetAction, standardSetup, writesIn, type ActionRun } from '../test/harness.ts';

const emu = await startEmulator();
standardSetup(emu);
const inputs = {
  ...baseInputs(emu),
  'app-name': 'Contoso billing API',
  environments: 'production\nstaging area',
  'client-id-secret-name': 'AZURE_CLIENT_ID',
  'tenant-id-secret-name': 'AZURE_TENANT_ID',
};
let failed = false;

try {
  for (const [title, extra] of [
    ['Run 1: the app does not exist yet', {}],
    ['Run 2: the same step again (steady state)', {}],
    ['Run 3: force-rotation: true', { 'force-rotation': 'true' }],
  ] as const) {
    emu.resetCounters();
    const run = await runAction(emu, { ...inputs, ...extra });
    show(title, run);
    const shown = (name: string, value: string): string =>
      name === 'report-file' ? `a JSON report under RUNNER_TEMP (${run.report?.apps.length ?? 0} app, ${run.report?.credentials.length ?? 0} credentials; the runner empties RUNNER_TEMP after the job)` : value === '' ? '(empty)' : value;
    console.log(`step outputs:\n${Object.entries(run.outputs).map(([name, value]) => `  ${name}: ${shown(name, value)}`).join('\n')}`);
    console.log(`requests: ${countByService()}`);
    console.log(`requests that changed something:${writesIn(emu).length === 0 ? ' none, the run only read' : `\n  ${writesIn(emu).join('\n  ')}`}`);
    expectNoLeak(run, emu);
    if (run.code !== 0) failed = true;
  }

  const app = emu.graph.apps[0];
  if (app === undefined) throw new Error('no app was created');
  console.log('\n=== What Entra and GitHub hold now ===');
  console.log(`app '${app.displayName}': client ID ${app.appId}, object ID ${app.id}, sign-in audience ${app.signInAudience}`);
  console.log(`service principal (enterprise application): ${emu.graph.servicePrincipals.some((sp) => sp.appId === app.appId) ? 'exists' : 'missing'}`);
  console.log(`client secrets:${app.passwordCredentials.length === 0 ? ' none' : ''}`);
  for (const p of app.passwordCredentials) {
    console.log(`  ${p.keyId}, starts with '${p.hint}', valid ${when(p.startDateTime)} to ${when(p.endDateTime)}, description '${p.displayName}'`);
  }
  const newest = [...app.passwordCredentials].sort((a, b) => b.startDateTime.localeCompare(a.startDateTime))[0];
  for (const environment of ['production', 'staging area']) {
    const scope = { repo: REPO, environment };
    const stored = emu.github.open(scope, 'AZURE_CLIENT_SECRET');
    const verdict = stored === newest?.secretText ? 'opens to the newest client secret ✔' : 'does NOT hold the newest client secret ✘';
    if (stored !== newest?.secretText) failed = true;
    const holds = (name: string, value: string, what: string): string => `${name} ${emu.github.open(scope, name) === value ? `holds the ${what} ✔` : `does NOT hold the ${what} ✘`}`;
    console.log(`GitHub environment '${environment}': AZURE_CLIENT_SECRET ${verdict}; ${holds('AZURE_CLIENT_ID', app.appId, 'client ID')}; ${holds('AZURE_TENANT_ID', emu.tenantId, 'tenant ID')}`);
  }
  failed = (await fleetPart()) || failed;
  failed = (await certificatePart()) || failed;
  failed = (await keyVaultPart()) || failed;
  console.log('\nNo secret value appeared in any log, output or summary (checked against every value the emulator handed out).');
} finally {
  await emu.close();
}
/** The log as a person reads it in the Actions UI: groups as headings, workflow commands as words. */
function show(title: string, run: ActionRun): void {
  console.log(`\n=== ${title} ===`);
  console.log(`exit code ${run.code}${run.error ? `\nerror: ${run.error}` : ''}`);
  const lines = run.stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('::add-mask::') && !l.startsWith('::debug::') && l !== '::endgroup::')
    .map((l) => l.replace(/^::group::(.*)$/, '▸ $1').replace(/^::warning::/, 'warning: ').replace(/^::error::/, 'error: ').replace(/%0A/g, '\n    '));
  console.log(lines.map((l) => `  | ${l}`).join('\n'));
}

/**
 * A fleet file: four apps, three of them due, with max-rotations 2 (the one farthest from expiry waits for the next run),
 * and an app made by hand whose secret expires in 12 days, for the expiry report.
 */
async function fleetPart(): Promise<boolean> {
  const day = 86_400_000;
  const at = (ms: number): string => new Date(Date.now() + ms).toISOString();
  emu.github.addOrg('octo');
  const expiring = (name: string, days: number) => emu.seedApp({ displayName: name, passwords: [{ displayName: 'rotated-by-github-actions', startDateTime: at(-170 * day), endDateTime: at(days * day) }] });
  expiring('Contoso orders API', 20);
  expiring('Contoso search API', 8);
  expiring('Contoso mail relay', 25);
  emu.seedApp({ displayName: 'Legacy reporting', passwords: [{ displayName: 'made by hand in the portal', startDateTime: at(-353 * day), endDateTime: at(12 * day) }] });
  const fleet = [
    'defaults:',
    '  rotate-before-days: 30',
    'apps:',
    '  - app-name: Contoso orders API',
    '    targets:',
    `      - repository: ${REPO}`,
    '        environment: production',
    '        secret-name: ORDERS_CLIENT_SECRET',
    '      - organization: octo',
    '        visibility: private',
    '        secret-name: ORDERS_CLIENT_SECRET',
    ...['Contoso search API', 'Contoso mail relay'].map((name, i) =>
      [`  - app-name: ${name}`, '    targets:', `      - repository: ${REPO}`, `        secret-name: APP_${i + 1}_SECRET`].join('\n'),
    ),
    '  - app-name: Contoso billing API',
    '    targets:',
    ...['production', 'staging area'].flatMap((environment) => [
      `      - repository: ${REPO}`,
      `        environment: ${environment}`,
      '        secret-name: AZURE_CLIENT_SECRET',
      '        client-id-secret-name: AZURE_CLIENT_ID',
      '        tenant-id-secret-name: AZURE_TENANT_ID',
    ]),
  ].join('\n');
  console.log(`\n=== Run 4: a fleet file (input config), max-rotations: 2 ===\n${fleet.split('\n').map((l) => `  fleet.yml | ${l}`).join('\n')}`);
  emu.resetCounters();
  const run = await runFleetAction(emu, `${fleet}\n`, { ...baseInputs(emu), 'max-rotations': '2', 'report-scope': 'all' });
  show('Run 4: what the step printed', run);
  console.log(`step outputs: ${['rotated-count', 'deferred-count', 'failed-count', 'expiring-count'].map((o) => `${o} ${run.outputs[o] ?? '?'}`).join(', ')}`);
  console.log(`requests: ${countByService()}`);
  expectNoLeak(run, emu);
  return run.code !== 0 || run.outputs['deferred-count'] !== '1';
}

/**
 * A certificate (credential-type: certificate) for an app near expiry in a tenant whose policy refuses new client
 * secrets: its certificates before and after, and what the GitHub secret holds (opened: the key and the app's newest
 * certificate, checked with node:crypto; never printed).
 */
async function certificatePart(): Promise<boolean> {
  const day = 86_400_000;
  const at = (ms: number): string => new Date(Date.now() + ms).toISOString();
  emu.policy.passwordAdditionBlocked = true;
  const seeded = emu.seedApp({
    displayName: 'Contoso payroll',
    certificates: [
      { displayName: 'rotated-by-github-actions', startDateTime: at(-170 * day), endDateTime: at(9 * day) },
      { displayName: 'CN=uploaded by hand', startDateTime: at(-60 * day), endDateTime: at(300 * day) },
    ],
  });
  const list = (title: string): void => {
    console.log(title);
    for (const c of emu.certificates(seeded.appId)) console.log(`  ${c.keyId}, thumbprint ${c.thumbprint ?? '?'}, valid ${when(c.startDateTime)} to ${when(c.endDateTime)}, description '${c.displayName ?? ''}'`);
  };
  console.log('\n=== Run 5: credential-type: certificate, in a tenant whose policy refuses new client secrets ===');
  list("certificates of 'Contoso payroll' before:");
  emu.resetCounters();
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'Contoso payroll', 'credential-type': 'certificate', 'secret-name': 'PAYROLL_CLIENT_CERTIFICATE' });
  show('Run 5: what the step printed', run);
  list("certificates of 'Contoso payroll' after:");
  console.log(`requests: ${countByService()}`);
  const pem = emu.github.open({ repo: REPO }, 'PAYROLL_CLIENT_CERTIFICATE') ?? '';
  const newest = [...emu.certificates(seeded.appId)].sort((a, b) => b.startDateTime.localeCompare(a.startDateTime))[0];
  const cert = new X509Certificate(pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----')));
  const holds = cert.fingerprint.replace(/:/g, '') === newest?.thumbprint && cert.checkPrivateKey(createPrivateKey(pem));
  console.log(`GitHub repository secret PAYROLL_CLIENT_CERTIFICATE ${holds ? "opens to a private key and the app's newest certificate, which match ✔" : 'does NOT hold the newest certificate and its key ✘'}`);
  expectNoLeak(run, emu);
  return run.code !== 0 || !holds;
}

/**
 * An app whose system runs in Azure: its client secret goes to an Azure Key Vault secret only (no GitHub token, no
 * GitHub request), and the IDs to Actions variables are not asked for. Shows the vault secret's tags, content type and
 * expiry (never its value); the value is checked against Entra by the emulator.
 */
async function keyVaultPart(): Promise<boolean> {
  // Another tenant's policy than run 5's: client secrets allowed.
  emu.policy.passwordAdditionBlocked = false;
  const vault = emu.keyVault.addVault('127.0.0.1', { rbac: { [ROTATOR_ID]: 'Key Vault Secrets Officer' } }, { name: 'kv-orders' });
  console.log(`\n=== Run 6: key-vault-secrets only (${vault}/secrets/orders-api-client-secret), no github-token ===`);
  emu.resetCounters();
  const inputs: Record<string, string> = { ...baseInputs(emu), 'app-name': 'Contoso orders', 'key-vault-secrets': `${vault}/secrets/orders-api-client-secret` };
  delete inputs['github-token'];
  const run = await runAction(emu, inputs);
  show('Run 6: what the step printed', run);
  console.log(`requests: ${countByService()}`);
  const app = emu.graph.apps.find((a) => a.displayName === 'Contoso orders');
  const secret = app?.passwordCredentials[0];
  const [version] = emu.keyVault.versions(vault, 'orders-api-client-secret');
  console.log(`Key Vault secret orders-api-client-secret: version ${version?.version ?? '?'}, content type ${version?.contentType ?? '?'}, expires ${version?.expiresOn?.toISOString() ?? 'never'}`);
  for (const [tag, value] of Object.entries(version?.tags ?? {})) console.log(`  tag ${tag} = ${value}`);
  const holds = secret !== undefined && emu.keyVault.open(vault, 'orders-api-client-secret') === secret.secretText && version?.tags['entra-credential-key-id'] === secret.keyId;
  console.log(`it ${holds ? `opens to the app's client secret ${secret?.keyId ?? ''}, which its tag names ✔` : 'does NOT hold the client secret its tag names ✘'}; GitHub requests: ${emu.log.filter((e) => e.service === 'github').length}`);
  expectNoLeak(run, emu);
  return run.code !== 0 || !holds;
}

/** '3 to Entra ID (sign-in), 2 to Microsoft Graph, 1 to GitHub': what each run cost, in words. */
function countByService(): string {
  const names: Record<string, string> = { entra: 'Entra ID (sign-in)', graph: 'Microsoft Graph', github: 'GitHub', oidc: "GitHub's ID-token endpoint", keyvault: 'Azure Key Vault' };
  const hosts = new Map<string, number>();
  for (const e of emu.log) hosts.set(e.service, (hosts.get(e.service) ?? 0) + 1);
  return [...hosts].map(([h, n]) => `${n} to ${names[h] ?? h}`).join(', ');
}

/** One timestamp format for a person, as the action's own plan and summary use. */
function when(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

if (failed) {
  console.error('demo failed');
  process.exit(1);
}
