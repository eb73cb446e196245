/**
 * The expiry report: every credential (client secrets and certificates) of the apps in report-scope, with days
 * left, and a warning for each that needs a person: one within report-days (or expired) that this action will not
 * replace by itself.
 */
import { REPORTED_CREDENTIALS, type CredentialKind } from './credential-kind';
import type { AppRegistration, CredentialInfo } from './model';
import { DAY_MS, managedSecrets } from './plan';
import { day } from './text';

export interface CredentialEntry {
  app: { displayName: string; appId: string; objectId: string };
  /** What a person calls it: the noun of its kind (`client secret`, `certificate`). */
  kind: string;
  keyId: string;
  description: string | null;
  start: Date;
  end: Date;
  /** Days from the end of the run to the end date, rounded up (as the portal counts): 0 or less once expired. */
  daysLeft: number;
  /** Made by this action (of the kind an app the run manages rotates, with its credential-name). */
  managed: boolean;
  /** The newest managed secret of its app: the one the targets hold. */
  current: boolean;
  /** Expires within report-days, or has expired. */
  flagged: boolean;
}

/** What this action manages of an app: the kind it rotates and its credential-name. */
export interface Managed {
  kind: CredentialKind;
  credentialName: string;
}

/** `managedOf(app)`: what this action manages of the app, or undefined when it manages nothing of it. */
export function expiryEntries(
  apps: readonly AppRegistration[],
  managedOf: (app: AppRegistration) => Managed | undefined,
  now: Date,
  reportDays: number,
): CredentialEntry[] {
  const entries: CredentialEntry[] = [];
  for (const app of apps) {
    const managed = managedOf(app);
    const current = managed === undefined ? undefined : managedSecrets(managed.kind.of(app) ?? [], managed.credentialName)[0];
    const ref = { displayName: app.displayName, appId: app.appId, objectId: app.id };
    const entry = (kind: string, c: CredentialInfo, isManaged: boolean): CredentialEntry => {
      const daysLeft = Math.ceil((c.endDateTime.getTime() - now.getTime()) / DAY_MS);
      return { app: ref, kind, keyId: c.keyId, description: c.displayName, start: c.startDateTime, end: c.endDateTime, daysLeft, managed: isManaged, current: c.keyId === current?.keyId, flagged: daysLeft <= reportDays };
    };
    for (const listing of REPORTED_CREDENTIALS) {
      const name = managed !== undefined && managed.kind.id === listing.id ? managed.credentialName : undefined;
      for (const c of listing.of(app) ?? []) entries.push(entry(listing.noun, c, name !== undefined && c.displayName === name));
    }
  }
  return entries.sort((a, b) => a.end.getTime() - b.end.getTime() || a.app.displayName.localeCompare(b.app.displayName));
}

/**
 * A warning for each flagged credential, except a previous managed secret: the action removes those itself (at the
 * next rotation, or once expired).
 */
export function expiryWarnings(entries: readonly CredentialEntry[]): string[] {
  return entries.filter((e) => e.flagged && (!e.managed || e.current)).map(expiryWarning);
}

function expiryWarning(e: CredentialEntry): string {
  const when = e.daysLeft <= 0 ? `expired on ${day(e.end)}` : `expires on ${day(e.end)}, in ${e.daysLeft} day${e.daysLeft === 1 ? '' : 's'}`;
  const whose = e.managed ? 'managed by this action' : 'not managed: rotate it yourself';
  return `App '${e.app.displayName}' (client ID ${e.app.appId}): ${e.kind} ${e.keyId}${e.description === null ? '' : ` ('${e.description}')`} ${when}; ${whose}`;
}
