/** What a run did for one app: read by the reports and the outputs. */
import type { CredentialKind } from './credential-kind';
import type { AppRegistration, CredentialInfo, Target } from './model';
import type { Plan } from './plan';

export interface Outcome {
  /** The kind of credential the app rotates: what the reports call it. */
  kind: CredentialKind;
  plan: Plan | undefined;
  app: AppRegistration | undefined;
  appCreated: boolean;
  /** An existing app was brought to what the workflow declares. */
  reconciled: boolean;
  rotated: boolean;
  /** Due, but left for a later run by the run's budget (max-rotations or max-writes). */
  deferred: boolean;
  /** Which limit deferred it. */
  deferredBy: 'max-rotations' | 'max-writes' | undefined;
  newCredential: CredentialInfo | undefined;
  /** The newest managed credential after the run (the new one when rotated). */
  currentCredential: CredentialInfo | undefined;
  written: Target[];
  failed: Array<{ target: Target; error: Error }>;
  /** Writes whose answer never came (or came as a server error): the target may or may not hold the value. */
  unconfirmed: Array<{ target: Target; error: Error }>;
  removed: CredentialInfo[];
  /** Set when the step must fail; the outcome still says what was done. */
  error: Error | undefined;
  dryRun: boolean;
}

export function newOutcome(dryRun: boolean, kind: CredentialKind): Outcome {
  return {
    kind,
    plan: undefined,
    app: undefined,
    appCreated: false,
    reconciled: false,
    rotated: false,
    deferred: false,
    deferredBy: undefined,
    newCredential: undefined,
    currentCredential: undefined,
    written: [],
    failed: [],
    unconfirmed: [],
    removed: [],
    error: undefined,
    dryRun,
  };
}

export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
