/*
 * ev_status: the error contract of every evlake module.
 *
 * Every fallible function returns an ev_status and, when it fails, fills a caller-owned ev_error
 * with a one-line human message that names *where* the problem is (object and line, SQL line:column,
 * file and offset). Callers propagate with EV_TRY or EV_CHECK; nothing prints or exits below the CLI.
 * The CLI maps statuses to the exit codes of cli.md: 1 for a user error, 2 for internal or I/O errors.
 */
#ifndef EV_STATUS_H
#define EV_STATUS_H

#include <stdarg.h>
#include <stddef.h>

#define EV_WUR __attribute__((warn_unused_result))
#define EV_PRINTF(f, a) __attribute__((format(printf, f, a)))

typedef enum ev_status {
    EV_OK = 0,
    EV_ERR_INPUT,       /* bad user input: arguments, SQL, config, data a user supplied */
    EV_ERR_CORRUPT,     /* a file or object that is not what it claims to be */
    EV_ERR_NOT_FOUND,   /* a named thing does not exist */
    EV_ERR_EXISTS,      /* a thing that must not exist does */
    EV_ERR_BUSY,        /* a lock is held by someone else */
    EV_ERR_LIMIT,       /* a configured budget (memory, bytes scanned) would be exceeded */
    EV_ERR_UNSUPPORTED, /* valid, but not something evlake does (yet) */
    EV_ERR_IO,          /* the operating system refused: disk full, permissions, ... */
    EV_ERR_NOMEM,       /* an allocation failed */
    EV_ERR_INTERNAL,    /* a bug: an invariant did not hold */
    EV_ERR_CANCELLED    /* stopped on request (signal) */
} ev_status;

#define EV_ERROR_MSG_MAX 1024

/* A caller-owned error slot. `code` repeats the status; `msg` is empty on success. */
typedef struct ev_error {
    ev_status code;
    char msg[EV_ERROR_MSG_MAX];
} ev_error;

/* Records `code` and a printf-style message in `err` (which may be NULL) and returns `code`, so a
 * failing function can `return ev_error_set(err, EV_ERR_IO, "...")`. */
ev_status ev_error_set(ev_error *err, ev_status code, const char *fmt, ...) EV_PRINTF(3, 4);
ev_status ev_error_setv(ev_error *err, ev_status code, const char *fmt, va_list ap);

/* Like ev_error_set, appending ": <strerror(errnum)>". */
ev_status ev_error_errno(ev_error *err, ev_status code, int errnum, const char *fmt, ...)
    EV_PRINTF(4, 5);

/* Prepends "<prefix>: " to an existing message (adds context while propagating). */
void ev_error_prefix(ev_error *err, const char *fmt, ...) EV_PRINTF(2, 3);

void ev_error_clear(ev_error *err);

/* Short stable name of a status ("input error", "I/O error", ...). Never NULL. */
const char *ev_status_name(ev_status st);

/* The process exit code for a status, as cli.md defines it: 0 ok, 1 user error, 2 otherwise. */
int ev_status_exit_code(ev_status st);

/* Propagate: return the status of `expr` when it is not EV_OK. */
#define EV_TRY(expr)                                                                               \
    do {                                                                                           \
        ev_status ev_try_st_ = (expr);                                                             \
        if (ev_try_st_ != EV_OK) return ev_try_st_;                                                \
    } while (0)

/* Propagate to the function's single cleanup label: needs `ev_status st;` and a `done:` label. */
#define EV_CHECK(expr)                                                                             \
    do {                                                                                           \
        st = (expr);                                                                               \
        if (st != EV_OK) goto done;                                                                \
    } while (0)

#endif
