/*
 * ev_time: UTC timestamps as int64 microseconds since the Unix epoch, civil-date conversion,
 * ISO-8601 parsing (every form the raw contract allows) and the formats evlake prints.
 *
 * Conversions are pure integer arithmetic (Hinnant's days-from-civil), so they hold for any year
 * 0001-9999, need no time zone database, and are safe from any thread.
 */
#ifndef EV_TIME_H
#define EV_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "ev_status.h"

#define EV_USEC_PER_SEC INT64_C(1000000)
#define EV_USEC_PER_MIN (60 * EV_USEC_PER_SEC)
#define EV_USEC_PER_HOUR (60 * EV_USEC_PER_MIN)
#define EV_USEC_PER_DAY (24 * EV_USEC_PER_HOUR)

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the range parsing accepts. */
#define EV_TIME_MIN INT64_C(-62135596800000000)
#define EV_TIME_MAX INT64_C(253402300799999999)

typedef struct ev_civil {
    int year, month, day;      /* month 1-12, day 1-31 */
    int hour, minute, second;  /* 0-23, 0-59, 0-59 */
    int usec;                  /* 0-999999 */
} ev_civil;

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t ev_days_from_civil(int year, int month, int day);
void ev_civil_from_days(int64_t days, int *year, int *month, int *day);

int64_t ev_time_from_civil(const ev_civil *c);
void ev_time_to_civil(int64_t usec, ev_civil *out);

/* Parses ISO-8601 in the forms raw events and CLI users write:
 *   YYYY-MM-DD, YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]] [Z | ±HH:MM | ±HHMM | ±HH]
 * The fraction may have 1-9 digits (truncated to microseconds). No offset means UTC.
 * The whole of s[0..len) must match, and the instant must lie in years 0001-9999 UTC. Returns EV_OK or EV_ERR_INPUT (no error text: callers know
 * where the string came from and say so). */
ev_status ev_time_parse(const char *s, size_t len, int64_t *out_usec) EV_WUR;

/* Python's datetime.isoformat() for a UTC time: "2025-11-19T17:44:54.718325+00:00", and no
 * fraction at all when the microseconds are 0. Writes at most 32 bytes (no NUL); returns length. */
size_t ev_time_format_py_iso(int64_t usec, char *out);

/* Athena's rendering of timestamp(3): "2025-11-20 08:00:00.000". Writes a NUL; `out` >= 32 bytes. */
void ev_time_format_sql(int64_t usec, char *out);

/* ISO-8601 for logs and messages: "2025-11-20T08:00:00Z" (seconds precision). `out` >= 32 bytes. */
void ev_time_format_iso_z(int64_t usec, char *out);

/* The wall clock (CLOCK_REALTIME) and a monotonic clock, in microseconds. */
int64_t ev_time_now(void);
int64_t ev_time_monotonic(void);

/* Floor division of a timestamp to a multiple of `step` microseconds (correct for negatives). */
int64_t ev_time_floor(int64_t usec, int64_t step);

/* Parses a duration such as "5m", "300s", "1h", "250ms", "2d" or a bare number of seconds. */
ev_status ev_duration_parse(const char *s, int64_t *out_usec) EV_WUR;

#endif
