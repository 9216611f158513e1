// sql_diff.mjs: the differential test of evlake's SQL engine against DuckDB, driven by
// tests/sql/test_sql_diff.c (which builds the lake and copies this script next to DuckDB's npm
// package in build/duckdb).
//
//   node sql-diff.mjs --evlake BIN --home LAKE [--seed S] [--queries N] [--features] [--mutants N]
//                     [--only I] [--dump]
//
// Queries are written once in the Athena/Trino dialect (what evlake runs) and once in DuckDB's
// (the oracle), by a generator that knows both: integer division is `//` in DuckDB, decimal
// literals are DOUBLE, concat() is `||` (NULL in, NULL out), CAST(double AS BIGINT) rounds half
// away from zero, date_format's MySQL specifiers become strftime's, date_diff counts whole units
// of the microsecond difference (rule 3: DuckDB's date_sub looks at milliseconds), NULLS LAST is
// spelled out. Constructs whose answers differ between the two
// engines by design are not generated (they are asserted with exact values in test_sql_diff.c).
//
// evlake runs a whole batch in one process (`evlake sql -f`, JSON lines, a marker statement
// before each query); a query that fails ends the process, and the rest of the batch is run again
// in a new one. DuckDB reads the same Parquet files through a view with the partition columns as
// VARCHAR. Answers are compared by row count, column classes (integer, double, boolean, text),
// exact values for integers and text, 1e-9 relative for doubles, as multisets; when the query has
// an ORDER BY, evlake's rows must also be in that order (checked on evlake's own values), and a
// LIMIT is only generated under a total order, so the rows kept are defined.
//
// --features runs the hand-written queries of FEATURES (every construct of sql-dialect.md) before
// the random ones; --mutants N runs N wrong queries made from the random ones (an unknown column
// or function, a cut-off query, a type error, a GROUP BY position out of range), each alone: they
// must fail with "line L:C: ...", at the right place where the mutation says, and never crash.
// A process that hangs is killed (BATCH_TIMEOUT_MS, MUTANT_TIMEOUT_MS) and counts as a crash.
//
// Output: one JSON line per failure ({"kind":"mismatch"...}), per mismatch of a known bug
// ({"kind":"known"...}, see KNOWN_BUGS: reported, not failed on) and a last {"kind":"summary"...};
// exit status 0 when every query agreed, 1 otherwise, 2 on a usage or setup error. --dump prints
// the generated queries (both dialects) instead; --only I runs query I of the seed alone.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = { seed: 1, queries: 300, features: false, mutants: 0, only: -1, dump: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--evlake') o.evlake = next();
    else if (a === '--home') o.home = next();
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--queries') o.queries = Number(next());
    else if (a === '--mutants') o.mutants = Number(next());
    else if (a === '--only') o.only = Number(next());
    else if (a === '--features') o.features = true;
    else if (a === '--dump') o.dump = true;
    else usage(`unknown argument ${a}`);
  }
  if (!o.evlake || !o.home) usage('--evlake and --home are required');
  if (!Number.isInteger(o.seed) || !Number.isInteger(o.queries)) usage('--seed and --queries take integers');
  return o;
}

function usage(msg) {
  console.error(`sql-diff: ${msg}\nusage: node sql-diff.mjs --evlake BIN --home LAKE [--seed S] [--queries N] [--features] [--mutants N] [--only I] [--dump]`);
  process.exit(2);
}

// ---------------------------------------------------------------- random numbers (mulberry32)

class Rng {
  constructor(seed) { this.s = (seed >>> 0) ^ 0x9e3779b9; }
  next() {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n) { return Math.floor(this.next() * n); }
  range(lo, hi) { return lo + this.int(hi - lo + 1); }
  chance(p) { return this.next() < p; }
  pick(a) { return a[this.int(a.length)]; }
  // weighted choice: [[weight, value], ...]
  weighted(list) {
    let total = 0;
    for (const [w] of list) total += w;
    let x = this.next() * total;
    for (const [w, v] of list) if ((x -= w) < 0) return v;
    return list[list.length - 1][1];
  }
  shuffle(a) {
    const b = a.slice();
    for (let i = b.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [b[i], b[j]] = [b[j], b[i]];
    }
    return b;
  }
}

// ---------------------------------------------------------------- the data's vocabulary

const EVENT_TYPES = ['page_view', 'add_to_cart', 'remove_from_cart', 'purchase', 'search'];
const CATEGORIES = ['electronics', 'clothing', 'home', 'books', 'sports', 'toys'];
const SEARCHES = ['wireless headphones', 'running shoes', 'coffee maker', 'python books', 'yoga mat',
  'laptop stand', 'winter jacket', 'desk lamp'];
// the lake of test_sql_diff.c spans 2025-11-20 23:30 .. 2025-11-21 01:20 (UTC)
const TS_LITS = ['2025-11-20 23:45:00', '2025-11-21 00:00:00', '2025-11-21 00:10:30', '2025-11-21 00:30:00',
  '2025-11-21 00:45:00.5', '2025-11-21 01:00:00', '2025-11-21 01:05:00', '2025-11-20 00:00:00'];
const PART_VALUES = { year: ['2025', '2024'], month: ['11', '12'], day: ['20', '21', '22'], hour: ['23', '00', '01', '02'] };

// A value type: 'int' (INTEGER/BIGINT), 'double', 'varchar', 'bool', 'ts' (timestamp), 'date'.
// An expression: { t, tr (Trino text), dk (DuckDB text), agg (contains an aggregate) }.
const X = (t, tr, dk = tr, agg = false) => ({ t, tr, dk, agg });
const same = (t, s) => X(t, s, s);

// Columns of the events table (name as written, type, whether it holds NULLs, string length
// floor for negative substr starts).
function eventsScope(qual) {
  const q = qual ? `${qual}.` : '';
  const c = (name, t, nullable, extra = {}) => ({ ref: q + name, t, nullable, name, ...extra });
  return [
    c('"timestamp"', 'ts', false),
    c('user_id', 'varchar', false, { minLen: 7, id: true, card: 'high' }),
    c('session_id', 'varchar', false, { minLen: 7, id: true, card: 'high' }),
    c('event_type', 'varchar', false, { minLen: 6, values: EVENT_TYPES }),
    c('product_id', 'varchar', true, { minLen: 6, id: true, product: true }),
    c('category', 'varchar', true, { minLen: 4, values: CATEGORIES }),
    c('quantity', 'int', true, { small: true }),
    c('price', 'double', true),
    c('search_query', 'varchar', true, { minLen: 8, values: SEARCHES }),
    c('year', 'varchar', false, { part: true, values: PART_VALUES.year, digits: true }),
    c('month', 'varchar', false, { part: true, values: PART_VALUES.month, digits: true }),
    c('day', 'varchar', false, { part: true, values: PART_VALUES.day, digits: true }),
    c('hour', 'varchar', false, { part: true, values: PART_VALUES.hour, digits: true }),
  ];
}

// ---------------------------------------------------------------- expression generator

class Gen {
  constructor(rng, scope) {
    this.r = rng;
    this.scope = scope;
  }
  cols(t) { return this.scope.filter((c) => c.t === t); }
  col(t, pred = () => true) {
    const cs = this.cols(t).filter(pred);
    if (!cs.length) return null;
    const c = this.r.pick(cs);
    return { ...same(t, c.ref), c };
  }
  // keywords and function names: sometimes lower case in the Trino text (rule 5)
  k(s) { return this.r.chance(0.15) ? s.toLowerCase() : s; }

  intLit(lo = -5, hi = 60) { const v = this.r.range(lo, hi); return v < 0 ? same('int', `(${v})`) : same('int', String(v)); }
  dblLit() {
    const v = this.r.pick(['0.5', '1.5', '2.0', '10.0', '100.0', '0.25', '99.99', '150.0', '3.75', '1.0']);
    return X('double', v, `CAST(${v} AS DOUBLE)`);
  }
  strLitFor(c) {
    if (c && c.values && this.r.chance(0.85)) return this.r.pick(c.values);
    if (c && c.product) return `p_${this.r.range(1, 6)}00${this.r.range(1, 5)}`;
    if (c && c.id) return `${c.name[0]}_${this.r.range(10000, 99999)}`;
    return this.r.pick(['none', 'x', 'home', 'page_view', '', 'Books']);
  }
  tsLit() { const v = this.r.pick(TS_LITS); return same('ts', `TIMESTAMP '${v}'`); }

  expr(t, d) {
    switch (t) {
      case 'int': return this.int(d);
      case 'double': return this.dbl(d);
      case 'varchar': return this.str(d);
      case 'bool': return this.pred(d);
      case 'ts': return this.ts(d);
      case 'date': return this.date(d);
    }
    throw new Error(`type ${t}`);
  }
  // a number of either class
  num(d) { return this.r.chance(0.5) ? this.int(d) : this.dbl(d); }

  int(d) {
    const r = this.r, k = (s) => this.k(s);
    const leaf = () => {
      const c = this.col('int');
      if (c && r.chance(0.6)) return c;
      const ts = this.col('ts');
      if (ts && r.chance(0.5)) {
        const f = r.pick(['hour', 'minute', 'day', 'month', 'year', 'second']);
        return same('int', `${k(f)}(${ts.tr})`);
      }
      const s = this.col('varchar');
      if (s && r.chance(0.4)) return X('int', `${k('length')}(${s.tr})`, `length(${s.dk})`);
      return this.intLit();
    };
    if (d <= 0) return leaf();
    const choice = r.weighted([[6, 'leaf'], [3, 'add'], [2, 'mul'], [2, 'div'], [1, 'mod'], [1, 'divnull'],
      [2, 'coalesce'], [1, 'nullif'], [2, 'case'], [1, 'scase'], [1, 'abs'], [1, 'castd'], [1, 'castp'],
      [1, 'castid'], [1, 'datediff'], [1, 'dow'], [1, 'neg'], [1, 'round'], [1, 'floor']]);
    switch (choice) {
      case 'leaf': return leaf();
      case 'add': {
        const a = this.int(d - 1), b = this.int(d - 1), op = r.pick(['+', '-']);
        return X('int', `(${a.tr} ${op} ${b.tr})`, `(${a.dk} ${op} ${b.dk})`);
      }
      case 'mul': {
        const a = this.int(d - 1), b = this.intLit(-9, 9);
        return X('int', `(${a.tr} * ${b.tr})`, `(${a.dk} * ${b.dk})`);
      }
      case 'div': { // Trino's integer division truncates toward zero; DuckDB's // does too
        const a = this.int(d - 1);
        let v = r.range(-7, 7);
        if (v === 0) v = 3;
        const b = v < 0 ? `(${v})` : String(v);
        return X('int', `(${a.tr} / ${b})`, `(${a.dk} // ${b})`);
      }
      case 'mod': {
        const a = this.int(d - 1), v = r.range(2, 7);
        return X('int', `(${a.tr} % ${v})`, `(${a.dk} % ${v})`);
      }
      case 'divnull': {
        const a = this.int(d - 1), b = this.int(d - 1);
        return X('int', `(${a.tr} / ${k('NULLIF')}(${b.tr}, 0))`, `(${a.dk} // NULLIF(${b.dk}, 0))`);
      }
      case 'coalesce': {
        const a = this.int(d - 1), b = this.int(d - 1);
        return X('int', `${k('COALESCE')}(${a.tr}, ${b.tr})`, `COALESCE(${a.dk}, ${b.dk})`);
      }
      case 'nullif': {
        const a = this.int(d - 1), b = this.intLit(0, 5);
        return X('int', `${k('NULLIF')}(${a.tr}, ${b.tr})`, `NULLIF(${a.dk}, ${b.dk})`);
      }
      case 'case': return this.searchedCase('int', d);
      case 'scase': return this.simpleCase('int', d);
      case 'abs': { const a = this.int(d - 1); return X('int', `${k('abs')}(${a.tr})`, `abs(${a.dk})`); }
      case 'neg': { const a = this.int(d - 1); return X('int', `(- ${a.tr})`, `(- ${a.dk})`); }
      case 'round': { const a = this.int(d - 1); return X('int', `${k('round')}(${a.tr})`, `round(${a.dk})`); }
      case 'floor': { // floor(integer) is an integer in Trino, a double in DuckDB
        const a = this.int(d - 1), f = r.pick(['floor', 'ceil']);
        return X('int', `${k(f)}(${a.tr})`, `CAST(${f}(${a.dk}) AS BIGINT)`);
      }
      case 'castd': { // Trino rounds half away from zero; DuckDB's cast rounds half to even
        const a = this.dbl(d - 1), t = r.pick(['BIGINT', 'INTEGER']);
        return X('int', `${k('CAST')}(${a.tr} AS ${t})`, `CAST(round(${a.dk}) AS ${t})`);
      }
      case 'castp': {
        const c = this.col('varchar', (x) => x.digits);
        if (!c) return leaf();
        const t = r.pick(['BIGINT', 'INTEGER']), f = r.chance(0.2) ? 'TRY_CAST' : 'CAST';
        return X('int', `${k(f)}(${c.tr} AS ${t})`, `${f}(${c.dk} AS ${t})`);
      }
      case 'castid': { // 'u_48213' -> 48213
        const c = this.col('varchar', (x) => x.id && !x.product);
        if (!c) return leaf();
        if (r.chance(0.3)) // not a number: TRY_CAST gives NULL
          return X('int', `${k('TRY_CAST')}(${c.tr} AS BIGINT)`, `TRY_CAST(${c.dk} AS BIGINT)`);
        // five digits at most: the realistic profile's session ids have 14, whose sums overflow
        return X('int', `${k('CAST')}(${k('substr')}(${c.tr}, 3, 5) AS BIGINT)`, `CAST(substr(${c.dk}, 3, 5) AS BIGINT)`);
      }
      case 'datediff': { // whole units between, from microseconds (rule 3), truncated toward zero
        const a = this.ts(d - 1), b = this.tsLit(), u = r.pick(['second', 'minute', 'hour', 'day']);
        const [x, y] = r.chance(0.5) ? [a, b] : [b, a];
        const us = { second: 1e6, minute: 6e7, hour: 3.6e9, day: 8.64e10 }[u];
        return X('int', `${k('date_diff')}('${u}', ${x.tr}, ${y.tr})`, `((epoch_us(${y.dk}) - epoch_us(${x.dk})) // ${us})`);
      }
      case 'dow': {
        const a = this.ts(d - 1), f = r.pick(['day_of_week', 'day_of_year', 'quarter']);
        const dk = { day_of_week: 'isodow', day_of_year: 'dayofyear', quarter: 'quarter' }[f];
        return X('int', `${k(f)}(${a.tr})`, `${dk}(${a.dk})`);
      }
    }
    return leaf();
  }

  dbl(d) {
    const r = this.r, k = (s) => this.k(s);
    const leaf = () => {
      const c = this.col('double');
      if (c && r.chance(0.7)) return c;
      return this.dblLit();
    };
    if (d <= 0) return leaf();
    const choice = r.weighted([[6, 'leaf'], [3, 'arith'], [2, 'mixed'], [2, 'div'], [1, 'divnull'], [1, 'fromint'],
      [2, 'round'], [1, 'math'], [2, 'coalesce'], [1, 'nullif'], [2, 'case'], [1, 'mod'], [1, 'idiv']]);
    switch (choice) {
      case 'leaf': return leaf();
      case 'arith': {
        const a = this.dbl(d - 1), b = this.dbl(d - 1), op = r.pick(['+', '-', '*']);
        return X('double', `(${a.tr} ${op} ${b.tr})`, `(${a.dk} ${op} ${b.dk})`);
      }
      case 'mixed': { // int op double, double op int
        const a = this.dbl(d - 1), b = this.int(d - 1), op = r.pick(['+', '-', '*']);
        const [x, y] = r.chance(0.5) ? [a, b] : [b, a];
        return X('double', `(${x.tr} ${op} ${y.tr})`, `(${x.dk} ${op} ${y.dk})`);
      }
      case 'div': {
        const a = this.num(d - 1), b = this.dblLit();
        return X('double', `(${a.tr} / ${b.tr})`, `(${a.dk} / ${b.dk})`);
      }
      case 'idiv': { // integer / decimal literal: a double division (rule 1)
        const a = this.int(d - 1), v = r.pick(['2.0', '4.0', '0.5', '3.0']);
        return X('double', `(${a.tr} / ${v})`, `(${a.dk} / CAST(${v} AS DOUBLE))`);
      }
      case 'divnull': {
        const a = this.dbl(d - 1), b = this.num(d - 1);
        return X('double', `(${a.tr} / ${k('NULLIF')}(${b.tr}, 0))`, `(${a.dk} / NULLIF(${b.dk}, 0))`);
      }
      case 'fromint': {
        const a = this.int(d - 1);
        return X('double', `${k('CAST')}(${a.tr} AS DOUBLE)`, `CAST(${a.dk} AS DOUBLE)`);
      }
      case 'round': {
        const a = this.dbl(d - 1);
        if (r.chance(0.4)) return X('double', `${k('round')}(${a.tr})`, `round(${a.dk})`);
        const n = r.range(0, 2);
        return X('double', `${k('round')}(${a.tr}, ${n})`, `round(${a.dk}, ${n})`);
      }
      case 'math': {
        const a = this.dbl(d - 1), f = r.pick(['abs', 'floor', 'ceil']);
        return X('double', `${k(f)}(${a.tr})`, `${f}(${a.dk})`);
      }
      case 'coalesce': {
        const a = this.dbl(d - 1), b = r.chance(0.5) ? this.dblLit() : this.int(0);
        return X('double', `${k('COALESCE')}(${a.tr}, ${b.tr})`, `COALESCE(${a.dk}, ${b.dk})`);
      }
      case 'nullif': {
        const a = this.dbl(d - 1), b = this.dblLit();
        return X('double', `${k('NULLIF')}(${a.tr}, ${b.tr})`, `NULLIF(${a.dk}, ${b.dk})`);
      }
      case 'case': return this.searchedCase('double', d);
      case 'mod': {
        const a = this.dbl(d - 1), v = r.pick(['7.5', '10.0', '3.0']);
        return X('double', `(${a.tr} % ${v})`, `(${a.dk} % CAST(${v} AS DOUBLE))`);
      }
    }
    return leaf();
  }

  str(d) {
    const r = this.r, k = (s) => this.k(s);
    const leaf = () => {
      const c = this.col('varchar');
      if (c && r.chance(0.85)) return c;
      const v = this.strLitFor(null);
      return same('varchar', `'${v}'`);
    };
    if (d <= 0) return leaf();
    const choice = r.weighted([[7, 'leaf'], [2, 'case_map'], [2, 'substr'], [2, 'concat'], [1, 'concatf'],
      [1, 'fromint'], [2, 'coalesce'], [1, 'nullif'], [2, 'case'], [1, 'scase'], [2, 'datefmt'], [1, 'split'],
      [1, 'fromdate']]);
    switch (choice) {
      case 'leaf': return leaf();
      case 'case_map': {
        const a = this.str(d - 1), f = r.pick(['lower', 'upper']);
        return X('varchar', `${k(f)}(${a.tr})`, `${f}(${a.dk})`);
      }
      case 'substr': {
        const c = this.col('varchar');
        if (!c) return leaf();
        // negative starts only within the column's shortest value (DuckDB clamps, Trino gives '')
        const start = c.c.minLen && r.chance(0.3) ? -r.range(1, c.c.minLen - 1) : r.range(1, 4);
        if (r.chance(0.5)) return X('varchar', `${k('substr')}(${c.tr}, ${start})`, `substr(${c.dk}, ${start})`);
        const n = r.range(0, 5);
        return X('varchar', `${k('substr')}(${c.tr}, ${start}, ${n})`, `substr(${c.dk}, ${start}, ${n})`);
      }
      case 'concat': {
        const a = this.str(d - 1), b = r.chance(0.5) ? same('varchar', `'${r.pick(['-', '/', ':', ' '])}'`) : this.str(d - 1);
        return X('varchar', `(${a.tr} || ${b.tr})`, `(${a.dk} || ${b.dk})`);
      }
      case 'concatf': { // Trino's concat is NULL when an argument is; DuckDB's skips NULLs: use ||
        const n = r.range(2, 3), parts = [];
        for (let i = 0; i < n; i++) parts.push(i === 1 ? same('varchar', "'_'") : this.str(d - 1));
        return X('varchar', `${k('concat')}(${parts.map((p) => p.tr).join(', ')})`, `(${parts.map((p) => p.dk).join(' || ')})`);
      }
      case 'fromint': {
        const a = this.int(d - 1);
        return X('varchar', `${k('CAST')}(${a.tr} AS VARCHAR)`, `CAST(${a.dk} AS VARCHAR)`);
      }
      case 'coalesce': {
        const c = this.col('varchar', (x) => x.nullable) || this.col('varchar');
        if (!c) return leaf();
        return this.coalesceStr(c);
      }
      case 'nullif': {
        const c = this.col('varchar');
        if (!c) return leaf();
        const v = this.strLitFor(c.c);
        return X('varchar', `${k('NULLIF')}(${c.tr}, '${v}')`, `NULLIF(${c.dk}, '${v}')`);
      }
      case 'case': return this.searchedCase('varchar', d);
      case 'scase': return this.simpleCase('varchar', d);
      case 'datefmt': {
        const a = this.ts(d - 1);
        const f = r.pick(['%Y-%m-%d %H:00:00', '%Y-%m-%d', '%H:%i', '%Y%m%d%H', '%H:%i:%s', '%d/%m/%y %T', '%j %a %b', '%M %W %e %k', '%f', '%p %l %c']);
        return X('varchar', `${k('date_format')}(${a.tr}, '${f}')`, `strftime(${a.dk}, '${mysqlToStrftime(f)}')`);
      }
      case 'split': {
        const c = this.col('varchar', (x) => x.id);
        if (!c) return leaf();
        const i = r.range(1, 2);
        return X('varchar', `${k('split_part')}(${c.tr}, '_', ${i})`, `split_part(${c.dk}, '_', ${i})`);
      }
      case 'fromdate': {
        const a = this.date(d - 1);
        return X('varchar', `${k('CAST')}(${a.tr} AS VARCHAR)`, `CAST(${a.dk} AS VARCHAR)`);
      }
    }
    return leaf();
  }
  coalesceStr(c) {
    const v = this.strLitFor(c.c);
    return X('varchar', `${this.k('COALESCE')}(${c.tr}, '${v}')`, `COALESCE(${c.dk}, '${v}')`);
  }

  ts(d) {
    const r = this.r, k = (s) => this.k(s);
    const c = this.col('ts');
    const base = c || this.tsLit();
    if (d <= 0) return base;
    const choice = r.weighted([[5, 'leaf'], [3, 'trunc'], [1, 'add'], [1, 'iso'], [1, 'fromdate']]);
    switch (choice) {
      case 'trunc': {
        const u = r.pick(['second', 'minute', 'hour', 'day', 'month', 'week']);
        return X('ts', `${k('date_trunc')}('${u}', ${base.tr})`, `date_trunc('${u}', ${base.dk})`);
      }
      case 'add': {
        const u = r.pick(['second', 'minute', 'hour', 'day']), n = r.range(-90, 90);
        return X('ts', `${k('date_add')}('${u}', ${n}, ${base.tr})`, `(${base.dk} + INTERVAL (${n}) ${u.toUpperCase()})`);
      }
      case 'iso': {
        // UTC only: Trino keeps a value's zone (shown, and used by date() and hour()); evlake
        // normalizes to UTC, so other offsets are only used in comparisons (test_sql_diff.c)
        const v = r.pick(['2025-11-21T00:20:00Z', '2025-11-20T23:59:59.5Z', '2025-11-21T01:00:00+00:00', '2025-11-21T00:00:00.123456Z']);
        return X('ts', `${k('from_iso8601_timestamp')}('${v}')`, `CAST('${v.replace('T', ' ')}' AS TIMESTAMPTZ)`);
      }
      case 'fromdate': {
        const a = this.date(0);
        return X('ts', `${k('CAST')}(${a.tr} AS TIMESTAMP)`, `CAST(${a.dk} AS TIMESTAMP)`);
      }
    }
    return base;
  }

  date(d) {
    const r = this.r, k = (s) => this.k(s);
    const choice = d <= 0 ? r.pick(['date', 'cast', 'lit']) : r.pick(['date', 'cast', 'lit', 'date']);
    if (choice === 'lit' || !this.col('ts')) {
      const v = r.pick(['2025-11-20', '2025-11-21', '2025-11-22']);
      return same('date', `DATE '${v}'`);
    }
    const a = this.ts(d - 1);
    if (choice === 'date') return X('date', `${k('date')}(${a.tr})`, `CAST(${a.dk} AS DATE)`);
    return X('date', `${k('CAST')}(${a.tr} AS DATE)`, `CAST(${a.dk} AS DATE)`);
  }

  searchedCase(t, d) {
    const r = this.r, n = r.range(1, 3), K = (s) => this.k(s);
    let tr = `${K('CASE')}`, dk = 'CASE';
    for (let i = 0; i < n; i++) {
      const p = this.pred(d - 1), v = this.expr(t, d - 1);
      tr += ` ${K('WHEN')} ${p.tr} ${K('THEN')} ${v.tr}`;
      dk += ` WHEN ${p.dk} THEN ${v.dk}`;
    }
    const hasElse = r.chance(0.75);
    if (hasElse) {
      const v = this.expr(t, d - 1);
      tr += ` ${K('ELSE')} ${v.tr}`;
      dk += ` ELSE ${v.dk}`;
    }
    return { ...X(t, `${tr} ${K('END')}`, `${dk} END`), noElse: !hasElse };
  }
  simpleCase(t, d) {
    const r = this.r, K = (s) => this.k(s);
    const c = this.col('varchar', (x) => x.values) || this.col('int');
    if (!c) return this.searchedCase(t, d);
    let tr = `${K('CASE')} ${c.tr}`, dk = `CASE ${c.dk}`;
    const n = r.range(1, 3);
    for (let i = 0; i < n; i++) {
      const w = c.t === 'int' ? String(r.range(1, 5)) : `'${this.strLitFor(c.c)}'`;
      const v = this.expr(t, d - 1);
      tr += ` ${K('WHEN')} ${w} ${K('THEN')} ${v.tr}`;
      dk += ` WHEN ${w} THEN ${v.dk}`;
    }
    const hasElse = r.chance(0.7);
    if (hasElse) {
      const v = this.expr(t, d - 1);
      tr += ` ${K('ELSE')} ${v.tr}`;
      dk += ` ELSE ${v.dk}`;
    }
    return { ...X(t, `${tr} ${K('END')}`, `${dk} END`), noElse: !hasElse };
  }

  // ---- predicates
  pred(d) {
    const r = this.r, K = (s) => this.k(s);
    if (d > 0 && r.chance(0.35)) {
      const op = r.weighted([[4, 'AND'], [3, 'OR'], [2, 'NOT']]);
      if (op === 'NOT') { const a = this.pred(d - 1); return X('bool', `${K('NOT')} (${a.tr})`, `NOT (${a.dk})`); }
      const a = this.pred(d - 1), b = this.pred(d - 1);
      return X('bool', `(${a.tr} ${K(op)} ${b.tr})`, `(${a.dk} ${op} ${b.dk})`);
    }
    const kind = r.weighted([[5, 'cmpnum'], [4, 'cmpstr'], [3, 'isnull'], [3, 'in'], [2, 'between'], [3, 'like'],
      [2, 'cmpts'], [1, 'cmpdate'], [2, 'part'], [1, 'regexp'], [1, 'cmpcol']]);
    const cmpOp = () => r.pick(['=', '<>', '<', '<=', '>', '>=', '!=']);
    switch (kind) {
      case 'cmpnum': {
        const a = this.num(Math.max(0, d - 1));
        const b = a.t === 'double' || r.chance(0.3) ? (r.chance(0.5) ? this.dblLit() : same('int', String(r.range(0, 300))))
          : this.intLit(-2, 30);
        const op = cmpOp();
        return X('bool', `${a.tr} ${op} ${b.tr}`, `${a.dk} ${op} ${b.dk}`);
      }
      case 'cmpstr': {
        const c = this.col('varchar');
        if (!c) return this.predFallback();
        const a = r.chance(0.7) ? c : this.str(Math.max(0, d - 1));
        const v = this.strLitFor(c.c), op = r.chance(0.6) ? r.pick(['=', '<>']) : cmpOp();
        return X('bool', `${a.tr} ${op} '${v}'`, `${a.dk} ${op} '${v}'`);
      }
      case 'isnull': {
        const c = this.scope.filter((x) => x.t !== 'bool');
        const nullable = c.filter((x) => x.nullable);
        const pickFrom = nullable.length && r.chance(0.8) ? nullable : c;
        if (!pickFrom.length) return this.predFallback();
        const x = r.pick(pickFrom);
        const a = r.chance(0.8) ? same(x.t, x.ref) : this.expr(x.t === 'bool' ? 'int' : x.t, 1);
        const not = r.chance(0.5) ? ` ${K('NOT')}` : '';
        return X('bool', `${a.tr} ${K('IS')}${not} ${K('NULL')}`, `${a.dk} IS${not ? ' NOT' : ''} NULL`);
      }
      case 'in': {
        const not = r.chance(0.3);
        if (r.chance(0.55)) {
          const c = this.col('varchar', (x) => x.values || x.product);
          if (!c) return this.predFallback();
          const n = r.range(1, 4), vals = [];
          for (let i = 0; i < n; i++) vals.push(`'${this.strLitFor(c.c)}'`);
          if (r.chance(0.1)) vals.push('NULL');
          const tr = `${c.tr}${not ? ` ${K('NOT')}` : ''} ${K('IN')} (${vals.join(', ')})`;
          return X('bool', tr, `${c.dk}${not ? ' NOT' : ''} IN (${vals.join(', ')})`);
        }
        const a = this.int(Math.max(0, d - 1));
        const n = r.range(1, 4), vals = [];
        for (let i = 0; i < n; i++) vals.push(String(r.range(0, 6)));
        if (r.chance(0.1)) vals.push('NULL');
        return X('bool', `${a.tr}${not ? ` ${K('NOT')}` : ''} ${K('IN')} (${vals.join(', ')})`,
          `${a.dk}${not ? ' NOT' : ''} IN (${vals.join(', ')})`);
      }
      case 'between': {
        const not = r.chance(0.25) ? ` ${K('NOT')}` : '';
        const dkNot = not ? ' NOT' : '';
        if (r.chance(0.3)) {
          const c = this.col('ts');
          if (c) {
            const [x, y] = [this.tsLit(), this.tsLit()];
            return X('bool', `${c.tr}${not} ${K('BETWEEN')} ${x.tr} ${K('AND')} ${y.tr}`, `${c.dk}${dkNot} BETWEEN ${x.dk} AND ${y.dk}`);
          }
        }
        const a = this.num(Math.max(0, d - 1));
        const lo = r.range(0, 150), hi = lo + r.range(0, 150);
        const [x, y] = a.t === 'double' && r.chance(0.5) ? [`${lo}.5`, `${hi}.25`] : [String(lo), String(hi)];
        const xd = x.includes('.') ? `CAST(${x} AS DOUBLE)` : x, yd = y.includes('.') ? `CAST(${y} AS DOUBLE)` : y;
        return X('bool', `${a.tr}${not} ${K('BETWEEN')} ${x} ${K('AND')} ${y}`, `${a.dk}${dkNot} BETWEEN ${xd} AND ${yd}`);
      }
      case 'like': {
        const c = this.col('varchar');
        if (!c) return this.predFallback();
        const a = r.chance(0.8) ? c : this.str(Math.max(0, d - 1));
        const pats = ['p\\_1%', 'p_1%', '%view', '%o%', 'u\\_1____', 'u_2%', '%_%', '%', '', 'search', '%a%e%', '_a%', 'b%s', '%00%', '0_', '2%'];
        const p = r.pick(pats), not = r.chance(0.3);
        const esc = p.includes('\\') ? ` ${K('ESCAPE')} '\\'` : '';
        const dkEsc = p.includes('\\') ? " ESCAPE '\\'" : '';
        return X('bool', `${a.tr}${not ? ` ${K('NOT')}` : ''} ${K('LIKE')} '${p}'${esc}`, `${a.dk}${not ? ' NOT' : ''} LIKE '${p}'${dkEsc}`);
      }
      case 'cmpts': {
        const a = this.ts(Math.max(0, d - 1)), b = this.tsLit(), op = cmpOp();
        return X('bool', `${a.tr} ${op} ${b.tr}`, `${a.dk} ${op} ${b.dk}`);
      }
      case 'cmpdate': {
        const a = this.date(Math.max(0, d - 1)), v = r.pick(['2025-11-20', '2025-11-21']), op = cmpOp();
        return X('bool', `${a.tr} ${op} DATE '${v}'`, `${a.dk} ${op} DATE '${v}'`);
      }
      case 'part': { // partition columns are strings: compared with strings
        const c = this.col('varchar', (x) => x.part);
        if (!c) return this.predFallback();
        const v = r.pick(c.c.values);
        if (r.chance(0.3)) {
          const v2 = r.pick(c.c.values);
          return X('bool', `${c.tr} ${K('IN')} ('${v}', '${v2}')`, `${c.dk} IN ('${v}', '${v2}')`);
        }
        const op = cmpOp();
        return X('bool', `${c.tr} ${op} '${v}'`, `${c.dk} ${op} '${v}'`);
      }
      case 'regexp': {
        const c = this.col('varchar');
        if (!c) return this.predFallback();
        const p = r.pick(['^p_[12]', 'e[rs]', '[0-9]{3}$', '^(home|toys)$', 'o+', '_[5-9]']);
        return X('bool', `${this.k('regexp_like')}(${c.tr}, '${p}')`, `regexp_matches(${c.dk}, '${p}')`);
      }
      case 'cmpcol': {
        const t = r.pick(['int', 'double', 'varchar']);
        const a = this.expr(t, Math.max(0, d - 1)), b = this.expr(t, Math.max(0, d - 1)), op = cmpOp();
        return X('bool', `${a.tr} ${op} ${b.tr}`, `${a.dk} ${op} ${b.dk}`);
      }
    }
    return this.predFallback();
  }
  predFallback() {
    const a = this.int(0), v = this.r.range(0, 5);
    return X('bool', `${a.tr} >= ${v}`, `${a.dk} >= ${v}`);
  }

  // Does an expression read a column? An aggregate of a constant (AVG(99.99)) is the same
  // number in every group up to the last bit, which an ORDER BY .. LIMIT would break apart by
  // noise: aggregates always read a column.
  hasCol(x) {
    return this.scope.some((c) => x.tr.includes(c.ref));
  }
  withCol(make) {
    let x = make();
    for (let i = 0; i < 8 && !this.hasCol(x); i++) x = make();
    return x;
  }

  // ---- aggregates: { t, tr, dk, agg: true }
  aggregate() {
    const r = this.r, K = (s) => this.k(s);
    const kind = r.weighted([[4, 'count'], [3, 'countx'], [3, 'countd'], [4, 'sum'], [3, 'avg'], [3, 'minmax'],
      [2, 'countif'], [3, 'sumcase'], [1, 'ratio'], [1, 'idiv'], [1, 'revenue'], [1, 'roundavg'], [1, 'arith']]);
    switch (kind) {
      case 'count': return { ...X('int', `${K('COUNT')}(*)`, 'COUNT(*)', true), countStar: true };
      case 'countx': {
        const t = r.pick(['int', 'double', 'varchar', 'varchar', 'ts']), a = this.withCol(() => this.expr(t, r.range(0, 2)));
        return X('int', `${K('COUNT')}(${a.tr})`, `COUNT(${a.dk})`, true);
      }
      case 'countd': {
        const t = r.pick(['int', 'double', 'varchar', 'varchar', 'date']), a = this.withCol(() => this.expr(t, r.range(0, 1)));
        return X('int', `${K('COUNT')}(${K('DISTINCT')} ${a.tr})`, `COUNT(DISTINCT ${a.dk})`, true);
      }
      case 'sum': {
        const a = this.withCol(() => this.num(r.range(0, 2)));
        return X(a.t, `${K('SUM')}(${a.tr})`, `SUM(${a.dk})`, true);
      }
      case 'avg': {
        const a = this.withCol(() => this.num(r.range(0, 2)));
        return X('double', `${K('AVG')}(${a.tr})`, `AVG(${a.dk})`, true);
      }
      case 'minmax': {
        const t = r.pick(['int', 'double', 'varchar', 'ts', 'date']), a = this.withCol(() => this.expr(t, r.range(0, 2))), f = r.pick(['MIN', 'MAX']);
        return X(t, `${K(f)}(${a.tr})`, `${f}(${a.dk})`, true);
      }
      case 'countif': { // DuckDB's count_if is NULL over no true-or-false row; Trino's is 0
        const p = this.pred(1);
        return X('int', `${K('count_if')}(${p.tr})`, `COUNT(CASE WHEN ${p.dk} THEN 1 END)`, true);
      }
      case 'sumcase': {
        const p = this.pred(1), sp = r.chance(0.3) ? ' ' : '';
        return X('int', `${K('SUM')}${sp}(${K('CASE')} ${K('WHEN')} ${p.tr} ${K('THEN')} 1 ${K('ELSE')} 0 ${K('END')})`,
          `SUM(CASE WHEN ${p.dk} THEN 1 ELSE 0 END)`, true);
      }
      case 'ratio': { // rule 1: COUNT(*) * 100.0 / total is a DOUBLE
        const p = this.pred(1);
        return X('double', `${K('COUNT')}(*) * 100.0 / ${K('NULLIF')}(${K('SUM')}(${K('CASE')} ${K('WHEN')} ${p.tr} ${K('THEN')} 1 ${K('ELSE')} 0 ${K('END')}), 0)`,
          `COUNT(*) * CAST(100.0 AS DOUBLE) / NULLIF(SUM(CASE WHEN ${p.dk} THEN 1 ELSE 0 END), 0)`, true);
      }
      case 'idiv': { // bigint / bigint: integer division
        const a = this.withCol(() => this.int(1));
        return X('int', `${K('SUM')}(${a.tr}) / ${K('NULLIF')}(${K('COUNT')}(*), 0)`, `SUM(${a.dk}) // NULLIF(COUNT(*), 0)`, true);
      }
      case 'revenue': {
        const p = this.col('double', (c) => c.name === 'price'), q = this.col('int', (c) => c.name === 'quantity');
        if (!p || !q) return X('int', `${K('COUNT')}(*)`, 'COUNT(*)', true);
        return X('double', `${K('SUM')}(${p.tr} * ${q.tr})`, `SUM(${p.dk} * ${q.dk})`, true);
      }
      case 'roundavg': { // round of an average of integers: exact in both engines
        const a = this.withCol(() => this.int(1)), n = r.range(0, 3);
        return X('double', `${K('round')}(${K('AVG')}(${a.tr}), ${n})`, `round(AVG(${a.dk}), ${n})`, true);
      }
      case 'arith': {
        const a = this.aggregate(), b = this.aggregate();
        if (a.t !== 'int' && a.t !== 'double') return a;
        if (b.t !== 'int' && b.t !== 'double') return b;
        const op = r.pick(['+', '-', '*']);
        const t = a.t === 'double' || b.t === 'double' ? 'double' : 'int';
        return X(t, `(${a.tr} ${op} ${b.tr})`, `(${a.dk} ${op} ${b.dk})`, true);
      }
    }
    return X('int', 'COUNT(*)', 'COUNT(*)', true);
  }

  // A GROUP BY key: mostly low-cardinality columns and expressions. `high` marks the keys that
  // may make many groups (the query then gets an ORDER BY and a LIMIT); `low` asks for none.
  key(low = false) {
    const r = this.r, K = (s) => this.k(s);
    const kind = low ? r.weighted([[6, 'col'], [3, 'part'], [2, 'expr']]) : r.weighted([[6, 'col'], [3, 'part'], [3, 'expr'], [1, 'high'], [1, 'any']]);
    const lowCols = this.scope.filter((c) => !c.part && c.card !== 'high' && c.t !== 'ts' && c.t !== 'double' && !c.derived);
    if (kind === 'col' || (low && kind !== 'part')) {
      const cs = low ? lowCols : this.scope.filter((c) => !c.part && c.card !== 'high' && c.t !== 'ts' && (c.t !== 'double' || r.chance(0.2)));
      if (cs.length) { const c = r.pick(cs); return { ...same(c.t, c.ref), high: c.t === 'double' || !!c.derived }; }
    }
    if (kind === 'part' || low) {
      const cs = this.scope.filter((c) => c.part);
      if (cs.length) { const c = r.pick(cs); return same(c.t, c.ref); }
      if (low) return { ...this.expr('int', 0), high: true };
    }
    if (kind === 'high') {
      const cs = this.scope.filter((c) => c.card === 'high' || c.t === 'ts' || c.t === 'double');
      if (cs.length) { const c = r.pick(cs); return { ...same(c.t, c.ref), high: true }; }
    }
    if (kind === 'any') return { ...this.expr(r.pick(['int', 'varchar', 'double', 'date', 'bool']), 2), high: true };
    const ts = this.col('ts');
    const opts = [];
    if (ts) {
      opts.push(() => { const u = r.pick(['minute', 'hour', 'day']); return X('ts', `${K('date_trunc')}('${u}', ${ts.tr})`, `date_trunc('${u}', ${ts.dk})`); });
      opts.push(() => X('int', `${K('hour')}(${ts.tr})`, `hour(${ts.dk})`));
      opts.push(() => X('int', `${K('minute')}(${ts.tr}) / 10`, `minute(${ts.dk}) // 10`));
      opts.push(() => X('date', `${K('date')}(${ts.tr})`, `CAST(${ts.dk} AS DATE)`));
      opts.push(() => X('varchar', `${K('date_format')}(${ts.tr}, '%Y-%m-%d %H:00:00')`, `strftime(${ts.dk}, '%Y-%m-%d %H:00:00')`));
    }
    opts.push(() => ({ ...this.str(1), high: true }));
    opts.push(() => ({ ...this.int(1), high: true }));
    opts.push(() => ({ ...this.searchedCase(r.pick(['varchar', 'int']), 1), high: true }));
    return r.pick(opts)();
  }
}

// MySQL date_format specifiers (Trino's date_format) to strftime's (DuckDB's)
function mysqlToStrftime(f) {
  const map = { Y: '%Y', y: '%y', m: '%m', c: '%-m', d: '%d', e: '%-d', H: '%H', k: '%-H', h: '%I', I: '%I', l: '%-I',
    i: '%M', s: '%S', S: '%S', f: '%f', p: '%p', T: '%H:%M:%S', M: '%B', b: '%b', W: '%A', a: '%a', j: '%j' };
  return f.replace(/%(.)/g, (m, s) => map[s] ?? s);
}

// ---------------------------------------------------------------- query generator
//
// A query: { tr, dk, order: [{col, desc, nullsFirst}], ncols, shape }. `order` lists the output
// columns evlake's rows must be sorted by (empty: any order).

const NULLS = (nullsFirst) => (nullsFirst ? 'NULLS FIRST' : 'NULLS LAST');

function fromEvents(g) {
  const r = g.r;
  const name = r.weighted([[6, 'events'], [2, 'analytics.events'], [1, 'EVENTS']]);
  if (r.chance(0.2)) {
    g.scope = eventsScope('e');
    return { tr: `${name} e`, dk: `${name === 'EVENTS' ? 'events' : name} e`, table: true };
  }
  g.scope = eventsScope(null);
  return { tr: name, dk: name === 'EVENTS' ? 'events' : name, table: true };
}

// ORDER BY over output columns `cols` ([{alias, tr, dk}]); `total`: the listed columns
// (indices) must all be included so the order is total. Returns {tr, dk, order}.
function orderBy(g, cols, mustInclude, wantTotal, allowed = null) {
  const r = g.r, K = (s) => g.k(s);
  let idx = r.shuffle(allowed || cols.map((_, i) => i));
  let n = wantTotal ? idx.length : r.range(1, Math.min(3, idx.length));
  idx = idx.slice(0, n);
  if (wantTotal) for (const m of mustInclude) if (!idx.includes(m)) idx.push(m);
  const tr = [], dk = [], order = [];
  for (const i of idx) {
    const desc = r.chance(0.4), nf = r.chance(0.2) ? true : r.chance(0.25) ? false : null;
    const how = r.weighted([[5, 'alias'], [2, 'ordinal'], [2, 'expr']]);
    let a, b;
    if (how === 'ordinal') a = b = String(i + 1);
    // an expression is repeated, unless it is a bare number (that would be an ordinal)
    else if (how === 'expr' && cols[i].tr && !/^\(?\s*-?\s*[0-9.]+\s*\)?$|^'[^']*'$/.test(cols[i].tr)) { a = cols[i].tr; b = cols[i].dk; } else a = b = cols[i].alias;
    tr.push(`${a}${desc ? ` ${K('DESC')}` : r.chance(0.2) ? ` ${K('ASC')}` : ''}${nf === null ? '' : ` ${K(NULLS(nf))}`}`);
    dk.push(`${b}${desc ? ' DESC' : ' ASC'} ${NULLS(nf === true)}`);
    order.push({ col: i, desc, nullsFirst: nf === true });
  }
  return { tr: ` ${K('ORDER BY')} ${tr.join(', ')}`, dk: ` ORDER BY ${dk.join(', ')}`, order };
}

function whereClause(g, p = 0.75) {
  if (!g.r.chance(p)) return { tr: '', dk: '' };
  const w = g.pred(g.r.range(0, 3));
  return { tr: ` ${g.k('WHERE')} ${w.tr}`, dk: ` WHERE ${w.dk}` };
}

// SELECT keys, aggregates FROM <from> WHERE .. GROUP BY .. HAVING .. ORDER BY .. LIMIT
function aggQuery(g, from, opts = {}) {
  const r = g.r, K = (s) => g.k(s);
  const nk = opts.nkeys ?? (r.chance(0.1) ? 0 : r.weighted([[5, 1], [4, 2], [2, 3], [1, 4], [1, 5]]));
  const keys = [];
  for (let i = 0; i < nk; i++) keys.push(g.key(opts.low));
  const high = keys.some((k) => k.high) && !opts.noOrder;
  // a bare number in GROUP BY is an ordinal: a constant key is grouped by its position
  const numeric = (k) => /^\(?\s*-?\s*[0-9.]+\s*\)?$/.test(k.tr);
  const hidden = nk > 0 && !high && !numeric(keys[0]) && !opts.noHidden && r.chance(0.1); // a key that is not selected
  const cols = [];
  keys.forEach((k, i) => { if (!(hidden && i === 0)) cols.push({ ...k, alias: `k${i}` }); });
  const na = r.weighted([[3, 1], [3, 2], [2, 3], [1, 4]]);
  const aggs = [];
  for (let i = 0; i < na; i++) aggs.push({ ...g.aggregate(), alias: `a${i}` });
  cols.push(...aggs);
  if (opts.extra) for (const e of opts.extra(cols)) cols.push(e);
  const order0 = r.shuffle(cols.map((_, i) => i));
  const sel = order0.map((i) => cols[i]);
  const w = whereClause(g);
  const known = undefined;
  let tr = `${K('SELECT')} ${sel.map((c) => `${c.tr} ${r.chance(0.8) ? K('AS') + ' ' : ''}${c.alias}`).join(', ')} ${K('FROM')} ${from.tr}${w.tr}`;
  let dk = `SELECT ${sel.map((c) => `${c.dk} AS ${c.alias}`).join(', ')} FROM ${from.dk}${w.dk}`;
  if (nk > 0) {
    const gtr = [], gdk = [];
    keys.forEach((k, i) => {
      const pos = sel.findIndex((c) => c.alias === `k${i}`);
      if (pos >= 0 && (numeric(k) || r.chance(0.35))) { gtr.push(String(pos + 1)); gdk.push(String(pos + 1)); } else { gtr.push(k.tr); gdk.push(k.dk); }
    });
    tr += ` ${K('GROUP BY')} ${gtr.join(', ')}`;
    dk += ` GROUP BY ${gdk.join(', ')}`;
  }
  if (r.chance(0.25)) {
    const a = r.chance(0.7) ? g.aggregate() : null;
    let h;
    if (a && (a.t === 'int' || a.t === 'double')) {
      const op = r.pick(['>', '>=', '<', '<>']), v = r.range(0, a.t === 'int' ? 50 : 500);
      h = X('bool', `${a.tr} ${op} ${v}`, `${a.dk} ${op} ${v}`);
    } else if (nk > 0 && keys[0].t === 'varchar') {
      h = X('bool', `${keys[0].tr} ${K('IS NOT NULL')}`, `${keys[0].dk} IS NOT NULL`);
    } else {
      const v = r.range(0, 20);
      h = X('bool', `${K('COUNT')}(*) > ${v}`, `COUNT(*) > ${v}`);
    }
    tr += ` ${K('HAVING')} ${h.tr}`;
    dk += ` HAVING ${h.dk}`;
  }
  // keys that make the order total: every selected key (no hidden key)
  const keyCols = sel.map((c, i) => (c.alias.startsWith('k') ? i : -1)).filter((i) => i >= 0);
  let order = [];
  if (!opts.noOrder && (high || r.chance(0.6))) {
    const canTotal = !hidden;
    const wantLimit = canTotal && (high || r.chance(0.6));
    const o = orderBy(g, sel, keyCols, wantLimit);
    tr += o.tr;
    dk += o.dk;
    order = o.order;
    if (wantLimit) {
      const n = r.range(1, 30);
      tr += ` ${K('LIMIT')} ${n}`;
      dk += ` LIMIT ${n}`;
    }
  }
  return { tr, dk, order, ncols: sel.length, cols: sel, known };
}

// SELECT expressions FROM <from> WHERE .. [ORDER BY everything LIMIT n]
function projQuery(g, from) {
  const r = g.r, K = (s) => g.k(s);
  const n = r.range(1, 5), cols = [];
  for (let i = 0; i < n; i++) {
    const t = r.weighted([[3, 'varchar'], [2, 'int'], [2, 'double'], [1, 'ts'], [1, 'date'], [1, 'bool']]);
    cols.push({ ...g.expr(t, r.range(0, 3)), alias: `c${i}` });
  }
  const distinct = r.chance(0.2);
  const w = whereClause(g, distinct ? 0.5 : 0.95);
  const limited = r.chance(distinct ? 0.5 : 0.8);
  const id = g.col('varchar', (c) => c.name === 'user_id' || c.name === 'session_id');
  if (!limited && id) { // about 1% of the rows
    const f = `${id.tr} ${K('LIKE')} '${id.c.name[0]}_${r.range(1, 9)}${r.range(0, 9)}%'`;
    const fd = f.replace(/ like /i, ' LIKE ');
    w.tr = w.tr ? `${w.tr} ${K('AND')} ${f}` : ` ${K('WHERE')} ${f}`;
    w.dk = w.dk ? `${w.dk} AND ${fd}` : ` WHERE ${fd}`;
  }
  const D = distinct ? `${K('DISTINCT')} ` : '';
  let tr = `${K('SELECT')} ${D}${cols.map((c) => `${c.tr} ${K('AS')} ${c.alias}`).join(', ')} ${K('FROM')} ${from.tr}${w.tr}`;
  let dk = `SELECT ${distinct ? 'DISTINCT ' : ''}${cols.map((c) => `${c.dk} AS ${c.alias}`).join(', ')} FROM ${from.dk}${w.dk}`;
  let order = [];
  // without a LIMIT the WHERE keeps the result small enough most of the time; a LIMIT needs an
  // order over every column (ties are then equal rows)
  if (limited) {
    const o = orderBy(g, cols, cols.map((_, i) => i), true);
    const lim = r.range(1, 40);
    tr += `${o.tr} ${K('LIMIT')} ${lim}`;
    dk += `${o.dk} LIMIT ${lim}`;
    order = o.order;
  } else if (r.chance(0.3)) {
    const o = orderBy(g, cols, [], false);
    tr += o.tr;
    dk += o.dk;
    order = o.order;
  }
  return { tr, dk, order, ncols: cols.length, cols };
}

// The output columns of a query as a scope for an outer query.
function scopeOf(q, qual) {
  return q.cols.map((c) => ({ ref: (qual ? `${qual}.` : '') + c.alias, name: c.alias, t: c.t, nullable: true, derived: true }));
}

function cteQuery(g) {
  const r = g.r, K = (s) => g.k(s);
  const from = fromEvents(g);
  if (r.chance(0.5)) {
    // WITH t AS (aggregate) SELECT .. FROM t WHERE .. ORDER BY ..
    const inner = aggQuery(g, from, { noOrder: true, nkeys: r.range(1, 3), low: true });
    g.scope = scopeOf(inner, null);
    const outCols = inner.cols.filter(() => r.chance(0.8));
    if (!outCols.length) outCols.push(inner.cols[0]);
    const cols = outCols.map((c, i) => ({ ...same(c.t, c.alias), alias: `o${i}`, t: c.t }));
    if (r.chance(0.5)) {
      // not over a SUM or AVG of doubles: its last digits depend on the order of the additions in
      // either engine, and % or a CAST to BIGINT turns them into differences past the tolerance
      const all = g.scope;
      g.scope = all.filter((c) => !(c.t === 'double' && /^a[0-9]+$/.test(c.name)));
      cols.push({ ...g.expr(r.pick(['int', 'double', 'varchar']), 1), alias: `o${cols.length}` });
      g.scope = all;
    }
    const w = whereClause(g, 0.6);
    let tr = `${K('WITH')} t ${K('AS')} (${inner.tr}) ${K('SELECT')} ${cols.map((c) => `${c.tr} ${K('AS')} ${c.alias}`).join(', ')} ${K('FROM')} t${w.tr}`;
    let dk = `WITH t AS (${inner.dk}) SELECT ${cols.map((c) => `${c.dk} AS ${c.alias}`).join(', ')} FROM t${w.dk}`;
    let order = [];
    if (r.chance(0.5)) {
      const o = orderBy(g, cols, [], false);
      tr += o.tr;
      dk += o.dk;
      order = o.order;
    }
    return { tr, dk, order, ncols: cols.length, cols };
  }
  // SELECT .. FROM (SELECT expressions FROM events WHERE ..) s GROUP BY ..
  const n = r.range(2, 4), icols = [];
  for (let i = 0; i < n; i++) {
    const t = r.weighted([[3, 'varchar'], [2, 'int'], [2, 'double'], [1, 'ts'], [1, 'date']]);
    icols.push({ ...g.expr(t, r.range(0, 2)), alias: `x${i}` });
  }
  const w = whereClause(g, 0.7);
  const innerTr = `${K('SELECT')} ${icols.map((c) => `${c.tr} ${K('AS')} ${c.alias}`).join(', ')} ${K('FROM')} ${from.tr}${w.tr}`;
  const innerDk = `SELECT ${icols.map((c) => `${c.dk} AS ${c.alias}`).join(', ')} FROM ${from.dk}${w.dk}`;
  const useCte = r.chance(0.4);
  g.scope = scopeOf({ cols: icols }, useCte ? null : 's');
  const outer = aggQuery(g, useCte ? { tr: 's', dk: 's' } : { tr: `(${innerTr}) s`, dk: `(${innerDk}) s` }, {});
  if (useCte) {
    outer.tr = `${K('WITH')} s ${K('AS')} (${innerTr}) ${outer.tr}`;
    outer.dk = `WITH s AS (${innerDk}) ${outer.dk}`;
  }
  return outer;
}

function unionQuery(g) {
  const r = g.r, K = (s) => g.k(s);
  const t = r.pick(['varchar', 'int', 'date']);
  const parts = [], n = r.range(2, 3);
  for (let i = 0; i < n; i++) {
    const from = fromEvents(g);
    let k = g.key(true);
    for (let tries = 0; k.t !== t && tries < 20; tries++) k = g.key(true);
    if (k.t !== t) k = g.expr(t, 1);
    const at = i === 0 ? r.pick(['int', 'double']) : parts[0].at;
    const aa = at === 'int' ? same('int', `${K('COUNT')}(*)`) : same('double', `${K('SUM')}(${r.pick(['price', 'price * quantity'])})`);
    const w = whereClause(g, 0.7);
    // a bare number in GROUP BY is an ordinal: a constant key is grouped by its position, 1
    const lit = /^\(?\s*-?\s*[0-9.]+\s*\)?$/.test(k.tr);
    parts.push({
      at: aa.t,
      tr: `${K('SELECT')} ${k.tr} ${K('AS')} u0, ${aa.tr} ${K('AS')} u1, '${i}' ${K('AS')} u2 ${K('FROM')} ${from.tr}${w.tr} ${K('GROUP BY')} ${lit ? '1' : k.tr}`,
      dk: `SELECT ${k.dk} AS u0, ${aa.dk} AS u1, '${i}' AS u2 FROM ${from.dk}${w.dk} GROUP BY ${lit ? '1' : k.dk}`,
    });
  }
  let tr = parts.map((p) => p.tr).join(` ${K('UNION ALL')} `);
  let dk = parts.map((p) => p.dk).join(' UNION ALL ');
  const cols = [{ alias: 'u0', t }, { alias: 'u1', t: parts[0].at }, { alias: 'u2', t: 'varchar' }];
  let order = [];
  if (r.chance(0.5)) {
    // the branches sum the same doubles in other orders: equal sums may differ in the last bit,
    // so a LIMIT only follows an order that leaves a double sum out
    const limit = r.chance(0.5);
    const ocols = cols.map((c) => ({ ...c, tr: null }));
    const o = orderBy(g, ocols, [0, 2], true, limit && parts[0].at === 'double' ? [0, 2] : null);
    tr += o.tr;
    dk += o.dk;
    order = o.order;
    if (limit) { const n2 = r.range(1, 20); tr += ` ${K('LIMIT')} ${n2}`; dk += ` LIMIT ${n2}`; }
  }
  return { tr, dk, order, ncols: 3, cols };
}

// events joined row by row to a derived table on a high-cardinality key (semi join), or left
// joined and kept where nothing matched (anti join), then grouped
function rowJoinQuery(g) {
  const r = g.r, K = (s) => g.k(s);
  const id = r.pick(['user_id', 'session_id', 'product_id']);
  g.scope = eventsScope(null);
  const w = g.pred(r.range(0, 2));
  g.scope = eventsScope('e');
  const k = g.key(true), a = g.aggregate();
  const anti = r.chance(0.4);
  const J = anti ? K('LEFT JOIN') : r.chance(0.5) ? K('JOIN') : K('INNER JOIN');
  const sub = `(${K('SELECT')} ${K('DISTINCT')} ${id} ${K('FROM')} events ${K('WHERE')} ${w.tr}) u`;
  const subDk = `(SELECT DISTINCT ${id} FROM events WHERE ${w.dk}) u`;
  const tail = anti ? ` ${K('WHERE')} u.${id} ${K('IS NULL')}` : '';
  const tr = `${K('SELECT')} ${k.tr} ${K('AS')} k0, ${a.tr} ${K('AS')} a0 ${K('FROM')} events e ${J} ${sub} ${K('ON')} e.${id} = u.${id}${tail} ${K('GROUP BY')} ${k.tr}`;
  const dk = `SELECT ${k.dk} AS k0, ${a.dk} AS a0 FROM events e ${anti ? 'LEFT JOIN' : 'JOIN'} ${subDk} ON e.${id} = u.${id}${anti ? ` WHERE u.${id} IS NULL` : ''} GROUP BY ${k.dk}`;
  return { tr, dk, order: [], ncols: 2, cols: [{ alias: 'k0', t: k.t }, { alias: 'a0', t: a.t }] };
}

function joinQuery(g) {
  const r = g.r, K = (s) => g.k(s);
  if (r.chance(0.4)) return rowJoinQuery(g);
  const key = r.pick([
    { tr: 'product_id', t: 'varchar' }, { tr: 'category', t: 'varchar' }, { tr: 'event_type', t: 'varchar' },
    { tr: 'hour', t: 'varchar' }, { tr: 'quantity', t: 'int' }, { tr: 'search_query', t: 'varchar' },
  ]);
  g.scope = eventsScope(null);
  const a1 = g.aggregate(), a2 = g.aggregate();
  const w1 = whereClause(g, 0.7), w2 = whereClause(g, 0.7);
  const left = r.chance(0.4);
  const J = left ? `${K('LEFT JOIN')}` : r.chance(0.5) ? `${K('JOIN')}` : `${K('INNER JOIN')}`;
  const cte = (name, a, w) => `${name} ${K('AS')} (${K('SELECT')} ${key.tr} ${K('AS')} k, ${a.tr} ${K('AS')} v ${K('FROM')} events${w.tr} ${K('GROUP BY')} ${key.tr})`;
  const cteDk = (name, a, w) => `${name} AS (SELECT ${key.tr} AS k, ${a.dk} AS v FROM events${w.dk} GROUP BY ${key.tr})`;
  const cols = [{ alias: 'j0', t: key.t, tr: 'x.k', dk: 'x.k' }, { alias: 'j1', t: a1.t, tr: 'x.v', dk: 'x.v' }, { alias: 'j2', t: a2.t, tr: 'y.v', dk: 'y.v' }];
  let tr = `${K('WITH')} ${cte('x', a1, w1)}, ${cte('y', a2, w2)} ${K('SELECT')} x.k ${K('AS')} j0, x.v ${K('AS')} j1, y.v ${K('AS')} j2 ${K('FROM')} x ${J} y ${K('ON')} x.k = y.k`;
  let dk = `WITH ${cteDk('x', a1, w1)}, ${cteDk('y', a2, w2)} SELECT x.k AS j0, x.v AS j1, y.v AS j2 FROM x ${left ? 'LEFT JOIN' : 'JOIN'} y ON x.k = y.k`;
  let order = [];
  if (r.chance(0.6)) {
    const o = orderBy(g, cols, [0], true);
    tr += o.tr;
    dk += o.dk;
    order = o.order;
    if (r.chance(0.5)) { const n = r.range(1, 10); tr += ` ${K('LIMIT')} ${n}`; dk += ` LIMIT ${n}`; }
  }
  return { tr, dk, order, ncols: 3, cols };
}

// windows over an aggregate: every window's order is total within its partition
function windowQuery(g) {
  const r = g.r, K = (s) => g.k(s);
  const from = fromEvents(g);
  const q = aggQuery(g, from, {
    nkeys: r.range(1, 2),
    noOrder: true,
    noHidden: true,
    low: true,
    extra: (cols) => {
      const keys = cols.filter((c) => c.alias.startsWith('k'));
      const agg = cols.find((c) => c.alias.startsWith('a'));
      if (!keys.length || !agg) return [];
      const out = [];
      const nw = r.range(1, 3);
      for (let i = 0; i < nw; i++) {
        const part = keys.length > 1 && r.chance(0.6) ? [keys[0]] : [];
        const rest = keys.filter((k) => !part.includes(k));
        // an average or sum of doubles may tie with another group's up to the last bit, which
        // would order the two by noise: such an aggregate is left out of the order
        const ordKeys = agg.t === 'double' ? rest : [agg, ...rest];
        const ordTr = ordKeys.map((k, j) => `${k.tr}${j === 0 && r.chance(0.5) ? ` ${K('DESC')}` : ''}`);
        const ordDk = ordKeys.map((k, j) => `${k.dk}${ordTr[j].endsWith('DESC') || ordTr[j].endsWith('desc') ? ' DESC' : ' ASC'} NULLS LAST`);
        const pTr = part.length ? `${K('PARTITION BY')} ${part.map((k) => k.tr).join(', ')} ` : '';
        const pDk = part.length ? `PARTITION BY ${part.map((k) => k.dk).join(', ')} ` : '';
        const f = r.pick(['row_number', 'rank', 'dense_rank', 'lag', 'lead', 'sumcount', 'sum', 'avg']);
        let tr, dk, t = 'int';
        if (f === 'sumcount') {
          tr = `${K('SUM')}(${K('COUNT')}(*)) ${K('OVER')} (${pTr.trim()})`;
          dk = `SUM(COUNT(*)) OVER (${pDk.trim()})`;
        } else if (f === 'sum' || f === 'avg') {
          const a = agg.t === 'int' || agg.t === 'double' ? agg : X('int', `${K('COUNT')}(*)`, 'COUNT(*)');
          t = f === 'avg' || a.t === 'double' ? 'double' : 'int';
          tr = `${K(f.toUpperCase())}(${a.tr}) ${K('OVER')} (${pTr}${K('ORDER BY')} ${ordTr.join(', ')})`;
          dk = `${f.toUpperCase()}(${a.dk}) OVER (${pDk}ORDER BY ${ordDk.join(', ')})`;
        } else if (f === 'lag' || f === 'lead') {
          t = keys[keys.length - 1].t;
          tr = `${K(f)}(${keys[keys.length - 1].tr}) ${K('OVER')} (${pTr}${K('ORDER BY')} ${ordTr.join(', ')})`;
          dk = `${f}(${keys[keys.length - 1].dk}) OVER (${pDk}ORDER BY ${ordDk.join(', ')})`;
        } else {
          tr = `${K(f)}() ${K('OVER')} (${pTr}${K('ORDER BY')} ${ordTr.join(', ')})`;
          dk = `${f}() OVER (${pDk}ORDER BY ${ordDk.join(', ')})`;
        }
        out.push({ ...X(t, tr, dk, true), alias: `w${i}` });
      }
      return out;
    },
  });
  return q;
}

// a scalar subquery in the select list or in the WHERE clause
function scalarSubQuery(g) {
  const r = g.r, K = (s) => g.k(s);
  const from = fromEvents(g);
  if (r.chance(0.5)) {
    const outer = g.scope;
    g.scope = eventsScope(null); // the subquery's own table: not correlated
    const sub = g.pred(1);
    g.scope = outer;
    const k = g.key(true);
    const tr = `${K('SELECT')} ${k.tr} ${K('AS')} k0, ${K('COUNT')}(*) * 100.0 / (${K('SELECT')} ${K('NULLIF')}(${K('COUNT')}(*), 0) ${K('FROM')} events ${K('WHERE')} ${sub.tr}) ${K('AS')} pct ${K('FROM')} ${from.tr} ${K('GROUP BY')} ${k.tr}`;
    const dk = `SELECT ${k.dk} AS k0, COUNT(*) * CAST(100.0 AS DOUBLE) / (SELECT NULLIF(COUNT(*), 0) FROM events WHERE ${sub.dk}) AS pct FROM ${from.dk} GROUP BY ${k.dk}`;
    return { tr, dk, order: [], ncols: 2, cols: [{ alias: 'k0', t: k.t }, { alias: 'pct', t: 'double' }] };
  }
  const c = g.r.pick(['price', 'quantity']);
  const f = g.r.pick(['AVG', 'MIN', 'MAX']);
  const op = g.r.pick(['>', '<', '>=']);
  const q = projQuery(g, from);
  const ref = from.tr.endsWith(' e') ? `e.${c}` : c;
  const cond = `${ref} ${op} (${K('SELECT')} ${K(f)}(${c}) ${K('FROM')} events)`;
  const condDk = `${ref} ${op} (SELECT ${f}(${c}) FROM events)`;
  if (/ WHERE /i.test(q.tr)) {
    q.tr = q.tr.replace(/ (WHERE|where) /, ` ${K('WHERE')} ${cond} ${K('AND')} `);
    q.dk = q.dk.replace(/ WHERE /, ` WHERE ${condDk} AND `);
  } else {
    const at = q.tr.search(/ (ORDER BY|order by) /);
    const atDk = q.dk.search(/ ORDER BY /);
    q.tr = at < 0 ? `${q.tr} ${K('WHERE')} ${cond}` : `${q.tr.slice(0, at)} ${K('WHERE')} ${cond}${q.tr.slice(at)}`;
    q.dk = atDk < 0 ? `${q.dk} WHERE ${condDk}` : `${q.dk.slice(0, atDk)} WHERE ${condDk}${q.dk.slice(atDk)}`;
  }
  return q;
}

function genQuery(seed, i) {
  const r = new Rng((seed * 1000003 + i * 7919) >>> 0);
  const g = new Gen(r, eventsScope(null));
  const shape = r.weighted([[36, 'agg'], [22, 'proj'], [10, 'cte'], [6, 'union'], [6, 'join'], [6, 'window'],
    [6, 'scalar'], [8, 'global']]);
  let q;
  switch (shape) {
    case 'agg': q = aggQuery(g, fromEvents(g)); break;
    case 'global': q = aggQuery(g, fromEvents(g), { nkeys: 0 }); break;
    case 'proj': q = projQuery(g, fromEvents(g)); break;
    case 'cte': q = cteQuery(g); break;
    case 'union': q = unionQuery(g); break;
    case 'join': q = joinQuery(g); break;
    case 'window': q = windowQuery(g); break;
    case 'scalar': q = scalarSubQuery(g); break;
  }
  q.shape = shape;
  q.id = `seed ${seed} query ${i}`;
  q.known = q.known || g.known;
  return q;
}

// ---------------------------------------------------------------- fixed queries: the dialect's features
//
// Each is { name, tr, dk (default: tr), order: [[col, desc, nullsFirst]...], approx: {col: rel} }.

const FEATURES = [
  { name: 'Q0 row count', tr: 'SELECT COUNT(*) AS n FROM events' },
  { name: 'Q1 funnel', order: [[3, true]], tr: `SELECT product_id,
       SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS views,
       SUM(CASE WHEN event_type = 'purchase'  THEN 1 ELSE 0 END) AS purchases,
       CAST(SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS DOUBLE)
         / NULLIF(SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END), 0) AS conversion_rate
FROM events
WHERE product_id IS NOT NULL
GROUP BY product_id
ORDER BY conversion_rate DESC` },
  { name: 'Q2 hourly revenue', order: [[0], [1], [2], [3]], tr: `SELECT year, month, day, hour,
       SUM(price * quantity) AS revenue,
       COUNT(*) AS purchases
FROM events
WHERE event_type = 'purchase'
GROUP BY year, month, day, hour
ORDER BY year, month, day, hour` },
  { name: 'Q2b date_trunc', order: [[0]], tr: `SELECT date_trunc('hour', "timestamp") AS hour_start,
       SUM(price * quantity) AS revenue,
       COUNT(*) AS purchases
FROM events
WHERE event_type = 'purchase'
GROUP BY 1
ORDER BY 1` },
  { name: 'Q3 top products (ties broken)', order: [[1, true], [0]], tr: `SELECT product_id, COUNT(*) AS views
FROM events
WHERE event_type = 'page_view'
GROUP BY product_id
ORDER BY views DESC, product_id
LIMIT 10` },
  { name: 'Q4 category performance', order: [[0], [1], [2], [3], [4]], tr: `SELECT year, month, day, category, event_type, COUNT(*) AS events
FROM events
WHERE category IS NOT NULL
GROUP BY year, month, day, category, event_type
ORDER BY year, month, day, category, event_type` },
  { name: 'Q5 user activity', order: [[0], [1], [2]], tr: `SELECT year, month, day,
       COUNT(DISTINCT user_id)    AS unique_users,
       COUNT(DISTINCT session_id) AS unique_sessions,
       COUNT(*)                   AS events
FROM events
GROUP BY year, month, day
ORDER BY year, month, day` },
  { name: 'SELECT * with a total order', order: [[0], [1], [2], [3], [4], [5], [6], [7], [8]],
    tr: 'SELECT * FROM events ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9 LIMIT 25',
    // DuckDB lists hive partition columns in its own order; Athena's is the table's
    dk: 'SELECT "timestamp", user_id, session_id, event_type, product_id, category, quantity, price, search_query, year, month, day, hour FROM events ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9 LIMIT 25' },
  { name: 'SELECT * of one partition', tr: "SELECT * FROM analytics.events WHERE hour = '01' AND day = '21' AND quantity = 5",
    dk: "SELECT \"timestamp\", user_id, session_id, event_type, product_id, category, quantity, price, search_query, year, month, day, hour FROM analytics.events WHERE hour = '01' AND day = '21' AND quantity = 5" },
  { name: 'db.table, subquery with alias', order: [[0]],
    tr: "SELECT s.event_type, s.n FROM (SELECT event_type, COUNT(*) AS n FROM analytics.events GROUP BY event_type) AS s WHERE s.n > 100 ORDER BY s.event_type" },
  { name: 'CTEs referencing CTEs', order: [[0]],
    tr: `WITH v AS (SELECT product_id, COUNT(*) AS views FROM events WHERE event_type = 'page_view' GROUP BY product_id),
     p AS (SELECT product_id, COUNT(*) AS buys FROM events WHERE event_type = 'purchase' GROUP BY product_id),
     j AS (SELECT v.product_id, v.views, p.buys FROM v JOIN p ON v.product_id = p.product_id)
SELECT product_id, views, buys, buys * 100.0 / views AS pct FROM j ORDER BY product_id`,
    dk: `WITH v AS (SELECT product_id, COUNT(*) AS views FROM events WHERE event_type = 'page_view' GROUP BY product_id),
     p AS (SELECT product_id, COUNT(*) AS buys FROM events WHERE event_type = 'purchase' GROUP BY product_id),
     j AS (SELECT v.product_id, v.views, p.buys FROM v JOIN p ON v.product_id = p.product_id)
SELECT product_id, views, buys, buys * CAST(100.0 AS DOUBLE) / views AS pct FROM j ORDER BY product_id` },
  { name: 'LEFT JOIN keeps unmatched rows (NULL key included)', order: [[0, false, true]],
    tr: `SELECT a.category, a.n, b.s FROM (SELECT category, COUNT(*) AS n FROM events GROUP BY category) a
LEFT JOIN (SELECT category, SUM(quantity) AS s FROM events WHERE event_type = 'purchase' AND category <> 'toys' GROUP BY category) b
ON a.category = b.category ORDER BY a.category NULLS FIRST` },
  { name: 'JOIN of events with a derived table', order: [[0]],
    tr: `SELECT e.event_type, COUNT(*) AS n, SUM(e.price) AS total FROM events e JOIN (SELECT DISTINCT product_id FROM events WHERE product_id LIKE 'p_1%') t ON e.product_id = t.product_id GROUP BY e.event_type ORDER BY 1` },
  { name: 'GROUP BY ordinal and expression, HAVING', order: [[1, true], [0]],
    tr: `SELECT date_trunc('minute', "timestamp") AS m, COUNT(*) AS n FROM events WHERE hour = '00' GROUP BY 1 HAVING COUNT(*) > 100 ORDER BY n DESC, m LIMIT 15` },
  { name: 'ORDER BY aggregate expression, NULLS FIRST/LAST', order: [[1, true], [0, false, true]],
    tr: 'SELECT search_query, COUNT(*) AS n FROM events GROUP BY search_query ORDER BY COUNT(*) DESC, search_query ASC NULLS FIRST' },
  { name: 'NULLs sort last by default, also DESC', order: [[0, true]],
    tr: 'SELECT DISTINCT category FROM events ORDER BY category DESC', dk: 'SELECT DISTINCT category FROM events ORDER BY category DESC NULLS LAST' },
  { name: 'NULL is a group', order: [[0], [1]],
    tr: 'SELECT category, search_query, COUNT(*) AS n FROM events GROUP BY category, search_query ORDER BY 1, 2' },
  { name: 'SELECT DISTINCT', order: [[0], [1]],
    tr: 'SELECT DISTINCT event_type, quantity FROM events ORDER BY event_type, quantity' },
  { name: 'UNION ALL', order: [[0], [1]],
    tr: "SELECT 'views' AS kind, COUNT(*) AS n FROM events WHERE event_type = 'page_view' UNION ALL SELECT 'buys', COUNT(*) FROM events WHERE event_type = 'purchase' UNION ALL SELECT 'views', 0 FROM events WHERE false ORDER BY 1, 2" },
  { name: 'integer division, modulo, decimal literals as DOUBLE',
    tr: 'SELECT 7 / 2 AS a, -7 / 2 AS b, 7 % 3 AS c, -7 % 3 AS d, 7.0 / 2 AS e, 1.0 * 3 / 6 AS f, 100.0 AS g, 5 / 2 * 2.0 AS h',
    dk: 'SELECT 7 // 2 AS a, -7 // 2 AS b, 7 % 3 AS c, -7 % 3 AS d, CAST(7.0 AS DOUBLE) / 2 AS e, CAST(1.0 AS DOUBLE) * 3 / 6 AS f, CAST(100.0 AS DOUBLE) AS g, 5 // 2 * CAST(2.0 AS DOUBLE) AS h' },
  { name: 'arithmetic over columns with Trino typing', order: [[0]],
    tr: `SELECT event_type, SUM(quantity) / COUNT(*) AS idiv, SUM(quantity) * 1.0 / COUNT(*) AS ddiv, AVG(quantity) AS a, SUM(price * quantity) AS rev, SUM(quantity % 2) AS odd, MAX(price) - MIN(price) AS spread FROM events GROUP BY event_type ORDER BY 1`,
    dk: `SELECT event_type, SUM(quantity) // COUNT(*) AS idiv, SUM(quantity) * CAST(1.0 AS DOUBLE) / COUNT(*) AS ddiv, AVG(quantity) AS a, SUM(price * quantity) AS rev, SUM(quantity % 2) AS odd, MAX(price) - MIN(price) AS spread FROM events GROUP BY event_type ORDER BY 1` },
  { name: 'comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, IS NULL',
    tr: `SELECT COUNT(*) AS n, COUNT_IF(price BETWEEN 50 AND 100.5) AS b, COUNT_IF(NOT (quantity IN (1, 2)) OR quantity IS NULL) AS c, COUNT_IF(product_id LIKE 'p\\_2%' ESCAPE '\\') AS d, COUNT_IF(category NOT LIKE '%o%') AS e, COUNT_IF(search_query IS NOT NULL AND event_type <> 'search') AS f, COUNT_IF(quantity NOT BETWEEN 2 AND 4) AS g, COUNT_IF(event_type NOT IN ('page_view', 'search')) AS h, COUNT_IF(quantity NOT IN (1, NULL)) AS i FROM events WHERE hour IN ('00', '01') OR day = '20'`,
    dk: `SELECT COUNT(*) AS n, COUNT_IF(price BETWEEN 50 AND CAST(100.5 AS DOUBLE)) AS b, COUNT_IF(NOT (quantity IN (1, 2)) OR quantity IS NULL) AS c, COUNT_IF(product_id LIKE 'p\\_2%' ESCAPE '\\') AS d, COUNT_IF(category NOT LIKE '%o%') AS e, COUNT_IF(search_query IS NOT NULL AND event_type <> 'search') AS f, COUNT_IF(quantity NOT BETWEEN 2 AND 4) AS g, COUNT_IF(event_type NOT IN ('page_view', 'search')) AS h, COUNT_IF(quantity NOT IN (1, NULL)) AS i FROM events WHERE hour IN ('00', '01') OR day = '20'` },
  { name: 'searched and simple CASE, COALESCE, NULLIF', order: [[0], [1]],
    tr: `SELECT CASE WHEN price >= 200 THEN 'high' WHEN price >= 100 THEN 'mid' WHEN price IS NULL THEN NULL ELSE 'low' END AS band, CASE event_type WHEN 'purchase' THEN 1 WHEN 'search' THEN 2 ELSE 0 END AS code, COUNT(*) AS n, COALESCE(MAX(category), 'none') AS c, NULLIF(MIN(quantity), 1) AS q FROM events GROUP BY 1, 2 ORDER BY 1, 2` },
  { name: 'CAST and TRY_CAST', order: [[0], [1], [2], [3], [4], [5], [6], [7]],
    tr: `SELECT CAST(quantity AS DOUBLE) AS a, CAST(price AS BIGINT) AS b, CAST(price AS INTEGER) AS c, CAST(quantity AS VARCHAR) AS d, CAST("timestamp" AS DATE) AS e, CAST(CAST("timestamp" AS DATE) AS TIMESTAMP) AS f, TRY_CAST(search_query AS BIGINT) AS g, CAST(hour AS INTEGER) + 1 AS h FROM events WHERE price IS NOT NULL ORDER BY 1, 2, 3, 4, 5, 6, 7, 8 LIMIT 30`,
    dk: `SELECT CAST(quantity AS DOUBLE) AS a, CAST(round(price) AS BIGINT) AS b, CAST(round(price) AS INTEGER) AS c, CAST(quantity AS VARCHAR) AS d, CAST("timestamp" AS DATE) AS e, CAST(CAST("timestamp" AS DATE) AS TIMESTAMP) AS f, TRY_CAST(search_query AS BIGINT) AS g, CAST(hour AS INTEGER) + 1 AS h FROM events WHERE price IS NOT NULL ORDER BY 1, 2, 3, 4, 5, 6, 7, 8 LIMIT 30` },
  { name: 'aggregates', order: [[0]],
    tr: `SELECT category, COUNT(*) AS a, COUNT(price) AS b, COUNT(DISTINCT user_id) AS c, SUM(quantity) AS d, AVG(price) AS e, MIN(price) AS f, MAX(product_id) AS g, COUNT_IF(event_type = 'purchase') AS h, SUM(price * quantity) AS i, SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS j, SUM (CASE WHEN quantity > 2 THEN 1 ELSE 0 END) AS k, MIN("timestamp") AS l, MAX(date("timestamp")) AS m FROM events GROUP BY category ORDER BY category`,
    dk: `SELECT category, COUNT(*) AS a, COUNT(price) AS b, COUNT(DISTINCT user_id) AS c, SUM(quantity) AS d, AVG(price) AS e, MIN(price) AS f, MAX(product_id) AS g, COUNT_IF(event_type = 'purchase') AS h, SUM(price * quantity) AS i, SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS j, SUM(CASE WHEN quantity > 2 THEN 1 ELSE 0 END) AS k, MIN("timestamp") AS l, MAX(CAST("timestamp" AS DATE)) AS m FROM events GROUP BY category ORDER BY category NULLS LAST` },
  { name: 'approx_distinct (within 5% of the exact count)', order: [[0]], approx: { 1: 0.05 },
    tr: 'SELECT event_type, approx_distinct(user_id) AS u FROM events GROUP BY event_type ORDER BY 1',
    dk: 'SELECT event_type, COUNT(DISTINCT user_id) AS u FROM events GROUP BY event_type ORDER BY 1' },
  { name: 'ROUND, ABS, FLOOR, CEIL', order: [[0], [1], [2], [3], [4], [5], [6]],
    tr: 'SELECT price, ROUND(price) AS a, ROUND(price, 1) AS b, ROUND(price * quantity / 7, 2) AS c, ABS(price - 150) AS d, FLOOR(price) AS e, CEIL(price / 3) AS f FROM events WHERE price IS NOT NULL ORDER BY 1, 2, 3, 4, 5, 6, 7 LIMIT 40' },
  { name: 'LOWER, UPPER, CONCAT, ||, SUBSTR, LENGTH', order: [[0], [1], [2], [3], [4], [5], [6], [7]],
    tr: "SELECT DISTINCT UPPER(event_type) AS a, LOWER('ÀB' || COALESCE(category, 'X')) AS b, CONCAT(product_id, '-', category) AS c, substr(user_id, 3) AS d, SUBSTR(event_type, 2, 3) AS e, substr(event_type, -4) AS f, LENGTH(COALESCE(search_query, '')) AS g, product_id || '/' || event_type AS h FROM events WHERE user_id LIKE 'u_1000%' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8",
    dk: "SELECT DISTINCT UPPER(event_type) AS a, LOWER('ÀB' || COALESCE(category, 'X')) AS b, (product_id || '-' || category) AS c, substr(user_id, 3) AS d, SUBSTR(event_type, 2, 3) AS e, substr(event_type, -4) AS f, LENGTH(COALESCE(search_query, '')) AS g, product_id || '/' || event_type AS h FROM events WHERE user_id LIKE 'u_1000%' ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST, 4, 5, 6, 7, 8" },
  { name: 'date_trunc, date, date_format, year/month/day/hour', order: [[0]],
    tr: `SELECT date_trunc('hour', "timestamp") AS h, date_trunc('day', "timestamp") AS d, date_trunc('minute', MIN("timestamp")) AS m, date("timestamp") AS dt, date_format("timestamp", '%Y-%m-%d %H:00:00') AS f, year("timestamp") AS y, month("timestamp") AS mo, day("timestamp") AS da, hour("timestamp") AS ho, COUNT(*) AS n FROM events GROUP BY 1, 2, 4, 5, 6, 7, 8, 9 ORDER BY 1`,
    dk: `SELECT date_trunc('hour', "timestamp") AS h, date_trunc('day', "timestamp") AS d, date_trunc('minute', MIN("timestamp")) AS m, CAST("timestamp" AS DATE) AS dt, strftime("timestamp", '%Y-%m-%d %H:00:00') AS f, year("timestamp") AS y, month("timestamp") AS mo, day("timestamp") AS da, hour("timestamp") AS ho, COUNT(*) AS n FROM events GROUP BY 1, 2, 4, 5, 6, 7, 8, 9 ORDER BY 1` },
  { name: 'from_iso8601_timestamp in comparisons and date()',
    tr: `SELECT COUNT_IF("timestamp" >= from_iso8601_timestamp('2025-11-21T00:30:00Z')) AS a, COUNT_IF("timestamp" < from_iso8601_timestamp('2025-11-21T01:00:00.000+01:00')) AS b, MIN(date(from_iso8601_timestamp('2025-11-21T23:30:00Z'))) AS c, MAX(from_iso8601_timestamp('2025-11-20T10:00:00.123456Z')) AS d FROM events`,
    dk: `SELECT COUNT_IF("timestamp" >= TIMESTAMPTZ '2025-11-21 00:30:00+00') AS a, COUNT_IF("timestamp" < TIMESTAMPTZ '2025-11-21 01:00:00+01') AS b, MIN(CAST(TIMESTAMPTZ '2025-11-21 23:30:00+00' AS DATE)) AS c, MAX(TIMESTAMPTZ '2025-11-20 10:00:00.123456+00') AS d FROM events` },
  { name: 'timestamps keep microseconds, shown with milliseconds', order: [[0], [1]],
    tr: `SELECT "timestamp" AS t, CAST("timestamp" AS VARCHAR) AS s, date_diff('millisecond', date_trunc('second', "timestamp"), "timestamp") AS ms, to_unixtime("timestamp") AS u FROM events WHERE user_id LIKE 'u_2000%' ORDER BY 1, 2`,
    dk: `SELECT "timestamp" AS t, strftime("timestamp", '%Y-%m-%d %H:%M:%S.%g') AS s, (epoch_us("timestamp") - epoch_us(date_trunc('second', "timestamp"))) // 1000 AS ms, epoch_us("timestamp") / 1e6 AS u FROM events WHERE user_id LIKE 'u_2000%' ORDER BY 1, 2` },
  { name: 'current_date, current_timestamp',
    tr: `SELECT current_date >= DATE '2025-01-01' AS a, current_timestamp > TIMESTAMP '2025-01-01 00:00:00' AS b, date_diff('day', current_timestamp, current_timestamp) AS c`,
    dk: `SELECT current_date >= DATE '2025-01-01' AS a, current_timestamp > TIMESTAMP '2025-01-01 00:00:00' AS b, 0::BIGINT AS c` },
  { name: 'windows: ROW_NUMBER, RANK, LAG, LEAD, running SUM, SUM(COUNT(*)) OVER ()', order: [[0], [1]],
    tr: `SELECT category, event_type, COUNT(*) AS n,
  ROW_NUMBER() OVER (PARTITION BY category ORDER BY COUNT(*) DESC, event_type) AS rn,
  RANK() OVER (ORDER BY COUNT(*) DESC) AS rk,
  LAG(event_type) OVER (PARTITION BY category ORDER BY event_type) AS prev,
  LEAD(COUNT(*), 1, 0) OVER (PARTITION BY category ORDER BY event_type) AS next_n,
  SUM(COUNT(*)) OVER (PARTITION BY category ORDER BY event_type) AS running,
  SUM(COUNT(*)) OVER () AS total
FROM events GROUP BY category, event_type ORDER BY category, event_type`,
    dk: `SELECT category, event_type, COUNT(*) AS n,
  ROW_NUMBER() OVER (PARTITION BY category ORDER BY COUNT(*) DESC, event_type) AS rn,
  RANK() OVER (ORDER BY COUNT(*) DESC) AS rk,
  LAG(event_type) OVER (PARTITION BY category ORDER BY event_type) AS prev,
  LEAD(COUNT(*), 1, 0) OVER (PARTITION BY category ORDER BY event_type) AS next_n,
  SUM(COUNT(*)) OVER (PARTITION BY category ORDER BY event_type) AS running,
  SUM(COUNT(*)) OVER () AS total
FROM events GROUP BY category, event_type ORDER BY category NULLS LAST, event_type` },
  { name: 'share of total with a window', order: [[0]],
    tr: 'SELECT event_type, COUNT(*) * 100.0 / SUM(COUNT(*)) OVER () AS pct FROM events GROUP BY event_type ORDER BY 1',
    dk: 'SELECT event_type, COUNT(*) * CAST(100.0 AS DOUBLE) / SUM(COUNT(*)) OVER () AS pct FROM events GROUP BY event_type ORDER BY 1' },
  { name: 'date_diff, date_add, regexp_like, split_part', order: [[0], [1], [2], [3], [4]],
    tr: `SELECT date_diff('second', TIMESTAMP '2025-11-21 00:00:00', "timestamp") AS a, date_add('minute', 90, "timestamp") AS b, date_add('day', -1, date("timestamp")) AS c, split_part(user_id, '_', 2) AS d, regexp_like(product_id, '^p_[34]') AS e FROM events WHERE session_id LIKE 's_1111%' ORDER BY 1, 2, 3, 4, 5`,
    dk: `SELECT (epoch_us("timestamp") - epoch_us(TIMESTAMP '2025-11-21 00:00:00')) // 1000000 AS a, "timestamp" + INTERVAL 90 MINUTE AS b, CAST(CAST("timestamp" AS DATE) - INTERVAL 1 DAY AS DATE) AS c, split_part(user_id, '_', 2) AS d, regexp_matches(product_id, '^p_[34]') AS e FROM events WHERE session_id LIKE 's_1111%' ORDER BY 1, 2, 3, 4, 5` },
  { name: 'scalar subquery: share of all events (rule 1)', order: [[0]],
    tr: 'SELECT category, COUNT(*) * 100.0 / (SELECT COUNT(*) FROM events) AS pct FROM events GROUP BY category ORDER BY category',
    dk: 'SELECT category, COUNT(*) * CAST(100.0 AS DOUBLE) / (SELECT COUNT(*) FROM events) AS pct FROM events GROUP BY category ORDER BY category NULLS LAST' },
  { name: 'partition columns are strings, pruned by IN and ranges', order: [[0], [1]],
    tr: "SELECT day, hour, COUNT(*) AS n, MIN(CAST(hour AS INTEGER)) AS h FROM events WHERE hour >= '01' OR (day = '20' AND hour BETWEEN '22' AND '23') GROUP BY day, hour ORDER BY day, hour" },
  { name: 'identifiers: case, quoting, keywords as names', order: [[0]],
    tr: `select Event_Type as "Kind", count(*) as count, max(HOUR) as hour, min("timestamp") as timestamp, min(DATE("timestamp")) as date, max(user_id) as user from EVENTS group by EVENT_TYPE order by "Kind"`,
    dk: `select Event_Type as "Kind", count(*) as "count", max(HOUR) as "hour", min("timestamp") as "timestamp", min(CAST("timestamp" AS DATE)) as "date", max(user_id) as "user" from events group by EVENT_TYPE order by "Kind"` },
  { name: 'comments and UTF-8', order: [[0]],
    tr: `-- categories, with a comment in UTF-8: ü é 漢
SELECT /* inline ✓ */ category || ' · ' AS c, COUNT(*) AS n -- trailing
FROM events /* multi
line */ WHERE category IS NOT NULL GROUP BY 1 ORDER BY 1` },
  { name: 'GROUP BY every key shape with NULL groups', order: [[0], [1], [2]],
    tr: `SELECT COALESCE(product_id, 'none') AS p, quantity, CASE WHEN price IS NULL THEN NULL WHEN price > 150 THEN 'hi' ELSE 'lo' END AS band, COUNT(*) AS n, SUM(price) AS s FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3` },
  { name: 'empty input: global aggregates give one row',
    tr: "SELECT COUNT(*) AS a, SUM(price) AS b, AVG(quantity) AS c, MIN(user_id) AS d, COUNT(DISTINCT user_id) AS e, COUNT_IF(true) AS f FROM events WHERE hour = '99'" },
  { name: 'empty input: grouped aggregates give no row', tr: "SELECT event_type, COUNT(*) AS n FROM events WHERE hour = '99' GROUP BY event_type" },
];

// ---------------------------------------------------------------- known bugs
//
// Bugs found by this test in code its author may not change, with their minimal reproduction.
// The queries the generator marks with one are still run and compared; a mismatch of a marked
// query is reported as {"kind":"known"} and does not fail the run. Remove an entry (and its
// marking) once the bug is fixed.
// None open: 'count-metadata' (COUNT(*) with a WHERE on data columns answered from the catalog)
// and 'case-null' (a string CASE without ELSE compared to a constant read uninitialized rows) were
// fixed in exec_scan.c and exec_expr.c the session they were found, and are checked strictly.
const KNOWN_BUGS = {};

// DuckDB's count_if(p) is NULL when no row has p true or false; Trino's is 0
function duckCountIf(sql) {
  let out = '', i = 0;
  for (;;) {
    const at = sql.slice(i).search(/\bCOUNT_IF\(/i);
    if (at < 0) return out + sql.slice(i);
    out += sql.slice(i, i + at);
    let j = i + at + 'COUNT_IF('.length, depth = 1;
    const start = j;
    for (; depth; j++) depth += sql[j] === '(' ? 1 : sql[j] === ')' ? -1 : 0;
    out += `COUNT(CASE WHEN ${duckCountIf(sql.slice(start, j - 1))} THEN 1 END)`;
    i = j;
  }
}

// ---------------------------------------------------------------- evlake

// One JSON line of `evlake sql --format json` -> [{ v, cls }], cls: 'int' | 'double' | 'bool' | 'str' | 'null'.
// Numbers keep their text, so an integer is told from a double ("3" vs "3.0").
function parseEvlakeRow(line) {
  const out = [];
  let i = 0;
  const ws = () => { while (line[i] === ' ') i++; };
  const str = () => {
    const s = i;
    i++;
    while (line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(line.slice(s, i));
  };
  if (line[i++] !== '{') throw new Error(`not a JSON object: ${line}`);
  ws();
  if (line[i] === '}') return out;
  for (;;) {
    ws();
    str();
    ws();
    if (line[i++] !== ':') throw new Error(`bad JSON: ${line}`);
    ws();
    const c = line[i];
    if (c === '"') out.push({ v: str(), cls: 'str' });
    else if (line.startsWith('null', i)) { out.push({ v: null, cls: 'null' }); i += 4; }
    else if (line.startsWith('true', i)) { out.push({ v: true, cls: 'bool' }); i += 4; }
    else if (line.startsWith('false', i)) { out.push({ v: false, cls: 'bool' }); i += 5; }
    else {
      const m = /^-?[0-9][0-9.eE+-]*/.exec(line.slice(i));
      if (!m) throw new Error(`bad JSON value at ${i}: ${line}`);
      const t = m[0];
      i += t.length;
      if (/[.eE]/.test(t)) out.push({ v: Number(t), cls: 'double' });
      else out.push({ v: BigInt(t), cls: 'int' });
    }
    ws();
    if (line[i] === ',') { i++; continue; }
    if (line[i] === '}') break;
    throw new Error(`bad JSON: ${line}`);
  }
  return out;
}

const MARKER = '{"evlake_diff_marker": "Q';
const BATCH_TIMEOUT_MS = 300000, MUTANT_TIMEOUT_MS = 15000;

// Runs the queries in as few evlake processes as possible. Returns per query
// { rows } or { error, crash }.
function runEvlake(opt, queries) {
  const dir = mkdtempSync(join(tmpdir(), 'evlake-sql-diff-'));
  const file = join(dir, 'batch.sql');
  const results = new Array(queries.length);
  let start = 0, processes = 0;
  try {
    while (start < queries.length) {
      let script = '';
      for (let i = start; i < queries.length; i++) script += `SELECT 'Q${i}' AS evlake_diff_marker;\n${queries[i]};\n`;
      writeFileSync(file, script);
      processes++;
      // a hung query ends its batch (it is reported, the rest run again)
      const p = spawnSync(opt.evlake, ['sql', '--home', opt.home, '--quiet', '--format', 'json', '--threads', '2', '-f', file],
        { encoding: 'utf8', maxBuffer: 1 << 30, timeout: BATCH_TIMEOUT_MS, killSignal: 'SIGKILL' });
      let cur = -1, rows = [];
      for (const line of (p.stdout || '').split('\n')) {
        if (!line) continue;
        if (line.startsWith(MARKER)) {
          if (cur >= 0) results[cur] = { rows };
          cur = Number(/Q(\d+)/.exec(line)[1]);
          rows = [];
          continue;
        }
        if (cur < 0) continue;
        try {
          rows.push(parseEvlakeRow(line));
        } catch (e) {
          results[cur] = { error: `unparsable output: ${String(e.message)}` };
          cur = -2;
        }
      }
      const stderr = p.stderr || '';
      const crash = p.signal !== null || p.status === null || p.status >= 2 || /Sanitizer|runtime error:|LeakSanitizer/.test(stderr);
      if (p.status === 0 && !crash) {
        if (cur >= 0) results[cur] = { rows };
        break;
      }
      if (cur < 0) cur = start; // died before its first marker
      const hung = p.error && p.error.code === 'ETIMEDOUT' ? ` (killed after ${BATCH_TIMEOUT_MS / 1000} s: hung?)` : '';
      results[cur] = { error: (stderr.trim() || `exit ${p.status} signal ${p.signal}`) + hung, crash, status: p.status };
      start = cur + 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { results, processes };
}

// ---------------------------------------------------------------- DuckDB

// DuckDB's JSON values -> { v, cls } like evlake's
function duckValue(v, type) {
  if (v === null || v === undefined) return { v: null, cls: 'null' };
  const t = String(type);
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(t)) return { v: BigInt(v), cls: 'int' };
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL')) return { v: Number(v), cls: 'double' };
  if (t === 'BOOLEAN') return { v, cls: 'bool' };
  if (t.startsWith('TIMESTAMP')) return { v: normTs(String(v)), cls: 'str' };
  return { v: String(v), cls: 'str' };
}

// '2025-11-20 23:30:00.023514+00' / '2025-11-20 23:30:00.023 UTC' -> '2025-11-20 23:30:00.023'
function normTs(s) {
  const m = /^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)(?:\.(\d+))?(?:\+00(?::?00)?| UTC|Z)?$/.exec(s);
  if (!m) return s;
  return `${m[1].replace('T', ' ')}.${(m[2] || '').padEnd(3, '0').slice(0, 3)}`;
}

async function duckConnect(home) {
  const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await inst.connect();
  await con.run(`SET TimeZone='UTC'`);
  await con.run(`CREATE VIEW events AS SELECT * FROM read_parquet('${home}/analytics/events/*/*/*/*/*.parquet',
      hive_partitioning = true, hive_types = {'year': VARCHAR, 'month': VARCHAR, 'day': VARCHAR, 'hour': VARCHAR})`);
  await con.run('CREATE SCHEMA analytics');
  await con.run('CREATE VIEW analytics.events AS SELECT * FROM main.events');
  return con;
}

async function runDuck(con, sql) {
  try {
    const r = await con.runAndReadAll(sql);
    const types = r.columnTypes().map((t) => t.toString());
    const rows = r.getRowsJson().map((row) => row.map((v, i) => duckValue(v, types[i])));
    return { rows, types };
  } catch (e) {
    return { error: String(e.message || e) };
  }
}

// ---------------------------------------------------------------- comparison

function normalizeEvlake(rows) {
  // evlake shows timestamp with time zone as '2025-11-20 08:00:00.000 UTC'; DuckDB's timestamps
  // are normalized to the same text without the zone
  const tz = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC$/;
  return rows.map((row) => row.map((x) => (x.cls === 'str' && tz.test(x.v) ? { v: x.v.replace(tz, '$1'), cls: 'str' } : x)));
}

function cmpVal(a, b) {
  if (a.cls === 'null' || b.cls === 'null') return a.cls === b.cls ? 0 : a.cls === 'null' ? 1 : -1;
  if ((a.cls === 'int' || a.cls === 'double') && (b.cls === 'int' || b.cls === 'double')) {
    if (a.cls === 'int' && b.cls === 'int') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    const x = Number(a.v), y = Number(b.v);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.cls === 'bool' && b.cls === 'bool') return a.v === b.v ? 0 : a.v ? 1 : -1;
  const x = String(a.v), y = String(b.v);
  return x < y ? -1 : x > y ? 1 : 0;
}
const cmpRow = (a, b) => { for (let i = 0; i < a.length; i++) { const c = cmpVal(a[i], b[i]); if (c) return c; } return 0; };

function valEq(a, b, rel) {
  if (a.cls === 'null' || b.cls === 'null') return a.cls === b.cls;
  if (a.cls === 'double' || b.cls === 'double' || (rel !== undefined && a.cls === 'int' && b.cls === 'int')) {
    const x = Number(a.v), y = Number(b.v);
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
    return Math.abs(x - y) <= (rel ?? 1e-9) * Math.max(1, Math.abs(x), Math.abs(y));
  }
  if (a.cls === 'int' && b.cls === 'int') return a.v === b.v;
  return a.cls === b.cls && a.v === b.v;
}
const rowEq = (a, b, approx) => a.length === b.length && a.every((x, i) => valEq(x, b[i], approx?.[i]));

function show(rows, n = 12) {
  const fmt = (x) => (x.cls === 'null' ? 'NULL' : x.cls === 'str' ? JSON.stringify(x.v) : String(x.v));
  const lines = rows.slice(0, n).map((r) => `[${r.map(fmt).join(', ')}]`);
  if (rows.length > n) lines.push(`... ${rows.length - n} more`);
  return lines;
}

// null when the answers agree, else a reason
function compare(q, ev, dk) {
  if (ev.rows.length !== dk.rows.length) return `row count: evlake ${ev.rows.length}, DuckDB ${dk.rows.length}`;
  const ncols = dk.types.length;
  for (const row of ev.rows) if (row.length !== ncols) return `column count: evlake ${row.length}, DuckDB ${ncols}`;
  // column classes: integer vs double vs boolean vs text (where evlake's value is not NULL)
  for (let c = 0; c < ncols; c++) {
    const dcls = duckValue(0, dk.types[c]).cls;
    for (const row of ev.rows) {
      const e = row[c].cls;
      if (e === 'null') continue;
      if (e !== dcls && !(e === 'str' && dcls === 'str')) return `column ${c + 1} type: evlake gives ${e}, DuckDB ${dk.types[c]} (${dcls})`;
      break;
    }
  }
  // evlake's rows in the query's order
  for (let i = 1; i < ev.rows.length && q.order.length; i++) {
    for (const o of q.order) {
      const a = ev.rows[i - 1][o.col], b = ev.rows[i][o.col];
      let c;
      if (a.cls === 'null' || b.cls === 'null') c = a.cls === b.cls ? 0 : (a.cls === 'null') === o.nullsFirst ? -1 : 1;
      else c = cmpVal(a, b) * (o.desc ? -1 : 1);
      if (c < 0) break;
      if (c > 0) return `evlake's rows ${i} and ${i + 1} are out of order on column ${o.col + 1}`;
    }
  }
  // the same rows, in any order
  const A = ev.rows.slice().sort(cmpRow), B = dk.rows.slice().sort(cmpRow);
  let ok = A.every((r, i) => rowEq(r, B[i], q.approx));
  if (!ok && A.length <= 5000) { // doubles within the tolerance may sort apart: match greedily
    const used = new Array(B.length).fill(false);
    ok = A.every((r) => {
      const j = B.findIndex((x, k) => !used[k] && rowEq(r, x, q.approx));
      if (j < 0) return false;
      used[j] = true;
      return true;
    });
  }
  if (!ok) {
    const i = A.findIndex((r, k) => !rowEq(r, B[k], q.approx));
    return `values differ (first at sorted row ${i + 1}: evlake ${show([A[i]])[0]}, DuckDB ${show([B[i]])[0]})`;
  }
  return null;
}

// ---------------------------------------------------------------- mutants: wrong queries get a positioned error

function mutants(seed, n, base) {
  const r = new Rng(seed ^ 0x5eed);
  const out = [];
  for (let i = 0; i < n && base.length; i++) {
    const q = r.pick(base).tr.replace(/\n/g, ' ');
    const kind = r.pick(['column', 'truncate', 'function', 'type', 'ordinal']);
    if (kind === 'column') {
      const m = [...q.matchAll(/(?<![.'"\w])(product_id|category|quantity|price|event_type|user_id)\b/g)];
      if (!m.length) continue;
      const hit = r.pick(m);
      const t = `${q.slice(0, hit.index)}prodct_id${q.slice(hit.index + hit[0].length)}`;
      out.push({ tr: t, expect: `line 1:${hit.index + 1}: Column 'prodct_id' cannot be resolved`, kind });
    } else if (kind === 'truncate') {
      const cut = r.range(1, q.length - 1);
      out.push({ tr: q.slice(0, cut), expect: null, kind });
    } else if (kind === 'function') {
      const m = [...q.matchAll(/\b(SUM|COUNT|AVG|MIN|MAX|substr|lower|upper|round|date_trunc)\((?!\*)/gi)];
      if (!m.length) continue;
      const hit = r.pick(m);
      out.push({ tr: `${q.slice(0, hit.index)}nosuchfn(${q.slice(hit.index + hit[0].length)}`, expect: `line 1:${hit.index + 1}: Function 'nosuchfn' not registered`, kind });
    } else if (kind === 'ordinal') {
      const n = r.range(3, 40), t = `SELECT event_type, COUNT(*) FROM events GROUP BY event_type, ${n}`;
      out.push({ tr: t, expect: `line 1:${t.lastIndexOf(',') + 3}: GROUP BY position ${n} is not in select list`, kind });
    } else {
      const t = `SELECT COUNT(*) FROM events WHERE event_type = ${r.range(1, 9)}`;
      out.push({ tr: t, expect: `line 1:${t.indexOf('=') + 1}: Cannot apply operator: varchar = integer`, kind });
    }
  }
  return out;
}

// ---------------------------------------------------------------- main

const opt = parseArgs(process.argv.slice(2));
const t0 = performance.now();
let queries = [];
if (opt.features) FEATURES.forEach((f, i) => queries.push({
  tr: f.tr, dk: duckCountIf(f.dk ?? f.tr), id: `feature ${i}: ${f.name}`, shape: 'feature',
  order: (f.order || []).map(([col, desc = false, nullsFirst = false]) => ({ col, desc, nullsFirst })),
  approx: f.approx,
}));
for (let i = 0; i < opt.queries; i++) if (opt.only < 0 || opt.only === i) queries.push(genQuery(opt.seed, i));
if (opt.dump) {
  for (const q of queries) console.log(JSON.stringify({ id: q.id, tr: q.tr, dk: q.dk }));
  process.exit(0);
}
const muts = mutants(opt.seed, opt.mutants, queries.filter((q) => q.shape !== 'feature'));

const tEv0 = performance.now();
// `evlake sql -f` parses the whole script before it runs it: a wrong query is run alone
const ev = runEvlake(opt, queries.map((q) => q.tr));
for (const m of muts) {
  const p = spawnSync(opt.evlake, ['sql', '--home', opt.home, '--quiet', '--format', 'json', '-c', m.tr],
    { encoding: 'utf8', maxBuffer: 1 << 30, timeout: MUTANT_TIMEOUT_MS, killSignal: 'SIGKILL' });
  const stderr = (p.stderr || '') + (p.error && p.error.code === 'ETIMEDOUT' ? `killed after ${MUTANT_TIMEOUT_MS / 1000} s: hung?` : '');
  const crash = p.signal !== null || p.status === null || p.status >= 2 || /Sanitizer|runtime error:/.test(stderr);
  ev.results.push(p.status === 0 && !crash ? { rows: [] } : { error: stderr.trim() || `exit ${p.status} signal ${p.signal}`, crash });
  ev.processes++;
}
const tEv = performance.now() - tEv0;
const con = await duckConnect(opt.home);
let failures = 0, compared = 0, msDuck = 0;
const shapes = {}, known = {};
const report = (q, why, e, d) => {
  if (q.known) known[q.known] = (known[q.known] || 0) + 1;
  else failures++;
  console.log(JSON.stringify({
    kind: q.known ? 'known' : 'mismatch', known: q.known ? KNOWN_BUGS[q.known] : undefined, id: q.id, why, trino: q.tr, duckdb: q.dk,
    evlake: e?.error ?? show(e?.rows ?? []), duckdb_answer: d?.error ?? show(d?.rows ?? []),
    rerun: q.shape === 'feature' ? undefined : `node build/duckdb/sql-diff.mjs --evlake EVLAKE --home LAKE --seed ${opt.seed} --queries ${opt.queries} --only ${q.id.split(' ').pop()}`,
  }));
};
for (let i = 0; i < queries.length; i++) {
  const q = queries[i], e = ev.results[i];
  const t1 = performance.now();
  const d = await runDuck(con, q.dk);
  msDuck += performance.now() - t1;
  shapes[q.shape] = (shapes[q.shape] || 0) + 1;
  if (e.error && d.error) { report(q, 'both engines failed (a generator bug)', e, d); continue; }
  if (e.error) { report(q, e.crash ? 'evlake crashed' : 'evlake failed', e, d); continue; }
  if (d.error) { report(q, 'DuckDB failed (a translation bug)', e, d); continue; }
  const why = compare(q, { rows: normalizeEvlake(e.rows) }, d);
  compared++;
  if (why) report(q, why, e, d);
}
for (let k = 0; k < muts.length; k++) {
  const m = muts[k], e = ev.results[queries.length + k];
  const q = { id: `mutant ${k} (${m.kind})`, tr: m.tr, dk: '', shape: 'mutant', known: m.known };
  shapes.mutant = (shapes.mutant || 0) + 1;
  if (e.crash) { report(q, 'evlake crashed on a wrong query', e, null); continue; }
  if (!e.error) {
    if (m.expect) report(q, `evlake accepted a wrong query (expected: ${m.expect})`, e, null);
    continue;
  }
  const msg = e.error.replace(/^evlake sql: /, '');
  if (m.expect ? msg !== m.expect : !/^line \d+:\d+: /.test(msg)) report(q, `error message: want ${m.expect ?? 'line L:C: ...'}`, e, null);
}
console.log(JSON.stringify({
  kind: 'summary', seed: opt.seed, queries: queries.length, compared, mutants: muts.length, failures, known_bug_mismatches: known,
  known_bugs: Object.fromEntries(Object.keys(known).map((k) => [k, KNOWN_BUGS[k]])),
  evlake_processes: ev.processes, ms_total: Math.round(performance.now() - t0), ms_evlake: Math.round(tEv), ms_duckdb: Math.round(msDuck), shapes,
}));
process.exit(failures ? 1 : 0);
