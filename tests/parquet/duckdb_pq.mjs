// duckdb_pq.mjs: DuckDB as the Parquet oracle for tests/parquet/test_parquet_duckdb.c.
// usage: node duckdb_pq.mjs JOBS.json   (prints one JSON line per job: {"ok":true} or {"ok":false,"error":...})
// Jobs:
//   {"op":"write", "out":PATH, "rows":N, "options":"COMPRESSION zstd, PARQUET_VERSION v2, ..."}
//       DuckDB writes a deterministic table of every type it has a Parquet mapping for, with nulls.
//   {"op":"check", "parquet":PATH, "dump":PATH, "types":[...]|null}
//       DuckDB reads PATH and compares every value with DUMP (JSON arrays, one per row, as the C side
//       rendered them: ints as strings or numbers, doubles with 17 digits, timestamps as epoch
//       microseconds, dates as epoch days, binary as hex); `types` are the expected DuckDB types.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await inst.connect();
await con.run(`SET TimeZone='UTC'`);

const TABLE = (n) => `
SELECT
  CASE WHEN i % 7 = 1 THEN NULL ELSE h % 3 = 0 END AS b,
  CASE WHEN i % 5 = 2 THEN NULL ELSE ((h % 256)::INTEGER - 128)::TINYINT END AS i8,
  CASE WHEN i % 6 = 3 THEN NULL ELSE ((h % 65536)::INTEGER - 32768)::SMALLINT END AS i16,
  CASE WHEN i % 4 = 0 THEN NULL ELSE ((h % 4294967296)::BIGINT - 2147483648)::INTEGER END AS i32,
  CASE WHEN i % 9 = 4 THEN NULL ELSE (h::HUGEINT - 9223372036854775808)::BIGINT END AS i64,
  ((h >> 8) % 256)::UTINYINT AS u8,
  ((h >> 8) % 65536)::USMALLINT AS u16,
  CASE WHEN i % 3 = 0 THEN NULL ELSE ((h >> 8) % 4294967296)::UINTEGER END AS u32,
  CASE WHEN i % 8 = 5 THEN NULL ELSE h END AS u64,
  CASE WHEN i % 5 = 0 THEN NULL ELSE ((h % 100000)::DOUBLE / 7)::FLOAT END AS f,
  CASE WHEN i % 10 = 0 THEN NULL ELSE (h % 1000000)::DOUBLE / 13 - 5000 END AS d,
  CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN '' ELSE 'v_' || (h % 50)::VARCHAR END AS s_low,
  CASE WHEN i % 4 = 1 THEN NULL ELSE md5(i::VARCHAR) || repeat('é', (h % 5)::INTEGER) END AS s_high,
  CASE WHEN i % 6 = 0 THEN NULL ELSE ((h % 1000)::VARCHAR || 'x')::BLOB END AS bl,
  CASE WHEN i % 7 = 0 THEN NULL ELSE DATE '1960-01-01' + (h % 40000)::INTEGER END AS dt,
  CASE WHEN i % 5 = 1 THEN NULL ELSE make_timestamp((1000000000000 + h % 2000000000000000)::BIGINT) END AS ts,
  CASE WHEN i % 5 = 3 THEN NULL ELSE make_timestamp((1000000000000 + h % 2000000000000000)::BIGINT)::TIMESTAMPTZ END AS tstz,
  CASE WHEN i % 6 = 2 THEN NULL ELSE make_timestamp((h % 2000000000000000)::BIGINT)::TIMESTAMP_MS END AS tsms,
  CASE WHEN i % 6 = 4 THEN NULL ELSE make_timestamp((h % 2000000000000000)::BIGINT)::TIMESTAMP_NS END AS tsns,
  CASE WHEN i % 4 = 2 THEN NULL ELSE (((h % 2000000)::INTEGER - 1000000) / 100)::DECIMAL(9,2) END AS dec9,
  CASE WHEN i % 4 = 3 THEN NULL ELSE (((h % 200000000000)::BIGINT - 100000000000) / 10000)::DECIMAL(18,4) END AS dec18,
  CASE WHEN i % 3 = 1 THEN NULL ELSE (((h % 2000000000000)::BIGINT - 1000000000000) / 1000)::DECIMAL(30,5) END AS dec30,
  CASE WHEN i % 9 = 0 THEN NULL ELSE md5(i::VARCHAR)::UUID END AS uid,
  NULL::INTEGER AS allnull,
  i::BIGINT AS id
FROM (SELECT i, hash(i) AS h FROM range(${n}) t(i)) ORDER BY i`;

function sel(name, type) {
  const c = `"${name.replace(/"/g, '""')}"`;
  if (type.startsWith('TIMESTAMP')) return `epoch_us(${c})`;
  if (type === 'DATE') return `datediff('day', DATE '1970-01-01', ${c})`;
  if (type.startsWith('DECIMAL')) return `${c}::DOUBLE`;
  if (type === 'BLOB') return `hex(${c})`;
  if (type === 'UUID') return `replace(${c}::VARCHAR, '-', '')`;
  return c;
}

function same(type, exp, got) {
  if (exp === null || got === null) return exp === got;
  if (type === 'FLOAT' || type === 'DOUBLE') return Number(exp) === got || (Number.isNaN(Number(exp)) && Number.isNaN(got));
  if (type.startsWith('DECIMAL')) return Math.abs(Number(exp) - got) <= 1e-12 * Math.max(1, Math.abs(got));
  if (type === 'UBIGINT') return BigInt.asUintN(64, BigInt(exp)).toString() === String(got);
  if (type === 'BOOLEAN') return exp === got;
  if (type === 'UUID' || type === 'BLOB') return String(exp).toLowerCase() === String(got).toLowerCase();
  return String(exp) === String(got);
}

async function check(job) {
  const file = job.parquet.replace(/'/g, "''");
  const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowsJS();
  const names = desc.map((r) => r[0]);
  const types = desc.map((r) => r[1]);
  if (job.types && JSON.stringify(job.types) !== JSON.stringify(types))
    return `types differ: DuckDB sees ${JSON.stringify(types)}, expected ${JSON.stringify(job.types)}`;
  const q = `SELECT ${names.map((n, k) => sel(n, types[k])).join(', ')} FROM read_parquet('${file}')`;
  const rows = (await con.runAndReadAll(q)).getRowsJS();
  const lines = readFileSync(job.dump, 'utf8').split('\n').filter((l) => l.length);
  if (lines.length !== rows.length) return `DuckDB reads ${rows.length} rows, expected ${lines.length}`;
  let bad = [];
  for (let i = 0; i < rows.length && bad.length < 5; i++) {
    const exp = JSON.parse(lines[i]);
    if (exp.length !== names.length) return `row ${i}: ${exp.length} values for ${names.length} columns`;
    for (let k = 0; k < names.length; k++) {
      if (!same(types[k], exp[k], rows[i][k])) {
        const g = typeof rows[i][k] === 'bigint' ? rows[i][k].toString() : rows[i][k];
        bad.push(`row ${i} column ${names[k]} (${types[k]}): DuckDB ${JSON.stringify(g)?.slice(0, 80)}, expected ${JSON.stringify(exp[k])?.slice(0, 80)}`);
      }
    }
  }
  return bad.length ? bad.join('; ') : null;
}

for (const job of jobs) {
  try {
    let error = null;
    if (job.op === 'write') {
      const out = job.out.replace(/'/g, "''");
      await con.run(`COPY (${TABLE(job.rows)}) TO '${out}' (FORMAT parquet${job.options ? ', ' + job.options : ''})`);
    } else if (job.op === 'check') {
      error = await check(job);
    } else {
      error = `unknown op ${job.op}`;
    }
    console.log(JSON.stringify(error ? { ok: false, error } : { ok: true }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String(e.message || e) }));
  }
}
