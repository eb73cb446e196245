/**
 * Runs the real GitHub adapters (src/adapters/github.ts and github-variables.ts: Octokit, its plugins, libsodium,
 * the proxy agent; one connection for both) in a child process, as the bundle does, against the emulator: jest
 * cannot load @actions/github (ESM only). Reads one
 * JSON plan on stdin (see test/github-adapter.ts), runs its steps in order (a `writeAll` step writes in parallel,
 * as the core does), and prints one JSON object: each step's result or error message, and every line logged.
 */
import { GitHubConnection, GitHubSecrets, type GitHubTiming } from '../src/adapters/github';
import { GitHubVariables } from '../src/adapters/github-variables';
import { defaultRetryPolicy } from '../src/adapters/retry';
import type { Log } from '../src/core/ports';
import { Secret } from '../src/core/secret';
import type { AdapterPlan, AdapterRun, AdapterStep, StepResult } from './github-adapter.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const notAfter = (ms: number | undefined): { notAfter?: Date } => (ms === undefined ? {} : { notAfter: new Date(Date.now() + ms) });

interface Stores {
  store: GitHubSecrets;
  variables: GitHubVariables;
}

async function run(stores: Stores, step: AdapterStep): Promise<unknown> {
  const { store } = stores;
  switch (step.op) {
    case 'list': {
      const found = await store.list(step.scope);
      return Object.fromEntries([...found].map(([name, info]) => [name, { updatedAt: info.updatedAt.toISOString(), ...(info.visibility ? { visibility: info.visibility } : {}) }]));
    }
    case 'prepare':
      return store.prepare(step.scope);
    case 'write':
      return store.write(step.target, new Secret(step.value), notAfter(step.notAfterMs));
    case 'writeAll': {
      const settled = await Promise.allSettled(step.targets.map((t) => store.write(t, new Secret(step.value), notAfter(step.notAfterMs))));
      return settled.map((s) => (s.status === 'fulfilled' ? 'ok' : String((s.reason as Error).message)));
    }
    case 'selected':
      return store.selectedRepositories(step.target);
    default:
      return runVariables(stores, step);
  }
}

async function runVariables(stores: Stores, step: AdapterStep): Promise<unknown> {
  const { variables } = stores;
  switch (step.op) {
    case 'variables': {
      const found = await variables.list(step.scope);
      return Object.fromEntries([...found].map(([name, info]) => [name, { value: info.value, updatedAt: info.updatedAt.toISOString(), ...(info.visibility ? { visibility: info.visibility } : {}) }]));
    }
    case 'variable':
      return variables.write(step.scope, step.name, step.value, { ...(step.access ? { access: step.access } : {}), ...(step.existing === undefined ? {} : { existing: step.existing }), ...notAfter(step.notAfterMs) });
    case 'variablesAll': {
      const settled = await Promise.allSettled(step.writes.map((w) => variables.write(w.scope, w.name, w.value, w.access ? { access: w.access } : {})));
      return settled.map((s) => (s.status === 'fulfilled' ? s.value : String((s.reason as Error).message)));
    }
    case 'variableSelected':
      return variables.selectedRepositories(step.scope, step.name);
    case 'together': {
      const settled = await Promise.allSettled(step.steps.map((s) => run(stores, s)));
      return settled.map((s) => (s.status === 'fulfilled' ? (s.value ?? null) : String((s.reason as Error).message)));
    }
    default:
      throw new Error(`unknown step ${step.op}`);
  }
}

async function main(): Promise<void> {
  const plan = JSON.parse(await readStdin()) as AdapterPlan;
  const out: AdapterRun = { results: [], log: [] };
  const log: Log = {
    info: (message) => out.log.push({ at: Date.now(), level: 'info', message }),
    warning: (message) => out.log.push({ at: Date.now(), level: 'warning', message }),
    mask: () => undefined,
    group: (_title, fn) => fn(),
  };
  const timing: GitHubTiming = { ...defaultRetryPolicy({ ENTRA_ROTATOR_RETRY_BASE_MS: '20' }), ...plan.timing };
  const github = new GitHubConnection(new Secret(plan.token), plan.apiUrl, log, timing);
  const store = new GitHubSecrets(github);
  const variables = new GitHubVariables(github);
  for (const step of plan.steps) {
    const started = Date.now();
    let result: StepResult;
    try {
      result = { ok: true, value: (await run({ store, variables }, step)) ?? null, ms: Date.now() - started };
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error.message : String(error), ms: Date.now() - started };
    }
    out.results.push(result);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
