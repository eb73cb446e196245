/** Wiring: inputs → adapters → plan and apply (core) → outputs and report. */
import { readConfig, type Config } from './config';
import { run, type Outcome } from './core/rotate';
import { summaryMarkdown } from './core/report';
import { GitHubSecrets } from './adapters/github';
import { GraphDirectory } from './adapters/graph';
import { fail, runnerLog, setOutputs, writeSummary } from './adapters/runner';
import { graphTokenSource } from './adapters/signin';
import type { SecretStore } from './core/ports';

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: Config;
  try {
    config = readConfig(env);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
    return;
  }
  // Inputs that are secrets are masked before anything else is printed.
  if (config.signIn.clientSecret) runnerLog.mask(config.signIn.clientSecret.reveal());
  if (config.github.token) runnerLog.mask(config.github.token.reveal());

  const directory = new GraphDirectory(config.signIn.graphEndpoint, graphTokenSource(config.signIn), runnerLog);
  const store: SecretStore = config.github.token ? new GitHubSecrets(config.github.token, config.github.apiUrl) : noStore;

  const outcome = await run(
    {
      app: { ...config.app },
      rotation: config.rotation,
      targets: config.github.targets,
      tenantId: config.signIn.tenantId,
      subscriptionId: config.github.subscriptionId,
      dryRun: config.dryRun,
      readTargets: config.github.token !== undefined,
    },
    { directory, store, log: runnerLog, now: () => new Date() },
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
  info: () => Promise.reject(new Error('internal: no github-token')),
  prepare: () => Promise.reject(new Error('internal: no github-token')),
  write: () => Promise.reject(new Error('internal: no github-token')),
};
