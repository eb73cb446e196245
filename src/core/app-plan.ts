/** One app between reading and changing: what the run knows of it (inventory.ts), and what it will do (rotate.ts). */
import type { ReconcilePlan } from './declare';
import type { AppRegistration, ResourceApi } from './model';
import type { Plan, TargetState } from './plan';
import type { AppSpec } from './spec';

/** What the run knows of one app before it changes anything. */
export interface AppState {
  found: AppRegistration | undefined;
  targets: TargetState[];
  /** The service principals of the declared APIs, by the name each permission line gives. */
  apis: ReadonlyMap<string, ResourceApi[]>;
}

export interface AppPlan {
  spec: AppSpec;
  found: AppRegistration | undefined;
  plan: Plan;
  reconcile: ReconcilePlan;
}
