/** The fleet's job summary: its headline counts agree with the outputs, and it stays under GitHub's 1 MiB in bytes. */
import { CLIENT_SECRET } from '../src/core/credential-kind';
import { fleetCounts, type AppResult, type FleetOutcome } from '../src/core/fleet';
import { newOutcome, type Outcome } from '../src/core/outcome';
import type { AppSpec } from '../src/core/spec';
import { fleetSummary, SUMMARY_LIMIT, utf8Prefix } from '../src/core/summary';
import { utf8Length } from '../src/core/text';

function app(name: string, done: Partial<Outcome>): AppResult {
  const spec = { key: `app-name:${name}`, source: 'fleet.yml: apps[0]', app: { name, appId: undefined }, targets: [] } as unknown as AppSpec;
  return { spec, outcome: { ...newOutcome(false, CLIENT_SECRET), ...done } };
}

function fleet(apps: AppResult[]): FleetOutcome {
  return { apps, otherShards: 0, credentials: [], reportError: undefined, dryRun: false, githubWrites: { planned: 0, max: 200 } };
}

describe('the fleet summary headline', () => {
  it('counts created apps among the rotated, as rotated-count does', () => {
    const result = fleet([app('a', { appCreated: true, rotated: true }), app('b', { appCreated: true, rotated: true }), app('c', {})]);
    expect(fleetCounts(result)).toEqual({ rotated: 2, rotatedNew: 2, deferred: 0, failed: 0 });
    const summary = fleetSummary(result, 'tenant', false);
    expect(summary).toContain('2 rotated (2 of them new apps, created in this run) · 0 due, deferred · 0 failed');
    expect(summary).not.toContain('0 rotated');
  });

  it('counts a rotation, a deferral and a failure once each', () => {
    const result = fleet([app('a', { rotated: true }), app('b', { deferred: true, deferredBy: 'max-rotations' }), app('c', { error: new Error('no') })]);
    expect(fleetSummary(result, 'tenant', false)).toContain('1 rotated · 1 due, deferred · 1 failed');
  });
});

describe('the 1 MiB limit', () => {
  it('counts UTF-8 bytes: names in a non-Latin script leave out the details before GitHub would refuse the summary', () => {
    // 1600 apps whose names take 3 bytes a character: well under the limit in UTF-16 units, over it in bytes.
    const apps = Array.from({ length: 1600 }, (_, i) => app(`${'日本語の名前'.repeat(40)}${i}`, {}));
    const summary = fleetSummary(fleet(apps), 'tenant', false);
    expect(utf8Length(summary)).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(summary).toContain('The details of each app are left out');
  });

  it('cuts a text at a byte count without splitting a character', () => {
    expect(utf8Prefix('aé✅😀', 1)).toBe('a');
    expect(utf8Prefix('aé✅😀', 2)).toBe('a');
    expect(utf8Prefix('aé✅😀', 3)).toBe('aé');
    expect(utf8Prefix('aé✅😀', 9)).toBe('aé✅');
    expect(utf8Prefix('aé✅😀', 10)).toBe('aé✅😀');
  });
});
