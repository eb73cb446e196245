/**
 * The subset of OData $filter that Microsoft Graph supports on applications and service principals without
 * advanced query parameters: eq on a few properties, startswith, in, lambda any() on string collections,
 * combined with and / or / parentheses. String literals use single quotes with '' as the escape.
 */

export interface FilterProperty {
  /** Reads the (possibly collection-valued) property. */
  get(obj: unknown): unknown;
  ops: ReadonlyArray<'eq' | 'ne' | 'startswith' | 'in' | 'any'>;
}

export interface FilterError {
  status: number;
  code: string;
  message: string;
}

export type Predicate = (obj: unknown) => boolean;

type Tok = { t: 'str'; v: string } | { t: 'word'; v: string } | { t: 'punct'; v: string };

function tokenize(s: string): Tok[] | undefined {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) return undefined; // unterminated
        const d = s[i] ?? '';
        if (d === "'") {
          if (s[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += d;
        i++;
      }
      out.push({ t: 'str', v });
    } else if ('(),:'.includes(c)) {
      out.push({ t: 'punct', v: c });
      i++;
    } else {
      const m = /^[A-Za-z0-9_.\-/@$]+/.exec(s.slice(i));
      if (!m) return undefined;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function eqCi(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
}

/**
 * Parse `$filter` for a resource. `advanced` is true when the client sent ConsistencyLevel: eventual
 * (only then are ne / not allowed, as in Graph).
 */
export function parseFilter(
  filter: string,
  resource: string,
  props: Record<string, FilterProperty>,
  advanced: boolean,
): Predicate | FilterError {
  const toks = tokenize(filter);
  const IN_MAX = 15;
  const syntax = (detail: string): FilterError => ({ status: 400, code: 'BadRequest', message: `Invalid filter clause: ${detail}` });
  if (!toks || toks.length === 0) return syntax('The filter expression could not be parsed.');
  const unsupported = (prop: string): FilterError => ({
    status: 400,
    code: 'Request_UnsupportedQuery',
    message: `Unsupported or invalid query filter clause specified for property '${prop}' of resource '${resource}'.`,
  });
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const isWord = (t: Tok | undefined, w: string): boolean => t?.t === 'word' && t.v.toLowerCase() === w;
  const isPunct = (t: Tok | undefined, p: string): boolean => t?.t === 'punct' && t.v === p;
  const lookup = (name: string): [string, FilterProperty] | undefined => {
    const key = Object.keys(props).find((k) => k.toLowerCase() === name.toLowerCase());
    const p = key === undefined ? undefined : props[key];
    return key !== undefined && p ? [key, p] : undefined;
  };

  const literal = (): string | null | FilterError => {
    const t = peek();
    if (t?.t === 'str') {
      pos++;
      return t.v;
    }
    if (isWord(t, 'null')) {
      pos++;
      return null;
    }
    return syntax(`Expected a string literal at position ${pos}.`);
  };

  const expect = (p: string): FilterError | undefined => {
    if (!isPunct(peek(), p)) return syntax(`Expected '${p}'.`);
    pos++;
    return undefined;
  };

  function primary(): Predicate | FilterError {
    const t = peek();
    if (isPunct(t, '(')) {
      pos++;
      const e = orExpr();
      if (typeof e !== 'function') return e;
      const err = expect(')');
      return err ?? e;
    }
    if (isWord(t, 'not')) {
      pos++;
      if (!advanced) return { status: 400, code: 'Request_UnsupportedQuery', message: "Operator 'not' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information" };
      const e = primary();
      return typeof e === 'function' ? (o) => !e(o) : e;
    }
    if (isWord(t, 'startswith')) {
      pos++;
      let err = expect('(');
      if (err) return err;
      const pt = peek();
      if (pt?.t !== 'word') return syntax('Expected a property name.');
      pos++;
      const p = lookup(pt.v);
      if (!p || !p[1].ops.includes('startswith')) return unsupported(pt.v);
      err = expect(',');
      if (err) return err;
      const lit = literal();
      if (lit !== null && typeof lit === 'object') return lit;
      err = expect(')');
      if (err) return err;
      const prop = p[1];
      return (o) => {
        const v = prop.get(o);
        return typeof v === 'string' && typeof lit === 'string' && v.toLowerCase().startsWith(lit.toLowerCase());
      };
    }
    if (t?.t !== 'word') return syntax(`Unexpected token at position ${pos}.`);
    pos++;
    // Lambda: prop/any(x:x eq 'v')
    const lambda = /^(.+)\/any$/i.exec(t.v);
    if (lambda) {
      const name = lambda[1] ?? '';
      const p = lookup(name);
      if (!p || !p[1].ops.includes('any')) return unsupported(name);
      let err = expect('(');
      if (err) return err;
      const v1 = peek();
      if (v1?.t !== 'word') return syntax('Expected a lambda variable.');
      pos++;
      err = expect(':');
      if (err) return err;
      const v2 = peek();
      if (v2?.t !== 'word' || v2.v !== v1.v) return syntax('Expected the lambda variable.');
      pos++;
      if (!isWord(peek(), 'eq')) return unsupported(name);
      pos++;
      const lit = literal();
      if (lit !== null && typeof lit === 'object') return lit;
      err = expect(')');
      if (err) return err;
      const prop = p[1];
      return (o) => {
        const arr = prop.get(o);
        return Array.isArray(arr) && typeof lit === 'string' && arr.some((x) => eqCi(x, lit));
      };
    }
    const p = lookup(t.v);
    const op = peek();
    if (op?.t !== 'word') return syntax(`Expected an operator after '${t.v}'.`);
    const opName = op.v.toLowerCase();
    if (!['eq', 'ne', 'in', 'gt', 'ge', 'lt', 'le'].includes(opName)) return syntax(`Unknown operator '${op.v}'.`);
    if (!p) return unsupported(t.v);
    pos++;
    const prop = p[1];
    if (opName === 'in') {
      if (!prop.ops.includes('in')) return unsupported(p[0]);
      let err = expect('(');
      if (err) return err;
      const values: string[] = [];
      for (;;) {
        const lit = literal();
        if (lit !== null && typeof lit === 'object') return lit;
        if (typeof lit === 'string') values.push(lit);
        if (isPunct(peek(), ',')) {
          pos++;
          continue;
        }
        break;
      }
      err = expect(')');
      if (err) return err;
      // Graph limits a filter clause to 15 expressions by default (advanced queries are limited by URL length).
      if (!advanced && values.length > IN_MAX) {
        return { status: 400, code: 'Request_UnsupportedQuery', message: `Too many child clauses specified in search filter expression containing 'OR' operators: ${values.length}. Max allowed: ${IN_MAX}.` };
      }
      return (o) => values.some((v) => eqCi(prop.get(o), v));
    }
    if (opName === 'ne') {
      if (!advanced || !prop.ops.includes('ne')) return unsupported(p[0]);
      const lit = literal();
      if (lit !== null && typeof lit === 'object') return lit;
      return (o) => (lit === null ? prop.get(o) !== null : !eqCi(prop.get(o), lit));
    }
    if (opName !== 'eq' || !prop.ops.includes('eq')) return unsupported(p[0]);
    const lit = literal();
    if (lit !== null && typeof lit === 'object') return lit;
    return (o) => (lit === null ? prop.get(o) === null : eqCi(prop.get(o), lit));
  }

  function andExpr(): Predicate | FilterError {
    let left = primary();
    while (typeof left === 'function' && isWord(peek(), 'and')) {
      pos++;
      const right = primary();
      if (typeof right !== 'function') return right;
      const l = left;
      left = (o) => l(o) && right(o);
    }
    return left;
  }

  function orExpr(): Predicate | FilterError {
    let left = andExpr();
    while (typeof left === 'function' && isWord(peek(), 'or')) {
      pos++;
      const right = andExpr();
      if (typeof right !== 'function') return right;
      const l = left;
      left = (o) => l(o) || right(o);
    }
    return left;
  }

  const result = orExpr();
  if (typeof result === 'function' && pos !== toks.length) return syntax(`Unexpected token at position ${pos}.`);
  return result;
}
