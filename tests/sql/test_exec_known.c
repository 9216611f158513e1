/*
 * test_exec_known.c: the ordered memory of COUNT(DISTINCT) sets (src/exec/exec_known.c). A string
 * it calls known must be in the group's set (else a distinct value would go uncounted); with
 * sorted dictionaries and few groups it must call known exactly what the set holds (else it saves
 * nothing). Checked against a model set over random sequences of dictionaries: sorted and not,
 * short and long strings, shared prefixes, embedded NUL bytes, groups beyond what it remembers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"
#include "test_util.h"

#define DOMAIN 600
#define MAXG 7

typedef struct model {
    char str[DOMAIN][24];
    uint32_t len[DOMAIN];
    uint32_t by_order[DOMAIN]; /* domain indexes in string order */
    bool in_set[MAXG][DOMAIN];
} model;

static int cmp_dom(const void *a, const void *b, void *ctx) {
    const model *m = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    size_t n = m->len[x] < m->len[y] ? m->len[x] : m->len[y];
    int c = memcmp(m->str[x], m->str[y], n);
    return c ? c : (int)m->len[x] - (int)m->len[y];
}

/* Distinct strings of 0-20 bytes: ids with a shared prefix, some with a NUL byte inside, some that
 * are prefixes of others. */
static void model_init(model *m, unsigned seed) {
    memset(m, 0, sizeof *m);
    srand(seed);
    for (uint32_t i = 0; i < DOMAIN; i++) {
        int kind = i % 5;
        if (kind == 0)
            m->len[i] = (uint32_t)snprintf(m->str[i], 24, "u_%u", 10000 + i);
        else if (kind == 1)
            m->len[i] = (uint32_t)snprintf(m->str[i], 24, "session-%011u", i);
        else if (kind == 2)
            m->len[i] = (uint32_t)snprintf(m->str[i], 24, "%u", i);
        else if (kind == 3) {
            m->len[i] = (uint32_t)snprintf(m->str[i], 24, "a%ub", i);
            m->str[i][1] = 0; /* a NUL inside */
        } else {
            m->len[i] = i % 20;
            for (uint32_t k = 0; k < m->len[i]; k++)
                m->str[i][k] = (char)('x' + (i >> k) % 3);
        }
    }
    /* make the strings distinct: a duplicate gets a unique suffix byte pattern */
    for (uint32_t i = 0; i < DOMAIN; i++)
        for (uint32_t j = 0; j < i; j++)
            if (m->len[i] == m->len[j] && !memcmp(m->str[i], m->str[j], m->len[i])) {
                m->len[i] = (uint32_t)snprintf(m->str[i], 24, "dup%u", i);
                j = (uint32_t)-1;
            }
    for (uint32_t i = 0; i < DOMAIN; i++)
        m->by_order[i] = i;
    qsort_r(m->by_order, DOMAIN, 4, cmp_dom, m);
}

/* A dictionary of about `want` domain strings, sorted or shuffled. */
static size_t make_dict(const model *m, size_t want, bool sorted, pq_str *s, uint32_t *dom) {
    size_t n = 0;
    for (uint32_t k = 0; k < DOMAIN; k++)
        if ((size_t)(rand() % DOMAIN) < want) dom[n++] = m->by_order[k];
    if (!sorted && n > 1)
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)rand() % (i + 1);
            uint32_t t = dom[i];
            dom[i] = dom[j];
            dom[j] = t;
        }
    for (size_t i = 0; i < n; i++)
        s[i] = (pq_str){m->str[dom[i]], m->len[dom[i]]};
    return n;
}

/* One resolve: every marked code of the dictionary filtered, the rest "inserted" into the model;
 * returns how many were filtered out as known. Fails if a known one is not in the model set. */
static size_t resolve(exec_known *k, model *m, uint32_t g, const pq_str *s, const uint32_t *dom, size_t n,
                      size_t *missing) {
    exec_vec d = {.type = SQL_T_VARCHAR, .p = (void *)s};
    uint32_t codes[DOMAIN] = {0}, out[DOMAIN];
    size_t nc = 0, nout = 0;
    for (size_t i = 0; i < n; i++)
        if (rand() % 8) codes[nc++] = (uint32_t)i; /* most entries marked, as in a row group */
    ev_error err = {0};
    assert_int_equal(exec_known_filter(k, g, &d, codes, nc, out, &nout, NULL, &err), EV_OK);
    assert_true(nout <= nc);
    *missing = 0;
    size_t o = 0;
    for (size_t i = 0; i < nc; i++) {
        uint32_t x = dom[codes[i]];
        if (o < nout && out[o] == codes[i]) {
            o++;
            *missing += !m->in_set[g][x];
        } else {
            if (!m->in_set[g][x]) fail_msg("'%.*s' called known for group %u", (int)m->len[x], m->str[x], g);
        }
    }
    assert_int_equal(o, nout); /* out is a subsequence of codes */
    for (size_t i = 0; i < nout; i++)
        m->in_set[g][dom[out[i]]] = true;
    return nc - nout;
}

static model g_m;

/* Sorted dictionaries of one group: after the first, only the strings new to the set come out. */
static void test_sorted_one_group(void **state) {
    (void)state;
    model_init(&g_m, 1);
    exec_known *k = exec_known_new();
    pq_str s[DOMAIN];
    uint32_t dom[DOMAIN];
    size_t missing;
    for (int round = 0; round < 30; round++) {
        size_t n = make_dict(&g_m, 300 + (size_t)rand() % 300, true, s, dom);
        size_t before = 0;
        for (size_t i = 0; i < DOMAIN; i++)
            before += g_m.in_set[3][i];
        size_t known = resolve(k, &g_m, 3, s, dom, n, &missing);
        size_t after = 0;
        for (size_t i = 0; i < DOMAIN; i++)
            after += g_m.in_set[3][i];
        /* exact: nothing that was in the set came out again */
        assert_int_equal(missing, after - before);
        if (round > 0) assert_true(known > 0);
        if (round == 0) assert_int_equal(known, 0);
    }
    exec_known_free(k);
}

/* Any mix: unsorted dictionaries, up to seven groups (it remembers four), small and large ones. */
static void test_random_sequences(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 40; seed++) {
        model_init(&g_m, seed);
        exec_known *k = exec_known_new();
        pq_str s[DOMAIN];
        uint32_t dom[DOMAIN];
        size_t missing, known_total = 0;
        for (int call = 0; call < 200; call++) {
            uint32_t g = (uint32_t)(rand() % (seed % 3 == 0 ? MAXG : 3));
            bool sorted = rand() % 6 != 0;
            size_t want = rand() % 4 ? 200 + (size_t)rand() % 400 : (size_t)rand() % 20;
            size_t n = make_dict(&g_m, want, sorted, s, dom);
            known_total += resolve(k, &g_m, g, s, dom, n, &missing);
        }
        assert_true(known_total > 1000); /* it does skip work */
        exec_known_free(k);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_one_group),
        cmocka_unit_test(test_random_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
