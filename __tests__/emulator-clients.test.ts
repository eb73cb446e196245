/**
 * The emulator with the real client libraries, in a child process that trusts the emulator's CA through
 * NODE_EXTRA_CA_CERTS exactly as the action will (test/emulator/client-smoke.ts).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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

test('msal-node, the Graph client, @actions/core and Octokit work against the emulator', async () => {
  const clientId = randomUUID();
  const secret = 'smk1Q~client-smoke-rotator-secret.value_00';
  const fedClientId = randomUUID();
  const subject = 'repo:octo/app:environment:Prod env';
  emu.addRotator({ clientId, secret });
  emu.addRotator({ clientId: fedClientId, federatedSubject: subject });
  emu.oidcSubject = subject;
  emu.github.addRepo('octo/app', ['Prod env']);
  emu.github.addToken('github_pat_smoke', 'pat');
  emu.faults.add({ match: { service: 'graph', path: /^\/v1\.0\/servicePrincipals/ }, kind: 'status', status: 503, retryAfter: '0' });

  const r = await run(emulatorEnv(emu, {
    EMU_TENANT_ID: emu.tenantId,
    EMU_AUTHORITY: emu.urls.authority,
    EMU_GRAPH: emu.urls.graph,
    EMU_CLIENT_ID: clientId,
    EMU_CLIENT_SECRET: secret,
    EMU_FED_CLIENT_ID: fedClientId,
    EMU_GITHUB_TOKEN: 'github_pat_smoke',
  }));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  // @actions/core prints ::debug:: lines; the result is the last line.
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  const app = emu.graph.apps.find((a) => a.displayName === "smoke 'app'");
  expect(app).toBeDefined();
  expect(out).toEqual({
    listed: [app?.id],
    created: app?.id,
    hint: app?.passwordCredentials[0]?.hint,
    patchError: { statusCode: 400, code: 'Request_BadRequest', hasRequestId: true },
    graphRoles: expect.any(Number),
    federatedToken: true,
    putStatus: 201,
    badPut: { status: 422, message: expect.stringContaining('does not match') },
  });
  expect(out['graphRoles']).toBeGreaterThan(0);
  expect(emu.github.open({ repo: 'octo/app', environment: 'Prod env' }, 'AZURE_CLIENT_SECRET')).toBe(app?.passwordCredentials[0]?.secretText);
  // The Graph client retried the 503.
  const spRequests = emu.log.filter((e) => e.service === 'graph' && e.path.startsWith('/v1.0/servicePrincipals'));
  expect(spRequests.map((e) => e.status)).toEqual([503, 200]);
  // One ID token for the federated sign-in.
  expect(emu.log.filter((e) => e.service === 'oidc')).toHaveLength(1);
}, 30_000);
