/** Wiring: config → adapters → the fleet run (core) → outputs, job summary and JSON report. */
import type { Config } from './config';
import { newSecretVerifier, rotatorCredential } from './adapters/entra';
import { GitHubConnection, GitHubSecrets } from './adapters/github';
import { GitHubVariableStore, GitHubVariables } from './adapters/github-variables';
import { GraphDirectory } from './adapters/graph';
import { HomeStores } from './adapters/homes';
import { KeyVaultHome, KeyVaultSecrets } from './adapters/keyvault';
import { writeReportFile } from './adapters/report-file';
import { defaultRetryPolicy } from './adapters/retry';
import { fail, runnerLog, setOutputs, writeSummary } from './adapters/runner';
import { fleetCounts, runFleet, type FleetOutcome } from './core/fleet';
import { fleetSummary, reportJson } from './core/summary';
import { appLabel } from './core/spec';

export async function main(config: Config): Promise<void> {
  // Inputs that are secrets are masked before anything else is printed.
  if (config.signIn.clientSecret) runnerLog.mask(config.signIn.clientSecret.reveal());
  if (config.github.token) runnerLog.mask(config.github.token.reveal());
  if (config.dryRunBecause !== undefined) runnerLog.info(`Dry run: ${config.dryRunBecause}`);

  const policy = defaultRetryPolicy();
  // One rotator credential (its token cache) for Graph and Key Vault.
  const credential = rotatorCredential(config.signIn, policy, runnerLog);
  const directory = new GraphDirectory(config.signIn.graphEndpoint, credential, runnerLog, policy);
  // One GitHub connection (one Octokit, one pacer) for secrets and variables.
  const github = config.github.token ? new GitHubConnection(config.github.token, config.github.apiUrl, runnerLog, policy) : undefined;
  const store = new HomeStores({
    'github-secret': github === undefined ? { missing: 'no github-token: a dry run' } : new GitHubSecrets(github),
    'github-variable': github === undefined ? { missing: 'no github-token: a dry run' } : new GitHubVariableStore(new GitHubVariables(github)),
    'key-vault-secret': new KeyVaultHome(new KeyVaultSecrets(credential, { clientId: config.signIn.clientId, log: runnerLog, policy })),
  });
  const single = config.mode === 'single';
  const result = await runFleet(
    config.apps,
    config.fleet,
    { tenantId: config.signIn.tenantId, dryRun: config.dryRun, reads: (scope) => store.reads(scope), single },
    { directory, store, verifier: newSecretVerifier(config.signIn, policy, runnerLog), log: runnerLog, now: () => new Date() },
  );

  const reportFile = reportFileOrWarning(reportJson(result, config.signIn.tenantId, new Date()));
  setOutputs({ ...(single ? singleOutputs(result, config) : {}), ...fleetOutputs(result), 'report-file': reportFile });
  await writeSummary(fleetSummary(result, config.signIn.tenantId, single));
  const error = failure(result, single);
  if (error !== undefined) fail(error);
}

/**
 * The JSON report's path, or '' when it could not be written: a warning says why, and the run's outputs and job
 * summary are written all the same (what the run did to Entra and GitHub stands either way).
 */
function reportFileOrWarning(json: string): string {
  try {
    return writeReportFile(json);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    runnerLog.warning(`The JSON report could not be written under RUNNER_TEMP (${why}); the output report-file is empty, and the other outputs and the job summary are written as usual. Check that RUNNER_TEMP is a writable directory.`);
    return '';
  }
}

/** The step fails when an app failed: a fleet names every failed app, with why. */
function failure(result: FleetOutcome, single: boolean): string | undefined {
  const failed = result.apps.filter((a) => a.outcome.error !== undefined);
  if (failed.length === 0) return undefined;
  if (single) return failed[0]?.outcome.error?.message;
  const why = failed.map((a) => `- ${appLabel(a.spec)} (${a.spec.source}): ${a.outcome.error?.message ?? ''}`);
  return [`${failed.length} of ${result.apps.length} apps failed: ${failed.map((a) => appLabel(a.spec)).join(', ')}`, ...why].join('\n');
}

function singleOutputs(result: FleetOutcome, config: Config): Record<string, string> {
  const outcome = result.apps[0]?.outcome;
  return {
    'client-id': outcome?.app?.appId ?? '',
    'object-id': outcome?.app?.id ?? '',
    'tenant-id': config.signIn.tenantId,
    'app-created': String(outcome?.appCreated ?? false),
    rotated: String(outcome?.rotated ?? false),
    'secret-key-id': outcome?.currentCredential?.keyId ?? '',
    'secret-expires-on': outcome?.currentCredential?.endDateTime.toISOString() ?? '',
  };
}

function fleetOutputs(result: FleetOutcome): Record<string, string> {
  const counts = fleetCounts(result);
  return {
    'rotated-count': String(counts.rotated),
    'deferred-count': String(counts.deferred),
    'failed-count': String(counts.failed),
    'expiring-count': String(result.credentials.filter((e) => e.flagged).length),
  };
}
