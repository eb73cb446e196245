import { randomBytes, randomInt, randomUUID } from 'node:crypto';

export function guid(): string {
  return randomUUID();
}

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(s: string): boolean {
  return GUID_RE.test(s);
}

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export function randomChars(n: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const DIGITS = '0123456789';
const SECRET_TAIL = ALNUM + '~._-';

/** A client secret in Entra's current shape: 40 chars, e.g. 'abc8Q~' + 34 chars of [A-Za-z0-9~._-]. */
export function entraSecretText(): string {
  return randomChars(3, ALNUM) + randomChars(1, DIGITS) + 'Q~' + randomChars(34, SECRET_TAIL);
}

/** An opaque token that looks like a JWT (header.payload.signature, base64url). */
export function jwtLooking(payload: Record<string, unknown>): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: randomBytes(8).toString('hex') };
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.${base64url(randomBytes(64))}`;
}

/** '2026-11-23T17:01:02Z' (GitHub, Graph createdDateTime). */
export function isoSeconds(d: Date = new Date()): string {
  return d.toISOString().slice(0, 19) + 'Z';
}

/** Graph's 7-digit fraction form, '2026-11-23T17:01:02.1230000Z'; whole seconds stay '...:02Z'. */
export function graphDate(d: Date): string {
  const iso = d.toISOString();
  const ms = iso.slice(20, 23);
  return ms === '000' ? iso.slice(0, 19) + 'Z' : `${iso.slice(0, 19)}.${ms}0000Z`;
}

/** '2026-11-23 17:01:02Z' (Entra error timestamps). */
export function entraTimestamp(d: Date = new Date()): string {
  return d.toISOString().slice(0, 19).replace('T', ' ') + 'Z';
}

/** Strict ISO 8601 date-time with zone, as Graph accepts for Edm.DateTimeOffset. */
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseDateTimeOffset(v: unknown): Date | undefined {
  if (typeof v !== 'string' || !DATETIME_RE.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** GitHub-like x-github-request-id, e.g. 'C8A2:1F0C:3A5B2C:3D0E6A:6572F1A0'. */
export function githubRequestId(): string {
  const h = (n: number): string => randomBytes(n).toString('hex').toUpperCase();
  return `${h(2)}:${h(2)}:${h(3)}:${h(3)}:${h(4)}`;
}
