/*
 * starter.c: the `starter` profile, byte-compatible with the course-starter generator.
 *
 * One event, exactly as Python's json.dumps(dict) prints the starter's dict:
 * {"timestamp": "2025-11-19T17:44:54.718325+00:00", "user_id": "u_48213", "session_id": "s_77120",
 *  "event_type": "purchase", "product_id": "p_3004", "quantity": 2, "price": 123.45,
 *  "category": "home", "search_query": null}
 * Distributions (events.md): users and sessions uniform and independent over 10000..99999; event
 * types 50/20/10/10/10; every non-search event picks a category uniformly, then one of its five
 * products; quantity 1-5 and price 9.99-299.99 only on cart and purchase events.
 */
#include "gen_int.h"

#include "ev_time.h"

const char *const gen_category_names[6] = {"electronics", "clothing", "home", "books", "sports", "toys"};
const char *const gen_search_queries[8] = {"wireless headphones", "running shoes", "coffee maker",
                                           "python books", "yoga mat", "laptop stand",
                                           "winter jacket", "desk lamp"};

char *gen_put_timestamp(gen_ts_cache *c, char *p, int64_t usec) {
    int64_t sec = ev_time_floor(usec, EV_USEC_PER_SEC) / EV_USEC_PER_SEC;
    if (sec != c->second) {
        char tmp[40];
        ev_time_format_py_iso(sec * EV_USEC_PER_SEC, tmp);
        memcpy(c->text, tmp, 19);
        c->second = sec;
    }
    p = gen_put(p, c->text, 19);
    uint32_t frac = (uint32_t)(usec - sec * EV_USEC_PER_SEC);
    if (frac) {
        *p++ = '.';
        for (int i = 5; i >= 0; i--) {
            p[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        p += 6;
    }
    return GEN_PUT_LIT(p, "+00:00");
}

static const char *const event_type_json[5] = {"\"page_view\"", "\"add_to_cart\"", "\"remove_from_cart\"",
                                               "\"purchase\"", "\"search\""};

char *gen_put_event_head(gen_ts_cache *tc, char *p, const gen_event *e) {
    p = GEN_PUT_LIT(p, "{\"timestamp\": \"");
    p = gen_put_timestamp(tc, p, e->ts);
    p = GEN_PUT_LIT(p, "\", \"user_id\": \"u_");
    p = gen_put_u64(p, e->user);
    p = GEN_PUT_LIT(p, "\", \"session_id\": \"s_");
    p = gen_put_u64(p, e->session);
    return GEN_PUT_LIT(p, "\", \"event_type\": ");
}

char *gen_put_event(gen_ts_cache *tc, char *p, const gen_event *e) {
    p = gen_put_event_head(tc, p, e);
    p = gen_put(p, event_type_json[e->type], strlen(event_type_json[e->type]));
    if (e->type == GEN_ET_SEARCH) {
        const char *q = gen_search_queries[e->query];
        p = GEN_PUT_LIT(p, ", \"product_id\": null, \"quantity\": null, \"price\": null, "
                           "\"category\": null, \"search_query\": \"");
        p = gen_put(p, q, strlen(q));
        return GEN_PUT_LIT(p, "\"}");
    }
    uint32_t cat = e->product / 5u;
    p = GEN_PUT_LIT(p, ", \"product_id\": \"p_");
    *p++ = (char)('1' + cat);
    p = GEN_PUT_LIT(p, "00");
    *p++ = (char)('1' + e->product % 5u);
    if (e->type == GEN_ET_PAGE_VIEW) {
        p = GEN_PUT_LIT(p, "\", \"quantity\": null, \"price\": null, \"category\": \"");
    } else {
        p = GEN_PUT_LIT(p, "\", \"quantity\": ");
        p = gen_put_u64(p, e->quantity);
        p = GEN_PUT_LIT(p, ", \"price\": ");
        p = gen_put_price(p, e->price_cents);
        p = GEN_PUT_LIT(p, ", \"category\": \"");
    }
    const char *c = gen_category_names[cat];
    p = gen_put(p, c, strlen(c));
    return GEN_PUT_LIT(p, "\", \"search_query\": null}");
}

static int draw_event_type(gen_rng *r) {
    uint32_t x = gen_below(r, 10); /* 5/2/1/1/1 tenths */
    if (x < 5) return GEN_ET_PAGE_VIEW;
    if (x < 7) return GEN_ET_ADD_TO_CART;
    if (x < 8) return GEN_ET_REMOVE_FROM_CART;
    return x < 9 ? GEN_ET_PURCHASE : GEN_ET_SEARCH;
}

ev_status gen_starter_chunk(const gen_options *o, int64_t window_start, uint32_t chunk, uint32_t first,
                            uint32_t count, uint32_t total, ev_buf *out, ev_error *err) {
    if (ev_buf_reserve(out, (size_t)count * GEN_LINE_MAX) != EV_OK)
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory rendering %u events", count);
    gen_rng r;
    gen_rng_seed(&r, o->seed, (uint64_t)window_start, chunk, GEN_STREAM_CHUNK);
    gen_ts_cache tc = {INT64_MIN, {0}};
    const int64_t interval = o->interval_usec;
    char *p = (char *)out->data + out->len;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t k = first + i;
        gen_event e;
        /* Event k's time: its evenly spaced slot plus jitter, so times never go backwards. */
        e.ts = window_start + ((int64_t)k * interval + (int64_t)(gen_unit(&r) * (double)interval)) / total;
        e.user = 10000 + gen_below(&r, 90000);
        e.session = 10000 + gen_below(&r, 90000);
        e.type = (uint8_t)draw_event_type(&r);
        if (e.type == GEN_ET_SEARCH) {
            e.query = (uint8_t)gen_below(&r, 8);
        } else {
            e.product = (uint8_t)(gen_below(&r, 6) * 5 + gen_below(&r, 5));
            if (e.type != GEN_ET_PAGE_VIEW) {
                e.quantity = (uint8_t)(1 + gen_below(&r, 5));
                e.price_cents = 999 + gen_below(&r, 29999 - 999 + 1);
            }
        }
        p = gen_put_event(&tc, p, &e);
        if (k + 1 < total) *p++ = '\n';
    }
    out->len = (size_t)(p - (char *)out->data);
    return EV_OK;
}
