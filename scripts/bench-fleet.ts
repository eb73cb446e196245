/**
 * npm run bench:fleet: fleets, measured as the issue asks (the bundled action as a child process against the emulator):
 *   1. a steady fleet of 200 apps × 3 targets over 20 repositories, one fleet run against 200 single-app runs of
 *      the same apps (what a user does without a fleet file): requests, wall time at 0 and 50 ms per request, peak
 *      memory of the action's process;
 *   2. a fleet rotation of 50 apps (one target each) with GitHub's secondary rate limit on: wall time against the
 *      pace GitHub asks for;
 *   3. report-scope all over 10,000 apps: requests and peak memory;
 *   4. the steady 200-app fleet with Graph's cap on reads of keyCredentials switched on (150 a minute per tenant):
 *      requests, reads that count against the cap, 429s and wall time.
 *
 *   npm run bench:fleet               # every figure
 *   npm run bench:fleet -- quick      # 20 single-app runs scaled to 200, and 2,000 apps for the report
 *   npm run bench:fleet -- capped     # only the fourth; BENCH_DIST=<an earlier dist/index.js> runs that bundle instead
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, GITHUB_PAT, runAction, runFleetAction, type ActionRun } from '../test/harness.ts';

const QUICK = process.argv.includes('quick');
const DAY = 86_400_000;
const iso = (ms: number): string => new Date(Date.now() + ms).toISOString();
const MANAGED = 'rotated-by-github-actions';
const ORG = 'octo-org';
/** Starts the bundle and records the process's peak resident memory (maxRSS, kB) in MAXRSS_FILE at exit. */
const MEASURED_ENTRY = resolve('scripts/maxrss.mjs');

async function withEmulator<T>(fn: (emu: Emulator) => Promise<T>): Promise<T> {
  const emu = await startEmulator();
  try {
    emu.addRotator({ clientId: '0f0e0d0c-0b0a-4909-8807-060504030201', secret: 'Rot8Q~rotator.secret_value-0123456789abcd' });
    emu.github.addOrg(ORG);
    emu.github.addToken(GITHUB_PAT, 'pat', { secrets: 'write', environments: 'write', orgSecrets: 'write', dependabotSecrets: 'write' });
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

function requests(emu: Emulator): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of emu.log) if (e.batch === undefined) out[e.service] = (out[e.service] ?? 0) + 1;
  return out;
}
const total = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
const fmt = (r: Record<string, number>): string => Object.entries(r).map(([k, n]) => `${k} ${n}`).join(', ');

/** Runs the action and reads its peak memory. */
async function measured(run: (extraEnv: Record<string, string>) => Promise<ActionRun>): Promise<{ run: ActionRun; ms: number; maxRssMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
  const file = join(dir, 'maxrss');
  const start = performance.now();
  const result = await run({ MAXRSS_FILE: file });
  const ms = performance.now() - start;
  const kb = Number(readFileSync(file, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  if (result.code !== 0) throw new Error(`the run failed: ${result.error}`);
  return { run: result, ms, maxRssMb: kb / 1024 };
}

/** 200 apps, app i writing its secret, client ID and azure/login JSON to repository i mod 20: all in steady state. */
function steadyFleet(emu: Emulator, apps: number, repos: number): string {
  const lines = ['apps:'];
  for (let r = 0; r < repos; r += 1) emu.github.addRepo(`${ORG}/repo-${r}`);
  for (let i = 0; i < apps; i += 1) {
    const start = -10 * DAY;
    const app = emu.seedApp({ displayName: `app-${i}`, passwords: [{ displayName: MANAGED, startDateTime: iso(start), endDateTime: iso(170 * DAY) }] });
    const value = app.passwordCredentials[0]?.secretText ?? '';
    const repo = `${ORG}/repo-${i % repos}`;
    const written = iso(start + 5_000);
    emu.github.putPlain({ repo }, `APP_${i}_SECRET`, value, written);
    emu.github.putPlain({ repo }, `APP_${i}_CLIENT_ID`, app.appId, written);
    emu.github.putPlain({ repo }, `APP_${i}_CREDENTIALS`, JSON.stringify({ clientId: app.appId, clientSecret: value, tenantId: emu.tenantId }), written);
    lines.push(
      `  - app-name: app-${i}`,
      '    targets:',
      `      - repository: ${repo}`,
      `        secret-name: APP_${i}_SECRET`,
      `        client-id-secret-name: APP_${i}_CLIENT_ID`,
      `        credentials-secret-name: APP_${i}_CREDENTIALS`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function steady(latency: number): Promise<void> {
  const APPS = 200;
  const singles = QUICK || latency > 0 ? 20 : APPS;
  await withEmulator(async (emu) => {
    const file = steadyFleet(emu, APPS, 20);
    emu.setLatency(latency);
    emu.resetCounters();
    const fleet = await measured((env) => runFleetAction(emu, file, baseInputs(emu), env, MEASURED_ENTRY));
    if (fleet.run.outputs['rotated-count'] !== '0') throw new Error('the steady fleet rotated');
    const fleetRequests = requests(emu);

    emu.resetCounters();
    let singleMs = 0;
    let peak = 0;
    for (let i = 0; i < singles; i += 1) {
      const one = await measured((env) =>
        runAction(
          emu,
          {
            ...baseInputs(emu),
            'app-name': `app-${i}`,
            repository: `${ORG}/repo-${i % 20}`,
            'secret-name': `APP_${i}_SECRET`,
            'client-id-secret-name': `APP_${i}_CLIENT_ID`,
            'credentials-secret-name': `APP_${i}_CREDENTIALS`,
          },
          env,
          MEASURED_ENTRY,
        ),
      );
      singleMs += one.ms;
      peak = Math.max(peak, one.maxRssMb);
    }
    const scale = APPS / singles;
    const singleRequests = Object.fromEntries(Object.entries(requests(emu)).map(([k, n]) => [k, Math.round(n * scale)]));
    const scaled = singles === APPS ? '' : ` (${singles} runs measured, × ${scale})`;
    console.log(`\n## Steady fleet: ${APPS} apps × 3 targets over 20 repositories, ${latency} ms per request`);
    console.log(`| | one fleet run | ${APPS} single-app runs${scaled} |\n|---|---|---|`);
    console.log(`| requests | ${total(fleetRequests)} (${fmt(fleetRequests)}) | ${total(singleRequests)} (${fmt(singleRequests)}) |`);
    console.log(`| wall time | ${(fleet.ms / 1000).toFixed(1)} s | ${((singleMs * scale) / 1000).toFixed(1)} s |`);
    console.log(`| peak memory of the action | ${fleet.maxRssMb.toFixed(0)} MB | ${peak.toFixed(0)} MB per run |`);
  });
}

/** 50 apps due, one repository secret each, with a secondary limit of 20 writes per 5 s window. */
async function limited(): Promise<void> {
  const APPS = 50;
  const MAX = 20;
  const WINDOW_MS = 5_000;
  await withEmulator(async (emu) => {
    emu.github.addRepo(`${ORG}/billing`);
    const lines = ['apps:'];
    for (let i = 0; i < APPS; i += 1) {
      emu.seedApp({ displayName: `due-${i}`, passwords: [{ displayName: MANAGED, startDateTime: iso(-170 * DAY), endDateTime: iso(10 * DAY) }] });
      lines.push(`  - app-name: due-${i}`, '    targets:', `      - repository: ${ORG}/billing`, `        secret-name: DUE_${i}_SECRET`);
    }
    emu.github.secondaryLimit({ max: MAX, windowMs: WINDOW_MS, status: 403, signal: 'retry-after', retryAfterS: 2 });
    emu.resetCounters();
    const run = await measured((env) => runFleetAction(emu, `${lines.join('\n')}\n`, { ...baseInputs(emu), 'max-rotations': String(APPS) }, env, MEASURED_ENTRY));
    const writes = emu.log.filter((e) => e.service === 'github' && e.method === 'PUT' && e.status !== 403 && e.status !== 429).length;
    const refused = emu.log.filter((e) => e.service === 'github' && (e.status === 403 || e.status === 429)).length;
    const waits = run.run.stdout.split('\n').filter((l) => l.includes('GitHub asked to wait')).length;
    const pace = Math.ceil(writes / MAX - 1) * WINDOW_MS;
    console.log(`\n## Fleet rotation of ${APPS} apps with a secondary limit of ${MAX} writes per ${WINDOW_MS / 1000} s`);
    console.log(`| rotated | writes | refused by the limit | waits logged | wall time | the pace GitHub asks for (writes ÷ ${MAX} windows) |\n|---|---|---|---|---|---|`);
    console.log(`| ${run.run.outputs['rotated-count']} | ${writes} | ${refused} | ${waits} | ${(run.ms / 1000).toFixed(1)} s | ≥ ${(pace / 1000).toFixed(0)} s |`);
  });
}

async function reportAll(): Promise<void> {
  const APPS = QUICK ? 2_000 : 10_000;
  await withEmulator(async (emu) => {
    emu.github.addRepo(`${ORG}/billing`);
    for (let i = 0; i < APPS; i += 1) {
      emu.seedApp({ displayName: `tenant-app-${i}`, ownedBy: [], passwords: [{ displayName: 'by hand', startDateTime: iso(-300 * DAY), endDateTime: iso((i % 400) * DAY) }] });
    }
    const file = `apps:\n  - app-name: billing-api\n    targets:\n      - repository: ${ORG}/billing\n        secret-name: BILLING_SECRET\n`;
    await runFleetAction(emu, file, baseInputs(emu));
    emu.resetCounters();
    const run = await measured((env) => runFleetAction(emu, file, { ...baseInputs(emu), 'report-scope': 'all' }, env, MEASURED_ENTRY));
    const r = requests(emu);
    console.log(`\n## report-scope all over ${APPS.toLocaleString('en')} apps (one app managed, steady)`);
    console.log(`| requests | credentials reported | flagged | wall time | peak memory |\n|---|---|---|---|---|`);
    console.log(`| ${total(r)} (${fmt(r)}) | ${run.run.report?.credentials.length} | ${run.run.outputs['expiring-count']} | ${(run.ms / 1000).toFixed(1)} s | ${run.maxRssMb.toFixed(0)} MB |`);
  });
}

/**
 * The steady fleet of `steady()`, with Graph's cap on reads that select keyCredentials (150 a minute per tenant,
 * every batch item counting) switched on. `oidc-audience` is given so that a bundle from before it could be empty
 * (BENCH_DIST) reads the same inputs.
 */
async function capped(): Promise<void> {
  const APPS = 200;
  const CAP = 150;
  await withEmulator(async (emu) => {
    const file = steadyFleet(emu, APPS, 20);
    emu.policy.keyCredentialsPerMinute = CAP;
    emu.resetCounters();
    const env = process.env['BENCH_DIST'] === undefined ? {} : { BENCH_DIST: resolve(process.env['BENCH_DIST']) };
    const start = performance.now();
    const run = await runFleetAction(emu, file, { ...baseInputs(emu), 'oidc-audience': 'api://AzureADTokenExchange' }, env, MEASURED_ENTRY);
    const ms = performance.now() - start;
    const r = requests(emu);
    const graph = emu.log.filter((e) => e.service === 'graph' && e.path !== '/v1.0/$batch');
    const counted = graph.filter((e) => e.method === 'GET' && /[?&]\$select=[^&]*keyCredentials/i.test(decodeURIComponent(e.path)) && e.status !== 429).length;
    const throttled = graph.filter((e) => e.status === 429).length;
    const bundle = env.BENCH_DIST ?? resolve('dist/index.js');
    console.log(`\n## Steady fleet of ${APPS} apps with Graph's cap of ${CAP} keyCredentials reads a minute (${bundle})`);
    console.log(`| exit code | apps failed | requests | reads counted against the cap | answered 429 | wall time |\n|---|---|---|---|---|---|`);
    console.log(`| ${run.code} | ${run.outputs['failed-count'] ?? '?'} | ${total(r)} (${fmt(r)}) | ${counted} | ${throttled} | ${(ms / 1000).toFixed(1)} s |`);
  });
}

console.log(`Fleet benchmark (Node ${process.version}${QUICK ? ', quick' : ''}); requests count each $batch once, not its items.`);
if (process.argv.includes('capped')) {
  await capped();
} else {
  await steady(0);
  await steady(50);
  await limited();
  await reportAll();
  await capped();
}
