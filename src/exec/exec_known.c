/*
 * exec_known.c: what a COUNT(DISTINCT) set already holds, remembered in order.
 *
 * COUNT(DISTINCT user_id) marks the dictionary codes each group meets in a row group and, when the
 * row group ends, inserts their strings into the group's hash set: a hash and a random probe per
 * string. Over a lake that is nearly all wasted: every row group of the events table carries
 * almost all of its 90,000 user ids again, so nearly every insert finds its string already there
 * (Q5: 60 M such probes, half the query). evlake's writer sorts each dictionary, so the strings
 * of a row group arrive in order; kept in order too, the strings a group's set was last given can
 * be walked side by side with the next row group's (a merge: sequential reads, one comparison a
 * string) and only the strings not met there are hashed and inserted.
 *
 * A few recent groups are remembered (a row group mostly falls into one or two groups when the
 * query groups by partition columns). A dictionary found out of order (other writers do not sort)
 * makes the rest of its codes go to the set as before and forgets that group.
 */
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

/* The strings one group's set holds (a subset), ascending: string i is bytes[off[i], off[i+1]). */
typedef struct known_list {
    uint32_t gid;
    bool live;
    uint64_t used; /* the filter call that last used it */
    char *bytes;
    size_t blen, bcap;
    uint32_t *off;
    size_t n, ocap;
} known_list;

struct exec_known {
    known_list ways[EXEC_KNOWN_GROUPS];
    known_list spare; /* the list being built, swapped in when complete */
    uint64_t calls;
};

exec_known *exec_known_new(void) {
    return calloc(1, sizeof(exec_known));
}

static void list_free(known_list *l) {
    free(l->bytes);
    free(l->off);
}

void exec_known_free(exec_known *k) {
    if (!k) return;
    for (int w = 0; w < EXEC_KNOWN_GROUPS; w++)
        list_free(&k->ways[w]);
    list_free(&k->spare);
    free(k);
}

/* A big-endian word of a string tail of 1-7 bytes, loaded without reading past it: comparing two
 * such words of equal length orders the tails as memcmp does (the two 4-byte loads overlap on
 * bytes that the first load already found equal). */
static inline uint64_t tail_word(const char *p, size_t n) {
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        return (uint64_t)__builtin_bswap32(lo) << 32 | __builtin_bswap32(hi);
    }
    return (uint64_t)(uint8_t)p[0] << 16 | (uint64_t)(uint8_t)p[n / 2] << 8 | (uint8_t)p[n - 1];
}

/* memcmp order, then the shorter first; no library call (most strings here are 6-8 bytes). */
static inline int str_cmp(const char *a, size_t an, const char *b, size_t bn) {
    size_t n = an < bn ? an : bn;
    for (; n >= 8; n -= 8, a += 8, b += 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
    }
    if (n) {
        uint64_t x = tail_word(a, n), y = tail_word(b, n);
        if (x != y) return x < y ? -1 : 1;
    }
    return (an > bn) - (an < bn);
}

static ev_status list_append(known_list *l, pq_str s, exec_budget *bud, ev_error *err) {
    if (l->blen + s.len > l->bcap) {
        size_t nc = l->bcap ? l->bcap * 2 : 1 << 16;
        while (nc < l->blen + s.len)
            nc *= 2;
        EV_TRY(exec_budget_take(bud, nc - l->bcap, err));
        char *nb = realloc(l->bytes, nc);
        if (!nb) return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
        l->bytes = nb;
        l->bcap = nc;
    }
    if (l->n + 2 > l->ocap) {
        size_t nc = l->ocap ? l->ocap * 2 : 4096;
        EV_TRY(exec_budget_take(bud, (nc - l->ocap) * sizeof *l->off, err));
        uint32_t *no = realloc(l->off, nc * sizeof *no);
        if (!no) return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
        l->off = no;
        l->ocap = nc;
    }
    if (s.len) memcpy(l->bytes + l->blen, s.ptr, s.len);
    l->blen += s.len;
    l->off[l->n] = (uint32_t)(l->blen - s.len);
    l->off[++l->n] = (uint32_t)l->blen;
    return EV_OK;
}

/* The way that holds gid, or NULL. */
static known_list *find_way(exec_known *k, uint32_t gid) {
    for (int w = 0; w < EXEC_KNOWN_GROUPS; w++)
        if (k->ways[w].live && k->ways[w].gid == gid) return &k->ways[w];
    return NULL;
}

/* Where gid's new list goes: its old way, a free one, or the least recently used. */
static known_list *victim_way(exec_known *k, uint32_t gid) {
    known_list *v = find_way(k, gid);
    if (v) return v;
    v = &k->ways[0];
    for (int w = 0; w < EXEC_KNOWN_GROUPS; w++) {
        if (!k->ways[w].live) return &k->ways[w];
        if (k->ways[w].used < v->used) v = &k->ways[w];
    }
    return v;
}

static inline pq_str list_str(const known_list *l, size_t i) {
    return (pq_str){l->bytes + l->off[i], l->off[i + 1] - l->off[i]};
}

static inline bool str_eq(pq_str a, pq_str b) {
    if (a.len != b.len) return false;
    size_t n = a.len;
    const char *p = a.ptr, *q = b.ptr;
    for (; n >= 8; n -= 8, p += 8, q += 8) {
        uint64_t x, y;
        memcpy(&x, p, 8);
        memcpy(&y, q, 8);
        if (x != y) return false;
    }
    return !n || tail_word(p, n) == tail_word(q, n);
}

static inline int pq_str_cmp(pq_str a, pq_str b) {
    return str_cmp(a.ptr, a.len, b.ptr, b.len);
}

/* The new list of a group: old (may be NULL) merged with the strings of codes[0..n) (ascending,
 * none in old), into k->spare, which then takes old's way (or a free or the oldest one). */
static ev_status list_rebuild(exec_known *k, uint32_t gid, known_list *old, const exec_vec *d,
                              const uint32_t *codes, size_t n, exec_budget *bud, ev_error *err) {
    known_list *nw = &k->spare;
    nw->n = 0;
    nw->blen = 0;
    size_t j = 0, oldn = old ? old->n : 0;
    for (size_t i = 0; i < n; i++) {
        pq_str s = d->s[codes[i]];
        for (; j < oldn && pq_str_cmp(list_str(old, j), s) < 0; j++)
            EV_TRY(list_append(nw, list_str(old, j), bud, err));
        EV_TRY(list_append(nw, s, bud, err));
    }
    for (; j < oldn; j++)
        EV_TRY(list_append(nw, list_str(old, j), bud, err));
    known_list *v = victim_way(k, gid), t = *v;
    *v = *nw;
    v->gid = gid;
    v->live = true;
    v->used = k->calls;
    *nw = t;
    return EV_OK;
}

ev_status exec_known_filter(exec_known *k, uint32_t gid, const exec_vec *d, const uint32_t *codes, size_t n,
                            uint32_t *out, size_t *nout, exec_budget *bud, ev_error *err) {
    known_list *old = find_way(k, gid);
    k->calls++;
    /* a list much longer than the dictionaries it is walked against costs more than it saves
     * (ids that keep changing): start again from this dictionary's strings */
    if (old && old->n > 4 * n + 1024) {
        old->live = false;
        old = NULL;
    }
    /* one comparison a string while the dictionary follows the list: a string equal to the next
     * list entry is known and in order (the list is strictly ascending and past the previous
     * string); only the others need the check that the dictionary is sorted */
    size_t j = 0, no = 0, i = 0;
    for (; i < n; i++) {
        pq_str s = d->s[codes[i]];
        bool known = false;
        for (; old && j < old->n; j++) {
            pq_str o = list_str(old, j);
            if (str_eq(o, s)) {
                known = true;
                j++;
                break;
            }
            if (pq_str_cmp(o, s) > 0) break;
        }
        if (known) continue;
        if (i && pq_str_cmp(d->s[codes[i - 1]], s) >= 0) break; /* not sorted */
        out[no++] = codes[i];
    }
    if (i < n) { /* the rest goes to the set unfiltered, and the group is forgotten */
        for (; i < n; i++)
            out[no++] = codes[i];
        *nout = no;
        if (old) old->live = false;
        return EV_OK;
    }
    *nout = no;
    if (old && !no) {
        old->used = k->calls;
        return EV_OK;
    }
    /* every string of the new list is in the set once the caller has inserted out[0..no) */
    return old ? list_rebuild(k, gid, old, d, out, no, bud, err)
               : list_rebuild(k, gid, NULL, d, codes, n, bud, err);
}
