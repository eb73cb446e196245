/**
 * The demo: starts the bundled emulator (Entra ID + Microsoft Graph + GitHub, HTTPS on 127.0.0.1), runs the real
 * bundled action (dist/index.js) against it twice, as a runner would (create, then steady state), and shows what
 * happened. The secret value is verified by opening the sealed GitHub secret; it is never printed.
 */
import { startEmulator } from '../test/emulator/index.ts';
import { baseInputs, expectNoLeak, REPO, runAction, standardSetup, writesIn } from '../test/harness.ts';

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
    console.log(`\n=== ${title} ===`);
    console.log(`exit code ${run.code}${run.error ? `\nerror: ${run.error}` : ''}`);
    console.log(
      run.stdout
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('::add-mask::') && !l.startsWith('::debug::'))
        .map((l) => `  | ${l}`)
        .join('\n'),
    );
    console.log(`outputs: ${JSON.stringify(run.outputs, null, 2).replace(/\n/g, '\n  ')}`);
    const hosts = new Map<string, number>();
    for (const e of emu.log) hosts.set(e.service, (hosts.get(e.service) ?? 0) + 1);
    console.log(`requests: ${[...hosts].map(([h, n]) => `${h} ${n}`).join(', ')}; TLS connections: ${JSON.stringify(emu.tlsConnections())}`);
    console.log(`writes: ${writesIn(emu).length === 0 ? 'none' : `\n  ${writesIn(emu).join('\n  ')}`}`);
    expectNoLeak(run, emu);
    if (run.code !== 0) failed = true;
  }

  const app = emu.graph.apps[0];
  if (app === undefined) throw new Error('no app was created');
  console.log('\n=== What Entra and GitHub hold now ===');
  console.log(`app '${app.displayName}': client ID ${app.appId}, object ID ${app.id}, sign-in audience ${app.signInAudience}`);
  console.log(`service principal: ${emu.graph.servicePrincipals.some((sp) => sp.appId === app.appId) ? 'yes' : 'no'}`);
  for (const p of app.passwordCredentials) {
    console.log(`client secret ${p.keyId}  hint ${p.hint}…  ${p.startDateTime} → ${p.endDateTime}  '${p.displayName}'`);
  }
  const newest = [...app.passwordCredentials].sort((a, b) => b.startDateTime.localeCompare(a.startDateTime))[0];
  for (const environment of ['production', 'staging area']) {
    const scope = { repo: REPO, environment };
    const stored = emu.github.open(scope, 'AZURE_CLIENT_SECRET');
    const verdict = stored === newest?.secretText ? 'opens to the newest client secret ✔' : 'does NOT hold the newest client secret ✘';
    if (stored !== newest?.secretText) failed = true;
    console.log(`environment '${environment}': AZURE_CLIENT_SECRET ${verdict}; AZURE_CLIENT_ID ${emu.github.open(scope, 'AZURE_CLIENT_ID') === app.appId ? '✔' : '✘'}; AZURE_TENANT_ID ${emu.github.open(scope, 'AZURE_TENANT_ID') === emu.tenantId ? '✔' : '✘'}`);
  }
  console.log('\nNo secret value appeared in any log, output or summary (checked against every value the emulator handed out).');
} finally {
  await emu.close();
}
if (failed) {
  console.error('demo failed');
  process.exit(1);
}
