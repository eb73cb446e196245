/**
 * What a contract suite needs of the side it runs on (test/contract/fakes.ts: the in-memory fakes;
 * test/contract/emulator.ts: the real adapters against the emulator over HTTPS): the port, a way to seed the
 * service behind it, a way to read what the service holds around the port (the ground truth a promise is about),
 * and the faults the suite plans, each meaning the same on both sides.
 */
import type { FederatedCredential, OrgAccess, GitHubScope as Scope } from '../../src/core/model';
import type { Directory, SecretStore, SecretVerifier } from '../../src/core/ports';

export interface AppSeed {
  displayName: string;
  /** Client secrets already there (their values are never needed: only the metadata is read back). */
  passwords?: Array<{ displayName: string | null; start: Date; end: Date }>;
  certificates?: Array<{ displayName: string | null; start: Date; end: Date }>;
  /** Default true. */
  servicePrincipal?: boolean;
  federated?: Array<Omit<FederatedCredential, 'id' | 'description'>>;
  /** Default true: the rotator is an owner (Application.ReadWrite.OwnedBy may change it). */
  owned?: boolean;
}

/** A seeded app: the ids the service gave it. */
export interface SeededApp {
  id: string;
  appId: string;
  displayName: string;
}

export interface DirectoryWorld {
  directory: Directory;
  verifier: SecretVerifier;
  /** Every value handed to Log.mask of the log the directory was built with, in order. */
  masked(): readonly string[];
  /** The service's clock (the fake clock, or the wall clock of the emulator). */
  now(): Date;
  seed(app: AppSeed): SeededApp;
  /** A client ID (GUID) no app has. */
  unknownAppId: string;
  /** An object id (GUID) no app has. */
  unknownObjectId: string;
  /** Ground truth, read around the port. */
  keyIds(app: SeededApp): string[];
  /**
   * Ground truth: the app's certificates, keyId to what identifies the certificate exactly (the emulator: the
   * base64 DER Graph holds; the fakes: the PEM).
   */
  certificates(app: SeededApp): Map<string, string>;
  federated(app: SeededApp): Array<Omit<FederatedCredential, 'id' | 'description'>>;
  /** Another writer's PATCH of keyCredentials from a read taken before this certificate was added: it is gone. */
  dropCertificate(app: SeededApp, keyId: string): void;
  hasServicePrincipal(app: SeededApp): boolean;
  faults: {
    /** The next addPassword is carried out by the service, and its answer never comes (after any retry). */
    loseNextAddPasswordAnswer(): void;
    /**
     * Removing a secret added through addPassword answers "no such key" `times` times and leaves it in place
     * (Graph's replication lag right after the add), fewer times than the adapter retries it.
     */
    newKeyRemovalLag(times: number): void;
    /** The same, for longer than the adapter retries: the secret outlives the call. */
    newKeyRemovalLagOutlastingRetries(): void;
    /**
     * Entra refuses a secret added from now on (AADSTS7000215) for a while after the add, as it does for seconds in
     * real tenants: `within` the verifier's budget (it asks again until accepted), or `beyond` it.
     */
    secretPropagation(how: 'within' | 'beyond'): void;
    /** The next PATCH of the app's keyCredentials is carried out by the service, and its answer never comes. */
    loseNextCertificatePatchAnswer(): void;
  };
  teardown(): Promise<void>;
}

export interface StoreWorld {
  store: SecretStore;
  now(): Date;
  /**
   * Scopes that exist: repository octo/app (with environment production), octo/lib and octo/web, the organisation
   * octo, and the Dependabot secrets of octo/app. `missingRepo` and `missingEnvironment` do not exist.
   */
  scopes: { repo: Scope; environment: Scope; org: Scope; dependabotRepo: Scope; missingRepo: Scope; missingEnvironment: Scope };
  /** A secret as an earlier run (or a person) left it; `access` for an organisation secret. */
  seed(scope: Scope, name: string, value: string, updatedAt: Date, access?: OrgAccess): void;
  /** Ground truth: the plaintext a secret holds (undefined: no such secret). */
  held(scope: Scope, name: string): string | undefined;
  /** Ground truth: an organisation secret's visibility and selected repositories (sorted). */
  access(scope: Scope, name: string): OrgAccess | undefined;
  faults: {
    /** Every write of the secret `name` is carried out, and its answer never comes (every retry too). */
    loseEveryWriteAnswer(name: string): void;
    /** Every write of the secret `name` is carried out, and answered with a server error (every retry too). */
    serverErrorEveryWrite(name: string): void;
    /**
     * The next write is answered with GitHub's secondary rate limit naming a wait of `waitMs` (whole seconds), and
     * not carried out; once the wait is over the limit is gone.
     */
    rateLimitNextWrite(waitMs: number): void;
  };
  teardown(): Promise<void>;
}

/**
 * Promises a side is known to break, by the id of the contract test: the test still runs, as `test.failing`, so
 * that it fails the day the side keeps the promise (and the mark must go). The text names the broken promise.
 */
export type KnownBreaks = Readonly<Record<string, string>>;
