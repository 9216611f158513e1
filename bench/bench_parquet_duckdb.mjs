// bench_parquet_duckdb.mjs: DuckDB's side of bench_parquet, on the same file in the same run.
// usage: node bench_parquet_duckdb.mjs FILE ROWS REPS OUR_WRITE_ROWS_S OUR_READ_ROWS_S OUR_B_PER_EVENT OUR_READ_CODES_ROWS_S
// Prints JSON lines: DuckDB reading our file (all columns, 1 and 2 threads), DuckDB writing the same
// rows with ZSTD (rows/s, B/event), and the ratios ours/DuckDB.
import { DuckDBInstance } from '@duckdb/node-api';
import { statSync, unlinkSync } from 'node:fs';

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
await con.run(`SET threads = 2`);
const r2 = await timed(scan);
out('duckdb_read_rows_per_s_1thread', rows / r1, 'rows/s');
out('duckdb_read_rows_per_s_2threads', rows / r2, 'rows/s');
// the same rows, written by DuckDB with ZSTD
await con.run(`CREATE TABLE ev AS SELECT * FROM read_parquet('${f}')`);
const dfile = f.replace(/\.parquet$/, '') + '-duckdb.parquet';
const w2 = await timed(`COPY ev TO '${dfile}' (FORMAT parquet, COMPRESSION zstd)`);
const dbytes = statSync(dfile.replace(/''/g, "'")).size;
await con.run(`SET threads = 1`);
const w1 = await timed(`COPY ev TO '${dfile}' (FORMAT parquet, COMPRESSION zstd)`);
unlinkSync(dfile.replace(/''/g, "'"));
out('duckdb_write_rows_per_s_1thread', rows / w1, 'rows/s');
out('duckdb_write_rows_per_s_2threads', rows / w2, 'rows/s');
out('duckdb_bytes_per_event', dbytes / rows, 'B/event');
out('ratio_bytes_per_event_ours_vs_duckdb', Number(ourB) / (dbytes / rows), 'x (lower is better)');
out('ratio_write_speed_ours_vs_duckdb_1thread', Number(ourW) / (rows / w1), 'x (higher is better)');
out('ratio_write_speed_ours_vs_duckdb_2threads', Number(ourW) / (rows / w2), 'x (ours on 1 thread)');
out('ratio_read_speed_ours_vs_duckdb_1thread', Number(ourR) / (rows / r1), 'x (higher is better)');
out('ratio_read_speed_ours_vs_duckdb_2threads', Number(ourR) / (rows / r2), 'x (ours on 1 thread)');
out('ratio_read_codes_speed_ours_vs_duckdb_1thread', Number(ourRC) / (rows / r1), 'x (higher is better)');
