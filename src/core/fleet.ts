/**
 * A run over many apps (the single-app inputs are a fleet of one): read everything once (inventory.ts), plan each
 * app, keep to the max-rotations budget (nearest expiry first), apply one app at a time with the single-app order
 * and safety rules (rotate.ts), then the expiry report. One app's failure is recorded and the others go on.
 */
import { expiryEntries, expiryWarnings, type CredentialEntry, type Managed } from './expiry';
import { certificatesRead, readInventory } from './inventory';
import type { AppRegistration, Scope } from './model';
import { asError, newOutcome, type Outcome } from './outcome';
import type { AppPlan } from './app-plan';
import type { Ports } from './ports';
import { applyApp, applyGraphSide, logPlan, planApp, recordPlan } from './rotate';
import { appLabel, type AppSpec, type FleetSettings } from './spec';
import { fnv1a } from './text';

export interface FleetContext {
  tenantId: string;
  dryRun: boolean;
  /** Whether the targets of a scope can be read this run (a GitHub scope without a token, in a dry run: not). */
  reads: (scope: Scope) => boolean;
  /** A fleet of one (the step's inputs): its log reads as a single app's, without groups or progress lines. */
  single: boolean;
}

export interface AppResult {
  spec: AppSpec;
  outcome: Outcome;
}

export interface FleetOutcome {
  apps: AppResult[];
  /** Apps of the file that belong to other shards. */
  otherShards: number;
  credentials: CredentialEntry[];
  /** The expiry report could not be made (the run's other results stand). */
  reportError: Error | undefined;
  dryRun: boolean;
  /** The GitHub writes the apps that went ahead planned, and max-writes. */
  githubWrites: { planned: number; max: number };
}

/** Does this app belong to shard `index` of `count`? Stable across runs and runners: a hash of the app's key. */
export function inShard(key: string, shard: FleetSettings['shard']): boolean {
  return shard === undefined || (fnv1a(key) % shard.count) + 1 === shard.index;
}

export async function runFleet(specs: readonly AppSpec[], settings: FleetSettings, ctx: FleetContext, ports: Ports): Promise<FleetOutcome> {
  const runStart = ports.now();
  const mine = specs.filter((s) => inShard(s.key, settings.shard));
  const apps: AppResult[] = mine.map((spec) => ({ spec, outcome: newOutcome(ctx.dryRun, spec.rotation.kind) }));
  const plans = await planAll(apps, ctx, ports, runStart);
  const kept = budget(plans, settings);
  logBudget(kept, settings, ctx, ports.log);
  let done = 0;
  for (const r of apps) {
    const plan = plans.get(r);
    await inGroup(ctx, ports, appLabel(r.spec), () => applyOne(r, plan, kept, settings, { ...ctx, runStart }, ports));
    done += 1;
    if (!ctx.single) ports.log.info(`${done} of ${apps.length} apps done: ${appLabel(r.spec)} ${resultWord(r.outcome)}`);
  }
  const report = await expiryReport(specs, apps, settings, ctx, ports);
  return { apps, otherShards: specs.length - mine.length, ...report, dryRun: ctx.dryRun, githubWrites: { planned: kept.writes, max: settings.maxWrites } };
}

/** The inventory, then each app's plan; an app whose state or plan cannot be had gets that as its error. */
async function planAll(apps: readonly AppResult[], ctx: FleetContext, ports: Ports, runStart: Date): Promise<Map<AppResult, AppPlan>> {
  const plans = new Map<AppResult, AppPlan>();
  let states;
  try {
    states = await readInventory(apps.map((a) => a.spec), ports, ctx.reads);
  } catch (error) {
    for (const a of apps) a.outcome.error = asError(error);
    return plans;
  }
  await Promise.all(
    apps.map(async (a) => {
      const state = states.get(a.spec.key);
      try {
        if (state === undefined || state instanceof Error) throw state ?? new Error(`internal: ${a.spec.key} was not read`);
        const p = await planApp(a.spec, state, ports, runStart, ctx.tenantId);
        recordPlan(p, a.outcome);
        plans.set(a, p);
      } catch (error) {
        a.outcome.error = asError(error);
      }
    }),
  );
  return plans;
}

/** What the run's limits leave for this run: which apps wait (and for which limit), which can never fit, and the writes. */
interface Budget {
  waits: Map<AppResult, 'max-rotations' | 'max-writes'>;
  /** Apps whose writes alone are more than max-writes: they can never go ahead. */
  tooMany: Set<AppResult>;
  /** The GitHub writes of the apps that go ahead. */
  writes: number;
}

/**
 * The apps with something to do (a rotation due, or a GitHub write such as a missing companion secret), nearest
 * expiry first (an app without a managed secret, or one to be created, goes first: it has nothing that works yet),
 * go ahead while they fit in max-rotations (rotations) and max-writes (GitHub writes); the others wait. One that
 * does not fit leaves its place to later, smaller apps; it is still nearest expiry next run, so it goes first then.
 */
function budget(plans: ReadonlyMap<AppResult, AppPlan>, settings: FleetSettings): Budget {
  const expiry = (r: AppResult): number => r.outcome.currentCredential?.endDateTime.getTime() ?? Number.NEGATIVE_INFINITY;
  const active = [...plans].filter(([, p]) => p.plan.rotate || p.plan.githubWrites > 0);
  const ordered = active.map(([r, p], i) => ({ r, p: p.plan, i })).sort((a, b) => expiry(a.r) - expiry(b.r) || a.i - b.i);
  const out: Budget = { waits: new Map(), tooMany: new Set(), writes: 0 };
  let rotations = 0;
  for (const { r, p } of ordered) {
    if (p.rotate && rotations >= settings.maxRotations) out.waits.set(r, 'max-rotations');
    else if (p.githubWrites > settings.maxWrites) out.tooMany.add(r);
    else if (out.writes + p.githubWrites > settings.maxWrites) out.waits.set(r, 'max-writes');
    else {
      out.writes += p.githubWrites;
      if (p.rotate) rotations += 1;
    }
  }
  return out;
}

function logBudget(kept: Budget, settings: FleetSettings, ctx: FleetContext, log: Ports['log']): void {
  const byRotations = [...kept.waits.values()].filter((w) => w === 'max-rotations').length;
  const byWrites = kept.waits.size - byRotations;
  if (!ctx.single && byRotations > 0) {
    const due = byRotations + settings.maxRotations;
    log.info(`${due} apps are due and max-rotations is ${settings.maxRotations}: the ${settings.maxRotations} nearest expiry rotate now, ${byRotations} ${byRotations === 1 ? 'waits' : 'wait'} for a later run`);
  }
  if (ctx.single && kept.writes === 0 && byWrites === 0) return;
  const waiting = byWrites === 0 ? '' : `; ${byWrites} ${byWrites === 1 ? 'app waits' : 'apps wait'} for a later run: ${byWrites === 1 ? 'its' : 'their'} writes would pass it`;
  log.info(`${writesLine(kept.writes, settings.maxWrites, ctx.dryRun)}${waiting}`);
}

/** `This run will make 42 GitHub writes (max-writes 200)`: the log's line, and the job summary's. */
export function writesLine(writes: number, max: number, dryRun: boolean): string {
  const count = writes === 0 ? 'no GitHub writes' : `${writes} GitHub ${writes === 1 ? 'write' : 'writes'}`;
  return `This run ${dryRun ? 'would make' : 'will make'} ${count} (max-writes ${max})`;
}

async function applyOne(r: AppResult, plan: AppPlan | undefined, kept: Budget, settings: FleetSettings, ctx: FleetContext & { runStart: Date }, ports: Ports): Promise<void> {
  if (plan === undefined) {
    // A single app's failure is the step's error; a fleet's says which app it belongs to.
    if (!ctx.single) ports.log.warning(`${appLabel(r.spec)} (${r.spec.source}): ${r.outcome.error?.message ?? 'not planned'}`);
    return;
  }
  logPlan(plan, ctx.dryRun, ports.log);
  if (kept.tooMany.has(r)) {
    r.outcome.error = tooManyWrites(plan, settings.maxWrites);
    if (!ctx.single) ports.log.warning(`${appLabel(r.spec)} failed: ${r.outcome.error.message}`);
    return;
  }
  const by = kept.waits.get(r);
  if (by !== undefined) {
    r.outcome.deferred = true;
    r.outcome.deferredBy = by;
    ports.log.warning(deferredLine(r, plan, by, settings));
    await applyGraphSide(plan, ctx, ports, r.outcome);
    if (r.outcome.error !== undefined && !ctx.single) ports.log.warning(`${appLabel(r.spec)} failed: ${r.outcome.error.message}`);
    return;
  }
  await applyApp(plan, ctx, ports, r.outcome);
  if (r.outcome.error !== undefined && !ctx.single) ports.log.warning(`${appLabel(r.spec)} failed: ${r.outcome.error.message}`);
}

function deferredLine(r: AppResult, plan: AppPlan, by: 'max-rotations' | 'max-writes', settings: FleetSettings): string {
  const current = r.outcome.currentCredential;
  const until = current === undefined ? '' : `; its newest managed ${r.spec.rotation.kind.short} is valid until ${current.endDateTime.toISOString().slice(0, 10)}`;
  if (by === 'max-rotations') return `${appLabel(r.spec)}: rotation due, deferred: max-rotations (${settings.maxRotations}) apps nearer expiry rotate in this run${until}`;
  const what = plan.plan.rotate ? 'rotation due' : `${plan.plan.githubWrites} GitHub ${plan.plan.githubWrites === 1 ? 'write' : 'writes'} due`;
  const writes = `${plan.plan.githubWrites} GitHub ${plan.plan.githubWrites === 1 ? 'write does' : 'writes do'}`;
  return `${appLabel(r.spec)}: ${what}, deferred by max-writes (${settings.maxWrites}): its ${writes} not fit beside those of apps nearer expiry in this run; a later run makes them${until}`;
}

function tooManyWrites(plan: AppPlan, max: number): Error {
  const n = plan.plan.githubWrites;
  return new Error(
    `The app needs ${n} GitHub writes in one run (one per target secret) and max-writes is ${max}, so it can never go ahead: raise max-writes to at least ${n} (GitHub.com allows about 500 content-creating requests an hour), or give the app fewer targets (one organisation secret shared with selected repositories is one write for all of them)`,
  );
}

function inGroup(ctx: FleetContext, ports: Ports, title: string, fn: () => Promise<void>): Promise<void> {
  return ctx.single ? fn() : ports.log.group(title, fn);
}

/** The run's counts: the outputs rotated-count, deferred-count and failed-count, and the summary's headline. */
export interface FleetCounts {
  /** Apps whose credential this run rotated and stored (created apps among them). */
  rotated: number;
  /** Of those rotated, the apps this run created (their first secret). */
  rotatedNew: number;
  /** Apps of this run (this shard) left for a later run by max-rotations or max-writes. */
  deferred: number;
  failed: number;
}

export function fleetCounts(result: Pick<FleetOutcome, 'apps'>): FleetCounts {
  const count = (f: (o: Outcome) => boolean): number => result.apps.filter((a) => f(a.outcome)).length;
  return { rotated: count((o) => o.rotated), rotatedNew: count((o) => o.rotated && o.appCreated), deferred: count((o) => o.deferred), failed: count((o) => o.error !== undefined) };
}

export function resultWord(o: Outcome): string {
  if (o.error !== undefined) return 'failed';
  if (o.deferred) return 'due, deferred';
  if (o.dryRun) return o.plan?.rotate === true ? 'would rotate' : 'planned';
  if (o.appCreated) return 'created';
  if (o.rotated) return 'rotated';
  if (o.written.length + o.removed.length > 0 || o.reconciled) return 'updated';
  return 'unchanged';
}

/** The apps' credentials after the run (report-scope managed), or every app of the tenant (all), and their warnings. */
async function expiryReport(
  specs: readonly AppSpec[],
  apps: readonly AppResult[],
  settings: FleetSettings,
  ctx: FleetContext,
  ports: Ports,
): Promise<{ credentials: CredentialEntry[]; reportError: Error | undefined }> {
  try {
    // Lookups leave certificates unread (Graph caps reads that select them): the report reads them once, for all apps.
    const tenantApps = settings.reportScope === 'all' ? await ports.directory.allApps() : await certificatesRead(apps.flatMap((a) => appAfter(a.outcome) ?? []), ports);
    const credentials = expiryEntries(tenantApps, managedBy(specs, apps), ports.now(), settings.reportDays);
    for (const w of expiryWarnings(credentials)) ports.log.warning(w);
    return { credentials, reportError: undefined };
  } catch (error) {
    const e = asError(error);
    ports.log.warning(`The expiry report could not be made: ${e.message}`);
    return { credentials: [], reportError: e };
  }
}

/** The app's credentials of the kind it rotates as the run left them: as read, less those removed, with the new one. */
function appAfter(o: Outcome): AppRegistration | undefined {
  if (o.app === undefined) return undefined;
  const removed = new Set(o.removed.map((p) => p.keyId));
  const kept = (o.kind.of(o.app) ?? []).filter((p) => !removed.has(p.keyId) && p.keyId !== o.newCredential?.keyId);
  return o.kind.withCredentials(o.app, o.newCredential === undefined ? kept : [o.newCredential, ...kept]);
}

/** What this file manages of an app (in any shard): matched by client ID, else by display name. */
function managedBy(specs: readonly AppSpec[], apps: readonly AppResult[]): (app: AppRegistration) => Managed | undefined {
  const byAppId = new Map<string, Managed>();
  const byName = new Map<string, Managed>();
  const managed = (s: AppSpec): Managed => ({ kind: s.rotation.kind, credentialName: s.rotation.credentialName });
  for (const s of specs) {
    if (s.app.appId !== undefined) byAppId.set(s.app.appId.toLowerCase(), managed(s));
    else if (s.app.name !== undefined) byName.set(s.app.name, managed(s));
  }
  for (const a of apps) if (a.outcome.app !== undefined) byAppId.set(a.outcome.app.appId.toLowerCase(), managed(a.spec));
  return (app) => byAppId.get(app.appId.toLowerCase()) ?? byName.get(app.displayName);
}
