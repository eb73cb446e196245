/**
 * The only reader of inputs. Every input is checked here, before any request or heavy module load,
 * and every problem is reported at once, naming the input (or the fleet file's line and key) and what it expects.
 *
 * Defaults live in action.yml alone: the runner passes every declared input, with its default when the workflow
 * leaves it out. An input whose default is '' means "not given" when empty; for any other input an empty value is
 * a problem (the workflow passed '' itself, e.g. from an unset variable).
 *
 * Two modes, one result: without `config`, the per-app inputs describe one app (a fleet of one); with `config`,
 * a fleet file describes every app (src/inputs/fleet-file.ts), through the same rules (src/inputs/app.ts).
 */
import { InputError } from './core/errors';
import { isKeyVault, type GitHubScope, type Target } from './core/model';
import type { Secret } from './core/secret';
import type { AppSpec, FleetSettings, ReportScope } from './core/spec';
import { appKey, APP_KEYS, azureLoginProblem, federationOf, readApp, readRotation, readSecretNames, SECRET_NAME_KEYS } from './inputs/app';
import { CLOUD_NAMES, CLOUDS, type Cloud } from './inputs/clouds';
import type { readFleetFile } from './inputs/fleet-file';
import { environmentNameFits, readKeyVaultSecrets, readRepositoryName, readSubscriptionId, readVariableNames, REPOSITORY_EXPECTED, scopeTargets, VARIABLE_NAME_KEYS, variableTargets } from './inputs/targets';
import { parseUrl, stepSource, Values, type Env } from './inputs/values';

/** Every input the action reads: exactly the inputs action.yml declares. The reader accepts no other name. */
export const INPUT_NAMES = [
  'tenant-id',
  'client-id',
  'client-secret',
  'oidc-audience',
  'cloud',
  'authority-host',
  'graph-endpoint',
  ...APP_KEYS,
  'github-token',
  'github-api-url',
  'repository',
  'secret-name',
  'environments',
  'client-id-secret-name',
  'tenant-id-secret-name',
  'credentials-secret-name',
  'subscription-id',
  'client-id-variable-name',
  'tenant-id-variable-name',
  'key-vault-secrets',
  'dry-run',
  'config',
  'max-rotations',
  'max-writes',
  'report-days',
  'report-scope',
  'shard',
] as const;
export type InputName = (typeof INPUT_NAMES)[number];

/** Inputs whose values are secrets: read only as a Secret, never shown in a problem. */
export const SECRET_INPUT_NAMES = ['client-secret', 'github-token'] as const satisfies readonly InputName[];

/** The step inputs that describe one app: in fleet mode they come from the file, and giving one in the step is an error. */
export const PER_APP_INPUT_NAMES = [
  ...APP_KEYS,
  'repository',
  'environments',
  ...SECRET_NAME_KEYS,
  'subscription-id',
  ...VARIABLE_NAME_KEYS,
  'key-vault-secrets',
] as const satisfies readonly InputName[];

export const MAX_ROTATIONS = 1000;
/** GitHub.com allows about 500 content-creating requests an hour; a GitHub Enterprise Server may allow more. */
export const MAX_WRITES = 100_000;
export const MAX_REPORT_DAYS = 730;
export const MAX_SHARDS = 256;


/**
 * Which app registrations to keep, and which GitHub secrets each feeds: one app from the step's inputs (single
 * mode), or every app of a fleet file (the `config` input).
 */
export interface Config {
  signIn: {
    tenantId: string;
    clientId: string;
    /** Present: client-secret sign-in. Absent: GitHub OIDC federation. */
    clientSecret: Secret | undefined;
    oidcAudience: string;
    cloud: Cloud;
    authorityHost: string;
    /** Graph root without a trailing slash; requests go to `${graphEndpoint}/v1.0/…`. */
    graphEndpoint: string;
  };
  github: { token: Secret | undefined; apiUrl: string };
  dryRun: boolean;
  /** Set when the run is a dry run for a reason other than the dry-run input (pull_request / pull_request_target events: code from a pull request must not choose where secrets go). */
  dryRunBecause: string | undefined;
  mode: 'single' | 'fleet';
  /** Single mode: exactly one, from the inputs (source 'inputs'). */
  apps: AppSpec[];
  fleet: FleetSettings;
}

/** Reads one input by name: @actions/core's getInput in the action (INPUT_<NAME>, upper-cased, hyphens kept). */
export type InputReader = (name: string) => string;


/**
 * What a fleet run needs on top of the inputs: action.yml's defaults (to tell what the step gave) and the file reader.
 * index.ts loads both (with yaml and Ajv) only when the config input is set, so a single-app run never loads them.
 */
export interface FleetReading {
  actionDefaults: Readonly<Record<string, string>>;
  readFleetFile: typeof readFleetFile;
}

/**
 * `read` reads the inputs (core.getInput); `env` holds the runner's variables (GITHUB_REPOSITORY, GITHUB_API_URL,
 * GITHUB_WORKSPACE, ...); `fleetReading` is needed only with the config input (fleet mode). Returns one frozen
 * config, or throws one InputError that lists every problem.
 */
export function readConfig(read: InputReader, env: Env, fleetReading?: FleetReading): Config {
  const problems: string[] = [];
  const step = new Values(stepSource(read), env, problems);
  const signIn = readSignIn(step);
  const configPath = step.value('config');
  const single = configPath === '' ? readSingleApp(step) : undefined;
  const dryRun = readDryRun(step);
  const token = step.secret('github-token');
  const noToken = token === undefined && dryRun.dryRun !== true;
  // One app: a GitHub home unless key-vault-secrets alone are meant (given, without a token).
  if (configPath === '' && noToken && step.value('key-vault-secrets') === '') tokenRequired(step);
  const github = readGitHub(step, token);
  const apps = configPath === '' ? singleAppSpec(step, single, token !== undefined) : fleetApps(step, configPath, fleetReading);
  // A fleet: a GitHub home when any target is one.
  if (configPath !== '' && noToken && apps?.some((a) => a.targets.some((t) => !isKeyVault(t.scope))) === true) tokenRequired(step);
  const fleet = readFleetSettings(step);
  if (problems.length > 0 || !signIn || dryRun.dryRun === undefined || !github || !apps || !fleet) {
    throw new InputError(problems.length > 0 ? problems : ['internal: an input was rejected without a reason'], configPath === '' ? undefined : configPath);
  }
  const mode = configPath === '' ? 'single' : 'fleet';
  return Object.freeze({ signIn, github, dryRun: dryRun.dryRun, dryRunBecause: dryRun.because, mode, apps, fleet });
}

const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target'];

/** The dry-run input; a run for a pull request is always a dry run. */
function readDryRun(step: Values): { dryRun: boolean | undefined; because: string | undefined } {
  const input = step.bool('dry-run');
  const event = step.environment('GITHUB_EVENT_NAME');
  if (!PULL_REQUEST_EVENTS.includes(event)) return { dryRun: input, because: undefined };
  const because = `the workflow runs for a ${event} event: code from a pull request must not choose where secrets go, so nothing is changed`;
  return { dryRun: input === undefined ? undefined : true, because };
}

function readSignIn(inputs: Values): Config['signIn'] | undefined {
  const tenantId = inputs.guid('tenant-id', true);
  const clientId = inputs.guid('client-id', true);
  const clientSecret = inputs.secret('client-secret');
  const cloud = inputs.oneOf('cloud', CLOUD_NAMES, 'problem');
  const endpoints = CLOUDS[cloud ?? 'AzureCloud'];
  // Empty means "the cloud's".
  const oidcAudience = inputs.value('oidc-audience') || endpoints.federatedAudience;
  const authorityHost = httpsRoot(inputs, 'authority-host', endpoints.authorityHost);
  const graphEndpoint = httpsRoot(inputs, 'graph-endpoint', endpoints.graphEndpoint);
  if (tenantId === undefined || clientId === undefined || cloud === undefined) return undefined;
  return {
    tenantId,
    clientId,
    clientSecret,
    oidcAudience,
    cloud,
    // Empty means "the cloud's".
    authorityHost: authorityHost ?? endpoints.authorityHost,
    graphEndpoint: graphEndpoint ?? endpoints.graphEndpoint,
  };
}

/** The https root of a host (origin, no path); undefined when empty or bad. */
function httpsRoot(inputs: Values, name: InputName, example: string): string | undefined {
  const v = inputs.value(name);
  if (v === '') return undefined;
  const url = parseUrl(v);
  if (url === undefined) {
    inputs.problem(name, v, 'an https:// URL');
    return undefined;
  }
  if (url.protocol !== 'https:') {
    inputs.problem(name, v, 'an https:// URL (tokens are never sent over plain http)');
  } else if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '') {
    inputs.problem(name, v, `the root URL of the host, like ${example} (no path; the action adds it)`);
  } else {
    return url.origin;
  }
  return undefined;
}

function readGitHub(inputs: Values, token: Secret | undefined): Config['github'] | undefined {
  const apiUrl = readApiUrl(inputs);
  return apiUrl === undefined ? undefined : { token, apiUrl };
}

/** github-token is needed to write GitHub secrets or variables: not for Key Vault secrets alone, nor in a dry run. */
function tokenRequired(inputs: Values): void {
  inputs.problems.push(
    'github-token: required (unless dry-run is true), expected a fine-grained token or GitHub App token with the Secrets (and, for environments, Environments; for variables, Variables) read and write permission; the workflow GITHUB_TOKEN cannot write secrets. A run that writes only Key Vault secrets (key-vault-secrets) needs none',
  );
}

/**
 * github-api-url, else the runner's GITHUB_API_URL (github.com's when run elsewhere). The input is the only way to
 * write to another GitHub than the workflow's: the runner sets GITHUB_API_URL itself, over any `env:` of a step.
 */
function readApiUrl(inputs: Values): string | undefined {
  const given = inputs.value('github-api-url');
  if (given !== '') return githubApiRoot(inputs, given);
  const value = inputs.environment('GITHUB_API_URL') || 'https://api.github.com';
  const u = parseUrl(value);
  if (u?.protocol === 'https:' || u?.protocol === 'http:') return value.replace(/\/+$/, '');
  inputs.problems.push(`GITHUB_API_URL (environment): got '${value}', expected the GitHub API URL, like https://api.github.com`);
  return undefined;
}

function githubApiRoot(inputs: Values, value: string): string | undefined {
  const expected = 'the https:// root of a GitHub REST API, like https://api.github.com or https://ghes.example.com/api/v3';
  const url = parseUrl(value);
  if (url?.protocol === 'https:' && url.search === '' && url.hash === '' && url.username === '') return value.replace(/\/+$/, '');
  inputs.problem('github-api-url', value, expected);
  return undefined;
}

type SingleApp = { app: AppSpec['app'] | undefined; rotation: AppSpec['rotation'] | undefined };

/** The app and rotation inputs of single mode, read before dry-run and the token (problems keep input order). */
function readSingleApp(step: Values): SingleApp {
  return { app: readApp(step, federationOf(step)), rotation: readRotation(step) };
}

/**
 * Single mode: a fleet of one, its targets from repository, environments, the secret-name and variable-name inputs,
 * and key-vault-secrets. Without github-token, key-vault-secrets alone: no GitHub secret (secret-name's default) is
 * meant then, and a GitHub input given is an error.
 */
function singleAppSpec(step: Values, single: SingleApp | undefined, token: boolean): AppSpec[] | undefined {
  const vault = readKeyVaultSecrets(step);
  const keyVaultOnly = !token && vault !== undefined && vault.length > 0;
  if (keyVaultOnly) {
    for (const name of ['repository', 'environments', 'client-id-secret-name', 'tenant-id-secret-name', 'credentials-secret-name', ...VARIABLE_NAME_KEYS] as const) {
      if (step.value(name) !== '') step.about(name, 'needs github-token: without one only key-vault-secrets are written');
    }
  }
  const github = keyVaultOnly ? [] : readSingleTargets(step);
  const targets = github === undefined || vault === undefined ? undefined : [...github, ...vault];
  const azureLogin = single?.rotation === undefined ? undefined : azureLoginProblem(single.rotation.kind);
  if (azureLogin !== undefined && step.value('credentials-secret-name') !== '') {
    step.about('credentials-secret-name', azureLogin);
    return undefined;
  }
  if (!single?.app || !single.rotation || !targets) return undefined;
  return [{ key: appKey(single.app), source: 'inputs', app: single.app, rotation: single.rotation, targets }];
}

function readSingleTargets(inputs: Values): Target[] | undefined {
  const repository = readRepository(inputs);
  const names = readSecretNames(inputs);
  const variables = readVariableNames(inputs);
  const environments = readEnvironments(inputs);
  const subscriptionId = readSubscriptionId(inputs);
  if (repository === undefined || names === undefined || variables === undefined) return undefined;
  const scopes: GitHubScope[] =
    environments.length === 0 ? [{ service: 'actions', ...repository }] : environments.map((environment) => ({ service: 'actions', ...repository, environment }));
  return scopes.flatMap((scope) => [...scopeTargets(scope, names, subscriptionId), ...variableTargets(scope, variables)].map((t) => t.target));
}

/** `repository`, or the workflow's own repository when empty. */
function readRepository(inputs: Values): { owner: string; repo: string } | undefined {
  const repository = inputs.value('repository') || inputs.environment('GITHUB_REPOSITORY');
  if (repository === '') {
    inputs.problems.push(`repository: required outside GitHub Actions (GITHUB_REPOSITORY is not set), expected ${REPOSITORY_EXPECTED}`);
    return undefined;
  }
  return readRepositoryName(inputs, 'repository', repository);
}

/** One environment name per line; none: the repository secret. */
function readEnvironments(inputs: Values): string[] {
  const environments = (inputs.items('environments') ?? []).map((l) => l.text);
  const seen = new Set<string>();
  for (const e of environments) {
    if (e.includes(',')) inputs.problem('environments', e, 'one environment name per line (a comma does not separate names)');
    else if (!environmentNameFits(inputs, 'environments', e)) continue;
    else if (seen.has(e.toLowerCase())) inputs.problem('environments', e, 'each environment once (names are case-insensitive)');
    seen.add(e.toLowerCase());
  }
  return environments;
}

/** Fleet mode: no per-app input in the step (each differs from its action.yml default only when given), then the file. */
function fleetApps(step: Values, path: string, reading: FleetReading | undefined): AppSpec[] | undefined {
  if (reading === undefined) {
    step.problems.push("config: internal: action.yml's input defaults are unknown, so inputs the step gives cannot be told apart");
    return undefined;
  }
  for (const name of PER_APP_INPUT_NAMES) {
    if (step.value(name) !== (reading.actionDefaults[name] ?? '').trim()) step.problems.push(`${name}: set per app in the fleet file (config), not in the step`);
  }
  return reading.readFleetFile(step, path, reading.actionDefaults);
}

function readFleetSettings(inputs: Values): FleetSettings | undefined {
  const maxRotations = inputs.whole('max-rotations', 1, MAX_ROTATIONS);
  const maxWrites = inputs.whole('max-writes', 1, MAX_WRITES);
  const reportDays = inputs.whole('report-days', 0, MAX_REPORT_DAYS);
  const reportScope = inputs.oneOf<ReportScope>('report-scope', ['managed', 'all'], 'problem');
  const shard = readShard(inputs);
  if (maxRotations === undefined || maxWrites === undefined || reportDays === undefined || reportScope === undefined || shard === 'bad') return undefined;
  return { maxRotations, maxWrites, reportDays, reportScope, shard };
}

/** `K/N`, 1 <= K <= N <= 256; empty: no sharding. */
function readShard(inputs: Values): FleetSettings['shard'] | 'bad' {
  const v = inputs.value('shard');
  if (v === '') return undefined;
  const m = /^(\d{1,3})\s*\/\s*(\d{1,3})$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m !== null && index >= 1 && index <= count && count <= MAX_SHARDS) return { index, count };
  inputs.problem('shard', v, `K/N with 1 <= K <= N <= ${MAX_SHARDS}, like 2/4 (this job handles shard 2 of 4)`);
  return 'bad';
}
