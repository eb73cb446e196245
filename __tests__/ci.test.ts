/**
 * The CI workflow cannot run here, so what it relies on is checked: it loads as strict YAML, every `uses: ./` step
 * gives only inputs action.yml declares, .ci/run runs the README's test command, and the emulator job's steps work:
 * the emulator CLI started in the background writes its environment, and the bundled action, given the workflow's
 * own `with:` values, creates the app and then finds it steady, although the runner's GITHUB_API_URL points elsewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inputEnv, parseStrict, readAction } from '../test/action-yml.ts';
import { DIST } from '../test/harness.ts';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  name?: string;
  'runs-on'?: string;
  steps: Step[];
}

const workflow = parseStrict(readFileSync(resolve('.github/workflows/ci.yml'), 'utf8'), 'ci.yml') as { jobs: Record<string, Job> };
const jobs = workflow.jobs;
const emulatorJob = jobs['action-against-emulator'];
const localSteps = (job: Job | undefined): Step[] => (job?.steps ?? []).filter((s) => s.uses === './');

describe('.github/workflows/ci.yml', () => {
  it('names every job', () => {
    for (const [id, job] of Object.entries(jobs)) expect([id, typeof job.name === 'string' && job.name !== '']).toEqual([id, true]);
  });

  it('gives `uses: ./` only inputs that action.yml declares, and every required one', () => {
    const declared = readAction().inputs;
    const required = Object.keys(declared).filter((n) => declared[n]?.required === true);
    const steps = Object.values(jobs).flatMap(localSteps);
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const step of steps) {
      const given = Object.keys(step.with ?? {});
      expect(given.filter((n) => !Object.hasOwn(declared, n))).toEqual([]);
      expect(required.filter((n) => !given.includes(n))).toEqual([]);
    }
  });

  it('runs the action twice against the emulator on Node 24, each step with the CA in its own env', () => {
    const steps = emulatorJob?.steps ?? [];
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version']).toBe(24);
    expect(steps.some((s) => s.run === 'npm ci')).toBe(true);
    expect(steps.some((s) => s.run?.includes('node test/emulator/cli.ts --write-env'))).toBe(true);
    expect(localSteps(emulatorJob).map((s) => s.id)).toEqual(['first', 'second']);
    for (const step of localSteps(emulatorJob)) expect(step.env?.['NODE_EXTRA_CA_CERTS']).toBe('${{ env.EMULATOR_CA_FILE }}');
    const checks = steps.map((s) => JSON.stringify(s.env ?? {})).join('\n');
    for (const output of ['first.outputs.app-created', 'first.outputs.rotated', 'first.outputs.client-id', 'second.outputs.app-created', 'second.outputs.rotated']) {
      expect(checks).toContain(`steps.${output}`);
    }
  });

  it('checks that the bad-input error names the input, from the bundle run as the runner runs it', () => {
    const job = jobs['bad-input-check'];
    expect(localSteps(job)).toHaveLength(1);
    const check = job?.steps.find((s) => s.run?.includes('node dist/index.js'));
    expect(check?.run).toContain("grep -F \"tenant-id: got 'not-a-guid', expected a GUID\"");
  });
});

it("has .ci/run run the README's test command exactly", () => {
  const readme = readFileSync(resolve('README.md'), 'utf8');
  const command = /^(npx -y -p node@24 -c '[^']*npm test')/m.exec(readme)?.[1];
  expect(command).toBeDefined();
  expect(readFileSync(resolve('.ci/run'), 'utf8')).toContain(`\n${command} || exit 1\n`);
});

describe('the emulator job, run here', () => {
  let dir: string;
  let emulator: ChildProcess | undefined;
  afterEach(() => {
    emulator?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the app, then finds it steady, with the workflow’s own inputs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ci-emulator-'));
    const envFile = join(dir, 'emulator.env');
    emulator = spawn(process.execPath, ['test/emulator/cli.ts', '--write-env', envFile], { stdio: 'ignore' });
    const env = await readEnvFile(envFile);
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['EMULATOR_CA_FILE', 'EMULATOR_GITHUB_API_URL', 'EMULATOR_PID']));
    expect(env['EMULATOR_PID']).toBe(String(emulator.pid));

    const [first, second] = localSteps(emulatorJob);
    const one = await runStep(first, env, dir);
    expect(one.code).toBe(0);
    expect(one.outputs).toMatchObject({ 'app-created': 'true', rotated: 'true' });
    expect(one.outputs['client-id']).toMatch(/^[0-9a-f-]{36}$/);
    const two = await runStep(second, env, dir);
    expect(two.code).toBe(0);
    expect(two.outputs).toMatchObject({ 'app-created': 'false', rotated: 'false', 'client-id': one.outputs['client-id'] });

    const exited = new Promise<number | null>((done) => emulator?.on('exit', (code) => done(code)));
    emulator.kill('SIGTERM');
    expect(await exited).toBe(0);
    emulator = undefined;
  });
});

/** Waits for the emulator's NAME=value file (written whole once it listens) and reads it. */
async function readEnvFile(path: string): Promise<Record<string, string>> {
  for (let i = 0; i < 100 && !existsSync(path); i += 1) await new Promise((r) => setTimeout(r, 100));
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n').filter((l) => l !== '')) {
    const eq = line.indexOf('=');
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** `${{ env.NAME }}` from the job's environment; the workflow uses no other expression in these steps. */
function evaluate(value: string | number | boolean, env: Record<string, string>): string {
  return String(value).replace(/\$\{\{\s*env\.([A-Z_]+)\s*\}\}/g, (_, name: string) => {
    if (env[name] === undefined) throw new Error(`the workflow reads env.${name}, which the emulator does not write`);
    return env[name];
  });
}

/** One `uses: ./` step as the runner runs it: action.yml's defaults, the step's with: and env:, the runner's GITHUB_*. */
async function runStep(step: Step | undefined, env: Record<string, string>, dir: string): Promise<{ code: number | null; outputs: Record<string, string> }> {
  const outputFile = join(dir, `output-${step?.id}`);
  writeFileSync(outputFile, '');
  const given = Object.fromEntries(Object.entries(step?.with ?? {}).map(([k, v]) => [k, evaluate(v, env)]));
  const stepEnv = Object.fromEntries(Object.entries(step?.env ?? {}).map(([k, v]) => [k, evaluate(v, env)]));
  const child = spawn(process.execPath, [DIST], {
    env: {
      PATH: process.env['PATH'] ?? '',
      ...stepEnv,
      // The runner's own values win over a step's env: (GITHUB_API_URL is github.com's, not the emulator's).
      GITHUB_API_URL: 'https://127.0.0.1:9',
      GITHUB_REPOSITORY: 'octo-org/entra-secret-rotator',
      GITHUB_OUTPUT: outputFile,
      ...inputEnv(given),
    },
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const outputs: Record<string, string> = {};
  for (const m of readFileSync(outputFile, 'utf8').matchAll(/^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1] ?? ''] = m[3] ?? '';
  return { code, outputs };
}
