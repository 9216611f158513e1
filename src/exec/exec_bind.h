/* exec_bind.h: the binder's state, shared by exec_bind.c (expressions) and exec_query.c (queries). */
#ifndef EV_EXEC_BIND_H
#define EV_EXEC_BIND_H

#include "exec_int.h"

typedef struct scope_col {
    const char *qual;
    const char *name;
    sql_type type;
} scope_col;

typedef struct scope {
    scope_col *cols;
    size_t n;
} scope;

/* A window function call, computed over the relation R that SELECT projects from. */
typedef struct win_entry {
    const char *fname;
    sql_type type;
    exec_expr *args[3];
    size_t nargs;
    exec_expr **part;
    size_t npart;
    exec_expr **ord;
    bool *desc;
    int *nulls_first; /* 1 first, 0 last */
    size_t nord;
    bool has_frame, frame_rows;
    int frame_start, frame_end;
} win_entry;

typedef struct cte_env cte_env;
struct cte_env {
    const sql_cte *cte;
    exec_table *result; /* materialized on first use */
    cte_env *next;
};

/* exec_flatten.c: s with its FROM merged in when that is a derived table or WITH query over one
 * table that only picks, computes and filters columns (then *order may be rewritten too, the
 * merged select is written to *out and returned, and *inner is the inner select, whose items the
 * caller still binds: one the outer query does not use must fail as it would unmerged); s itself
 * otherwise (*inner NULL). */
const sql_select *exec_flatten_from(exec_query *q, const sql_select *s, cte_env *ctes, const sql_order_item **order,
                                    size_t norder, sql_select *out, const sql_select **inner);

/* Placeholder references resolved once every aggregate and window of a SELECT is known. */
enum { REF_PLAIN = 0, REF_AGG = 1, REF_WIN = 2 };

typedef struct binder {
    exec_query *q;
    const scope *from;
    cte_env *ctes;
    bool post; /* an aggregate query: expressions are bound over the groups */
    bool allow_agg, allow_window;
    exec_expr **keys; /* GROUP BY, bound over `from` */
    size_t nkeys;
    exec_agg_spec *aggs;
    size_t naggs, cap_aggs;
    win_entry *wins;
    size_t nwins, cap_wins;
} binder;

ev_status exec_bind_expr(binder *b, const sql_expr *e, exec_expr **out) EV_WUR;
bool exec_is_agg_name(const char *name);
bool exec_ast_has_agg(const sql_expr *e);
bool exec_ast_has_window_or_subquery(const sql_expr *e); /* exec_flatten.c */
bool exec_expr_equal(const exec_expr *a, const exec_expr *b);
/* Rewrites placeholder references: aggregates to agg_base + i, windows to win_base + i, and plain
 * columns through remap (when not NULL). */
void exec_fixup(exec_expr *e, size_t agg_base, size_t win_base, const int *remap);
/* Splits a predicate into its AND-ed conjuncts. */
size_t exec_conjuncts(exec_expr *e, exec_expr **out, size_t cap);

/* Runs a query (exec_query.c), materializing its result. */
ev_status exec_run_query(exec_query *q, const sql_query *qry, cte_env *ctes, exec_table *out) EV_WUR;

#endif
