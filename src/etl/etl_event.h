/*
 * etl_event: the events schema's typing rules: what a scanned JSON field may be and what it
 * becomes, and the reason a line is quarantined when it cannot become a row.
 *
 * Rules (a robust reader for events.md):
 *   timestamp     required; a string in any ISO-8601 form ev_time_parse accepts; normalized to UTC
 *   event_type    required; one of page_view, add_to_cart, remove_from_cart, purchase, search
 *   user_id, session_id, product_id, category, search_query
 *                 string or null or absent (-> null); a number is kept as its text (schema drift
 *                 between producers); true/false, objects and arrays are rejected
 *   quantity      integer in int32 range, or a string holding one ("3"), or null/absent
 *   price         number, or a string holding one ("19.99"), or null/absent; must be finite
 * Unknown keys are ignored (counted as drift by the caller).
 */
#ifndef EV_ETL_EVENT_H
#define EV_ETL_EVENT_H

#include <stddef.h>

#include "etl_rows.h"

typedef enum etl_field_kind {
    ETL_FIELD_ABSENT = 0,
    ETL_FIELD_NULL,
    ETL_FIELD_STRING,  /* text = the decoded string */
    ETL_FIELD_NUMBER,  /* text = the number as written */
    ETL_FIELD_BOOL,
    ETL_FIELD_OTHER    /* object or array */
} etl_field_kind;

typedef struct etl_field {
    etl_field_kind kind;
    const char *text;
    size_t len;
} etl_field;

/* The schema's fields, in the order etl_event_from_fields expects them. */
enum { ETL_F_TIMESTAMP, ETL_F_USER_ID, ETL_F_SESSION_ID, ETL_F_EVENT_TYPE, ETL_F_PRODUCT_ID, ETL_F_QUANTITY,
       ETL_F_PRICE, ETL_F_CATEGORY, ETL_F_SEARCH_QUERY, ETL_NFIELDS };

/* The field names, in that order. */
extern const char *const etl_field_names[ETL_NFIELDS];

/* Types one line's fields into `e` (strings point into the fields' text). On failure returns
 * EV_ERR_INPUT and writes the reason (e.g. "unknown event_type 'hover'") into `reason`. */
ev_status etl_event_from_fields(const etl_field f[ETL_NFIELDS], etl_event *e, char *reason, size_t cap) EV_WUR;

#endif
