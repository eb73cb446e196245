/**
 * Drives the emulator's GitHub side with the real client libraries the action is moving to (@actions/github
 * Octokit, libsodium-wrappers). Entra sign-in (@azure/identity), the Graph client and the ID token
 * (@actions/core) are no longer here: the action itself uses them, and its end-to-end tests run it against the
 * emulator. Run as a child process with emulatorEnv(emu) plus EMU_GITHUB_TOKEN (see
 * __tests__/emulator-clients.test.ts); prints one JSON object with what it saw.
 */
import { getOctokit } from '@actions/github';
import sodium from 'libsodium-wrappers';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`missing ${name}`);
  return v;
}

async function main(): Promise<void> {
  await sodium.ready;
  const out: Record<string, unknown> = {};
  const pw = { secretText: 'smk1Q~a-client-secret-value.to_seal-0000' };

  // GitHub secrets through Octokit.
  const octokit = getOctokit(env('EMU_GITHUB_TOKEN'), { baseUrl: env('GITHUB_API_URL') });
  const { data: key } = await octokit.rest.actions.getEnvironmentPublicKey({ owner: 'octo', repo: 'app', environment_name: 'Prod env' });
  const sealed = sodium.to_base64(sodium.crypto_box_seal(sodium.from_string(pw.secretText), sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL)), sodium.base64_variants.ORIGINAL);
  const put = await octokit.rest.actions.createOrUpdateEnvironmentSecret({ owner: 'octo', repo: 'app', environment_name: 'Prod env', secret_name: 'AZURE_CLIENT_SECRET', encrypted_value: sealed, key_id: key.key_id });
  out['putStatus'] = put.status;
  try {
    await octokit.rest.actions.createOrUpdateRepoSecret({ owner: 'octo', repo: 'app', secret_name: 'BAD', encrypted_value: sodium.to_base64(sodium.from_string('x')), key_id: key.key_id });
    out['badPut'] = 'accepted';
  } catch (e) {
    const he = e as { status?: number; response?: { data?: { message?: string } } };
    out['badPut'] = { status: he.status, message: he.response?.data?.message };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
