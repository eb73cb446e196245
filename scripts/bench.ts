/**
 * npm run bench: runs the bundled action (dist/index.js) as a child process against the emulator, as a runner
 * would, and prints per scenario: requests and TLS connections per host, ID-token requests, and whole-process
 * wall time as a ratio to `node -e 0` (medians, measured alternately in the same run); at 50 ms of added
 * latency per request also the ratio to the critical-path bound (chain × latency + `node -e 0`).
 * Also: bundle bytes, and the time to load the bundle and fail on a missing input.
 *
 *   npm run bench            # 7 runs per figure
 *   npm run bench -- 3       # fewer runs, faster
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorEnv, startEmulator } from '../test/emulator/index.ts';
import { DIST, runAction, standardSetup } from '../test/harness.ts';
import { chainFor, countsBy, floorFor, SCENARIOS, type Scenario, type SignIn } from '../test/scenarios.ts';

const RUNS = Number(process.argv[2] ?? '') || 7;
const LATENCIES = [0, 50];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

function timeProcess(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    child.on('close', () => resolve(performance.now() - start));
  });
}

const baseEnv = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' };

interface Row {
  scenario: string;
  signIn: SignIn;
  latency: number;
  requests: string;
  connections: string;
  idTokens: number;
  atFloor: boolean;
  wallMs: number;
  baselineMs: number;
  boundMs: number;
}

async function measure(scenario: Scenario, signIn: SignIn, latency: number): Promise<Row> {
  const walls: number[] = [];
  const baselines: number[] = [];
  let counts: ReturnType<typeof countsBy> | undefined;
  for (let i = 0; i < RUNS; i += 1) {
    const emu = await startEmulator();
    try {
      standardSetup(emu);
      const inputs = scenario.setUp(emu, signIn);
      emu.resetCounters();
      emu.setLatency(latency);
      baselines.push(await timeProcess(['-e', '0'], baseEnv));
      const start = performance.now();
      const run = await runAction(emu, inputs);
      walls.push(performance.now() - start);
      if (run.code !== 0) throw new Error(`${scenario.name} (${signIn}) failed: ${run.error}`);
      counts ??= countsBy(emu);
    } finally {
      await emu.close();
    }
  }
  const c = counts ?? countsBy(await startEmulator());
  const floor = floorFor(scenario, signIn);
  const chain = chainFor(scenario, signIn);
  const baselineMs = median(baselines);
  const fmt = (r: Record<string, number>): string =>
    Object.entries(r)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  return {
    scenario: scenario.name,
    signIn,
    latency,
    requests: fmt(c.requests),
    connections: fmt(c.connections),
    idTokens: c.requests.oidc,
    // Requests only: how many TLS connections the SDKs open is theirs to decide.
    atFloor: JSON.stringify(c.requests) === JSON.stringify(floor),
    wallMs: median(walls),
    baselineMs,
    boundMs: chain * latency + baselineMs,
  };
}

async function failFast(): Promise<{ wallMs: number; baselineMs: number }> {
  const walls: number[] = [];
  const baselines: number[] = [];
  for (let i = 0; i < RUNS * 2; i += 1) {
    baselines.push(await timeProcess(['-e', '0'], baseEnv));
    walls.push(await timeProcess([DIST], { ...baseEnv, GITHUB_OUTPUT: '/dev/null' }));
  }
  return { wallMs: median(walls), baselineMs: median(baselines) };
}

async function caCost(): Promise<number> {
  const emu = await startEmulator();
  const withCa: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < RUNS * 2; i += 1) {
    without.push(await timeProcess(['-e', '0'], baseEnv));
    withCa.push(await timeProcess(['-e', '0'], { ...baseEnv, NODE_EXTRA_CA_CERTS: emulatorEnv(emu)['NODE_EXTRA_CA_CERTS'] ?? '' }));
  }
  await emu.close();
  return median(withCa) - median(without);
}

const distDir = join(DIST, '..');
const files = readdirSync(distDir).filter((f) => f.endsWith('.js'));
console.log(`Bundle: ${files.map((f) => `${f} ${statSync(join(distDir, f)).size} B`).join(', ')}`);
const ff = await failFast();
console.log(`Load and fail on missing inputs: ${ff.wallMs.toFixed(0)} ms = ${(ff.wallMs / ff.baselineMs).toFixed(2)} × node -e 0 (${ff.baselineMs.toFixed(0)} ms)`);
console.log(`NODE_EXTRA_CA_CERTS (the emulator's CA, set for every action run below) adds ${(await caCost()).toFixed(0)} ms to any process start`);
console.log(`Medians of ${RUNS} runs each.\n`);

/** The reference: a minimal HTTP/2 client making the steady run's requests (scripts/reference-client.cjs). */
async function reference(latency: number): Promise<{ wallMs: number; baselineMs: number }> {
  const walls: number[] = [];
  const baselines: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const emu = await startEmulator();
    try {
      standardSetup(emu);
      const inputs = SCENARIOS[0]?.setUp(emu, 'secret') ?? {};
      emu.setLatency(latency);
      baselines.push(await timeProcess(['-e', '0'], baseEnv));
      const args = [emu.urls.authority, emu.urls.graph, emu.urls.github, emu.tenantId, inputs['client-id'], inputs['client-secret'], inputs['github-token']];
      walls.push(await timeProcess(['scripts/reference-client.cjs', ...args.map(String)], { ...baseEnv, ...emulatorEnv(emu) }));
    } finally {
      await emu.close();
    }
  }
  return { wallMs: median(walls), baselineMs: median(baselines) };
}

const rows: Row[] = [];
for (const latency of LATENCIES) {
  for (const scenario of SCENARIOS) {
    for (const signIn of ['secret', 'oidc'] as const) rows.push(await measure(scenario, signIn, latency));
  }
}
console.log('| scenario | sign-in | latency | requests | TLS connections | ID tokens | at floor | wall | × node -e 0 | × critical-path bound |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.signIn} | ${r.latency} ms | ${r.requests} | ${r.connections} | ${r.idTokens} | ${r.atFloor ? 'yes' : 'NO'} | ${r.wallMs.toFixed(0)} ms | ${(r.wallMs / r.baselineMs).toFixed(2)} | ${
      r.latency > 0 ? (r.wallMs / r.boundMs).toFixed(2) : '–'
    } |`,
  );
}
console.log('\nReference: a minimal HTTP/2 client making only the steady run\'s 3 requests (no checks, no output):');
for (const latency of LATENCIES) {
  const r = await reference(latency);
  const bound = 2 * latency + r.baselineMs;
  console.log(`  ${latency} ms: ${r.wallMs.toFixed(0)} ms = ${(r.wallMs / r.baselineMs).toFixed(2)} × node -e 0${latency > 0 ? `, ${(r.wallMs / bound).toFixed(2)} × critical-path bound` : ''}`);
}
if (rows.some((r) => !r.atFloor)) process.exitCode = 1;
