/** Pure decisions: which secrets are ours, whether to rotate, what to write and what to remove. */
import { carriesSecretValue, targetLabel, type PasswordInfo, type StoredSecretInfo, type Target } from './model';

export const DAY_MS = 86_400_000;
/**
 * Secrets that started less than this before the run began may belong to a run going on at the same time
 * (or the clocks of the runner and Entra may differ): they are never removed by this run.
 */
export const CONCURRENT_RUN_MARGIN_MS = 120_000;

export interface RotationSettings {
  credentialName: string;
  lifetimeDays: number;
  rotateBeforeDays: number;
  force: boolean;
  keepPrevious: number;
}

export interface TargetState {
  target: Target;
  /** undefined: the secret does not exist; 'unread': not looked at (dry-run without a token). */
  stored: StoredSecretInfo | undefined | 'unread';
}

export interface RemovalStep {
  secret: PasswordInfo;
  reason: string;
}

export interface WriteStep {
  target: Target;
  reason: string;
}

export interface Plan {
  app:
    | { action: 'create'; displayName: string }
    | { action: 'use'; displayName: string; appId: string; objectId: string };
  servicePrincipal: 'create' | 'ensure' | 'skip';
  rotate: boolean;
  /** Why a rotation is due, or why not. */
  reasons: string[];
  newSecret: { displayName: string; endDateTime: Date } | undefined;
  writes: WriteStep[];
  /** Done only after every target that carries the value holds the new one (when rotating). */
  removals: RemovalStep[];
  /** Every client secret of the app as read at the start, newest first. */
  secrets: Array<PasswordInfo & { managed: boolean }>;
  targets: TargetState[];
  /** The app's declared properties and federated credentials: what changes. */
  reconcile?: {
    changes: Array<{ property: string; before: string; after: string }>;
    federated: { add: Array<{ name: string; subject: string }>; remove: Array<{ name: string; subject: string }>; coveredByOthers: string[] };
  };
}

/** The secrets this action created (and so may rotate or remove), newest first. */
export function managedSecrets(all: readonly PasswordInfo[], credentialName: string): PasswordInfo[] {
  return all.filter((p) => p.displayName === credentialName).sort(byNewestFirst);
}

function byNewestFirst(a: PasswordInfo, b: PasswordInfo): number {
  return b.startDateTime.getTime() - a.startDateTime.getTime() || b.endDateTime.getTime() - a.endDateTime.getTime();
}

/** GitHub keeps updated_at to the second; Entra keeps startDateTime to the sub-second. */
function floorToSecond(d: Date): number {
  return Math.floor(d.getTime() / 1000) * 1000;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Why a rotation is due now; empty when it is not. */
export function rotationReasons(
  managed: readonly PasswordInfo[],
  targets: readonly TargetState[],
  settings: RotationSettings,
  now: Date,
): string[] {
  const reasons: string[] = [];
  const newest = managed[0];
  if (newest === undefined) {
    reasons.push(`the app has no client secret named '${settings.credentialName}' yet`);
  } else {
    const left = newest.endDateTime.getTime() - now.getTime();
    if (left <= 0) reasons.push(`the newest managed secret (${newest.keyId}) expired on ${day(newest.endDateTime)}`);
    else if (left <= settings.rotateBeforeDays * DAY_MS) {
      reasons.push(
        `the newest managed secret (${newest.keyId}) expires on ${day(newest.endDateTime)}, within rotate-before-days (${settings.rotateBeforeDays})`,
      );
    }
  }
  if (settings.force) reasons.push('force-rotation is true');
  if (newest !== undefined) {
    for (const t of targets) {
      if (!carriesSecretValue(t.target.kind) || t.stored === 'unread') continue;
      if (t.stored === undefined) reasons.push(`${targetLabel(t.target)} does not exist, and a secret's value cannot be read back`);
      else if (t.stored.updatedAt.getTime() < floorToSecond(newest.startDateTime)) {
        reasons.push(`${targetLabel(t.target)} was last written before the newest managed secret was created, so it holds an older value`);
      }
    }
  }
  return reasons;
}

/**
 * Managed secrets to remove once the new one is stored everywhere: expired ones, and those beyond the
 * keep-previous newest. Never one that started after the run began (minus a margin for clock skew).
 */
export function secretsToRemove(
  managedBefore: readonly PasswordInfo[],
  settings: Pick<RotationSettings, 'keepPrevious'>,
  now: Date,
  runStart: Date,
  lastStoredAt?: Date,
): RemovalStep[] {
  const removable = managedBefore.filter((p) => p.startDateTime.getTime() < runStart.getTime() - CONCURRENT_RUN_MARGIN_MS);
  const removals: RemovalStep[] = [];
  let kept = 0;
  for (const p of [...removable].sort(byNewestFirst)) {
    if (p.endDateTime.getTime() <= now.getTime()) {
      removals.push({ secret: p, reason: `expired on ${day(p.endDateTime)}` });
    } else if (lastStoredAt !== undefined && floorToSecond(p.startDateTime) > lastStoredAt.getTime()) {
      // Made after every target was last written: a run that failed before storing it. Nothing holds its value.
      removals.push({ secret: p, reason: 'no target holds it (a failed run made it after every target was last written)' });
    } else if (kept < settings.keepPrevious) {
      kept += 1;
    } else {
      removals.push({
        secret: p,
        reason:
          settings.keepPrevious === 0
            ? 'keep-previous is 0'
            : `older than the ${settings.keepPrevious === 1 ? 'previous secret' : `${settings.keepPrevious} previous secrets`} that keep-previous keeps`,
      });
    }
  }
  return removals;
}

/** When a target carrying the value was last written, if every such target was read. */
export function lastStoredAt(targets: readonly TargetState[]): Date | undefined {
  let last: number | undefined;
  for (const t of targets) {
    if (!carriesSecretValue(t.target.kind)) continue;
    if (t.stored === 'unread') return undefined;
    if (t.stored !== undefined) last = Math.max(last ?? 0, t.stored.updatedAt.getTime());
  }
  return last === undefined ? undefined : new Date(last);
}

export interface PlanInput {
  app: { displayName: string; appId: string; objectId: string; passwords: PasswordInfo[] } | { create: string };
  targets: TargetState[];
  settings: RotationSettings;
  servicePrincipal: boolean;
  now: Date;
  runStart: Date;
}

export function makePlan(input: PlanInput): Plan {
  const { settings, now } = input;
  const existing = 'create' in input.app ? undefined : input.app;
  const passwords = existing?.passwords ?? [];
  const managed = managedSecrets(passwords, settings.credentialName);
  const reasons = rotationReasons(managed, input.targets, settings, now);
  const rotate = reasons.length > 0;
  const writes: WriteStep[] = [];
  for (const t of input.targets) {
    if (rotate) writes.push({ target: t.target, reason: carriesSecretValue(t.target.kind) ? 'new client secret' : 'written with the new secret' });
    else if (t.stored === undefined) writes.push({ target: t.target, reason: 'missing' });
  }
  const managedIds = new Set(managed.map((p) => p.keyId));
  return {
    app:
      existing === undefined
        ? { action: 'create', displayName: 'create' in input.app ? input.app.create : '' }
        : { action: 'use', displayName: existing.displayName, appId: existing.appId, objectId: existing.objectId },
    servicePrincipal: !input.servicePrincipal ? 'skip' : existing === undefined ? 'create' : rotate ? 'ensure' : 'skip',
    rotate,
    reasons: rotate ? reasons : [`the newest managed secret (${managed[0]?.keyId}) is valid until ${day(managed[0]?.endDateTime ?? now)}, beyond rotate-before-days (${settings.rotateBeforeDays}), and every target holds it`],
    newSecret: rotate ? { displayName: settings.credentialName, endDateTime: new Date(now.getTime() + settings.lifetimeDays * DAY_MS) } : undefined,
    writes,
    // After a rotation every existing managed secret is a previous one; without one, the newest stays current.
    // Either way leftovers (expired, beyond keep-previous, held by no target) go, so a failed run is cleaned up.
    removals: secretsToRemove(rotate ? managed : managed.slice(1), settings, now, input.runStart, lastStoredAt(input.targets)),
    secrets: [...passwords].sort(byNewestFirst).map((p) => ({ ...p, managed: managedIds.has(p.keyId) })),
    targets: input.targets,
  };
}
