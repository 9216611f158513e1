/*
 * fuzz/sql_parse: the SQL lexer and parser on arbitrary bytes. Properties: never crashes or
 * over-reads; a rejected script gets EV_ERR_INPUT (or NOMEM) with a "line L:C: " message whose
 * line lies within the input; an accepted one has statements whose byte ranges lie inside it, and
 * formatting every select item never fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    sql_script s;
    ev_error err = {0};
    ev_status st = sql_parse((const char *)data, size, &a, &s, &err);
    if (st != EV_OK) {
        if (st != EV_ERR_INPUT && st != EV_ERR_NOMEM) abort();
        unsigned line = 0, col = 0;
        if (st == EV_ERR_INPUT && sscanf(err.msg, "line %u:%u: ", &line, &col) != 2) abort();
        size_t lines = 1;
        for (size_t k = 0; k < size; k++)
            lines += data[k] == '\n';
        if (line > lines) abort();
    } else {
        ev_buf b;
        ev_buf_init(&b, NULL);
        for (size_t k = 0; k < s.nstmts; k++) {
            if (s.stmts[k]->start > s.stmts[k]->end || s.stmts[k]->end > size) abort();
            const sql_query *q = s.stmts[k]->query;
            if (q && q->body->kind == SQL_BODY_SELECT)
                for (size_t i = 0; i < q->body->select->nitems; i++)
                    if (sql_expr_format(q->body->select->items[i].expr, &b) != EV_OK) abort();
        }
        ev_buf_free(&b);
    }
    ev_arena_destroy(&a);
    return 0;
}
