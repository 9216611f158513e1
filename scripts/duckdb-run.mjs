// Runs SQL statements in DuckDB and prints each result as one JSON line: {"rows": [...]} or
// {"error": "..."}. usage: node duckdb-run.mjs "SQL1" ["SQL2" ...]   (BIGINTs become strings)
import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`SET TimeZone='UTC'`);
for (const sql of process.argv.slice(2)) {
  try {
    const rows = (await con.runAndReadAll(sql)).getRowsJS();
    console.log(JSON.stringify({ rows }, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  } catch (e) {
    console.log(JSON.stringify({ error: String(e.message || e) }));
  }
}
