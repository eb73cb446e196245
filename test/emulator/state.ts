import type { RsaSigningKey } from './jwt.ts';
import type { EmulatorFaults, EmulatorPolicy, EmulatorUrls, GraphApp, GraphServicePrincipal, PasswordCredential } from './types.ts';

export interface Rotator {
  clientId: string;
  secret: string | undefined;
  federatedSubject: string | undefined;
  roles: string[];
  /** Object id of the rotator's service principal (what owners lists show). */
  objectId: string;
  displayName: string;
}

export interface AccessToken {
  clientId: string;
  roles: string[];
  /** Resource the token was issued for, e.g. the emulator's Graph root. */
  audience: string;
  expiresAt: number;
}

export interface ReplicationLag {
  id: string;
  appId: string;
  appRemaining: number;
  spRemaining: number;
}

export interface State {
  tenantId: string;
  urls: EmulatorUrls;
  /** The same values, as URL origins, for matching. */
  rotators: Map<string, Rotator>;
  graph: { apps: GraphApp[]; servicePrincipals: GraphServicePrincipal[] };
  accessTokens: Map<string, AccessToken>;
  handedOut: Set<string>;
  oidcKey: RsaSigningKey;
  idTokenRequestToken: string;
  oidcSubject: string;
  faults: EmulatorFaults;
  pendingLag: number | undefined;
  lag: ReplicationLag | undefined;
  /** See EmulatorFaults.ownershipLag: armed for the next created app, then counting down for it. */
  pendingOwnershipLag: number | undefined;
  ownershipLag: { appId: string; remaining: number } | undefined;
  /** When each counted read of keyCredentials was handled (EmulatorPolicy.keyCredentialsPerMinute). */
  keyCredentialReads: number[];
  /** When each password was added through addPassword (for secretPropagationMs). */
  passwordAddedAt: WeakMap<PasswordCredential, number>;
  /** When each certificate entry was added by a PATCH of keyCredentials (for secretPropagationMs). */
  keyAddedAt: WeakMap<object, number>;
  policy: EmulatorPolicy;
  pageSize: number;
  /** See EmulatorOptions.concurrentWriteWindowMs; 0: off. */
  concurrentWriteWindowMs: number;
  /** When the last accepted write to each app (by object id) was handled. */
  lastWriteAt: Map<string, number>;
}

export function handOut(state: State, value: string | undefined): void {
  if (value !== undefined && value !== '') state.handedOut.add(value);
}
