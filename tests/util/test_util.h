/* test_util.h: helpers shared by the test programs (temporary directories, running the CLI). */
#ifndef EV_TEST_UTIL_H
#define EV_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ev_alloc.h"

/* Creates a fresh temporary directory (under $TMPDIR or /tmp) into `out` (>= 256 bytes). */
void tu_mkdtemp(char *out, const char *tag);
/* rm -rf. */
void tu_rmtree(const char *path);

/* Runs the evlake binary ($EVLAKE_BIN, else build/release/evlake) with printf-built arguments
 * (split on spaces; no quoting), capturing stdout and stderr into the buffers (may be NULL).
 * Returns the exit status, or 128+signal. */
int tu_run_cli(ev_buf *out, ev_buf *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like tu_run_cli while another process holds `lock` (flock, exclusive, its content "pid 4242"),
 * as a running job would; the holder is killed when the command ends. */
int tu_run_cli_locked(const char *lock, ev_buf *out, ev_buf *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Runs `/bin/sh -c script` (printf-built), capturing output like tu_run_cli. In the script,
 * $EVLAKE is the binary under test. Returns the exit status, or 128+signal. */
int tu_run_sh(ev_buf *out, ev_buf *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Runs a shell script (as tu_run_sh) that prints one integer and returns it. The script must
 * succeed (exit 0; grep -c's exit 1 for "no match" is accepted too). */
int64_t tu_sh_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Path of the evlake binary under test. */
const char *tu_evlake_bin(void);

/* One value from the lake's catalog (<home>/catalog.db, read-only): an integer (-1 if no row), or
 * text copied into out (empty if NULL or no row). A bad query fails the test. */
int64_t tu_catalog_int(const char *home, const char *sql);
void tu_catalog_text(const char *home, const char *sql, char *out, size_t cap);

/* DuckDB, the reference oracle: installs it from npm once (scripts/duckdb-setup.sh; fails the test
 * if it cannot), and runs one SQL statement, leaving its JSON result line ({"rows": [...]}) in out.
 * An error reported by DuckDB fails the test with the statement. */
void tu_duckdb_setup(void);
void tu_duckdb(ev_buf *out, const char *sql);

/* Returns the number of lines in a NUL-free buffer (a last line without '\n' counts). */
size_t tu_count_lines(const uint8_t *data, size_t len);

#endif
