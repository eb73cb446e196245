/**
 * Runs the bundled action (dist/index.js) as a child process exactly as a runner does: INPUT_* variables for
 * every input action.yml declares (its default unless the test gives a value), GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, and the emulator's CA through NODE_EXTRA_CA_CERTS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inputEnv } from './action-yml.ts';
import { emulatorEnv, type Emulator } from './emulator/index.ts';

/** npm scripts and jest both run from the package root. */
export const DIST = resolve('dist/index.js');
export const ROTATOR_ID = '0f0e0d0c-0b0a-4909-8807-060504030201';
export const ROTATOR_SECRET = 'Rot8Q~rotator.secret_value-0123456789abcd';
export const GITHUB_PAT = 'github_pat_11AAAAAAA0emulatorTokenForTests';
export const REPO = 'octo/app';

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The ::error:: text, decoded. */
  error: string;
  /** The JSON report (output report-file), read before RUNNER_TEMP is removed; undefined when there is none. */
  report: Report | undefined;
  /** The report file as written ('' when there is none): checked for leaks like every other output. */
  reportText: string;
}

/** The JSON report's shape, as far as tests read it. */
export interface Report {
  dryRun: boolean;
  apps: Array<{ key: string; name: string | null; clientId: string | null; action: string; rotated: boolean; deferred: boolean; error: string | null; targets: Array<{ name: string; where: string; result: string }> }>;
  credentials: Array<{ app: string; clientId: string; kind: string; keyId: string; description: string | null; daysLeft: number; managed: boolean; current: boolean; flagged: boolean }>;
}

/** A rotator with a client secret, a repository with two environments (one with a space) and a PAT. */
export function standardSetup(emu: Emulator): void {
  emu.addRotator({ clientId: ROTATOR_ID, secret: ROTATOR_SECRET, federatedSubject: 'repo:octo/app:ref:refs/heads/main' });
  emu.github.addRepo(REPO, ['production', 'staging area', 'development']);
  emu.github.addToken(GITHUB_PAT, 'pat', { secrets: 'write', environments: 'write' });
}

export function baseInputs(emu: Emulator): Record<string, string> {
  return {
    'tenant-id': emu.tenantId,
    'client-id': ROTATOR_ID,
    'client-secret': ROTATOR_SECRET,
    'authority-host': emu.urls.authority,
    'graph-endpoint': emu.urls.graph,
    'github-token': GITHUB_PAT,
  };
}

/** `inputs`: what the workflow step gives under `with:`; an input left out (or `undefined`) gets action.yml's default. */
export async function runAction(
  emu: Emulator,
  inputs: Readonly<Record<string, string | undefined>>,
  extraEnv: Record<string, string> = {},
  entry: string = DIST,
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? dir,
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: REPO,
    GITHUB_ACTIONS: 'true',
    // Retries wait 1 s, 2 s, ... in production; tests need not.
    ENTRA_ROTATOR_RETRY_BASE_MS: '20',
    ...emulatorEnv(emu),
    ...extraEnv,
    ...inputEnv(inputs),
  };
  const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const outputs = parseOutputs(readFileSync(outputFile, 'utf8'));
  const summary = readFileSync(summaryFile, 'utf8');
  const reportText = outputs['report-file'] ? readFileSync(outputs['report-file'], 'utf8') : undefined;
  rmSync(dir, { recursive: true, force: true });
  const error = stdout
    .split('\n')
    .filter((l) => l.startsWith('::error::'))
    .map((l) => decodeCommand(l.slice('::error::'.length)))
    .join('\n');
  const run = { code, stdout, stderr, outputs, summary, error, report: reportText === undefined ? undefined : (JSON.parse(reportText) as Report), reportText: reportText ?? '' };
  // Every run, in every test, the demo and the benchmark: no secret value anywhere the action wrote.
  expectNoLeak(run, emu);
  return run;
}

/**
 * Runs the action in fleet mode: `yamlText` is written to `fleet.yml` in a fresh workspace (GITHUB_WORKSPACE) and the
 * step gets `config: fleet.yml` besides `inputs` (which may name another config path).
 */
export async function runFleetAction(
  emu: Emulator,
  yamlText: string,
  inputs: Readonly<Record<string, string | undefined>>,
  extraEnv: Record<string, string> = {},
  entry: string = DIST,
): Promise<ActionRun> {
  const workspace = mkdtempSync(join(tmpdir(), 'action-workspace-'));
  try {
    writeFileSync(join(workspace, 'fleet.yml'), yamlText);
    return await runAction(emu, { config: 'fleet.yml', ...inputs }, { GITHUB_WORKSPACE: workspace, ...extraEnv }, entry);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

function decodeCommand(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** GITHUB_OUTPUT holds `name<<DELIM\nvalue\nDELIM` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1] ?? ''] = m[3] ?? '';
  return out;
}

/**
 * No value the emulator handed out (client secrets, the rotator's secret, access and ID tokens) may appear
 * anywhere the action writes, except in ::add-mask:: commands, which must come before any other use.
 */
export function expectNoLeak(run: ActionRun, emu: Emulator): void {
  const visibleStdout = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  const places: Record<string, string> = {
    stdout: visibleStdout,
    stderr: run.stderr,
    outputs: JSON.stringify(run.outputs),
    summary: run.summary,
    report: run.reportText,
  };
  // Client and tenant IDs stored as companion secrets are identifiers, not secrets.
  const secrets = emu.handedOut().filter((v) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v));
  for (const value of secrets) {
    for (const [where, text] of Object.entries(places)) {
      if (text.includes(value)) throw new Error(`a secret value (hint ${value.slice(0, 3)}…) leaked into ${where}`);
    }
  }
}

/** Requests that change state, as "METHOD path" (a $batch envelope only carries requests: its items count). */
export function writesIn(emu: Emulator): string[] {
  // A Graph $batch envelope is a POST that carries requests; each is logged on its own (with `batch`) and counted here.
  return emu.log
    .filter((e) => e.method !== 'GET' && !(e.service === 'entra' && e.path.includes('/token')) && !(e.service === 'graph' && e.path.endsWith('/$batch')))
    .map((e) => `${e.method} ${e.path}`);
}
