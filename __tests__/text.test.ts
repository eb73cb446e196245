import { NEVER_SENT_CODES } from '../src/adapters/tls';
import { inShard } from '../src/core/fleet';
import { federatedName } from '../src/core/reconcile';
import { cell, day, editDistance, fnv1a, utf8Length } from '../src/core/text';

describe('fnv1a: one hash for shards and federated credential names', () => {
  // Pinned: a fleet's shards and the names of federated credentials already made must not move between versions.
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['app-name:billing-api', 3489684180],
    ['app-id:95c57a1e-0000-4000-8000-000000000095', 1451060378],
    ['repo:octo-org/billing:environment:production', 0x7cd648b3],
  ])('%j hashes to %d', (text, hash) => {
    expect(fnv1a(text)).toBe(hash);
  });

  it('keeps the shard of ASCII app keys', () => {
    expect([1, 2, 3].map((index) => inShard('app-id:95c57a1e-0000-4000-8000-000000000095', { index, count: 3 }))).toEqual([false, false, true]);
    expect([1, 2, 3].map((index) => inShard('app-name:invoices', { index, count: 3 }))).toEqual([false, true, false]);
    expect([1, 2].map((index) => inShard('app-name:invoices', { index, count: 2 }))).toEqual([true, false]);
  });

  it('keeps the hash suffix of a long ASCII subject, and hashes the UTF-8 bytes of any other', () => {
    const long = `repo:octo-org/${'a'.repeat(120)}:environment:production`;
    expect(federatedName(long)).toBe(`gha-octo-org-${'a'.repeat(98)}-cdae7dee`);
    // The UTF-8 bytes, as shards have always been hashed (the UTF-16 units of an earlier version gave ca1ea74f).
    expect(federatedName(long.replace('production', 'prodüction')).slice(-8)).toBe('cbd50dfe');
  });
});

describe('the small text helpers', () => {
  it('counts edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('secret-name', 'secret-name')).toBe(0);
    expect(editDistance('Secret', 'secret')).toBe(1);
  });

  it('writes a day and a table cell', () => {
    expect(day(new Date('2026-12-02T23:59:59Z'))).toBe('2026-12-02');
    expect(cell('a|b\nc')).toBe('a\\|b c');
  });

  it('counts UTF-8 bytes, not UTF-16 units', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('ü')).toBe(2);
    expect(utf8Length('✅')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
  });
});

describe('failures before a request left', () => {
  // Graph and GitHub share one list: a request that never left cannot have taken effect, whichever service it was for.
  it('include an unreachable host or network and an untrusted certificate', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'SELF_SIGNED_CERT_IN_CHAIN']) {
      expect(NEVER_SENT_CODES.has(code)).toBe(true);
    }
    expect(NEVER_SENT_CODES.has('ECONNRESET')).toBe(false);
    expect(NEVER_SENT_CODES.has('ETIMEDOUT')).toBe(false);
  });
});
