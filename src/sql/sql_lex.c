/*
 * sql_lex.c: the lexer. Bytes >= 0x80 are only allowed inside strings, quoted identifiers and
 * comments (UTF-8 passes through untouched there); columns count bytes, as Trino's do for ASCII.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sql_int.h"

ev_status sql_error_at(ev_error *err, sql_pos pos, const char *fmt, ...) {
    char msg[EV_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ev_error_set(err, EV_ERR_INPUT, "line %u:%u: %s", pos.line, pos.col, msg);
}

char *sql_lower(char *s) {
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return s;
}

void sql_lex_init(sql_lexer *lx, const char *src, size_t len, ev_arena *arena) {
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    lx->line = 1;
    lx->col = 1;
    lx->arena = arena;
}

static void advance(sql_lexer *lx) {
    if (lx->src[lx->i] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->i++;
}

static int peek(const sql_lexer *lx, size_t ahead) {
    return lx->i + ahead < lx->len ? (unsigned char)lx->src[lx->i + ahead] : -1;
}

/* Skips whitespace, `--` line comments and block comments. */
static ev_status skip_space(sql_lexer *lx, ev_error *err) {
    for (;;) {
        int c = peek(lx, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            advance(lx);
        } else if (c == '-' && peek(lx, 1) == '-') {
            while (lx->i < lx->len && lx->src[lx->i] != '\n')
                advance(lx);
        } else if (c == '/' && peek(lx, 1) == '*') {
            sql_pos start = {lx->line, lx->col};
            advance(lx);
            advance(lx);
            while (!(peek(lx, 0) == '*' && peek(lx, 1) == '/')) {
                if (lx->i >= lx->len) return sql_error_at(err, start, "unterminated comment");
                advance(lx);
            }
            advance(lx);
            advance(lx);
        } else {
            return EV_OK;
        }
    }
}

/* A quoted run ending at `q`, where a doubled `q` stands for one. */
static ev_status lex_quoted(sql_lexer *lx, char q, sql_tok *t, ev_error *err) {
    advance(lx);
    size_t cap = 16, n = 0;
    char *buf = ev_arena_alloc(lx->arena, cap);
    for (;;) {
        if (lx->i >= lx->len)
            return sql_error_at(err, t->pos,
                                q == '\'' ? "unterminated string literal" : "unterminated quoted identifier");
        char c = lx->src[lx->i];
        if (c == q) {
            if (peek(lx, 1) == (unsigned char)q) {
                advance(lx);
            } else {
                advance(lx);
                break;
            }
        }
        if (n + 2 > cap) {
            char *nb = ev_arena_alloc(lx->arena, cap * 2);
            if (!nb) return ev_error_set(err, EV_ERR_NOMEM, "out of memory lexing SQL");
            memcpy(nb, buf, n);
            buf = nb;
            cap *= 2;
        }
        if (!buf) return ev_error_set(err, EV_ERR_NOMEM, "out of memory lexing SQL");
        buf[n++] = c;
        advance(lx);
    }
    buf[n] = 0;
    t->text = buf;
    t->len = n;
    return EV_OK;
}

static ev_status lex_number(sql_lexer *lx, sql_tok *t, ev_error *err) {
    size_t start = lx->i;
    bool real = false;
    while (isdigit(peek(lx, 0)))
        advance(lx);
    if (peek(lx, 0) == '.') {
        real = true;
        advance(lx);
        while (isdigit(peek(lx, 0)))
            advance(lx);
    }
    if ((peek(lx, 0) == 'e' || peek(lx, 0) == 'E') &&
        (isdigit(peek(lx, 1)) || ((peek(lx, 1) == '+' || peek(lx, 1) == '-') && isdigit(peek(lx, 2))))) {
        real = true;
        advance(lx);
        if (!isdigit(peek(lx, 0))) advance(lx);
        while (isdigit(peek(lx, 0)))
            advance(lx);
    }
    if (isalpha(peek(lx, 0)) || peek(lx, 0) == '_')
        return sql_error_at(
            err, t->pos,
            "identifiers must not start with a digit; surround the identifier with double quotes");
    t->kind = real ? SQL_TK_NUMBER : SQL_TK_INT;
    t->len = lx->i - start;
    t->text = ev_arena_strndup(lx->arena, lx->src + start, t->len);
    return t->text ? EV_OK : ev_error_set(err, EV_ERR_NOMEM, "out of memory lexing SQL");
}

static const char *const two_char_ops[] = {"<>", "!=", "<=", ">=", "||", "=>"};

ev_status sql_lex_next(sql_lexer *lx, sql_tok *t, ev_error *err) {
    EV_TRY(skip_space(lx, err));
    memset(t, 0, sizeof *t);
    t->pos = (sql_pos){lx->line, lx->col};
    t->offset = lx->i;
    int c = peek(lx, 0);
    if (c < 0) {
        t->kind = SQL_TK_EOF;
        t->text = "<EOF>";
        return EV_OK;
    }
    if (isalpha(c) || c == '_') {
        size_t start = lx->i;
        while (isalnum(peek(lx, 0)) || peek(lx, 0) == '_' || peek(lx, 0) == '$')
            advance(lx);
        t->kind = SQL_TK_IDENT;
        t->len = lx->i - start;
        char *s = ev_arena_strndup(lx->arena, lx->src + start, t->len);
        if (!s) return ev_error_set(err, EV_ERR_NOMEM, "out of memory lexing SQL");
        t->text = sql_lower(s);
        return EV_OK;
    }
    if (isdigit(c) || (c == '.' && isdigit(peek(lx, 1)))) return lex_number(lx, t, err);
    if (c == '\'') {
        t->kind = SQL_TK_STRING;
        return lex_quoted(lx, '\'', t, err);
    }
    if (c == '"' || c == '`') {
        t->kind = SQL_TK_QIDENT;
        EV_TRY(lex_quoted(lx, (char)c, t, err));
        if (t->len == 0) return sql_error_at(err, t->pos, "zero-length delimited identifier not allowed");
        return EV_OK;
    }
    t->kind = SQL_TK_OP;
    for (size_t k = 0; k < sizeof two_char_ops / sizeof two_char_ops[0]; k++) {
        if (c == two_char_ops[k][0] && peek(lx, 1) == two_char_ops[k][1]) {
            advance(lx);
            advance(lx);
            t->text = two_char_ops[k];
            t->len = 2;
            return EV_OK;
        }
    }
    static const char singles[] = "(),.;+-*/%=<>[]:";
    const char *p = c ? strchr(singles, c) : NULL;
    if (p) {
        char *s = ev_arena_strndup(lx->arena, p, 1);
        if (!s) return ev_error_set(err, EV_ERR_NOMEM, "out of memory lexing SQL");
        advance(lx);
        t->text = s;
        t->len = 1;
        return EV_OK;
    }
    if (c >= 0x80)
        return sql_error_at(err, t->pos,
                            "unexpected non-ASCII character outside a string or quoted identifier");
    return sql_error_at(err, t->pos, "token recognition error at: '%c'", c);
}
