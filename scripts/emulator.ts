/**
 * `npm run emulator`: the local Entra ID + Microsoft Graph + GitHub emulator, set up as a workflow would meet them
 * (a rotator app, a repository with environments, a token allowed to write secrets), and ONE command line that runs
 * the bundled action against it. Paste the line in another terminal (from the project folder); the emulator prints
 * each request it answers and, when the run goes quiet, what Entra and GitHub hold (never a secret value).
 * Serves until Ctrl-C.
 */
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emulatorEnv, startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, REPO, standardSetup } from '../test/harness.ts';
import { actionCommand } from './emulator-command.ts';

const ENVIRONMENTS = ['production', 'staging area', 'development'];

const emu = await startEmulator();
standardSetup(emu);
const dir = mkdtempSync(join(tmpdir(), 'entra-rotator-emulator-'));
const files = { output: join(dir, 'github-output'), summary: join(dir, 'step-summary.md'), runnerTemp: dir };
const requestLog = join(dir, 'requests.log');
for (const f of [files.output, files.summary, requestLog]) writeFileSync(f, '');

const inputs = { ...baseInputs(emu), 'app-name': 'my-first-app' };
const line = actionCommand(emulatorEnv(emu, { GITHUB_REPOSITORY: REPO }), files, inputs);

console.log(`Emulator running: Entra ID ${emu.urls.authority}, Graph ${emu.urls.graph}, GitHub ${emu.urls.github}`);
console.log(`It holds a rotator app, the repository ${REPO} (environments ${ENVIRONMENTS.map((e) => `'${e}'`).join(', ')}) and a token that may write its secrets.`);
console.log('\nRun the action against it: paste this line in another terminal, in this folder (it changes nothing in your shell):\n');
console.log(line);
console.log(`
Change the INPUT_ values to try other inputs (INPUT_DRY-RUN=true, INPUT_FORCE-ROTATION=true, INPUT_ENVIRONMENTS=production ...).
The step's outputs go to ${files.output}, its job summary to ${files.summary}.
Each request is printed here and written to ${requestLog}; when a run goes quiet, what Entra and GitHub hold is printed.
Ctrl-C to stop (the files above are removed).
`);

let printed = 0;
let lastActivity = 0;
let shownAt = 0;
const timer = setInterval(() => {
  while (printed < emu.log.length && (emu.log[printed]?.status !== 0 || emu.log[printed]?.fault !== undefined)) {
    const e = emu.log[printed];
    if (e) {
      const text = `${e.service.padEnd(6)} ${e.method} ${e.path} -> ${e.status}${e.fault ? ` [${e.fault}]` : ''}`;
      console.log(text);
      appendFileSync(requestLog, `${text}\n`);
    }
    printed += 1;
    lastActivity = Date.now();
  }
  if (lastActivity > shownAt && Date.now() - lastActivity > 1000) {
    shownAt = Date.now();
    console.log(holdings(emu));
  }
}, 200);

/** What the emulator holds, for a person: apps and their client secrets, GitHub secrets; never a value. */
function holdings(e: Emulator): string {
  const out = ['', 'Entra ID now holds:'];
  for (const app of e.graph.apps) {
    out.push(`  app '${app.displayName}' (client ID ${app.appId})`);
    if (app.passwordCredentials.length === 0) out.push('    client secrets: none');
    for (const p of app.passwordCredentials) out.push(`    client secret ${p.keyId} '${p.displayName ?? ''}', valid until ${p.endDateTime.slice(0, 16).replace('T', ' ')} UTC`);
  }
  if (e.graph.apps.length === 0) out.push('  no app registrations');
  out.push(`GitHub secrets of ${REPO} now:`);
  for (const scope of [{ repo: REPO }, ...ENVIRONMENTS.map((environment) => ({ repo: REPO, environment }))]) {
    const where = 'environment' in scope ? `environment '${scope.environment}'` : 'repository';
    const names = e.github.secrets(scope).map((s) => `${s.name} (written ${s.updated_at.slice(0, 16).replace('T', ' ')} UTC)`);
    out.push(`  ${where}: ${names.length === 0 ? 'none' : names.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

const stop = (): void => {
  clearInterval(timer);
  void emu.close().then(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
