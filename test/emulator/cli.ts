/**
 * Start an emulator for trying the action by hand, or for a workflow to run the action against:
 *
 *   node test/emulator/cli.ts [--latency MS] [--page-size N] [--repo OWNER/NAME] [--environment NAME] [--http1-only]
 *                             [--write-env PATH]
 *
 * Prints the URLs, identities and environment variables to use, then serves until Ctrl-C or SIGTERM.
 * --write-env writes them as NAME=value lines (the $GITHUB_ENV format) once every server listens: the file
 * appearing is the sign that the emulator is ready. (Not --env-file: node takes that option wherever it stands.)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { emulatorEnv, startEmulator, type Emulator } from './index.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const latency = arg('--latency');
  const pageSize = arg('--page-size');
  const repo = arg('--repo') ?? 'octo/app';
  const environment = arg('--environment') ?? 'production';
  const options: { latencyMs?: number; pageSize?: number; http1Only?: boolean } = {};
  if (latency !== undefined) options.latencyMs = Number(latency);
  if (pageSize !== undefined) options.pageSize = Number(pageSize);
  if (process.argv.includes('--http1-only')) options.http1Only = true;
  const emu = await startEmulator(options);

  const clientId = randomUUID();
  const secret = `emu${randomBytes(4).toString('hex')}Q~${randomBytes(24).toString('base64url')}`;
  const subject = `repo:${repo}:ref:refs/heads/main`;
  emu.oidcSubject = subject;
  emu.addRotator({ clientId, secret, federatedSubject: subject });
  emu.github.addRepo(repo, [environment]);
  const pat = `github_pat_${randomBytes(30).toString('hex')}`;
  emu.github.addToken(pat, 'pat', { secrets: 'write', environments: 'write' });

  // Requests are printed as they complete.
  let printed = 0;
  const timer = setInterval(() => {
    while (printed < emu.log.length && (emu.log[printed]?.status !== 0 || emu.log[printed]?.fault !== undefined)) {
      const e = emu.log[printed];
      if (e) console.log(`#${e.index} ${e.service.padEnd(6)} conn ${String(e.connection).padStart(3)} HTTP/${e.protocol} ${e.method} ${e.path} -> ${e.status}${e.fault ? ` [${e.fault}]` : ''}`);
      printed += 1;
    }
  }, 200);

  const env = emulatorEnv(emu, { GITHUB_REPOSITORY: repo });
  console.log(`Emulator running (${options.http1Only ? 'HTTP/1.1 only' : 'HTTP/2 and HTTP/1.1'}).`);
  console.log(`  authority (Entra):  ${emu.urls.authority}`);
  console.log(`  Graph root:         ${emu.urls.graph}   (v1.0 under it)`);
  console.log(`  GitHub API:         ${emu.urls.github}`);
  console.log(`  ID token URL:       ${emu.urls.idTokenRequestUrl}`);
  console.log(`  tenant id:          ${emu.tenantId}`);
  console.log(`  rotator client id:  ${clientId}`);
  console.log(`  rotator secret:     ${secret}`);
  console.log(`  OIDC subject:       ${subject}`);
  console.log(`  GitHub token (PAT): ${pat}`);
  console.log(`  repository:         ${repo} (environment '${environment}')`);
  console.log('\nEnvironment for the action:');
  for (const [k, v] of Object.entries(env)) console.log(`export ${k}='${v}'`);
  console.log('\nCtrl-C to stop.\n');
  const envFile = arg('--write-env');
  if (envFile !== undefined) writeEnvFile(envFile, emu, { clientId, secret, pat, repo });

  const stop = (): void => {
    clearInterval(timer);
    void emu.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** What a workflow step needs to run the action against this emulator, as NAME=value lines; written whole or not at all. */
function writeEnvFile(path: string, emu: Emulator, ids: { clientId: string; secret: string; pat: string; repo: string }): void {
  const lines = {
    EMULATOR_TENANT_ID: emu.tenantId,
    EMULATOR_AUTHORITY: emu.urls.authority,
    EMULATOR_GRAPH: emu.urls.graph,
    EMULATOR_GITHUB_API_URL: emu.urls.github,
    EMULATOR_CA_FILE: emu.caFile,
    EMULATOR_ROTATOR_ID: ids.clientId,
    EMULATOR_ROTATOR_SECRET: ids.secret,
    EMULATOR_GITHUB_TOKEN: ids.pat,
    EMULATOR_REPOSITORY: ids.repo,
    EMULATOR_PID: String(process.pid),
  };
  const text = Object.entries(lines)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  writeFileSync(`${path}.partial`, text);
  renameSync(`${path}.partial`, path);
  console.log(`Environment written to ${path}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
