/**
 * Keeps the emulator honest with two real clients no one here wrote: the GitHub CLI (`gh`, in GHES mode: REST under
 * /api/v3, GraphQL at /api/graphql) and the Azure CLI (`az`, through a custom cloud). Nothing is installed at run
 * time: each client is used when it is on PATH (CI installs Debian's packages first: .ci/run), else its part is
 * skipped with a message saying why. After EACH command the test checks what the emulator holds, and it opens every
 * sealed value and compares it with what was sent. Where the emulator and the real service differ, the real
 * service wins: these clients are the closest to it that runs offline.
 *
 * az runs inside a private network and mount namespace (test/real-clients/az-in-namespace.ts), because its MSAL
 * asks login.microsoftonline.com for instance discovery whatever the authority: that name is mapped to the emulator
 * there and nowhere else (the machine's /etc/hosts is never touched). That needs root and `unshare`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../test/emulator/index.ts';
import type { Emulator, GitHubScope } from '../test/emulator/index.ts';

const onPath = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** Why the az part cannot run here, or undefined when it can. */
function azBlocker(): string | undefined {
  if (!onPath('az')) return 'az (the Azure CLI) is not on PATH; .ci/run installs Debian\'s azure-cli';
  if (process.getuid?.() !== 0) return 'not root: unshare --net --mount needs root to map login.microsoftonline.com in a private namespace';
  if (!onPath('unshare') || !onPath('ip') || !onPath('mount')) return 'unshare, ip or mount is missing';
  const probe = spawnSync('unshare', ['--net', '--mount', '--fork', '--', 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `unshare --net --mount cannot run here: ${(probe.stderr || String(probe.error ?? probe.status)).trim()}`;
}

const ghBlocker = onPath('gh') ? undefined : 'gh (the GitHub CLI) is not on PATH; .ci/run installs Debian\'s gh';
/** Why gh's variable commands cannot run here (Debian 12 ships gh 2.23, which has no `gh variable`), or undefined. */
const ghVariablesBlocker = (() => {
  if (ghBlocker !== undefined) return ghBlocker;
  if (spawnSync('gh', ['variable', '--help'], { stdio: 'ignore' }).status === 0) return undefined;
  const version = /gh version (\S+)/.exec(spawnSync('gh', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? 'unknown';
  return `gh ${version} has no \`gh variable\` (it came in a later release)`;
})();
const azBlocked = azBlocker();
const tally = { gh: 0, az: 0, opened: 0, matched: 0 };

afterAll(() => {
  const parts = [ghBlocker === undefined ? `${tally.gh} gh commands` : 'gh skipped', azBlocked === undefined ? `${tally.az} az commands` : 'az skipped'];
  const variables = ghBlocker === undefined && ghVariablesBlocker !== undefined ? ` (gh's variables part skipped: ${ghVariablesBlocker})` : '';
  console.log(`real clients: ${parts.join(' and ')} ran${variables}; ${tally.matched} of ${tally.opened} values opened matched what was sent`);
});

describe('gh (GitHub CLI, GHES mode) against the emulator', () => {
  if (ghBlocker !== undefined) {
    test.skip(`skipped: ${ghBlocker}`, () => undefined);
    console.log(`real-clients: gh part skipped: ${ghBlocker}`);
    return;
  }
  let emu: Emulator;
  let dir: string;
  let host: string;
  const TOKEN = 'ghp_realclientsGhEnterpriseToken0000000000';

  beforeAll(async () => {
    emu = await startEmulator();
    emu.github.addOrg('octo');
    emu.github.addRepo('octo/app', ['Prod env']);
    emu.github.addRepo('octo/a');
    emu.github.addRepo('octo/b');
    emu.github.addRepo('octo/c');
    emu.github.addToken(TOKEN, 'pat');
    dir = mkdtempSync(join(tmpdir(), 'real-clients-gh-'));
    host = new URL(emu.urls.github).host;
  });

  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function gh(args: string[]): Promise<{ code: number; out: string; err: string }> {
    tally.gh += 1;
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: dir,
      GH_HOST: host,
      GH_ENTERPRISE_TOKEN: TOKEN,
      SSL_CERT_FILE: emu.caFile,
      GH_CONFIG_DIR: join(dir, 'gh'),
      GH_PROMPT_DISABLED: '1',
      GH_NO_UPDATE_NOTIFIER: '1',
      NO_COLOR: '1',
    };
    return new Promise((resolve) => {
      // stdin ignored: no TTY, as in CI.
      const child = execFile('gh', args, { env, timeout: 30_000 }, (err, out, errOut) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out, err: errOut });
      });
      child.stdin?.end();
    });
  }

  /** Opens what the emulator holds and compares it with what gh was given. */
  function expectHeld(scope: GitHubScope, name: string, sent: string): void {
    tally.opened += 1;
    expect(emu.github.open(scope, name)).toBe(sent);
    tally.matched += 1;
  }

  const names = (out: string): string[] => out.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t')[0] ?? '').sort();
  const repo = (): string => `${host}/octo/app`;
  const value = (tag: string): string => `${tag} v@lue with spaces, "quotes" and ✓ ${Date.now()}`;

  test('repository secret: set, list, delete', async () => {
    const sent = value('repo');
    expect(await gh(['secret', 'set', 'REPO_SECRET', '--body', sent, '--repo', repo()])).toMatchObject({ code: 0 });
    expectHeld({ repo: 'octo/app' }, 'REPO_SECRET', sent);
    const list = await gh(['secret', 'list', '--repo', repo()]);
    expect(list.code).toBe(0);
    expect(names(list.out)).toEqual(emu.github.secrets({ repo: 'octo/app' }).map((s) => s.name));
    expect(await gh(['secret', 'delete', 'REPO_SECRET', '--repo', repo()])).toMatchObject({ code: 0 });
    expect(emu.github.secret({ repo: 'octo/app' }, 'REPO_SECRET')).toBeUndefined();
  });

  test('environment secret, the environment\'s name with a space: set, list, delete', async () => {
    const sent = value('env');
    expect(await gh(['secret', 'set', 'ENV_SECRET', '--env', 'Prod env', '--body', sent, '--repo', repo()])).toMatchObject({ code: 0 });
    expectHeld({ repo: 'octo/app', environment: 'Prod env' }, 'ENV_SECRET', sent);
    expect(emu.github.secret({ repo: 'octo/app' }, 'ENV_SECRET')).toBeUndefined();
    const list = await gh(['secret', 'list', '--env', 'Prod env', '--repo', repo()]);
    expect(names(list.out)).toEqual(['ENV_SECRET']);
    expect(await gh(['secret', 'delete', 'ENV_SECRET', '--env', 'Prod env', '--repo', repo()])).toMatchObject({ code: 0 });
    expect(emu.github.secrets({ repo: 'octo/app', environment: 'Prod env' })).toEqual([]);
  });

  test('organization secret with --visibility selected --repos a,b (GraphQL ids): set, list, delete', async () => {
    const sent = value('org');
    expect(await gh(['secret', 'set', 'ORG_SECRET', '--org', 'octo', '--visibility', 'selected', '--repos', 'a,b', '--body', sent])).toMatchObject({ code: 0 });
    expectHeld({ org: 'octo' }, 'ORG_SECRET', sent);
    expect(emu.github.access('octo', 'ORG_SECRET')).toEqual({ visibility: 'selected', repositories: ['a', 'b'] });
    expect(emu.log.some((e) => e.method === 'POST' && e.path === '/api/graphql' && e.status === 200)).toBe(true);
    const list = await gh(['secret', 'list', '--org', 'octo']);
    expect(list.out).toMatch(/^ORG_SECRET\t\S+\tSELECTED/m);
    expect(await gh(['secret', 'delete', 'ORG_SECRET', '--org', 'octo'])).toMatchObject({ code: 0 });
    expect(emu.github.secret({ org: 'octo' }, 'ORG_SECRET')).toBeUndefined();
  });

  test('Dependabot secret (--app dependabot): set, list, delete', async () => {
    const sent = value('dependabot');
    expect(await gh(['secret', 'set', 'DEP_SECRET', '--app', 'dependabot', '--body', sent, '--repo', repo()])).toMatchObject({ code: 0 });
    expectHeld({ repo: 'octo/app', dependabot: true }, 'DEP_SECRET', sent);
    expect(emu.github.secret({ repo: 'octo/app' }, 'DEP_SECRET')).toBeUndefined();
    const list = await gh(['secret', 'list', '--app', 'dependabot', '--repo', repo()]);
    expect(names(list.out)).toEqual(['DEP_SECRET']);
    expect(await gh(['secret', 'delete', 'DEP_SECRET', '--app', 'dependabot', '--repo', repo()])).toMatchObject({ code: 0 });
    expect(emu.github.secrets({ repo: 'octo/app', dependabot: true })).toEqual([]);
  });

  test('Codespaces secret (--app codespaces) of a repository, and of an organisation with --visibility selected --repos: set, list, delete', async () => {
    const sent = value('codespaces');
    expect(await gh(['secret', 'set', 'CS_SECRET', '--app', 'codespaces', '--body', sent, '--repo', repo()])).toMatchObject({ code: 0 });
    expectHeld({ repo: 'octo/app', codespaces: true }, 'CS_SECRET', sent);
    expect(emu.github.secret({ repo: 'octo/app' }, 'CS_SECRET')).toBeUndefined();
    const list = await gh(['secret', 'list', '--app', 'codespaces', '--repo', repo()]);
    expect(names(list.out)).toEqual(['CS_SECRET']);
    const orgSent = value('org codespaces');
    expect(await gh(['secret', 'set', 'CS_ORG_SECRET', '--app', 'codespaces', '--org', 'octo', '--visibility', 'selected', '--repos', 'a,c', '--body', orgSent])).toMatchObject({ code: 0 });
    expectHeld({ org: 'octo', codespaces: true }, 'CS_ORG_SECRET', orgSent);
    expect(emu.github.access('octo', 'CS_ORG_SECRET', { codespaces: true })).toEqual({ visibility: 'selected', repositories: ['a', 'c'] });
    expect(emu.github.secret({ org: 'octo' }, 'CS_ORG_SECRET')).toBeUndefined();
    const orgList = await gh(['secret', 'list', '--app', 'codespaces', '--org', 'octo']);
    expect(orgList.out).toMatch(/^CS_ORG_SECRET\t\S+\tSELECTED/m);
    expect(await gh(['secret', 'delete', 'CS_SECRET', '--app', 'codespaces', '--repo', repo()])).toMatchObject({ code: 0 });
    expect(await gh(['secret', 'delete', 'CS_ORG_SECRET', '--app', 'codespaces', '--org', 'octo'])).toMatchObject({ code: 0 });
    expect(emu.github.secrets({ repo: 'octo/app', codespaces: true })).toEqual([]);
    expect(emu.github.secrets({ org: 'octo', codespaces: true })).toEqual([]);
  });

  test('variables through `gh api` (any gh): create, update, every page of a listing with --paginate (Link), delete', async () => {
    expect(await gh(['api', '-X', 'POST', 'repos/octo/app/actions/variables', '-f', 'name=api_variable', '-f', 'value=first value'])).toMatchObject({ code: 0 });
    expect(emu.github.variable({ repo: 'octo/app' }, 'API_VARIABLE')?.value).toBe('first value');
    expect(await gh(['api', '-X', 'PATCH', 'repos/octo/app/actions/variables/API_VARIABLE', '-f', 'value=second value'])).toMatchObject({ code: 0 });
    expect(emu.github.variable({ repo: 'octo/app' }, 'API_VARIABLE')?.value).toBe('second value');
    for (let i = 0; i < 24; i++) emu.github.putVariable({ repo: 'octo/app' }, `PAGED_${String(i).padStart(2, '0')}`, String(i));
    const listed = await gh(['api', '--paginate', 'repos/octo/app/actions/variables?per_page=10', '--jq', '.variables[].name']);
    expect(listed.code).toBe(0);
    expect(listed.out.trim().split('\n')).toEqual(emu.github.variables({ repo: 'octo/app' }).map((v) => v.name));
    expect(emu.log.filter((e) => e.method === 'GET' && e.path.startsWith('/api/v3/repos/octo/app/actions/variables')).length).toBe(3);
    expect(await gh(['api', '-X', 'DELETE', 'repos/octo/app/actions/variables/API_VARIABLE'])).toMatchObject({ code: 0 });
    expect(emu.github.variable({ repo: 'octo/app' }, 'API_VARIABLE')).toBeUndefined();
  });

  // gh's `variable set --env` goes through `/repositories/{id}/environments/{env}/variables`, a path GitHub's OpenAPI
  // description no longer has and the emulator does not serve: the environment's variable is seeded and read here.
  (ghVariablesBlocker === undefined ? test : test.skip)(`variables: set, list and get of a repository, list of an environment, set of an organisation with --visibility selected --repos${ghVariablesBlocker === undefined ? '' : ` (skipped: ${ghVariablesBlocker})`}`, async () => {
    const valueOf = (out: string, name: string): string | undefined => out.split('\n').find((l) => l.startsWith(`${name}\t`))?.split('\t')[1];
    expect(await gh(['variable', 'set', 'AZURE_CLIENT_ID', '--body', 'client-id-1', '--repo', repo()])).toMatchObject({ code: 0 });
    expect(await gh(['variable', 'set', 'AZURE_CLIENT_ID', '--body', 'client-id-2', '--repo', repo()])).toMatchObject({ code: 0 });
    expect(emu.github.variable({ repo: 'octo/app' }, 'AZURE_CLIENT_ID')?.value).toBe('client-id-2');
    const list = await gh(['variable', 'list', '--repo', repo()]);
    expect(valueOf(list.out, 'AZURE_CLIENT_ID')).toBe('client-id-2');
    if (spawnSync('gh', ['variable', 'get', '--help'], { stdio: 'ignore' }).status === 0) {
      expect((await gh(['variable', 'get', 'AZURE_CLIENT_ID', '--repo', repo()])).out.trim()).toBe('client-id-2');
    }
    emu.github.putVariable({ repo: 'octo/app', environment: 'Prod env' }, 'AZURE_TENANT_ID', 'tenant-env');
    expect(valueOf((await gh(['variable', 'list', '--env', 'Prod env', '--repo', repo()])).out, 'AZURE_TENANT_ID')).toBe('tenant-env');
    expect(await gh(['variable', 'set', 'ORG_VAR', '--org', 'octo', '--visibility', 'selected', '--repos', 'a,b', '--body', 'org-value'])).toMatchObject({ code: 0 });
    expect(emu.github.variable({ org: 'octo' }, 'ORG_VAR')).toMatchObject({ value: 'org-value', visibility: 'selected', repositories: ['a', 'b'] });
    expect((await gh(['variable', 'list', '--org', 'octo'])).out).toMatch(/^ORG_VAR\torg-value\t\S+\tSELECTED/m);
    expect(await gh(['variable', 'delete', 'ORG_VAR', '--org', 'octo'])).toMatchObject({ code: 0 });
    expect(emu.github.variable({ org: 'octo' }, 'ORG_VAR')).toBeUndefined();
  });

  test('gh auth status reads the API root (/api/v3/) and its scopes', async () => {
    const status = await gh(['auth', 'status', '--hostname', host]);
    expect(status.code).toBe(0);
    expect(`${status.out}${status.err}`).toMatch(/Logged in to 127\.0\.0\.1:\d+/);
    expect(emu.log.some((e) => e.method === 'GET' && e.path === '/api/v3/' && e.status === 200)).toBe(true);
  });

  test('every request gh sent went to the GHES paths and was answered', () => {
    const sent = emu.log.filter((e) => e.service === 'github');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((e) => !e.path.startsWith('/api/v3/') && e.path !== '/api/graphql')).toEqual([]);
    expect(sent.filter((e) => e.status >= 400).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([]);
  });
});

describe('az (Azure CLI, custom cloud) against the emulator, in a private namespace', () => {
  if (azBlocked !== undefined) {
    test.skip(`skipped: ${azBlocked}`, () => undefined);
    console.log(`real-clients: az part skipped: ${azBlocked}`);
    return;
  }
  test('login, ad app create/list/show, credential reset --append/list/delete, sp create, sp credential reset, credential reset --create-cert and login with that certificate', async () => {
    const helper = join(__dirname, '..', 'test', 'real-clients', 'az-in-namespace.ts');
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile('unshare', ['--net', '--mount', '--fork', '--', process.execPath, helper], { timeout: 240_000, maxBuffer: 4 * 1024 * 1024 }, (_err, stdout, stderr) => resolve({ stdout, stderr }));
    });
    const last = result.stdout.trim().split('\n').pop() ?? '';
    let report: { commands: number; opened: number; matched: number; failures: string[] } | undefined;
    try {
      report = JSON.parse(last) as typeof report;
    } catch {
      report = undefined;
    }
    expect({ report: report === undefined ? 'no JSON report' : 'ok', stderr: report === undefined ? result.stderr.slice(-2000) : '' }).toEqual({ report: 'ok', stderr: '' });
    if (!report) return;
    expect(report.failures).toEqual([]);
    expect(report.commands).toBeGreaterThanOrEqual(12);
    expect(report.matched).toBe(report.opened);
    tally.az += report.commands;
    tally.opened += report.opened;
    tally.matched += report.matched;
  }, 300_000);
});
