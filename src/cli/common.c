/* common.c: what every subcommand shares: error printing, number options and help detection (see
 * cli.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_fail(const char *cmd, const ev_error *err) {
    fprintf(stderr, "evlake %s: %s\n", cmd, err->msg[0] ? err->msg : ev_status_name(err->code));
    int code = ev_status_exit_code(err->code);
    return code ? code : 2;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "evlake %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see evlake %s --help)\n", cmd);
    va_end(ap);
    return 1;
}

int cli_int_arg(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < lo || n > hi)
        return cli_usage_error(cmd, "%s takes a whole number from %ld to %ld, not '%s'", opt, lo, hi, v);
    *out = n;
    return 0;
}

int cli_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    }
    return 0;
}

const char *cli_split_table(const char *arg, char *db, size_t cap) {
    const char *dot = strchr(arg, '.');
    if (!dot) {
        snprintf(db, cap, "analytics");
        return arg;
    }
    snprintf(db, cap, "%.*s", (int)(dot - arg), arg);
    return dot + 1;
}
