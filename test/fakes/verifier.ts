/**
 * Entra's token endpoint as the SecretVerifier port sees it. Mirrors src/adapters/entra.ts: a new secret may be
 * refused for seconds (AADSTS7000215) and the adapter asks again within a budget (60 s in production), so the
 * core sees either "accepted" after the wait (on the clock) or the refusal once the budget is spent; a missing
 * service principal (AADSTS7000229) is returned at once when the caller says it may be missing, else waited out as
 * replication and then refused.
 */
import { ServiceError } from '../../src/core/errors.ts';
import type { AppRegistration } from '../../src/core/model.ts';
import type { SecretVerifier } from '../../src/core/ports.ts';
import type { Secret } from '../../src/core/secret.ts';
import type { FakeDirectory } from './directory.ts';
import type { World } from './faults.ts';

export class FakeVerifier implements SecretVerifier {
  /** How long after addPassword Entra starts to accept a new secret (4-18 s seen on real tenants). */
  propagationMs = 0;
  /** How long the adapter keeps asking. */
  budgetMs = 60_000;
  readonly #world: World;
  readonly #directory: FakeDirectory;

  constructor(world: World, directory: FakeDirectory) {
    this.#world = world;
    this.#directory = directory;
  }

  accepts(app: AppRegistration, value: Secret, options: { servicePrincipalMayBeMissing: boolean }): Promise<'accepted' | 'no-service-principal'> {
    return this.#check(app, value, options, 'client secret');
  }

  acceptsCertificate(app: AppRegistration, pem: Secret, options: { servicePrincipalMayBeMissing: boolean }): Promise<'accepted' | 'no-service-principal'> {
    return this.#check(app, pem, options, 'certificate');
  }

  #check(app: AppRegistration, value: Secret, options: { servicePrincipalMayBeMissing: boolean }, noun: string): Promise<'accepted' | 'no-service-principal'> {
    const doing = `checking that Entra accepts the new ${noun} of '${app.displayName}' (signing in as ${app.appId})`;
    return this.#world.serve('accepts', app.displayName, doing, () => {
      const clock = this.#world.clock;
      const started = clock.now().getTime();
      if (!this.#directory.servicePrincipals.has(app.appId)) {
        if (options.servicePrincipalMayBeMissing) return 'no-service-principal' as const;
        clock.advance(this.budgetMs);
        throw refused(doing, 'AADSTS7000229', 'The client application is missing service principal in the tenant.');
      }
      const fakeApp = this.#directory.byAppId(app.appId);
      const secret = fakeApp?.passwords.find((p) => p.value === value.reveal()) ?? fakeApp?.certificates.find((c) => c.pem === value.reveal());
      if (secret === undefined || secret.endDateTime.getTime() <= started) {
        clock.advance(this.budgetMs);
        throw refused(doing, 'AADSTS7000215', 'Invalid client secret provided.');
      }
      const acceptedFrom = secret.startDateTime.getTime() + this.propagationMs;
      if (acceptedFrom - started > this.budgetMs) {
        clock.advance(this.budgetMs);
        throw refused(doing, 'AADSTS7000215', 'Invalid client secret provided.');
      }
      clock.advanceTo(new Date(acceptedFrom));
      return 'accepted' as const;
    });
  }
}

function refused(doing: string, code: string, detail: string): ServiceError {
  return new ServiceError({ service: 'Microsoft Entra ID', doing, status: 401, code, requestId: 'fake-trace', detail, hint: 'run again later' });
}
