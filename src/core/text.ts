/** Small text helpers the core, the inputs and the reports share: one of each. */

/** 32-bit FNV-1a of a string's UTF-8 bytes: a stable hash (the same on every runner and run). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Levenshtein distance (insertions, deletions and substitutions), for "did you mean" hints. Case-sensitive. */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const next = [i];
    for (let j = 1; j <= b.length; j += 1) {
      next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** A date as a person reads it in a table or a line: `2026-12-02` (UTC). */
export function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Text fit for one cell of a Markdown table: no pipe ends the cell, no line break ends the row. */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Bytes of a text in UTF-8: what GitHub's size limits count. */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
