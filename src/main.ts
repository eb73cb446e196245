/** Wiring: inputs → adapters → plan and apply (core) → outputs and report. */
import type { Config } from './config';
import { newSecretVerifier, rotatorCredential } from './adapters/entra';
import { GitHubSecrets } from './adapters/github';
import { GraphDirectory } from './adapters/graph';
import { defaultRetryPolicy } from './adapters/retry';
import { fail, runnerLog, setOutputs, writeSummary } from './adapters/runner';
import type { SecretStore } from './core/ports';
import { summaryMarkdown } from './core/report';
import { run, type Outcome } from './core/rotate';

export async function main(config: Config): Promise<void> {
  // Inputs that are secrets are masked before anything else is printed.
  if (config.signIn.clientSecret) runnerLog.mask(config.signIn.clientSecret.reveal());
  if (config.github.token) runnerLog.mask(config.github.token.reveal());

  const policy = defaultRetryPolicy();
  const directory = new GraphDirectory(config.signIn.graphEndpoint, rotatorCredential(config.signIn, policy, runnerLog), runnerLog, policy);
  const store: SecretStore = config.github.token ? new GitHubSecrets(config.github.token, config.github.apiUrl, runnerLog, policy) : noStore;

  const outcome = await run(
    {
      app: { ...config.app },
      rotation: config.rotation,
      targets: config.github.targets,
      tenantId: config.signIn.tenantId,
      subscriptionId: config.github.subscriptionId,
      dryRun: config.dryRun,
      readTargets: config.github.token !== undefined,
      verifyNewSecret: config.rotation.verifyNewSecret,
    },
    { directory, store, verifier: newSecretVerifier(config.signIn, policy, runnerLog), log: runnerLog, now: () => new Date() },
  );

  setOutputs(outputsOf(outcome, config));
  await writeSummary(summaryMarkdown(outcome, config.signIn.tenantId));
  if (outcome.error) fail(outcome.error.message);
}

function outputsOf(outcome: Outcome, config: Config): Record<string, string> {
  return {
    'client-id': outcome.app?.appId ?? '',
    'object-id': outcome.app?.id ?? '',
    'tenant-id': config.signIn.tenantId,
    'app-created': String(outcome.appCreated),
    rotated: String(outcome.rotated),
    'secret-key-id': outcome.currentSecret?.keyId ?? '',
    'secret-expires-on': outcome.currentSecret?.endDateTime.toISOString() ?? '',
  };
}

/** Dry-run without a token: targets are not read, and nothing is ever written. */
const noStore: SecretStore = {
  list: () => Promise.reject(new Error('internal: no github-token')),
  prepare: () => Promise.reject(new Error('internal: no github-token')),
  write: () => Promise.reject(new Error('internal: no github-token')),
  selectedRepositories: () => Promise.reject(new Error('internal: no github-token')),
  setSelectedRepositories: () => Promise.reject(new Error('internal: no github-token')),
};
