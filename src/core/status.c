/* status.c: the error slot behind ev_status (see ev_status.h). */
#include "ev_status.h"

#include <stdio.h>
#include <string.h>

ev_status ev_error_setv(ev_error *err, ev_status code, const char *fmt, va_list ap) {
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

ev_status ev_error_set(ev_error *err, ev_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ev_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

ev_status ev_error_errno(ev_error *err, ev_status code, int errnum, const char *fmt, ...) {
    if (!err) return code;
    va_list ap;
    va_start(ap, fmt);
    ev_error_setv(err, code, fmt, ap);
    va_end(ap);
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
    return code;
}

void ev_error_prefix(ev_error *err, const char *fmt, ...) {
    if (!err) return;
    char prefix[EV_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[EV_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3) n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = sizeof err->msg - n - 3, olen = strlen(old);
    if (olen > room) olen = room;
    memcpy(err->msg + n + 2, old, olen);
    err->msg[n + 2 + olen] = '\0';
}

void ev_error_clear(ev_error *err) {
    if (!err) return;
    err->code = EV_OK;
    err->msg[0] = '\0';
}

const char *ev_status_name(ev_status st) {
    switch (st) {
    case EV_OK: return "ok";
    case EV_ERR_INPUT: return "input error";
    case EV_ERR_CORRUPT: return "corrupt data";
    case EV_ERR_NOT_FOUND: return "not found";
    case EV_ERR_EXISTS: return "already exists";
    case EV_ERR_BUSY: return "busy";
    case EV_ERR_LIMIT: return "limit exceeded";
    case EV_ERR_UNSUPPORTED: return "unsupported";
    case EV_ERR_IO: return "I/O error";
    case EV_ERR_NOMEM: return "out of memory";
    case EV_ERR_INTERNAL: return "internal error";
    case EV_ERR_CANCELLED: return "cancelled";
    }
    return "unknown status";
}

int ev_status_exit_code(ev_status st) {
    switch (st) {
    case EV_OK: return 0;
    case EV_ERR_INPUT:
    case EV_ERR_CORRUPT:
    case EV_ERR_NOT_FOUND:
    case EV_ERR_EXISTS:
    case EV_ERR_BUSY:
    case EV_ERR_LIMIT:
    case EV_ERR_UNSUPPORTED: return 1;
    default: return 2;
    }
}
