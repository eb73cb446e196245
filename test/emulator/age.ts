/** Emulator.age for the directory: every stored time moves into the past, as if that much time had passed. */
import type { State } from './state.ts';
import type { GraphApp } from './types.ts';
import { graphDate, isPlainObject } from './util.ts';

const back = (t: string, ms: number): string => graphDate(new Date(Date.parse(t) - ms));

/** startDateTime / endDateTime of a password or key credential, in place. */
function ageCredential(c: { startDateTime?: unknown; endDateTime?: unknown }, ms: number): void {
  if (typeof c.startDateTime === 'string') c.startDateTime = back(c.startDateTime, ms);
  if (typeof c.endDateTime === 'string') c.endDateTime = back(c.endDateTime, ms);
}

function ageApp(state: State, app: GraphApp, ms: number): void {
  app.createdDateTime = back(app.createdDateTime, ms);
  for (const p of app.passwordCredentials) {
    ageCredential(p, ms);
    const added = state.passwordAddedAt.get(p);
    if (added !== undefined) state.passwordAddedAt.set(p, added - ms);
  }
  const keys = app.extra['keyCredentials'];
  if (Array.isArray(keys)) {
    for (const k of keys) {
      if (!isPlainObject(k)) continue;
      ageCredential(k, ms);
      const added = state.keyAddedAt.get(k);
      if (added !== undefined) state.keyAddedAt.set(k, added - ms);
    }
  }
}

export function ageDirectory(state: State, ms: number): void {
  for (const app of state.graph.apps) ageApp(state, app, ms);
  for (const sp of state.graph.servicePrincipals) if (sp.createdDateTime !== null) sp.createdDateTime = back(sp.createdDateTime, ms);
  for (const token of state.accessTokens.values()) token.expiresAt -= ms;
}
