/** The plan and the outcome as text for the log and Markdown for the job summary. Never a secret value. */
import type { CredentialKind } from './credential-kind';
import { homeOf } from './home-kind';
import { targetLabel, type CredentialInfo } from './model';
import { minute, type Plan } from './plan';
import type { Outcome } from './outcome';
import { cell } from './text';

const date = minute;

function credentialLine(kind: CredentialKind, p: CredentialInfo & { managed: boolean }): string {
  return `${p.keyId}  ${kind.detailHeading.toLowerCase()} ${kind.detail(p)}  ${date(p.startDateTime)} → ${date(p.endDateTime)}  ${
    p.managed ? 'managed' : `not managed (description '${p.displayName ?? ''}')`
  }`;
}

/** `declared`: whether the step or the fleet file declared any app property (else "as declared" would say nothing true). */
export function formatPlan(plan: Plan, dryRun: boolean, declared = false): string {
  const lines: string[] = [dryRun ? 'Plan (dry-run: nothing will be changed):' : 'Plan:'];
  lines.push(
    plan.app.action === 'create'
      ? `  app: create '${plan.app.displayName}'`
      : `  app: '${plan.app.displayName}' (client ID ${plan.app.appId}, object ID ${plan.app.objectId})`,
  );
  if (plan.servicePrincipal !== 'skip') lines.push(`  service principal: ${plan.servicePrincipal === 'create' ? 'create' : 'make sure it exists'}`);
  const r = plan.reconcile;
  if (r !== undefined) {
    for (const c of r.changes) lines.push(`  ${plan.app.action === 'create' ? 'set' : 'change'} ${c.property}: ${c.before} → ${c.after}`);
    for (const f of r.federated.add) lines.push(`  add federated credential '${f.name}' for ${f.subject}`);
    for (const f of r.federated.remove) lines.push(`  remove federated credential '${f.name}' (${f.subject}): no longer listed`);
    for (const s of r.federated.coveredByOthers) lines.push(`  federated credential for ${s}: one this action did not create exists; left as it is`);
    if (declared && plan.app.action === 'use' && r.changes.length === 0 && r.federated.add.length + r.federated.remove.length === 0) {
      lines.push('  app properties: as declared');
    }
  }
  const { kind } = plan;
  lines.push(plan.credentials.length === 0 ? `  ${kind.noun}s: none` : `  ${kind.noun}s (${plan.credentials.length}):`);
  for (const s of plan.credentials) lines.push(`    ${credentialLine(kind, s)}`);
  lines.push(plan.rotate ? '  rotation: due, because' : '  rotation: not due:');
  for (const r of plan.reasons) lines.push(`    - ${r}`);
  for (const n of plan.notes) lines.push(`  note: ${n}`);
  if (plan.newCredential) lines.push(`  add ${kind.noun} '${plan.newCredential.displayName}' valid until ${date(plan.newCredential.endDateTime)}`);
  for (const w of plan.writes) lines.push(`  write ${targetLabel(w.target)}: ${w.reason}`);
  if (plan.githubWrites > 0) lines.push(`  GitHub writes: ${plan.githubWrites} (counted against max-writes)`);
  for (const t of plan.targets) {
    if (t.stored === 'unread') lines.push(`  not read (no github-token): ${targetLabel(t.target)}`);
  }
  for (const r of plan.removals) lines.push(`  then remove ${kind.noun} ${r.credential.keyId}: ${r.reason}`);
  const reconciling = (r?.changes.length ?? 0) + (r?.federated.add.length ?? 0) + (r?.federated.remove.length ?? 0) > 0;
  if (plan.writes.length === 0 && plan.removals.length === 0 && !plan.rotate && plan.app.action === 'use' && !reconciling) lines.push('  nothing to change');
  return lines.join('\n');
}


export function summaryMarkdown(outcome: Outcome, tenantId: string): string {
  const { plan } = outcome;
  const out: string[] = [`## Entra ${outcome.kind.noun} rotation`, ''];
  const app = outcome.app;
  if (app !== undefined) {
    out.push(
      `**App:** ${cell(app.displayName)} · **client ID** \`${app.appId}\` · **object ID** \`${app.id}\` · **tenant** \`${tenantId}\`${
        outcome.appCreated ? ' · created by this run' : ''
      }`,
    );
  } else if (plan?.app.action === 'create') {
    out.push(`**App:** ${cell(plan.app.displayName)} (${outcome.dryRun ? 'would be created' : 'not created'})`);
  }
  out.push('');
  const status = outcome.error
    ? '❌ Failed'
    : outcome.deferred
      ? outcome.deferredBy === 'max-writes'
        ? `⏸ ${plan?.rotate === false ? 'GitHub writes due' : 'Rotation due'}, deferred by max-writes: the GitHub writes of apps nearer expiry filled this run; a later run makes them`
        : '⏸ Rotation due, deferred: max-rotations apps nearer expiry rotated in this run; a later run rotates it'
      : outcome.dryRun
      ? '🔎 Dry run: nothing was changed'
      : outcome.rotated
        ? '✅ Rotated'
        : '✅ Nothing to rotate';
  out.push(`**Result:** ${status}`, '');
  const r = plan?.reconcile;
  if (r !== undefined && r.changes.length + r.federated.add.length + r.federated.remove.length > 0) {
    const verb = outcome.dryRun ? 'would change' : outcome.error && !outcome.reconciled && !outcome.appCreated ? 'planned' : 'changed';
    out.push(`**App registration (${verb}):**`, '', '| Property | Before | After |', '|---|---|---|');
    for (const c of r.changes) out.push(`| \`${c.property}\` | ${cell(c.before)} | ${cell(c.after)} |`);
    for (const f of r.federated.add) out.push(`| federated credential \`${cell(f.name)}\` | (none) | ${cell(f.subject)} |`);
    for (const f of r.federated.remove) out.push(`| federated credential \`${cell(f.name)}\` | ${cell(f.subject)} | (removed) |`);
    out.push('');
  }
  if (plan) {
    out.push(plan.rotate ? '**Rotation due because:**' : '**Rotation not due:**');
    for (const r of plan.reasons) out.push(`- ${cell(r)}`);
    for (const n of plan.notes) out.push(`- Note: ${cell(n)}`);
    out.push('');
    out.push(...credentialsTable(plan, outcome), ...targetsTable(plan, outcome));
  }
  if (outcome.error) out.push('**Error:**', '', '```text', outcome.error.message, '```', '');
  return out.join('\n');
}

function credentialsTable(plan: Plan, outcome: Outcome): string[] {
  const { kind } = plan;
  const rows = [...plan.credentials];
  if (outcome.newCredential) rows.unshift({ ...outcome.newCredential, managed: true });
  if (rows.length === 0) return [];
  const noun = `${kind.noun.charAt(0).toUpperCase()}${kind.noun.slice(1)}`;
  const out = [`| ${noun} (key ID) | ${kind.detailHeading} | Start | End | Managed | This run |`, '|---|---|---|---|---|---|'];
  for (const s of rows) {
    const change =
      s.keyId === outcome.newCredential?.keyId
        ? 'added'
        : outcome.removed.some((r) => r.keyId === s.keyId)
          ? 'removed'
          : outcome.dryRun && plan.removals.some((r) => r.credential.keyId === s.keyId)
            ? 'would be removed'
            : '';
    out.push(
      `| \`${s.keyId}\` | ${cell(kind.detail(s))} | ${date(s.startDateTime)} | ${date(s.endDateTime)} | ${s.managed ? 'yes' : `no (${cell(s.displayName ?? '')})`} | ${change} |`,
    );
  }
  return [...out, ''];
}

/** One row a target; when every target is the same kind of home, its noun heads the first column, else a column says it. */
function targetsTable(plan: Plan, outcome: Outcome): string[] {
  const homes = new Set(plan.targets.map((t) => homeOf(t.target).noun));
  const [onlyHome] = homes.size === 1 ? homes : [undefined];
  const out = onlyHome === undefined ? ['| Target | Kind | Where | This run |', '|---|---|---|---|'] : [`| ${onlyHome} | Where | This run |`, '|---|---|---|'];
  for (const t of plan.targets) {
    const failed = outcome.failed.find((f) => f.target === t.target);
    const unconfirmed = outcome.unconfirmed.some((f) => f.target === t.target);
    const state = outcome.written.includes(t.target)
      ? 'written'
      : unconfirmed
        ? '**unconfirmed** (no answer came: it may hold the new value or the previous one)'
        : failed
          ? '**failed**'
          : plan.writes.some((w) => w.target === t.target)
            ? outcome.dryRun
              ? 'would be written'
              : 'not written'
            : t.stored === 'unread'
              ? 'not read'
              : 'unchanged';
    const home = homeOf(t.target);
    out.push(`| \`${t.target.name}\` | ${onlyHome === undefined ? `${home.noun} | ` : ''}${cell(home.where(t.target))} | ${state} |`);
  }
  return [...out, ''];
}
