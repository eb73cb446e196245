/** What the core needs from the outside world. Adapters implement these over HTTPS; tests may use fakes. */
import type { AppRegistration, CertificateFormat, CertificateInfo, CredentialInfo, FederatedCredential, PasswordInfo, ResourceApi, Scope, StoredSecretInfo, Target } from './model';
import type { Secret } from './secret';

export interface Directory {
  /**
   * The app with this client ID, or undefined. Lookups (this, appsByName, findApps of several refs) do not read
   * certificates (keyCredentials absent); findApps of one ref does: the report would spend the same capped read.
   */
  appByAppId(appId: string): Promise<AppRegistration | undefined>;
  /** Apps whose display name is this one (as Graph matches it; the core re-checks exactly). */
  appsByName(displayName: string): Promise<AppRegistration[]>;
  /**
   * Many apps at once: for each ref, the apps it matches (by client ID: 0 or 1; by display name: all with that
   * exact name, as appsByName). JSON $batch of up to 20 requests per POST, at most 3 batches in flight; one ref
   * alone is one plain GET (no batch envelope). Results in the order of refs. A ref with both looks up the client ID.
   */
  findApps(refs: ReadonlyArray<{ appId?: string; name?: string }>): Promise<AppRegistration[][]>;
  /**
   * Every app registration of the tenant the rotator can read (GET /applications, $select of what reports need
   * incl. passwordCredentials and keyCredentials, $top=999, every @odata.nextLink page).
   */
  allApps(): Promise<AppRegistration[]>;
  /**
   * The certificates (keyCredentials) of these apps, by object id; an app not found is left out. Graph allows 150
   * reads a minute per tenant that select keyCredentials, and every JSON batch item counts: one app is one GET,
   * more are `$filter=id in (...)` reads of up to 15 ids each (Graph's limit of values for `in`), sent as batch
   * items. An app this run created has none (nothing is read for it).
   */
  certificates(apps: readonly AppRegistration[]): Promise<Map<string, CertificateInfo[]>>;
  /** Creates the app with the declared properties in the same request. */
  createApp(displayName: string, signInAudience: string, properties: Record<string, unknown>): Promise<AppRegistration>;
  /** One PATCH with every property that differs. */
  updateApp(app: AppRegistration, patch: Record<string, unknown>): Promise<void>;
  /** Service principals of resource APIs matching a client ID or an exact display name. */
  resourceApis(api: string): Promise<ResourceApi[]>;
  federatedCredentials(app: AppRegistration): Promise<FederatedCredential[]>;
  addFederatedCredential(app: AppRegistration, credential: Omit<FederatedCredential, 'id'>): Promise<void>;
  removeFederatedCredential(app: AppRegistration, credential: FederatedCredential): Promise<void>;
  servicePrincipalExists(app: AppRegistration): Promise<boolean>;
  createServicePrincipal(app: AppRegistration): Promise<void>;
  /** Adds a client secret. The value is masked by the adapter the moment it is parsed. */
  addPassword(app: AppRegistration, displayName: string, endDateTime: Date): Promise<{ info: PasswordInfo; value: Secret }>;
  /**
   * Resolves only once the secret is gone: Graph removed it, or said it has no such key and (for a key this run
   * added, where that may be replication lag) a read confirms it.
   */
  removePassword(app: AppRegistration, keyId: string): Promise<void>;
  /**
   * Makes an RSA key and a self-signed certificate valid until `endDateTime` (adapters/certificate.ts; masked the
   * moment they exist) and adds the certificate to the app named `displayName`. keyCredentials can only be replaced
   * whole: the PATCH carries every certificate the app has, byte for byte (each with its `key`, read by a single-app
   * GET), then the app is read back; if a certificate that was there before is missing it is put back and the call
   * fails loudly. A PATCH whose answer was lost is settled here by reading back (the new thumbprint on the app or
   * not), so this never fails "maybe done" with the certificate on the app.
   */
  addCertificate(app: AppRegistration, displayName: string, endDateTime: Date, format: CertificateFormat): Promise<NewCertificate>;
  /**
   * Removes one certificate; resolves once it is gone. With a certificate this run added to the app, by removeKey
   * (a proof of possession signed by it: Graph removes that key alone); otherwise a PATCH with every other one, byte
   * for byte, then a read back.
   */
  removeCertificate(app: AppRegistration, keyId: string): Promise<void>;
  /**
   * A certificate this run added (addCertificate) is still on the app; if another writer's PATCH of keyCredentials
   * (built from a read taken before ours landed) dropped it, it is put back with the same bytes and keyId. Says which.
   */
  keepCertificate(app: AppRegistration, keyId: string): Promise<'there' | 'restored'>;
}

/** A certificate this run made and added: its metadata, the value targets receive, and the PEM to sign in with. */
export interface NewCertificate {
  info: CertificateInfo;
  /** In the format asked for (pem or pfx). */
  value: Secret;
  /** The PEM (key and certificate) the verifier signs in with, whatever the targets' format. */
  pem: Secret;
}

/** A home's store of values (a scope type S: HomeStores routes each scope to the store of its home kind). */
export interface SecretStore<S extends Scope = Scope> {
  /**
   * Metadata of every secret stored in a scope (every page), by upper-case name (GitHub stores names upper-cased);
   * organisation secrets with their visibility.
   */
  list(scope: S): Promise<Map<string, StoredSecretInfo>>;
  /**
   * Fetches what writing to a scope needs (its public key, and the ids of the repositories `targets` in it are
   * shared with), so a bad token or a misspelled repository fails before any target is written.
   */
  prepare(scope: S, targets?: ReadonlyArray<Target<S>>): Promise<void>;
  /**
   * Writes a value. No attempt starts after `notAfter`. Fails with a ServiceError whose `outcomeUnknown` is true
   * when the write may have taken effect all the same (an answer that never came, or a server error).
   */
  write(target: Target<S>, value: Secret, options?: WriteOptions): Promise<void>;
  /** Names of the repositories an organisation secret with visibility `selected` is shared with (all pages). */
  selectedRepositories(target: Target<S>): Promise<string[]>;
}

/** How a value is written. */
export interface WriteOptions {
  /** No attempt starts after this (write-window.ts). */
  notAfter?: Date;
  /**
   * The credential the value is (or, for the credentials JSON, carries), and the app's client ID: a home that can
   * record what it holds (a Key Vault secret's tags, and its expiry) records them.
   */
  holds?: CredentialInfo;
  appId?: string;
  /**
   * What the value is, for a home that records it (a Key Vault secret's content type): a credential's text, PEM or
   * PFX (CredentialKind.valueForm), azure/login's JSON, or an ID.
   */
  form?: 'text' | 'pem' | 'pfx' | 'json' | 'id';
}

export interface SecretVerifier {
  /**
   * Resolves once Entra accepts the new secret for the app (a token request with it), within a bounded time.
   * With `servicePrincipalMayBeMissing`, Entra's "no service principal" answer (AADSTS7000229) is returned at
   * once instead of being waited out as replication, so the caller can create it.
   */
  accepts(app: AppRegistration, value: Secret, options: { servicePrincipalMayBeMissing: boolean }): Promise<'accepted' | 'no-service-principal'>;
  /**
   * The same for a new certificate: a token request with a client assertion signed with its key (`pem`: the PKCS#8
   * key and the certificate), as @azure/identity's ClientCertificateCredential makes it.
   */
  acceptsCertificate(app: AppRegistration, pem: Secret, options: { servicePrincipalMayBeMissing: boolean }): Promise<'accepted' | 'no-service-principal'>;
}

export interface Log {
  info(message: string): void;
  warning(message: string): void;
  /** Registers a value with the runner's masking before it can be printed anywhere. */
  mask(value: string): void;
  /** Runs `fn` with its log lines in one collapsible group of the job log. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/** Every port the core uses, and its clock. */
export interface Ports {
  directory: Directory;
  store: SecretStore;
  verifier: SecretVerifier;
  log: Log;
  now: () => Date;
}
