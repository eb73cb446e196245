/**
 * The seams (issue 17): plan, rotate, log, summary and report ask the credential kind (src/core/credential-kind.ts)
 * and the home kind (src/core/home-kind.ts) instead of knowing each one. A kind made here, with its own words and
 * its own operations, goes through the whole rotation over the fakes: every add, check and removal goes through it,
 * and no text the run writes calls it a client secret.
 */
import { CLIENT_SECRET, type CredentialKind } from '../../src/core/credential-kind.ts';
import { runFleet } from '../../src/core/fleet.ts';
import { GITHUB_SECRET, githubWritesOf, homeOf } from '../../src/core/home-kind.ts';
import { fleetSummary, reportJson } from '../../src/core/summary.ts';
import { fakePorts } from '../../test/fakes/index.ts';
import { newManaged, seedNearExpiry, violations } from '../../test/fakes/seed.ts';
import { appSpec, fleetSettings, repo, single, target, TENANT } from '../../test/fakes/specs.ts';

/** A kind that is not a client secret by any word, kept (for the fakes) as app passwords; it counts what goes through it. */
function signingKey(): CredentialKind & { calls: string[] } {
  const calls: string[] = [];
  return {
    ...CLIENT_SECRET,
    noun: 'signing key',
    short: 'key',
    detailHeading: 'Tag',
    detail: (c) => `tag-${c.keyId.slice(0, 4)}`,
    azureLoginKey: 'signingKey',
    calls,
    add: (directory, app, name, end) => {
      calls.push('add');
      return CLIENT_SECRET.add(directory, app, name, end);
    },
    remove: (directory, app, keyId) => {
      calls.push('remove');
      return CLIENT_SECRET.remove(directory, app, keyId);
    },
    accepts: (verifier, app, value, options) => {
      calls.push('accepts');
      return CLIENT_SECRET.accepts(verifier, app, value, options);
    },
  };
}

const companions = [target(repo('app'), 'AZURE_CLIENT_SECRET'), target(repo('app'), 'AZURE_CREDENTIALS', 'credentials'), target(repo('app'), 'AZURE_CLIENT_ID', 'client-id')];

describe('a credential kind is one object: the rules are the same, the words and operations are its own', () => {
  it('rotates a kind made here through its own add, check and remove, and every text says what it is', async () => {
    const fake = fakePorts();
    const kind = signingKey();
    const spec = appSpec({ targets: companions });
    spec.rotation.kind = kind;
    const s = seedNearExpiry(fake, spec);
    const result = await runFleet([spec], fleetSettings(), single, fake.ports());

    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(kind.calls).toEqual(['add', 'accepts', 'remove']);
    const log = fake.log().text();
    expect(log).toContain('signing keys (3):');
    expect(log).toMatch(/the newest managed key \([^)]+\) expires on/);
    expect(log).toMatch(/Added signing key [0-9a-f-]+ \(tag tag-/);
    expect(log).toMatch(/Removed signing key [0-9a-f-]+ \(older than the previous key that keep-previous keeps\)/);
    const summary = fleetSummary(result, TENANT, true);
    expect(summary).toContain('## Entra signing key rotation');
    expect(summary).toContain('| Signing key (key ID) | Tag | Start | End | Managed | This run |');
    // The kind made here keeps its credentials where client secrets are kept (the fakes have nowhere else), so the
    // expiry report, which lists what each app holds by where it is kept (REPORTED_CREDENTIALS), calls them client
    // secrets: its lines are left out here. Everything the rotation itself writes uses the kind's words.
    const rotationText = (text: string): string => text.split('\n').filter((l) => !l.startsWith("App '") && !l.startsWith('| payments-api |') && !l.startsWith('**Expiry report')).join('\n');
    for (const text of [log, summary]) expect(rotationText(text)).not.toMatch(/client secret/i);
    expect(JSON.parse(reportJson(result, TENANT, new Date())).apps[0].credentialType).toBe(kind.id);
    // azure/login's JSON carries the value under the kind's key.
    const added = newManaged(fake, s)[0];
    const json = JSON.parse(fake.store.held(repo('app'), 'AZURE_CREDENTIALS')?.value ?? '{}') as Record<string, string>;
    expect(json['signingKey']).toBe(added?.value);
    expect(json['clientSecret']).toBeUndefined();
    expect(fake.store.held(repo('app'), 'AZURE_CLIENT_SECRET')?.value).toBe(added?.value);
  });

  it('keeps the client secret words for the client secret kind', async () => {
    const fake = fakePorts();
    const spec = appSpec({ targets: companions });
    const s = seedNearExpiry(fake, spec);
    const result = await runFleet([spec], fleetSettings(), single, fake.ports());
    expect(violations(fake, s)).toEqual([]);
    const log = fake.log().text();
    expect(log).toContain('client secrets (3):');
    expect(log).toMatch(/Added client secret [0-9a-f-]+ \(hint [^)]*…, valid until/);
    expect(log).toMatch(/the newest managed secret \([^)]+\) expires on/);
    const summary = fleetSummary(result, TENANT, true);
    expect(summary).toContain('## Entra client secret rotation');
    expect(summary).toContain('| Client secret (key ID) | Hint |');
    expect(JSON.parse(reportJson(result, TENANT, new Date())).apps[0].credentialType).toBe('client-secret');
  });
});

describe('home kinds', () => {
  it('every target today is a GitHub secret, Actions or Dependabot, each write one GitHub write', () => {
    const dependabot = { ...target({ service: 'dependabot', owner: 'octo', repo: 'app' }, 'AZURE_CLIENT_SECRET') };
    const org = { ...target({ service: 'actions', owner: 'octo' }, 'AZURE_CLIENT_SECRET'), access: { visibility: 'selected' as const, repositories: ['a', 'b'] } };
    for (const t of [...companions, dependabot, org]) expect(homeOf(t)).toBe(GITHUB_SECRET);
    expect(githubWritesOf([...companions, dependabot, org])).toBe(5);
    expect(GITHUB_SECRET.where(org)).toBe('organisation octo');
  });

  it("the plan counts GitHub writes by the targets' home, and the summary heads the targets with it", async () => {
    const fake = fakePorts();
    const spec = appSpec({ targets: companions });
    seedNearExpiry(fake, spec);
    const result = await runFleet([spec], fleetSettings(), single, fake.ports());
    expect(result.apps[0]?.outcome.plan?.githubWrites).toBe(3);
    expect(fleetSummary(result, TENANT, true)).toContain('| GitHub secret | Where | This run |');
    expect(JSON.parse(reportJson(result, TENANT, new Date())).apps[0].targets[0]).toMatchObject({ home: 'github-secret', where: 'repository octo/app', result: 'written' });
  });
});
