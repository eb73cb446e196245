/**
 * The job summary and the JSON report of a run. A fleet gets one table (an app per row), the expiry table, and each
 * app's own summary folded in a <details>; a fleet of one keeps the single-app summary, with the expiry table.
 * Never a secret value: only metadata (key IDs, hints, dates, names).
 */
import type { CredentialEntry } from './expiry';
import { fleetCounts, resultWord, writesLine, type FleetOutcome } from './fleet';
import { homeOf } from './home-kind';
import { carriesSecretValue, targetLabel } from './model';
import { summaryMarkdown } from './report';
import { appLabel } from './spec';
import { cell, day, utf8Length } from './text';

/**
 * GitHub refuses a job summary over 1 MiB (in bytes, as uploaded: UTF-8) for a step; the fleet's details go first
 * when it would be too long.
 */
export const SUMMARY_LIMIT = 1_000_000;


export function fleetSummary(result: FleetOutcome, tenantId: string, single: boolean): string {
  const expiry = expiryMarkdown(result.credentials);
  const only = result.apps[0];
  if (single && only !== undefined) return [summaryMarkdown(only.outcome, tenantId), `${writesMarkdown(result)}\n`, expiry].join('\n');
  const head = [fleetTable(result, tenantId), expiry].join('\n');
  const details = result.apps
    // Each app's own summary, less its heading (the fleet's stands above).
    .map((a) => `<details><summary>${escapeHtml(appLabel(a.spec))}: ${resultWord(a.outcome)}</summary>\n\n${summaryMarkdown(a.outcome, tenantId).replace(/^## [^\n]*\n+/, '')}\n</details>\n`)
    .join('\n');
  if (utf8Length(`${head}\n${details}`) <= SUMMARY_LIMIT) return `${head}\n${details}`;
  const note = '\n_The details of each app are left out: the summary would pass GitHub’s 1 MiB limit. The JSON report (output `report-file`) has them all._\n';
  return utf8Length(head + note) <= SUMMARY_LIMIT ? head + note : `${utf8Prefix(head, SUMMARY_LIMIT - utf8Length(note))}${note}`;
}

/** The longest start of a text that takes at most `bytes` bytes in UTF-8, never cutting a character. */
export function utf8Prefix(text: string, bytes: number): string {
  const encoded = new TextEncoder().encode(text);
  if (encoded.length <= bytes) return text;
  let end = Math.max(0, bytes);
  // A UTF-8 continuation byte (10xxxxxx) is inside a character: cut before the byte that starts it.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return new TextDecoder().decode(encoded.subarray(0, end));
}

function fleetTable(result: FleetOutcome, tenantId: string): string {
  const { rotated, rotatedNew, deferred, failed } = fleetCounts(result);
  // The outputs' counts: rotated-count includes the apps created (and given their first secret) in this run.
  const counts = [`${rotated} rotated${rotatedNew > 0 ? ` (${rotatedNew} of them new apps, created in this run)` : ''}`, `${deferred} due, deferred`, `${failed} failed`];
  const kinds = new Set(result.apps.map((a) => a.outcome.kind));
  const [only] = kinds.size === 1 ? kinds : [undefined];
  const out = [`## Entra ${only?.noun ?? 'credential'} rotation: fleet`, ''];
  out.push(`**Tenant** \`${tenantId}\` · **${result.apps.length} apps** in this run${result.otherShards > 0 ? ` (${result.otherShards} in other shards)` : ''} · ${counts.join(' · ')}`);
  out.push('', `**Result:** ${failed > 0 ? `❌ ${failed} of ${result.apps.length} apps failed` : result.dryRun ? '🔎 Dry run: nothing was changed' : '✅ Done'}`, '');
  out.push(writesMarkdown(result), '');
  out.push(`| App | Client ID | Newest managed ${only?.short ?? 'credential'} expires | Action | Targets written | Failures |`, '|---|---|---|---|---|---|');
  for (const { spec, outcome: o } of result.apps) {
    const written = o.written.filter((t) => carriesSecretValue(t.kind) || o.rotated).length;
    const failures = [...o.failed, ...o.unconfirmed].map((f) => targetLabel(f.target));
    if (o.error !== undefined && failures.length === 0) failures.push(o.error.message.split('\n')[0] ?? '');
    out.push(
      `| ${cell(appLabel(spec))} | ${o.app === undefined ? '' : `\`${o.app.appId}\``} | ${o.currentCredential === undefined ? '' : `${day(o.currentCredential.endDateTime)}${only === undefined ? ` (${o.kind.noun})` : ''}`} | ${resultWord(o)} | ${written} of ${spec.targets.length} | ${cell(failures.join('; '))} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** What the run writes to GitHub, against max-writes, and how many apps wait for it. */
function writesMarkdown(result: FleetOutcome): string {
  const waiting = result.apps.filter((a) => a.outcome.deferredBy === 'max-writes').length;
  const line = `**GitHub writes:** ${writesLine(result.githubWrites.planned, result.githubWrites.max, result.dryRun)}`;
  return waiting === 0 ? `${line}.` : `${line}; ${waiting} ${waiting === 1 ? 'app was' : 'apps were'} deferred by max-writes.`;
}

function expiryMarkdown(entries: readonly CredentialEntry[]): string {
  const flagged = entries.filter((e) => e.flagged);
  if (flagged.length === 0) return `**Expiry report:** no credential of ${entries.length === 0 ? 'these apps' : `the ${entries.length} read`} expires within report-days.\n`;
  const out = [`**Expiry report:** ${flagged.length} credential${flagged.length === 1 ? '' : 's'} expire within report-days or have expired`, ''];
  out.push('| App | Client ID | Credential | Key ID | Description | Expires | Days left | Managed |', '|---|---|---|---|---|---|---|---|');
  for (const e of flagged) {
    const managed = e.managed ? (e.current ? 'yes (current)' : 'yes (previous: the action removes it at the next rotation or once expired)') : 'no: rotate it yourself';
    out.push(
      `| ${cell(e.app.displayName)} | \`${e.app.appId}\` | ${e.kind} | \`${e.keyId}\` | ${cell(e.description ?? '')} | ${day(e.end)} | ${e.daysLeft} | ${managed} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The JSON report (output report-file): every app, every credential, what the run did. Never a value. */
export function reportJson(result: FleetOutcome, tenantId: string, generatedAt: Date): string {
  const apps = result.apps.map(({ spec, outcome: o }) => ({
    key: spec.key,
    source: spec.source,
    name: o.app?.displayName ?? spec.app.name ?? null,
    clientId: o.app?.appId ?? null,
    objectId: o.app?.id ?? null,
    action: resultWord(o),
    created: o.appCreated,
    rotated: o.rotated,
    deferred: o.deferred,
    deferredBy: o.deferredBy ?? null,
    githubWrites: o.plan?.githubWrites ?? 0,
    credentialType: o.kind.id,
    newSecretKeyId: o.newCredential?.keyId ?? null,
    currentSecretExpires: o.currentCredential?.endDateTime.toISOString() ?? null,
    removedKeyIds: o.removed.map((p) => p.keyId),
    targets: spec.targets.map((t) => ({
      name: t.name,
      home: homeOf(t).id,
      where: homeOf(t).where(t),
      kind: t.kind,
      result: o.written.includes(t)
        ? 'written'
        : o.unconfirmed.some((f) => f.target === t)
          ? 'unconfirmed'
          : o.failed.some((f) => f.target === t)
            ? 'failed'
            : 'unchanged',
    })),
    error: o.error?.message ?? null,
  }));
  const credentials = result.credentials.map((e) => ({
    app: e.app.displayName,
    clientId: e.app.appId,
    kind: e.kind,
    keyId: e.keyId,
    description: e.description,
    start: e.start.toISOString(),
    end: e.end.toISOString(),
    daysLeft: e.daysLeft,
    managed: e.managed,
    current: e.current,
    flagged: e.flagged,
  }));
  const githubWrites = { planned: result.githubWrites.planned, maxWrites: result.githubWrites.max };
  return `${JSON.stringify({ generatedAt: generatedAt.toISOString(), tenantId, dryRun: result.dryRun, githubWrites, apps, credentials }, null, 2)}\n`;
}
