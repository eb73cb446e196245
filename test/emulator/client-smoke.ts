/**
 * Drives the emulator with the real client libraries the action uses (@azure/identity / msal-node,
 * @microsoft/microsoft-graph-client, @actions/core getIDToken, @actions/github Octokit, libsodium-wrappers).
 * Run as a child process with emulatorEnv(emu) plus EMU_* variables (see __tests__/emulator-clients.test.ts);
 * prints one JSON object with what it saw.
 */
import { ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import sodium from 'libsodium-wrappers';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`missing ${name}`);
  return v;
}

function graphClient(credential: TokenCredential, graphRoot: string): Client {
  const scope = `${graphRoot}/.default`;
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [scope] }),
    baseUrl: `${graphRoot}/`,
    customHosts: new Set([new URL(graphRoot).hostname]),
  });
}

async function main(): Promise<void> {
  await sodium.ready;
  const tenantId = env('EMU_TENANT_ID');
  const authorityHost = env('EMU_AUTHORITY');
  const graphRoot = env('EMU_GRAPH');
  const out: Record<string, unknown> = {};

  // 1. Client secret credential.
  const secretCred = new ClientSecretCredential(tenantId, env('EMU_CLIENT_ID'), env('EMU_CLIENT_SECRET'), { authorityHost, disableInstanceDiscovery: true });
  const graph = graphClient(secretCred, graphRoot);
  const created = (await graph.api('/applications').version('v1.0').post({ displayName: "smoke 'app'", signInAudience: 'AzureADMyOrg' })) as { id: string; appId: string };
  const listed = (await graph.api('/applications').version('v1.0').filter("displayName eq 'smoke ''app'''").select('id,appId').get()) as { value: Array<{ id: string }> };
  out['listed'] = listed.value.map((a) => a.id);
  out['created'] = created.id;
  const pw = (await graph.api(`/applications/${created.id}/addPassword`).version('v1.0').post({ passwordCredential: { displayName: 'smoke' } })) as { secretText: string; keyId: string };
  out['hint'] = pw.secretText.slice(0, 3);
  try {
    await graph.api(`/applications/${created.id}`).version('v1.0').patch({ bogus: true });
    out['patchError'] = 'none';
  } catch (e) {
    const ge = e as { statusCode?: number; code?: string; requestId?: string };
    out['patchError'] = { statusCode: ge.statusCode, code: ge.code, hasRequestId: typeof ge.requestId === 'string' && ge.requestId.length > 0 };
  }
  // Graph's retry handler honours Retry-After on 503 (the parent injects one fault on this request).
  const sp = (await graph.api('/servicePrincipals').version('v1.0').filter(`appId eq '00000003-0000-0000-c000-000000000000'`).get()) as { value: Array<{ appRoles: Array<{ value: string }> }> };
  out['graphRoles'] = sp.value[0]?.appRoles.length ?? 0;

  // 2. Federated credential with the GitHub ID token (memoised, as the wire facts advise).
  let assertion: Promise<string> | undefined;
  const fedCred = new ClientAssertionCredential(tenantId, env('EMU_FED_CLIENT_ID'), () => (assertion ??= core.getIDToken('api://AzureADTokenExchange')), { authorityHost, disableInstanceDiscovery: true });
  const token = await fedCred.getToken(`${graphRoot}/.default`);
  out['federatedToken'] = token.token.split('.').length === 3;

  // 3. GitHub secrets through Octokit.
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
