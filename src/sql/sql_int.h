/* sql_int.h: the lexer's tokens, shared by the lexer and the parser of src/sql. */
#ifndef EV_SQL_INT_H
#define EV_SQL_INT_H

#include "sql.h"

typedef enum sql_tok_kind {
    SQL_TK_EOF,
    SQL_TK_IDENT,  /* unquoted: text is lower-cased */
    SQL_TK_QIDENT, /* "quoted" or `backticked`: text as written */
    SQL_TK_STRING, /* 'text' with '' unescaped */
    SQL_TK_INT,
    SQL_TK_NUMBER, /* with '.' or exponent */
    SQL_TK_OP      /* punctuation and operators: text holds it */
} sql_tok_kind;

typedef struct sql_tok {
    sql_tok_kind kind;
    sql_pos pos;
    size_t offset;    /* byte offset of the token */
    const char *text; /* NUL-terminated copy in the arena */
    size_t len;
} sql_tok;

typedef struct sql_lexer {
    const char *src;
    size_t len, i;
    uint32_t line, col;
    ev_arena *arena;
} sql_lexer;

void sql_lex_init(sql_lexer *lx, const char *src, size_t len, ev_arena *arena);
/* Reads the next token; EV_ERR_INPUT on an unterminated string/comment or a stray character. */
ev_status sql_lex_next(sql_lexer *lx, sql_tok *out, ev_error *err) EV_WUR;

#endif
