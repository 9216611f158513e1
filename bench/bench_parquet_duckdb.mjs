// bench_parquet_duckdb.mjs: DuckDB's side of bench_parquet, on the same file in the same run.
// usage: node bench_parquet_duckdb.mjs FILE ROWS REPS OUR_WRITE_ROWS_S OUR_READ_ROWS_S OUR_B_PER_EVENT OUR_READ_CODES_ROWS_S
// Prints JSON lines: DuckDB reading our file (all columns, 1 and 2 threads; and on 1 thread the
// time of its scan operator alone, from DuckDB's profiler, which leaves out the aggregates the query
// needs to touch every value), DuckDB writing the same rows with ZSTD (rows/s, B/event), the ratios
// ours/DuckDB, and one summary line with issue 4's targets.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, statSync, unlinkSync } from 'node:fs';

const [file, rowsS, repsS, ourW, ourR, ourB, ourRC] = process.argv.slice(2);
const rows = Number(rowsS), reps = Number(repsS);
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const out = (metric, value, unit) =>
  console.log(JSON.stringify({ bench: 'parquet', metric, value: Number(value.toPrecision(6)), unit }));
const median = (v) => { v.sort((a, b) => a - b); const n = v.length; return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2; };
async function timed(sql) {
  await con.run(sql); // warm-up
  const t = [];
  for (let i = 0; i < reps; i++) {
    const s = process.hrtime.bigint();
    await con.run(sql);
    t.push(Number(process.hrtime.bigint() - s) / 1e9);
  }
  return median(t);
}
const f = file.replace(/'/g, "''");
// every column decoded: aggregates that touch each value
const scan = `SELECT count(*), max(timestamp), max(user_id), max(session_id), max(event_type), max(product_id),
  max(category), sum(quantity), sum(price), max(search_query) FROM read_parquet('${f}')`;
await con.run(`SET threads = 1`);
const r1 = await timed(scan);
// the scan operator alone (1 thread), from the profiler's JSON
const prof = f.replace(/\.parquet$/, '') + '-profile.json';
await con.run(`PRAGMA enable_profiling = 'json'`);
await con.run(`PRAGMA profiling_output = '${prof}'`);
const scanOnly = [];
const findScan = (n) => {
  if ((n.operator_type || n.operator_name || '').includes('TABLE_SCAN')) return n.operator_timing;
  for (const c of n.children || []) { const t = findScan(c); if (t !== undefined) return t; }
  return undefined;
};
for (let i = 0; i <= reps; i++) {
  await con.run(scan);
  const t = findScan(JSON.parse(readFileSync(prof.replace(/''/g, "'"), 'utf8')));
  if (i > 0 && t !== undefined) scanOnly.push(t); // the first is a warm-up
}
await con.run(`PRAGMA disable_profiling`);
unlinkSync(prof.replace(/''/g, "'"));
await con.run(`SET threads = 2`);
const r2 = await timed(scan);
out('duckdb_read_rows_per_s_1thread', rows / r1, 'rows/s');
out('duckdb_read_rows_per_s_2threads', rows / r2, 'rows/s');
const rs = scanOnly.length ? median(scanOnly) : NaN;
if (scanOnly.length) out('duckdb_scan_operator_rows_per_s_1thread', rows / rs, 'rows/s (profiler: TABLE_SCAN alone)');
// the same rows, written by DuckDB with ZSTD
await con.run(`CREATE TABLE ev AS SELECT * FROM read_parquet('${f}')`);
const dfile = f.replace(/\.parquet$/, '') + '-duckdb.parquet';
const w2 = await timed(`COPY ev TO '${dfile}' (FORMAT parquet, COMPRESSION zstd)`);
const dbytes = statSync(dfile.replace(/''/g, "'")).size;
await con.run(`SET threads = 1`);
const w1 = await timed(`COPY ev TO '${dfile}' (FORMAT parquet, COMPRESSION zstd)`);
unlinkSync(dfile.replace(/''/g, "'"));
const dB = dbytes / rows;
out('duckdb_write_rows_per_s_1thread', rows / w1, 'rows/s');
out('duckdb_write_rows_per_s_2threads', rows / w2, 'rows/s');
out('duckdb_bytes_per_event', dB, 'B/event');
out('ratio_bytes_per_event_ours_vs_duckdb', Number(ourB) / dB, 'x (lower is better)');
out('ratio_write_speed_ours_vs_duckdb_1thread', Number(ourW) / (rows / w1), 'x (higher is better)');
out('ratio_write_speed_ours_vs_duckdb_2threads', Number(ourW) / (rows / w2), 'x (ours on 1 thread)');
out('ratio_read_speed_ours_vs_duckdb_1thread', Number(ourR) / (rows / r1), 'x (higher is better)');
out('ratio_read_speed_ours_vs_duckdb_2threads', Number(ourR) / (rows / r2), 'x (ours on 1 thread)');
if (scanOnly.length) out('ratio_read_speed_ours_vs_duckdb_scan_operator_1thread', Number(ourR) / (rows / rs), 'x (higher is better)');
out('ratio_read_codes_speed_ours_vs_duckdb_1thread', Number(ourRC) / (rows / r1), 'x (higher is better)');
// issue 4's targets, in one line: <= 8 B/event (DuckDB reads the file: it just did), decoding faster
// than DuckDB reads the same file (its whole query and, stricter, its scan operator alone)
const r3 = (x) => Number(x.toPrecision(3));
console.log(JSON.stringify({
  bench: 'parquet_summary', rows, reps,
  bytes_per_event: { ours: r3(Number(ourB)), duckdb: r3(dB), ratio: r3(Number(ourB) / dB), target: '<= 8', met: Number(ourB) <= 8 },
  write_rows_per_s: { ours_1thread: r3(Number(ourW)), duckdb_1thread: r3(rows / w1), duckdb_2threads: r3(rows / w2),
    ratio_1thread: r3(Number(ourW) / (rows / w1)) },
  decode_rows_per_s: { ours_1thread: r3(Number(ourR)), ours_dict_codes_1thread: r3(Number(ourRC)),
    duckdb_query_1thread: r3(rows / r1), duckdb_query_2threads: r3(rows / r2),
    duckdb_scan_operator_1thread: scanOnly.length ? r3(rows / rs) : null,
    ratio_vs_query_1thread: r3(Number(ourR) / (rows / r1)),
    ratio_vs_scan_operator_1thread: scanOnly.length ? r3(Number(ourR) / (rows / rs)) : null,
    target: 'ours faster than DuckDB reading the same file',
    met: Number(ourR) > rows / r1 && (!scanOnly.length || Number(ourR) > rows / rs) },
}));
