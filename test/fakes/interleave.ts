/**
 * test/interleave.ts's scheduler over the fakes instead of the emulator's held requests. Each run's critical port
 * calls (addPassword, the write of a value target, removePassword) wait at the World's beforeCall hook; every
 * other call goes through. When both runs are quiet (each has ended, has not started, or has a call waiting and
 * nothing else under way), the schedule picks the run to go next (test/interleave.ts's choose, so its branches
 * and exploreAll enumerate the interleavings) and lets that run's oldest waiting call through, or starts it.
 * No timers: every fake call yields with setImmediate, so "nothing else under way" is exact (calls are counted
 * from the moment the core makes them to the moment they settle).
 */
import { ServiceError } from '../../src/core/errors.ts';
import { carriesSecretValue, scopeLabel, type Target } from '../../src/core/model.ts';
import type { Ports } from '../../src/core/ports.ts';
import { choose, RUN_NAMES, type ChoicePoint, type RunName, type Schedule } from '../interleave.ts';
import type { CallName, Fake } from './index.ts';

interface Waiting {
  run: RunName;
  /** Its step label, e.g. 'A addPassword', 'B write AZURE_CLIENT_SECRET repository octo/app'. */
  step: string;
  go: () => void;
}

/** Rounds of the event loop the runs get to go quiet: far more than any run takes. */
const QUIET_TURNS = 10_000;

const isRun = (run: string): run is RunName => (RUN_NAMES as readonly string[]).includes(run);

export function stepOf(run: string, call: CallName, label: string): string {
  return call === 'write' ? `${run} write ${label}` : `${run} ${call}`;
}

/** The label FakeStore gives a write of `t`. */
export function writeLabel(t: Target): string {
  return `${t.name} ${scopeLabel(t.scope)}`;
}

export class FakeInterleaving {
  readonly #fake: Fake;
  readonly #valueWrites: ReadonlySet<string>;
  readonly #waiting: Waiting[] = [];
  /** Port calls a run has made that have not settled (its waiting ones included). */
  readonly #busy: Record<RunName, number> = { A: 0, B: 0 };
  readonly #exited: Record<RunName, boolean> = { A: false, B: false };
  readonly #unstarted = new Map<RunName, () => void>();
  readonly #runs: Array<Promise<unknown>> = [];
  /** Critical calls let through but refused before any attempt (a write after its notAfter), as step labels. */
  readonly late: string[] = [];

  /** `targets`: every target of the runs; the writes of those that carry the value are critical. */
  constructor(fake: Fake, targets: readonly Target[]) {
    this.#fake = fake;
    this.#valueWrites = new Set(targets.filter((t) => carriesSecretValue(t.kind)).map(writeLabel));
    fake.world.beforeCall = (call, label, run) => this.#gate(call, label, run);
  }

  /** Starts run `run` now (`later`: when the schedule says, as one of its steps) over its counted ports. */
  launch<T>(run: RunName, body: (ports: Ports) => Promise<T>, later = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        const done = body(this.#ports(run)).finally(() => (this.#exited[run] = true));
        this.#runs.push(done.catch(() => undefined));
        done.then(resolve, reject);
      };
      if (later) this.#unstarted.set(run, start);
      else start();
    });
  }

  /**
   * Drives the runs to their end along `prefix` (then 'A' at every further choice point, as test/interleave.ts's
   * schedule). `beforeStep` runs before each step (a start or a call let through), with the step's label.
   */
  async schedule(prefix: readonly RunName[], beforeStep: (step: string) => void = () => undefined): Promise<Schedule> {
    const choices: ChoicePoint[] = [];
    const steps: string[] = [];
    try {
      for (;;) {
        await this.#untilQuiet();
        const options = RUN_NAMES.filter((r) => this.#unstarted.has(r) || this.#waitingOf(r).length > 0);
        if (options.length === 0) return { choices, steps };
        const chosen = choose(options, prefix, choices);
        const start = this.#unstarted.get(chosen);
        if (start !== undefined) {
          const step = `${chosen} starts`;
          beforeStep(step);
          this.#unstarted.delete(chosen);
          steps.push(step);
          start();
          continue;
        }
        const next = this.#waitingOf(chosen)[0] as Waiting;
        beforeStep(next.step);
        this.#waiting.splice(this.#waiting.indexOf(next), 1);
        steps.push(next.step);
        next.go();
      }
    } finally {
      // Nothing stays waiting, and the runs after these two are not gated.
      this.#fake.world.beforeCall = undefined;
      for (const w of this.#waiting.splice(0)) w.go();
      await Promise.all(this.#runs);
    }
  }

  /**
   * Whether the critical calls the fakes served (and the ones refused as late) are the schedule's steps, in its
   * order: what a sweep that let a call through ungated, or lost one, fails on. Empty when they are.
   */
  unscheduled(schedule: Schedule): string[] {
    const served = this.#fake.world.calls.filter((c) => isRun(c.run) && this.#critical(c.call, c.label)).map((c) => stepOf(c.run, c.call, c.label));
    const late = [...this.late];
    const out: string[] = [];
    let i = 0;
    for (const step of schedule.steps.filter((s) => !s.endsWith(' starts'))) {
      if (served[i] === step) i += 1;
      else if (late.includes(step)) late.splice(late.indexOf(step), 1);
      else out.push(`step ${step} was scheduled, but the fakes served ${served[i] ?? 'nothing'} next`);
    }
    for (const s of served.slice(i)) out.push(`the fakes served ${s}, which no step let through`);
    for (const s of late) out.push(`${s} was refused as late, but no step let it through`);
    return out;
  }

  #critical(call: CallName, label: string): boolean {
    const changesCredentials = call === 'addPassword' || call === 'removePassword' || call === 'addCertificate' || call === 'removeCertificate';
    return changesCredentials || (call === 'write' && this.#valueWrites.has(label));
  }

  #gate(call: CallName, label: string, run: string): Promise<void> {
    if (!isRun(run) || !this.#critical(call, label)) return Promise.resolve();
    return new Promise<void>((go) => this.#waiting.push({ run, step: stepOf(run, call, label), go }));
  }

  #waitingOf(run: RunName): Waiting[] {
    return this.#waiting.filter((w) => w.run === run);
  }

  #quiet(): boolean {
    return RUN_NAMES.every((r) => this.#exited[r] || this.#unstarted.has(r) || (this.#waitingOf(r).length > 0 && this.#busy[r] === this.#waitingOf(r).length));
  }

  async #untilQuiet(): Promise<void> {
    for (let turn = 0; turn === 0 || !this.#quiet(); turn += 1) {
      if (turn > QUIET_TURNS) {
        throw new Error(
          `the runs did not go quiet: waiting ${JSON.stringify(this.#waiting.map((w) => w.step))}, busy ${JSON.stringify(this.#busy)}, exited ${JSON.stringify(this.#exited)}`,
        );
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The run's Ports, each call counted while it is under way; a write refused as late is noted. */
  #ports(run: RunName): Ports {
    const ports = this.#fake.ports(run);
    return { ...ports, directory: this.#counted(run, ports.directory), store: this.#counted(run, ports.store), verifier: this.#counted(run, ports.verifier) };
  }

  #counted<T extends object>(run: RunName, target: T): T {
    return new Proxy(target, {
      get: (t, property) => {
        const value: unknown = Reflect.get(t, property, t);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]): unknown => {
          this.#busy[run] += 1;
          const settled = (): void => {
            this.#busy[run] -= 1;
          };
          const result = (value as (...a: unknown[]) => Promise<unknown>).apply(t, args);
          return result.then(
            (v) => {
              settled();
              return v;
            },
            (error: unknown) => {
              settled();
              if (property === 'write' && error instanceof ServiceError && error.details.code === 'ELATE') {
                const label = writeLabel(args[0] as Target);
                if (this.#valueWrites.has(label)) this.late.push(stepOf(run, 'write', label));
              }
              throw error;
            },
          );
        };
      },
    });
  }
}
