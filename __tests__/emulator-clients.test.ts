/**
 * The emulator's GitHub side with Octokit and libsodium, in a child process that trusts the emulator's CA through
 * NODE_EXTRA_CA_CERTS exactly as the action will (test/emulator/client-smoke.ts). Entra and Graph are exercised
 * with their SDKs by the action itself (e2e tests).
 */
import { execFile } from 'node:child_process';
import { emulatorEnv, startEmulator } from '../test/emulator/index.ts';
import type { Emulator } from '../test/emulator/index.ts';

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator();
});

afterAll(async () => {
  await emu.close();
});

function run(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [require.resolve('../test/emulator/client-smoke.ts')], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

test('Octokit and libsodium work against the emulator', async () => {
  const secret = 'smk1Q~a-client-secret-value.to_seal-0000';
  emu.github.addRepo('octo/app', ['Prod env']);
  emu.github.addToken('github_pat_smoke', 'pat');

  const r = await run(emulatorEnv(emu, { EMU_GITHUB_TOKEN: 'github_pat_smoke' }));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  expect(out).toEqual({ putStatus: 201, badPut: { status: 422, message: expect.stringContaining('does not match') } });
  expect(emu.github.open({ repo: 'octo/app', environment: 'Prod env' }, 'AZURE_CLIENT_SECRET')).toBe(secret);
}, 30_000);
