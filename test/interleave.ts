/**
 * Stateless model checking of two action runs at once. Each run's critical requests (adding a client secret,
 * writing a GitHub secret, removing a client secret) are parked by the emulator; everything else flows. When both
 * runs have gone quiet (each has a parked request and nothing else under way, or has exited), the scheduler picks
 * the run whose oldest parked request goes next, and waits for its answer. A choice point is a moment when both
 * runs have a parked request. A run may also start later than the other: its start is then a step too (its reads
 * happen between the other run's steps). An execution replays a prefix of choices from a fresh start, takes the first run
 * after it, and records its choice points; the explorer branches on every alternative not yet taken (DFS), so every
 * interleaving of the two runs' critical requests is executed exactly once. Two runs that differ only in their
 * credentials are symmetric: fixing the first choice to A executes one of each mirror-image pair.
 */
import type { Emulator, RequestLogEntry } from './emulator/index.ts';

export type RunName = 'A' | 'B';
export const RUN_NAMES: readonly RunName[] = ['A', 'B'];

export interface ChoicePoint {
  options: RunName[];
  chosen: RunName;
}

export interface Schedule {
  choices: ChoicePoint[];
  /** The released critical requests in order, e.g. 'A addPassword', 'B PUT AZURE_CLIENT_SECRET'. */
  steps: string[];
}

/** Which run sent a request, from its principal (rotator client id or GitHub token label). */
export type RunOf = (entry: RequestLogEntry) => RunName | undefined;

const QUIET_TIMEOUT_MS = 20_000;

/**
 * Adding or removing a client secret, writing a GitHub or Key Vault secret; for certificates, a PATCH of an app (the action
 * PATCHes keyCredentials only when adding, putting back or removing a certificate, and its app properties only
 * before any credential step) and removeKey.
 */
export function isCritical(e: Pick<RequestLogEntry, 'service' | 'method' | 'path'>): boolean {
  if (e.service === 'github' || e.service === 'keyvault') return e.method === 'PUT';
  if (e.service !== 'graph') return false;
  if (e.method === 'PATCH') return /^\/v1\.0\/applications\/[^/?]+$/.test(e.path);
  return e.method === 'POST' && /\/(addPassword|removePassword|removeKey)$/.test(e.path);
}

export function stepLabel(run: RunName, e: RequestLogEntry): string {
  const what = e.service === 'github' || e.service === 'keyvault' ? `PUT ${(e.path.split('?')[0] ?? '').split('/').pop() ?? ''}` : e.method === 'PATCH' ? 'PATCH keyCredentials' : (e.path.split('/').pop() ?? '');
  return `${run} ${what}`;
}

function parkedOf(emu: Emulator, runOf: RunOf, run: RunName): number[] {
  return emu
    .parked()
    .filter((p) => runOf(p.entry) === run)
    .map((p) => p.id);
}

/** The runs' processes, as the scheduler sees them. */
export interface Runs {
  /** Set by the caller when a run's process ends. */
  exited: Record<RunName, boolean>;
  /** Runs not started yet, with what starts them: starting one is then a step of the schedule. */
  unstarted: Map<RunName, () => void>;
}

/**
 * Quiet: exited, not started, or a parked request and nothing else of the run under way. A request of no known run
 * blocks all.
 */
function allQuiet(emu: Emulator, runOf: RunOf, runs: Runs): boolean {
  const busy = emu.inFlight().map((e) => (e.principal === undefined ? undefined : runOf(e)));
  if (busy.includes(undefined)) return false;
  return RUN_NAMES.every((r) => runs.exited[r] || runs.unstarted.has(r) || (parkedOf(emu, runOf, r).length > 0 && !busy.includes(r)));
}

async function untilQuiet(emu: Emulator, runOf: RunOf, runs: Runs): Promise<void> {
  const t0 = Date.now();
  while (!allQuiet(emu, runOf, runs)) {
    if (Date.now() - t0 > QUIET_TIMEOUT_MS) {
      throw new Error(`the runs did not go quiet: parked ${JSON.stringify(emu.parked().map((p) => p.entry.path))}, in flight ${JSON.stringify(emu.inFlight().map((e) => e.path))}, exited ${JSON.stringify(runs.exited)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The run to go next: the only one that can, or the prefix's choice, or 'A'; records a choice point. */
export function choose(options: RunName[], prefix: readonly RunName[], choices: ChoicePoint[]): RunName {
  let chosen = options[0] as RunName;
  if (options.length > 1) {
    const wanted = prefix[choices.length];
    if (wanted !== undefined) {
      if (!options.includes(wanted)) throw new Error(`replay diverged at choice ${choices.length}: ${wanted} is not among ${options.join(', ')}`);
      chosen = wanted;
    }
    choices.push({ options, chosen });
  }
  return chosen;
}

/**
 * Drives two runs to their end, following `prefix` at the first choice points and choosing 'A' after it. A step
 * starts an unstarted run, or releases the oldest parked request of a run and waits for its answer. Throws when
 * the replay diverges from the prefix.
 */
export async function schedule(emu: Emulator, runOf: RunOf, runs: Runs, prefix: readonly RunName[]): Promise<Schedule> {
  const choices: ChoicePoint[] = [];
  const steps: string[] = [];
  for (;;) {
    await untilQuiet(emu, runOf, runs);
    const options = RUN_NAMES.filter((r) => runs.unstarted.has(r) || parkedOf(emu, runOf, r).length > 0);
    if (options.length === 0) return { choices, steps };
    const chosen = choose(options, prefix, choices);
    const start = runs.unstarted.get(chosen);
    if (start !== undefined) {
      runs.unstarted.delete(chosen);
      steps.push(`${chosen} starts`);
      start();
      continue;
    }
    const id = parkedOf(emu, runOf, chosen)[0] as number;
    const entry = emu.parked().find((p) => p.id === id)?.entry as RequestLogEntry;
    steps.push(stepLabel(chosen, entry));
    await emu.release(id);
  }
}

/**
 * Prefixes still to run after an execution that followed `prefix`: each untaken alternative at a new choice point.
 * `symmetric`: the runs differ only in name, so the first choice stays 'A' (the other is its mirror image).
 */
export function branches(prefix: readonly RunName[], choices: readonly ChoicePoint[], symmetric = false): RunName[][] {
  const out: RunName[][] = [];
  for (let i = Math.max(prefix.length, symmetric ? 1 : 0); i < choices.length; i += 1) {
    const point = choices[i] as ChoicePoint;
    for (const alternative of point.options) {
      if (alternative !== point.chosen) out.push([...choices.slice(0, i).map((c) => c.chosen), alternative]);
    }
  }
  return out;
}

export interface Exploration {
  /** Executions at once (each with its own emulator and processes). */
  workers: number;
  /** Skip the mirror image of each interleaving (see branches). */
  symmetric: boolean;
}

/**
 * Runs `execute` once for every interleaving of every root (a start configuration), depth first. Returns how many
 * interleavings each root had.
 */
export async function exploreAll<R>(roots: readonly R[], execute: (root: R, prefix: RunName[]) => Promise<Schedule>, how: Exploration): Promise<Map<R, number>> {
  const counts = new Map<R, number>(roots.map((r) => [r, 0]));
  const todo = roots.map((root) => ({ root, prefix: [] as RunName[] })).reverse();
  let busy = 0;
  let failed = false;
  const waiting: Array<() => void> = [];
  const worker = async (): Promise<void> => {
    while (!failed) {
      const task = todo.pop();
      if (task === undefined) {
        if (busy === 0) return;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      busy += 1;
      try {
        const { choices } = await execute(task.root, task.prefix);
        counts.set(task.root, (counts.get(task.root) ?? 0) + 1);
        todo.push(...branches(task.prefix, choices, how.symmetric).reverse().map((prefix) => ({ root: task.root, prefix })));
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        busy -= 1;
        for (const wake of waiting.splice(0)) wake();
      }
    }
  };
  await Promise.all(Array.from({ length: how.workers }, worker));
  return counts;
}

/** n choose k: the interleavings of two sequences of k and n - k steps. */
export function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i += 1) r = (r * (n - k + i)) / i;
  return Math.round(r);
}
