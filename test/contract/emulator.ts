/**
 * The contract suites' worlds over the real adapters, against the emulator over HTTPS on 127.0.0.1: the Graph
 * directory and the Entra verifier in this process (the emulator's CA trusted through Node's default CA list, as
 * __tests__/graph-fleet.test.ts does), the GitHub store in a child process (test/contract/remote-store.ts: jest
 * cannot load Octokit). Seeding and ground truth go around the adapters, to the emulator's state; faults are its
 * switches.
 *
 * Where the emulator may differ from the real services, the comment says so; the real service wins. What the
 * suites take from the emulator as Graph's, Entra's and GitHub's behaviour, and would change if the real one differs:
 * - Graph matches `displayName eq` without regard to case (appsByName may give other cases; findApps must not);
 * - Graph refuses a second federated credential with the issuer and subject of another (400
 *   InvalidFederatedIdentityCredentialValue) or with its name, compared without regard to case (409);
 * - Graph's addPassword reply has startDateTime now, the endDateTime asked for, and hint = the first 3 characters;
 * - right after addPassword, removePassword may answer 400 "No password credential found with keyId ..."
 *   (replication lag; graph.ts recognises it by that wording) and leave the key;
 * - Entra refuses a new secret with AADSTS7000215 for seconds (4-18 s seen), and an app without a service
 *   principal with AADSTS7000229;
 * - GitHub upper-cases secret names, keeps updated_at to the second, answers 404 for a missing repository or
 *   environment, and a secondary rate limit is a 403 saying so with retry-after in seconds.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSecretVerifier, rotatorCredential, type SignIn } from '../../src/adapters/entra';
import { GraphDirectory } from '../../src/adapters/graph';
import { defaultRetryPolicy, type RetryPolicy } from '../../src/adapters/retry';
import type { GitHubScope as Scope } from '../../src/core/model';
import type { Log } from '../../src/core/ports';
import { Secret } from '../../src/core/secret';
import { startEmulator, type EmulatorKeys, type GitHubScope } from '../emulator/index.ts';
import { ROTATOR_ID, ROTATOR_SECRET } from '../harness.ts';
import { RemoteStore } from './remote-store.ts';
import type { DirectoryWorld, StoreWorld } from './worlds.ts';

/** Waits shortened as the other emulator tests shorten them (ENTRA_ROTATOR_RETRY_BASE_MS); the tries are production's. */
export const CONTRACT_POLICY: RetryPolicy = { ...defaultRetryPolicy({}), baseMs: 10 };

/** The Graph directory and the Entra verifier, signed in as a rotator with Application.ReadWrite.OwnedBy. */
export async function emulatorDirectoryWorld(keys: EmulatorKeys): Promise<DirectoryWorld> {
  const emu = await startEmulator({ keys });
  emu.addRotator({ clientId: ROTATOR_ID, secret: ROTATOR_SECRET });
  const masked: string[] = [];
  const log: Log = { info: () => undefined, warning: () => undefined, mask: (v) => masked.push(v), group: (_t, fn) => fn() };
  const signIn: SignIn = {
    tenantId: emu.tenantId,
    clientId: ROTATOR_ID,
    clientSecret: new Secret(ROTATOR_SECRET),
    oidcAudience: 'api://AzureADTokenExchange',
    authorityHost: emu.urls.authority,
    graphEndpoint: emu.urls.graph,
  };
  const appOf = (id: string): (typeof emu.graph.apps)[number] => {
    const app = emu.graph.apps.find((a) => a.id === id);
    if (app === undefined) throw new Error(`no emulated app ${id}`);
    return app;
  };
  const iso = (d: Date): string => d.toISOString();
  return {
    directory: new GraphDirectory(emu.urls.graph, rotatorCredential(signIn, CONTRACT_POLICY, log), log, CONTRACT_POLICY),
    verifier: newSecretVerifier(signIn, CONTRACT_POLICY, log),
    masked: () => masked,
    now: () => new Date(),
    seed: (a) => {
      const app = emu.seedApp({
        displayName: a.displayName,
        servicePrincipal: a.servicePrincipal ?? true,
        passwords: (a.passwords ?? []).map((p) => ({ displayName: p.displayName, startDateTime: iso(p.start), endDateTime: iso(p.end) })),
        certificates: (a.certificates ?? []).map((c) => ({ displayName: c.displayName, startDateTime: iso(c.start), endDateTime: iso(c.end) })),
        federatedIdentityCredentials: (a.federated ?? []).map((f) => ({ ...f, audiences: [...f.audiences] })),
        ...(a.owned === false ? { ownedBy: [] } : {}),
      });
      return { id: app.id, appId: app.appId, displayName: app.displayName };
    },
    unknownAppId: randomUUID(),
    unknownObjectId: randomUUID(),
    keyIds: (app) => appOf(app.id).passwordCredentials.map((p) => p.keyId),
    certificates: (app) => new Map(emu.certificates(app.id).map((c) => [c.keyId, c.der?.toString('base64') ?? ''])),
    dropCertificate: (app, keyId) => {
      const a = appOf(app.id);
      const keys = a.extra['keyCredentials'];
      a.extra['keyCredentials'] = (Array.isArray(keys) ? (keys as Array<{ keyId?: unknown }>) : []).filter((k) => k.keyId !== keyId);
    },
    federated: (app) => appOf(app.id).federatedIdentityCredentials.map(({ name, issuer, subject, audiences }) => ({ name, issuer, subject, audiences: [...audiences] })),
    hasServicePrincipal: (app) => emu.graph.servicePrincipals.some((s) => s.appId === app.appId),
    faults: {
      // Graph added the secret; the connection went before the answer (drop-after). addPassword is not idempotent:
      // the adapter does not repeat it.
      loseNextAddPasswordAnswer: () => {
        emu.faults.add({ kind: 'drop-after', times: 1, match: { service: 'graph', method: 'POST', path: /\/addPassword$/ } });
      },
      // The emulator answers "no such key" as Graph does right after an add: 400 "No password credential found with
      // keyId ...". The real answer's wording is what graph.ts matches (isNoSuchKey): if Graph's differs, the real one wins.
      newKeyRemovalLag: (times) => {
        emu.faults.newKeyRemovalLag = times;
      },
      newKeyRemovalLagOutlastingRetries: () => {
        emu.faults.newKeyRemovalLag = 1000;
      },
      // The verifier asks for baseMs × 60 (60 s in production, 600 ms here): a third of it, or an hour.
      secretPropagation: (how) => {
        emu.faults.secretPropagationMs = how === 'within' ? (CONTRACT_POLICY.baseMs * 60) / 3 : 3_600_000;
      },
      // Graph replaced keyCredentials; the connection went before the answer (drop-after).
      loseNextCertificatePatchAnswer: () => {
        emu.faults.add({ kind: 'drop-after', times: 1, match: { service: 'graph', method: 'PATCH', path: /^\/v1\.0\/applications\/[^/?]+$/ } });
      },
    },
    teardown: () => emu.close(),
  };
}

const GITHUB_TOKEN = 'github_pat_11CONTRACT0emulatorTokenForTests';
const SECONDARY_LIMIT = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

/** The emulator's name for a scope of the port. */
function githubScope(scope: Scope): GitHubScope {
  const dependabot = scope.service === 'dependabot';
  if (scope.repo === undefined) return { org: scope.owner, dependabot };
  return scope.environment === undefined ? { repo: `${scope.owner}/${scope.repo}`, dependabot } : { repo: `${scope.owner}/${scope.repo}`, environment: scope.environment };
}

/**
 * The GitHub store over a new emulator for each test, with a fine-grained token that may write every secret of
 * organisation octo and its repositories. One adapter process serves the worlds of a test file (each gets a new
 * adapter in it): it trusts the CA of `keys`, which every emulator started with them shares. Close it after the file.
 */
export class EmulatorStoreSide {
  readonly #keys: EmulatorKeys;
  #child: { store: RemoteStore; dir: string } | undefined;

  constructor(keys: EmulatorKeys) {
    this.#keys = keys;
  }

  async world(): Promise<StoreWorld> {
    const emu = await startEmulator({ keys: this.#keys });
    emu.github.addOrg('octo');
    emu.github.addRepo('octo/app', ['production']);
    emu.github.addRepo('octo/lib');
    emu.github.addRepo('octo/web');
    emu.github.addToken(GITHUB_TOKEN, 'pat');
    const store = await this.#store();
    await store.open(emu.urls.github, GITHUB_TOKEN, CONTRACT_POLICY);
    const repo: Scope = { service: 'actions', owner: 'octo', repo: 'app' };
    return {
      store,
      now: () => new Date(),
      scopes: {
        repo,
        environment: { ...repo, environment: 'production' },
        org: { service: 'actions', owner: 'octo' },
        dependabotRepo: { ...repo, service: 'dependabot' },
        missingRepo: { service: 'actions', owner: 'octo', repo: 'no-such-repo' },
        missingEnvironment: { ...repo, environment: 'no-such-environment' },
      },
      seed: (scope, name, value, updatedAt, access) => emu.github.putPlain(githubScope(scope), name, value, updatedAt.toISOString(), access),
      held: (scope, name) => emu.github.open(githubScope(scope), name),
      access: (scope, name) => emu.github.access(scope.owner, name, { dependabot: scope.service === 'dependabot' }),
      faults: {
        // GitHub stored the value; the connection went before each answer (drop-after), retries included.
        loseEveryWriteAnswer: (name) => {
          emu.faults.add({ kind: 'drop-after', times: Infinity, match: { service: 'github', method: 'PUT', path: new RegExp(`/secrets/${name}$`) } });
        },
        serverErrorEveryWrite: (name) => {
          emu.faults.add({ kind: 'status-after', status: 502, times: Infinity, match: { service: 'github', method: 'PUT', path: new RegExp(`/secrets/${name}$`) } });
        },
        // GitHub's answer as the emulator's secondary limit gives it (403, its message, retry-after in seconds).
        rateLimitNextWrite: (waitMs) => {
          emu.faults.add({ kind: 'status', status: 403, code: SECONDARY_LIMIT, retryAfter: String(Math.ceil(waitMs / 1000)), times: 1, match: { service: 'github', method: 'PUT' } });
        },
      },
      teardown: () => emu.close(),
    };
  }

  async close(): Promise<void> {
    if (this.#child === undefined) return;
    await this.#child.store.close();
    await rm(this.#child.dir, { recursive: true, force: true });
    this.#child = undefined;
  }

  async #store(): Promise<RemoteStore> {
    if (this.#child === undefined) {
      const dir = await mkdtemp(join(tmpdir(), 'contract-store-'));
      await writeFile(join(dir, 'ca.pem'), this.#keys.certs.caPem);
      this.#child = { store: new RemoteStore(join(dir, 'ca.pem')), dir };
    }
    return this.#child.store;
  }
}
