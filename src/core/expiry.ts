/**
 * The expiry report: every credential (client secrets and certificates) of the apps in report-scope, with days
 * left, and a warning for each that needs a person: one within report-days (or expired) that this action will not
 * replace by itself.
 */
import type { AppRegistration } from './model';
import { DAY_MS, managedSecrets } from './plan';
import { day } from './text';

export interface CredentialEntry {
  app: { displayName: string; appId: string; objectId: string };
  kind: 'client secret' | 'certificate';
  keyId: string;
  description: string | null;
  start: Date;
  end: Date;
  /** Days from the end of the run to the end date, rounded up (as the portal counts): 0 or less once expired. */
  daysLeft: number;
  /** Made by this action (a client secret with the credential-name of an app the run manages). */
  managed: boolean;
  /** The newest managed secret of its app: the one the targets hold. */
  current: boolean;
  /** Expires within report-days, or has expired. */
  flagged: boolean;
}

/** `credentialName(app)`: the credential-name of the app when this action manages it, else undefined. */
export function expiryEntries(
  apps: readonly AppRegistration[],
  credentialName: (app: AppRegistration) => string | undefined,
  now: Date,
  reportDays: number,
): CredentialEntry[] {
  const entries: CredentialEntry[] = [];
  for (const app of apps) {
    const name = credentialName(app);
    const current = name === undefined ? undefined : managedSecrets(app.passwordCredentials, name)[0];
    const ref = { displayName: app.displayName, appId: app.appId, objectId: app.id };
    const entry = (kind: CredentialEntry['kind'], c: { keyId: string; displayName: string | null; startDateTime: Date; endDateTime: Date }, managed: boolean): CredentialEntry => {
      const daysLeft = Math.ceil((c.endDateTime.getTime() - now.getTime()) / DAY_MS);
      return { app: ref, kind, keyId: c.keyId, description: c.displayName, start: c.startDateTime, end: c.endDateTime, daysLeft, managed, current: c.keyId === current?.keyId, flagged: daysLeft <= reportDays };
    };
    for (const p of app.passwordCredentials) entries.push(entry('client secret', p, name !== undefined && p.displayName === name));
    for (const k of app.keyCredentials ?? []) entries.push(entry('certificate', k, false));
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
