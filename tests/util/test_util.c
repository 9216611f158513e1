/* test_util.c: see test_util.h. */
#include "test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <time.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ev_fs.h"

extern char **environ;

void tu_mkdtemp(char *out, const char *tag) {
    const char *tmp = getenv("TMPDIR");
    snprintf(out, 256, "%s/evlake-test-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        abort();
    }
}

void tu_rmtree(const char *path) {
    ev_error err;
    if (ev_remove_tree(path, &err) != EV_OK) fprintf(stderr, "%s\n", err.msg);
}

const char *tu_evlake_bin(void) {
    const char *b = getenv("EVLAKE_BIN");
    return b && *b ? b : "build/release/evlake";
}


static int run_argv(char **argv, ev_buf *out, ev_buf *err);

static int run_cli_v(ev_buf *out, ev_buf *err, const char *fmt, va_list ap) {
    char line[8192];
    vsnprintf(line, sizeof line, fmt, ap);
    char *argv[256];
    int argc = 0;
    argv[argc++] = (char *)tu_evlake_bin();
    for (char *tok = strtok(line, " "); tok && argc < 255; tok = strtok(NULL, " ")) argv[argc++] = tok;
    argv[argc] = NULL;
    return run_argv(argv, out, err);
}

int tu_run_cli(ev_buf *out, ev_buf *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = run_cli_v(out, err, fmt, ap);
    va_end(ap);
    return rc;
}

int tu_run_cli_locked(const char *lock, ev_buf *out, ev_buf *err, const char *fmt, ...) {
    char dir[512];
    ev_path_dirname(lock, dir, sizeof dir);
    assert_int_equal(ev_mkdir_p(dir, NULL), EV_OK);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(lock, O_RDWR | O_CREAT, 0644);
        if (fd < 0 || flock(fd, LOCK_EX) != 0 || ftruncate(fd, 0) != 0 || write(fd, "pid 4242\n", 9) != 9) _exit(1);
        sleep(10); /* killed below */
        _exit(0);
    }
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    va_list ap;
    va_start(ap, fmt);
    int rc = run_cli_v(out, err, fmt, ap);
    va_end(ap);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return rc;
}

int tu_run_sh(ev_buf *out, ev_buf *err, const char *fmt, ...) {
    char script[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(script, sizeof script, fmt, ap);
    va_end(ap);
    setenv("EVLAKE", tu_evlake_bin(), 1);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    return run_argv(argv, out, err);
}

int64_t tu_sh_int(const char *fmt, ...) {
    char script[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(script, sizeof script, fmt, ap);
    va_end(ap);
    ev_buf out;
    ev_buf_init(&out, NULL);
    int rc = tu_run_sh(&out, NULL, "%s", script);
    if (rc != 0 && rc != 1) fail_msg("'%s' failed with %d", script, rc);
    int64_t n = atoll((char *)out.data);
    ev_buf_free(&out);
    return n;
}

static int run_argv(char **argv, ev_buf *out, ev_buf *err) {
    int po[2], pe[2];
    assert_int_equal(pipe(po), 0);
    assert_int_equal(pipe(pe), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawn_file_actions_addclose(&fa, po[0]);
    posix_spawn_file_actions_addclose(&fa, pe[0]);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
    close(po[1]);
    close(pe[1]);
    struct pollfd pfd[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(pfd, 2, -1) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP))) continue;
            char tmp[65536];
            ssize_t r = read(pfd[i].fd, tmp, sizeof tmp);
            if (r <= 0) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
                open_fds--;
                continue;
            }
            ev_buf *b = i == 0 ? out : err;
            if (b) assert_int_equal(ev_buf_append(b, tmp, (size_t)r), EV_OK);
        }
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (out) assert_int_equal(ev_buf_append(out, "", 1), EV_OK), out->len--;
    if (err) assert_int_equal(ev_buf_append(err, "", 1), EV_OK), err->len--;
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

size_t tu_count_lines(const uint8_t *data, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += data[i] == '\n';
    if (len && data[len - 1] != '\n') n++;
    return n;
}

static sqlite3_stmt *catalog_query(const char *home, const char *sql, sqlite3 **db) {
    char path[512];
    snprintf(path, sizeof path, "%s/catalog.db", home);
    assert_int_equal(sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(*db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("%s: %s", sql, sqlite3_errmsg(*db));
    return st;
}

int64_t tu_catalog_int(const char *home, const char *sql) {
    sqlite3 *db;
    sqlite3_stmt *st = catalog_query(home, sql, &db);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

void tu_catalog_text(const char *home, const char *sql, char *out, size_t cap) {
    sqlite3 *db;
    sqlite3_stmt *st = catalog_query(home, sql, &db);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

void tu_duckdb_setup(void) {
    ev_buf err;
    ev_buf_init(&err, NULL);
    int rc = tu_run_sh(NULL, &err, "sh scripts/duckdb-setup.sh");
    if (rc != 0) fail_msg("DuckDB could not be installed from npm (it is this test's oracle): %s", (char *)err.data);
    ev_buf_free(&err);
}

void tu_duckdb(ev_buf *out, const char *sql) {
    ev_buf_reset(out);
    char *quoted = malloc(strlen(sql) * 4 + 3);
    assert_non_null(quoted);
    char *q = quoted;
    *q++ = '\'';
    for (const char *p = sql; *p; p++) {
        if (*p == '\'') {
            memcpy(q, "'\\''", 4);
            q += 4;
        } else {
            *q++ = *p;
        }
    }
    *q++ = '\'';
    *q = '\0';
    int rc = tu_run_sh(out, NULL, "node build/duckdb/duckdb-run.mjs %s", quoted);
    free(quoted);
    assert_int_equal(rc, 0);
    if (strstr((char *)out->data, "\"error\"")) fail_msg("DuckDB: %s\nSQL: %s", (char *)out->data, sql);
}
