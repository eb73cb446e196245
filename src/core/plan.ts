/**
 * Pure decisions: which credentials are ours, whether to rotate, what to write and what to remove. The same rules
 * for every credential kind (credential-kind.ts) and every home (home-kind.ts): the words come from the kinds.
 */
import type { CredentialKind } from './credential-kind';
import { githubWritesOf, homeOf } from './home-kind';
import { carriesSecretValue, targetLabel, type CredentialInfo, type StoredSecretInfo, type Target } from './model';
import { day } from './text';
import { CLOCK_SKEW_MS, floorToSecond, IN_FLIGHT_MS } from './write-window';

export const DAY_MS = 86_400_000;

/**
 * How the action knows which managed secret a GitHub secret holds, without reading it back (it cannot):
 * a run writes its new secret only within WRITE_WINDOW_MS of adding it (write-window.ts owns that promise and
 * the deadline, request timeout and retries it is made of), so a target last written at T can hold only a
 * managed secret that started between T - WRITE_WINDOW_MS and T, give or take CLOCK_SKEW_MS between the clocks
 * of Entra, GitHub and the runner. When two runs overlap, a target may hold either of their secrets: both are
 * then kept, whatever keep-previous says.
 */
export { CLOCK_SKEW_MS, IN_FLIGHT_MS, mayHold, WRITE_DEADLINE_MS, WRITE_WINDOW_MS } from './write-window';

export interface RotationSettings {
  /** What is rotated: a client secret (or, next, a certificate). */
  kind: CredentialKind;
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
  /**
   * Organisation secrets stored and declared with visibility selected: the repositories it is shared with now, as
   * read (names). Absent otherwise.
   */
  selected?: string[];
}

export interface RemovalStep {
  credential: CredentialInfo;
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
  /** The kind of credential rotated (its words, in the plan and the summary). */
  kind: CredentialKind;
  /** Why a rotation is due, or why not. */
  reasons: string[];
  /** What is uncertain but not (yet) a reason to rotate: a target that may hold either of two secrets. */
  notes: string[];
  newCredential: { displayName: string; endDateTime: Date } | undefined;
  writes: WriteStep[];
  /**
   * The GitHub writes (PUT, POST, PATCH, DELETE) applying the plan makes, retries aside: one PUT per write step
   * (an organisation secret's visibility and selected repositories travel in the same PUT). What max-writes counts.
   */
  githubWrites: number;
  /** Done only after every target that carries the value holds the new one (when rotating). */
  removals: RemovalStep[];
  /** Every credential of the kind the app has, as read at the start, newest first. */
  credentials: Array<CredentialInfo & { managed: boolean }>;
  targets: TargetState[];
  /** The app's declared properties and federated credentials: what changes. */
  reconcile?: {
    changes: Array<{ property: string; before: string; after: string }>;
    federated: { add: Array<{ name: string; subject: string }>; remove: Array<{ name: string; subject: string }>; coveredByOthers: string[] };
  };
}

/** The credentials this action created (and so may rotate or remove), newest first. */
export function managedSecrets<C extends CredentialInfo>(all: readonly C[], credentialName: string): C[] {
  return all.filter((p) => p.displayName === credentialName).sort(byNewestFirst);
}

function byNewestFirst(a: CredentialInfo, b: CredentialInfo): number {
  return b.startDateTime.getTime() - a.startDateTime.getTime() || b.endDateTime.getTime() - a.endDateTime.getTime();
}

/** The one timestamp format a person reads (plan, summary, log lines): `2026-12-02 07:47 UTC`. Outputs stay ISO 8601. */
export function minute(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** After this moment no run can still be writing any of these secrets. */
function settledAfter(secrets: readonly CredentialInfo[]): Date {
  return new Date(Math.max(...secrets.map((p) => p.startDateTime.getTime())) + IN_FLIGHT_MS);
}

/** What each value target may hold, as far as its updated_at tells. */
export interface Holding {
  target: Target;
  updatedAt: Date;
  /** Managed secrets it may hold; empty: none of them (an older value, or one this action did not make). */
  candidates: CredentialInfo[];
}

export function holdings(managed: readonly CredentialInfo[], targets: readonly TargetState[]): Holding[] {
  const out: Holding[] = [];
  for (const t of targets) {
    if (!carriesSecretValue(t.target.kind) || t.stored === 'unread' || t.stored === undefined) continue;
    out.push({ target: t.target, updatedAt: t.stored.updatedAt, candidates: homeOf(t.target).mayHold(t.stored, managed) });
  }
  return out;
}

/**
 * How an organisation secret's access differs from the declared one (visibility, or the selected repositories),
 * if it does. Either is fixed by writing the secret again with the declared access in the one PUT: never by a PUT
 * of the selection alone, since GitHub does not say whether that moves the secret's updated_at, from which later
 * runs tell what the secret holds (see mayHold).
 */
export function accessDrift(t: TargetState): string | undefined {
  const declared = t.target.access;
  if (declared === undefined || t.stored === undefined || t.stored === 'unread') return undefined;
  if (t.stored.visibility !== undefined && t.stored.visibility !== declared.visibility) {
    return `${targetLabel(t.target)} has visibility ${t.stored.visibility}, declared ${declared.visibility}: it is written again with the declared visibility`;
  }
  if (t.selected === undefined || declared.visibility !== 'selected') return undefined;
  const want = new Set(declared.repositories.map((r) => r.toLowerCase()));
  const have = new Set(t.selected.map((r) => r.toLowerCase()));
  if (want.size === have.size && [...want].every((r) => have.has(r))) return undefined;
  const shown = (names: readonly string[]): string => (names.length === 0 ? 'none' : [...names].sort().join(', '));
  return `${targetLabel(t.target)} is shared with ${shown(t.selected)}, declared ${shown(declared.repositories)}: it is written again with the declared repositories`;
}

/** Why a target does not surely hold the newest managed secret, if it does not; undefined when it does. */
function targetReason(t: TargetState, managed: readonly CredentialInfo[], kind: CredentialKind, now: Date): { due: boolean; reason: string } | undefined {
  const newest = managed[0];
  if (newest === undefined || !carriesSecretValue(t.target.kind) || t.stored === 'unread') return undefined;
  const home = homeOf(t.target);
  if (t.stored === undefined) {
    if (home.missingNeedsRotation === undefined) return undefined;
    return { due: true, reason: `${targetLabel(t.target)} does not exist, and ${home.missingNeedsRotation}` };
  }
  const drift = accessDrift(t);
  if (drift !== undefined) return { due: true, reason: `${drift}, which takes a value, and a value cannot be read back` };
  const candidates = home.mayHold(t.stored, managed);
  const when = minute(t.stored.updatedAt);
  if (!candidates.includes(newest)) {
    // A home that says what it holds (a vault's tag) may hold a managed one an overlapping run made and wrote after
    // the run that made the newest: while the one it holds is that young, both are kept; once no run can still be
    // writing, a new one settles it. One it holds from before (a run that wrote the others but not it) is stale now.
    const settled = settledAfter([newest]);
    if (home.exact && candidates.length > 0 && now.getTime() <= settledAfter(candidates).getTime()) {
      return {
        due: false,
        reason: `${targetLabel(t.target)} holds ${candidates.map((c) => c.keyId).join(' or ')}, not the newest managed ${kind.short} (${newest.keyId}), which a run made ${minute(newest.startDateTime)} and may still be writing: both are kept, and a run after ${minute(settled)} settles it`,
      };
    }
    return { due: true, reason: `${targetLabel(t.target)} was last written ${when}, ${notNewest(t.stored.updatedAt, managed, candidates, kind)}` };
  }
  if (candidates.length === 1) return undefined;
  const ids = candidates.map((p) => p.keyId).join(' or ');
  const settled = settledAfter(candidates);
  if (now.getTime() > settled.getTime()) {
    return { due: true, reason: `${targetLabel(t.target)} may hold ${ids}: runs that overlapped wrote it ${when}; a new ${kind.short} makes it hold one known ${kind.short}` };
  }
  return {
    due: false,
    reason: `${targetLabel(t.target)} may hold ${ids} (runs that overlapped wrote it ${when}): all of them are kept, and a run after ${minute(settled)} settles it`,
  };
}

/** What a target last written at `updatedAt` holds when that cannot be the newest managed secret: only what is true. */
function notNewest(updatedAt: Date, managed: readonly CredentialInfo[], candidates: readonly CredentialInfo[], kind: CredentialKind): string {
  const newest = managed[0];
  const one = `managed ${kind.short}`;
  if (candidates.length > 0) return `with ${candidates.map((p) => p.keyId).join(' or ')}, not the newest ${one} (${newest?.keyId ?? '?'}): it holds an older value`;
  const lastMade = Math.max(...managed.map((p) => p.startDateTime.getTime()));
  if (updatedAt.getTime() > lastMade) return `after every ${one} was made: it holds a value this action did not write`;
  return `before the newest ${one} (${newest?.keyId ?? '?'}) was made, and not with any ${one} the app has: it holds an older value`;
}

/** Why a rotation is due now (`due`), and what is uncertain but not yet a reason to rotate (`notes`). */
export function rotationCheck(
  managed: readonly CredentialInfo[],
  targets: readonly TargetState[],
  settings: RotationSettings,
  now: Date,
): { due: string[]; notes: string[] } {
  const due: string[] = [];
  const notes: string[] = [];
  const newest = managed[0];
  if (newest === undefined) {
    due.push(`the app has no ${settings.kind.noun} named '${settings.credentialName}' yet`);
  } else {
    const left = newest.endDateTime.getTime() - now.getTime();
    if (left <= 0) due.push(`the newest managed ${settings.kind.short} (${newest.keyId}) expired on ${day(newest.endDateTime)}`);
    else if (left <= settings.rotateBeforeDays * DAY_MS) {
      due.push(`the newest managed ${settings.kind.short} (${newest.keyId}) expires on ${day(newest.endDateTime)}, within rotate-before-days (${settings.rotateBeforeDays})`);
    }
  }
  if (settings.force) due.push('force-rotation is true');
  for (const t of targets) {
    const r = targetReason(t, managed, settings.kind, now);
    if (r !== undefined) (r.due ? due : notes).push(r.reason);
  }
  return { due, notes };
}

export interface RemovalContext {
  /** When the run began: managed secrets younger than IN_FLIGHT_MS then are never removed. */
  runStart: Date;
  now: Date;
  /** What each value target may hold; undefined when some value target was not read (no removal is then sure). */
  holdings: Holding[] | undefined;
  /**
   * True when the removals follow a rotation whose every value target was written and confirmed: the targets
   * then hold the new secret (or a newer one of a run going on now, protected by its age), so what they held
   * before no longer matters.
   */
  afterRotation: boolean;
}

/**
 * Managed secrets to remove: expired ones, those no target holds (made by a failed run after every target was
 * last written), and those beyond the keep-previous newest. Never one a target may hold, and never one a run
 * going on now may still write.
 */
export function secretsToRemove(managedBefore: readonly CredentialInfo[], settings: Pick<RotationSettings, 'keepPrevious' | 'kind'>, ctx: RemovalContext): RemovalStep[] {
  const held = new Set(ctx.afterRotation ? [] : (ctx.holdings ?? []).flatMap((h) => h.candidates.map((p) => p.keyId)));
  const lastWrite = ctx.holdings === undefined ? undefined : lastWritten(ctx.holdings);
  const removals: RemovalStep[] = [];
  let kept = 0;
  for (const p of [...managedBefore].sort(byNewestFirst)) {
    if (p.startDateTime.getTime() >= ctx.runStart.getTime() - IN_FLIGHT_MS || held.has(p.keyId)) continue;
    if (p.endDateTime.getTime() <= ctx.now.getTime()) {
      removals.push({ credential: p, reason: `expired on ${day(p.endDateTime)}` });
    } else if (lastWrite !== undefined && floorToSecond(p.startDateTime) > lastWrite + CLOCK_SKEW_MS) {
      removals.push({ credential: p, reason: 'no target holds it (a failed run made it after every target was last written)' });
    } else if (kept < settings.keepPrevious) {
      kept += 1;
    } else {
      removals.push({
        credential: p,
        reason:
          settings.keepPrevious === 0
            ? 'keep-previous is 0'
            : `older than the ${settings.keepPrevious === 1 ? `previous ${settings.kind.short}` : `${settings.keepPrevious} previous ${settings.kind.short}s`} that keep-previous keeps`,
      });
    }
  }
  return removals;
}

/**
 * The clean-up of an app whose rotation (and GitHub writes) a run's budget defers: its expired managed secrets that
 * no target may hold. Nothing else: what keep-previous would remove waits for the rotation. None when some value
 * target was not read (no removal is then sure).
 */
export function expiredNotHeld(plan: Pick<Plan, 'credentials' | 'targets'>, now: Date): RemovalStep[] {
  if (plan.targets.some((t) => t.stored === 'unread')) return [];
  const managed = plan.credentials.filter((p) => p.managed);
  const held = new Set(holdings(managed, plan.targets).flatMap((h) => h.candidates.map((p) => p.keyId)));
  return managed
    .filter((p) => p.endDateTime.getTime() <= now.getTime() && !held.has(p.keyId))
    .map(({ managed: _, ...credential }) => ({ credential, reason: `expired on ${day(credential.endDateTime)}, and no target holds it` }));
}

/** When a value target was last written, if any exists; only then can a secret be known to be held by none. */
function lastWritten(holdingsRead: readonly Holding[]): number | undefined {
  return holdingsRead.length === 0 ? undefined : Math.max(...holdingsRead.map((h) => h.updatedAt.getTime()));
}

export interface PlanInput {
  /** `credentials`: the app's credentials of the kind rotated (settings.kind). */
  app: { displayName: string; appId: string; objectId: string; credentials: readonly CredentialInfo[] } | { create: string };
  targets: TargetState[];
  settings: RotationSettings;
  servicePrincipal: boolean;
  now: Date;
  runStart: Date;
  /**
   * The tenant ID, for the companions of a home that shows its value (a variable): one that holds another value is
   * written again. Absent: such companions are written only when missing.
   */
  tenantId?: string;
}

export function makePlan(input: PlanInput): Plan {
  const { settings, now } = input;
  const existing = 'create' in input.app ? undefined : input.app;
  const { kind } = settings;
  const credentials = existing?.credentials ?? [];
  const managed = managedSecrets(credentials, settings.credentialName);
  const check = rotationCheck(managed, input.targets, settings, now);
  const rotate = check.due.length > 0;
  const writes: WriteStep[] = [];
  for (const t of input.targets) {
    if (rotate) writes.push({ target: t.target, reason: carriesSecretValue(t.target.kind) ? `new ${kind.noun}` : `written with the new ${kind.short}` });
    else if (t.stored === undefined) writes.push({ target: t.target, reason: 'missing' });
    // A companion's value (client or tenant ID) is known: its access is fixed by writing it again, without a rotation.
    else if (!carriesSecretValue(t.target.kind) && accessDrift(t) !== undefined) writes.push({ target: t.target, reason: accessDrift(t) ?? '' });
    else if (companionDiffers(t, existing?.appId, input.tenantId)) writes.push({ target: t.target, reason: `holds another value than the ${t.target.kind === 'client-id' ? 'client' : 'tenant'} ID` });
  }
  const managedIds = new Set(managed.map((p) => p.keyId));
  const readAll = input.targets.every((t) => t.stored !== 'unread');
  return {
    app:
      existing === undefined
        ? { action: 'create', displayName: 'create' in input.app ? input.app.create : '' }
        : { action: 'use', displayName: existing.displayName, appId: existing.appId, objectId: existing.objectId },
    servicePrincipal: !input.servicePrincipal ? 'skip' : existing === undefined ? 'create' : rotate ? 'ensure' : 'skip',
    rotate,
    kind,
    reasons: rotate ? check.due : [notDueReason(managed, settings, now, readAll ? (check.notes.length > 0 ? 'uncertain' : 'held') : 'unread')],
    notes: [...check.notes, ...inFlightNotes(rotate ? managed : managed.slice(1), input.runStart)],
    newCredential: rotate ? { displayName: settings.credentialName, endDateTime: new Date(now.getTime() + settings.lifetimeDays * DAY_MS) } : undefined,
    writes,
    githubWrites: githubWritesOf(writes.map((w) => w.target)),
    // After a rotation every existing managed secret is a previous one; without one, the newest stays current.
    // Either way leftovers (expired, beyond keep-previous, held by no target) go, so a failed run is cleaned up.
    removals: secretsToRemove(rotate ? managed : managed.slice(1), settings, {
      runStart: input.runStart,
      now,
      holdings: readAll ? holdings(managed, input.targets) : undefined,
      afterRotation: rotate,
    }),
    credentials: [...credentials].sort(byNewestFirst).map((p) => ({ ...p, managed: managedIds.has(p.keyId) })),
    targets: input.targets,
  };
}

/** A companion whose home shows its value (a variable) that holds another value than the app's client or tenant ID. */
function companionDiffers(t: TargetState, appId: string | undefined, tenantId: string | undefined): boolean {
  if (t.stored === undefined || t.stored === 'unread' || t.stored.value === undefined) return false;
  const want = t.target.kind === 'client-id' ? appId : t.target.kind === 'tenant-id' ? tenantId : undefined;
  return want !== undefined && t.stored.value.trim().toLowerCase() !== want.toLowerCase();
}

/** Why a previous managed secret that may look removable stays: it is young enough for a run going on now to be writing it. */
function inFlightNotes(previous: readonly CredentialInfo[], runStart: Date): string[] {
  const minutes = IN_FLIGHT_MS / 60_000;
  return previous
    .filter((p) => p.startDateTime.getTime() >= runStart.getTime() - IN_FLIGHT_MS)
    .map((p) => `kept ${p.keyId}: made less than ${minutes} minutes ago (${minute(p.startDateTime)}), a run going on now may still be writing it`);
}

/** `targets`: every target holds the newest secret, some may hold it or another (the notes say which), or none was read. */
function notDueReason(managed: readonly CredentialInfo[], settings: RotationSettings, now: Date, targets: 'held' | 'uncertain' | 'unread'): string {
  const current = managed[0];
  const valid = `the newest managed ${settings.kind.short} (${current?.keyId}) is valid until ${day(current?.endDateTime ?? now)}, beyond rotate-before-days (${settings.rotateBeforeDays})`;
  if (targets === 'held') return `${valid}, and every target holds it`;
  if (targets === 'uncertain') return `${valid}; some targets may hold it or another managed ${settings.kind.short} (see the notes), so each of them is kept`;
  return `${valid}; whether the targets hold it is not known: they were not read (no github-token)`;
}
