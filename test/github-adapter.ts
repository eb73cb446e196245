/**
 * Runs the GitHub adapters (secrets and variables) against the emulator in a child process (test/github-driver.ts) and returns what each
 * step gave and what the adapter logged. The child trusts the emulator's CA through NODE_EXTRA_CA_CERTS.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { GitHubScope as Scope, OrgAccess, Target as AnyTarget } from '../src/core/model';

type Target = AnyTarget<Scope>;
import type { Emulator } from './emulator/index.ts';

export type AdapterStep =
  | { op: 'list'; scope: Scope }
  | { op: 'prepare'; scope: Scope }
  | { op: 'write'; target: Target; value: string; notAfterMs?: number }
  /** Writes every target at once, as the core does; the result lists 'ok' or the error message of each. */
  | { op: 'writeAll'; targets: Target[]; value: string; notAfterMs?: number }
  | { op: 'selected'; target: Target }
  /** GitHubVariables (src/adapters/github-variables.ts), on the same connection as the secrets. */
  | { op: 'variables'; scope: Scope }
  | { op: 'variable'; scope: Scope; name: string; value: string; access?: OrgAccess; existing?: boolean; notAfterMs?: number }
  /** Writes every variable at once; the result lists what each did ('created', 'updated') or its error message. */
  | { op: 'variablesAll'; writes: Array<{ scope: Scope; name: string; value: string; access?: OrgAccess }> }
  | { op: 'variableSelected'; scope: Scope; name: string }
  /** Runs the steps at once (secrets and variables alike); the result lists each one's value or error message. */
  | { op: 'together'; steps: AdapterStep[] };

export interface AdapterPlan {
  apiUrl: string;
  token: string;
  /** GitHubTiming; default the production policy with baseMs 20 (as the tests' ENTRA_ROTATOR_RETRY_BASE_MS). */
  timing?: { attempts?: number; baseMs?: number; maxWaitMs?: number; timeoutMs?: number };
  steps: AdapterStep[];
}

export type StepResult = { ok: true; value: unknown; ms: number } | { ok: false; error: string; ms: number };

export interface AdapterRun {
  results: StepResult[];
  /** Every line the adapter logged, with when (ms since the epoch). */
  log: Array<{ at: number; level: 'info' | 'warning'; message: string }>;
}

const DRIVER = resolve('test/github-driver.ts');
const HOOKS = resolve('test/extensionless.ts');

export function runAdapter(emu: Emulator, token: string, steps: AdapterStep[], timing?: AdapterPlan['timing']): Promise<AdapterRun> {
  const plan: AdapterPlan = { apiUrl: emu.urls.github, token, steps, ...(timing ? { timing } : {}) };
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--import', HOOKS, DRIVER], {
    env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: emu.caFile },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(JSON.stringify(plan));
  return new Promise((done, fail) => {
    child.on('close', (code) => {
      if (code !== 0) fail(new Error(`github-driver exited ${code}: ${stderr}`));
      else done(JSON.parse(stdout) as AdapterRun);
    });
  });
}
