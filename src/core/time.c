/* time.c: civil-time arithmetic, ISO-8601 parsing and formatting (see ev_time.h). */
#include "ev_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t ev_days_from_civil(int year, int month, int day) {
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void ev_civil_from_days(int64_t days, int *year, int *month, int *day) {
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(y + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

int64_t ev_time_floor(int64_t usec, int64_t step) {
    int64_t q = usec / step;
    if (usec % step < 0) q--;
    return q * step;
}

int64_t ev_time_from_civil(const ev_civil *c) {
    int64_t days = ev_days_from_civil(c->year, c->month, c->day);
    return days * EV_USEC_PER_DAY + c->hour * EV_USEC_PER_HOUR + c->minute * EV_USEC_PER_MIN +
           c->second * EV_USEC_PER_SEC + c->usec;
}

void ev_time_to_civil(int64_t usec, ev_civil *out) {
    int64_t day_start = ev_time_floor(usec, EV_USEC_PER_DAY);
    ev_civil_from_days(day_start / EV_USEC_PER_DAY, &out->year, &out->month, &out->day);
    int64_t rem = usec - day_start;
    out->hour = (int)(rem / EV_USEC_PER_HOUR);
    rem %= EV_USEC_PER_HOUR;
    out->minute = (int)(rem / EV_USEC_PER_MIN);
    rem %= EV_USEC_PER_MIN;
    out->second = (int)(rem / EV_USEC_PER_SEC);
    out->usec = (int)(rem % EV_USEC_PER_SEC);
}

/* Reads exactly n digits at *p; returns -1 if any is not a digit. */
static int read_digits(const char **p, const char *end, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (*p >= end || (unsigned)(**p - '0') > 9) return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    return v;
}

static int days_in_month(int year, int month) {
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 ? 28 + leap : dim[month - 1];
}

ev_status ev_time_parse(const char *s, size_t len, int64_t *out_usec) {
    const char *p = s, *end = s + len;
    ev_civil c = {0};
    c.year = read_digits(&p, end, 4);
    if (c.year < 0 || p >= end || *p++ != '-') return EV_ERR_INPUT;
    c.month = read_digits(&p, end, 2);
    if (c.month < 1 || c.month > 12 || p >= end || *p++ != '-') return EV_ERR_INPUT;
    c.day = read_digits(&p, end, 2);
    if (c.day < 1 || c.day > days_in_month(c.year, c.month)) return EV_ERR_INPUT;
    int64_t offset = 0;
    if (p < end) {
        if (*p != 'T' && *p != 't' && *p != ' ') return EV_ERR_INPUT;
        p++;
        c.hour = read_digits(&p, end, 2);
        if (c.hour < 0 || c.hour > 23 || p >= end || *p++ != ':') return EV_ERR_INPUT;
        c.minute = read_digits(&p, end, 2);
        if (c.minute < 0 || c.minute > 59) return EV_ERR_INPUT;
        if (p < end && *p == ':') {
            p++;
            c.second = read_digits(&p, end, 2);
            if (c.second < 0 || c.second > 59) return EV_ERR_INPUT;
            if (p < end && (*p == '.' || *p == ',')) {
                p++;
                int digits = 0, frac = 0;
                while (p < end && (unsigned)(*p - '0') <= 9) {
                    if (digits < 6) frac = frac * 10 + (*p - '0');
                    digits++;
                    p++;
                }
                if (digits == 0 || digits > 9) return EV_ERR_INPUT;
                for (int i = digits; i < 6; i++) frac *= 10;
                c.usec = frac;
            }
        }
        if (p < end) {
            if (*p == 'Z' || *p == 'z') {
                p++;
            } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1;
                int oh = read_digits(&p, end, 2), om = 0;
                if (oh < 0 || oh > 23) return EV_ERR_INPUT;
                if (p < end && *p == ':') p++;
                if (p < end) {
                    om = read_digits(&p, end, 2);
                    if (om < 0 || om > 59) return EV_ERR_INPUT;
                }
                offset = sign * (oh * EV_USEC_PER_HOUR + om * EV_USEC_PER_MIN);
            } else {
                return EV_ERR_INPUT;
            }
        }
    }
    if (p != end) return EV_ERR_INPUT;
    /* Keep to years 0001-9999 in UTC, the range Python, Trino and Parquet readers agree on. */
    int64_t t = ev_time_from_civil(&c) - offset;
    if (t < EV_TIME_MIN || t > EV_TIME_MAX) return EV_ERR_INPUT;
    *out_usec = t;
    return EV_OK;
}

static void put2(char *o, int v) {
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD?HH:MM:SS" into o[0..19). */
static void put_datetime(char *o, const ev_civil *c, char sep) {
    put2(o, c->year / 100);
    put2(o + 2, c->year % 100);
    o[4] = '-';
    put2(o + 5, c->month);
    o[7] = '-';
    put2(o + 8, c->day);
    o[10] = sep;
    put2(o + 11, c->hour);
    o[13] = ':';
    put2(o + 14, c->minute);
    o[16] = ':';
    put2(o + 17, c->second);
}

size_t ev_time_format_py_iso(int64_t usec, char *out) {
    ev_civil c;
    ev_time_to_civil(usec, &c);
    put_datetime(out, &c, 'T');
    size_t n = 19;
    if (c.usec) {
        out[n++] = '.';
        int u = c.usec;
        for (int i = 5; i >= 0; i--) {
            out[n + (size_t)i] = (char)('0' + u % 10);
            u /= 10;
        }
        n += 6;
    }
    memcpy(out + n, "+00:00", 6);
    return n + 6;
}

void ev_time_format_sql(int64_t usec, char *out) {
    ev_civil c;
    ev_time_to_civil(usec, &c);
    put_datetime(out, &c, ' ');
    snprintf(out + 19, 13, ".%03d", c.usec / 1000);
}

void ev_time_format_iso_z(int64_t usec, char *out) {
    ev_civil c;
    ev_time_to_civil(usec, &c);
    put_datetime(out, &c, 'T');
    out[19] = 'Z';
    out[20] = '\0';
}

int64_t ev_time_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * EV_USEC_PER_SEC + ts.tv_nsec / 1000;
}

int64_t ev_time_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * EV_USEC_PER_SEC + ts.tv_nsec / 1000;
}

ev_status ev_duration_parse(const char *s, int64_t *out_usec) {
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0)) return EV_ERR_INPUT; /* also rejects NaN */
    double unit = 1e6;
    if (strcmp(end, "") == 0 || strcmp(end, "s") == 0) unit = 1e6;
    else if (strcmp(end, "ms") == 0) unit = 1e3;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0) unit = 60e6;
    else if (strcmp(end, "h") == 0) unit = 3600e6;
    else if (strcmp(end, "d") == 0) unit = 86400e6;
    else return EV_ERR_INPUT;
    double us = v * unit;
    if (!(us <= 9e18)) return EV_ERR_INPUT;
    *out_usec = (int64_t)us;
    return EV_OK;
}
