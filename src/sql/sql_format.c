/* sql_format.c: type names, and SQL text for expressions (EXPLAIN, messages). */
#include <stdio.h>
#include <string.h>

#include "sql.h"

bool sql_type_parse(const char *name, sql_type *out) {
    static const struct {
        const char *name;
        sql_type type;
    } names[] = {
        {"string", SQL_T_VARCHAR},      {"varchar", SQL_T_VARCHAR},
        {"char", SQL_T_VARCHAR},        {"int", SQL_T_INTEGER},
        {"integer", SQL_T_INTEGER},     {"smallint", SQL_T_INTEGER},
        {"tinyint", SQL_T_INTEGER},     {"bigint", SQL_T_BIGINT},
        {"double", SQL_T_DOUBLE},       {"float", SQL_T_DOUBLE},
        {"real", SQL_T_DOUBLE},         {"decimal", SQL_T_DOUBLE},
        {"boolean", SQL_T_BOOLEAN},     {"date", SQL_T_DATE},
        {"timestamp", SQL_T_TIMESTAMP}, {"timestamp with time zone", SQL_T_TIMESTAMPTZ},
    };
    char base[64];
    size_t n = strcspn(name, "(");
    if (n >= sizeof base) return false;
    memcpy(base, name, n);
    base[n] = 0;
    while (n && base[n - 1] == ' ')
        base[--n] = 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (!strcasecmp(base, names[k].name)) {
            *out = names[k].type;
            return true;
        }
    }
    return false;
}

const char *sql_type_name(sql_type t) {
    switch (t) {
    case SQL_T_UNKNOWN:
        return "unknown";
    case SQL_T_BOOLEAN:
        return "boolean";
    case SQL_T_INTEGER:
        return "integer";
    case SQL_T_BIGINT:
        return "bigint";
    case SQL_T_DOUBLE:
        return "double";
    case SQL_T_VARCHAR:
        return "varchar";
    case SQL_T_DATE:
        return "date";
    case SQL_T_TIMESTAMP:
        return "timestamp(3)";
    case SQL_T_TIMESTAMPTZ:
        return "timestamp(3) with time zone";
    }
    return "?";
}

static const char *op_text(sql_op op) {
    switch (op) {
    case SQL_OP_ADD:
        return "+";
    case SQL_OP_SUB:
        return "-";
    case SQL_OP_MUL:
        return "*";
    case SQL_OP_DIV:
        return "/";
    case SQL_OP_MOD:
        return "%";
    case SQL_OP_CONCAT:
        return "||";
    case SQL_OP_EQ:
        return "=";
    case SQL_OP_NE:
        return "<>";
    case SQL_OP_LT:
        return "<";
    case SQL_OP_LE:
        return "<=";
    case SQL_OP_GT:
        return ">";
    case SQL_OP_GE:
        return ">=";
    case SQL_OP_NEG:
        return "-";
    case SQL_OP_PLUS:
        return "+";
    case SQL_OP_NONE:
        break;
    }
    return "?";
}

static ev_status fmt_list(sql_expr *const *args, size_t n, const char *sep, ev_buf *out) {
    for (size_t k = 0; k < n; k++) {
        if (k) EV_TRY(ev_buf_append_str(out, sep));
        EV_TRY(sql_expr_format(args[k], out));
    }
    return EV_OK;
}

ev_status sql_expr_format(const sql_expr *e, ev_buf *out) {
    switch (e->kind) {
    case SQL_E_INT:
        return ev_buf_printf(out, "%lld", (long long)e->ival);
    case SQL_E_DOUBLE:
        return ev_buf_printf(out, "%.17g", e->dval);
    case SQL_E_STRING:
        return ev_buf_printf(out, "'%.*s'", (int)e->len, e->str);
    case SQL_E_BOOL:
        return ev_buf_append_str(out, e->ival ? "true" : "false");
    case SQL_E_NULL:
        return ev_buf_append_str(out, "null");
    case SQL_E_TYPED:
        return ev_buf_printf(out, "%s '%.*s'", e->type == SQL_T_DATE ? "DATE" : "TIMESTAMP", (int)e->len,
                             e->str);
    case SQL_E_COLUMN:
        if (e->qual) EV_TRY(ev_buf_printf(out, "%s.", e->qual));
        return ev_buf_append_str(out, e->name);
    case SQL_E_STAR:
        return e->qual ? ev_buf_printf(out, "%s.*", e->qual) : ev_buf_append_str(out, "*");
    case SQL_E_UNARY:
        EV_TRY(ev_buf_append_str(out, op_text(e->op)));
        return sql_expr_format(e->args[0], out);
    case SQL_E_BINARY:
        EV_TRY(ev_buf_append_str(out, "("));
        EV_TRY(sql_expr_format(e->args[0], out));
        EV_TRY(ev_buf_printf(out, " %s ", op_text(e->op)));
        EV_TRY(sql_expr_format(e->args[1], out));
        return ev_buf_append_str(out, ")");
    case SQL_E_AND:
    case SQL_E_OR:
        EV_TRY(ev_buf_append_str(out, "("));
        EV_TRY(fmt_list(e->args, 2, e->kind == SQL_E_AND ? " AND " : " OR ", out));
        return ev_buf_append_str(out, ")");
    case SQL_E_NOT:
        EV_TRY(ev_buf_append_str(out, "NOT "));
        return sql_expr_format(e->args[0], out);
    case SQL_E_IS_NULL:
        EV_TRY(sql_expr_format(e->args[0], out));
        return ev_buf_append_str(out, e->negated ? " IS NOT NULL" : " IS NULL");
    case SQL_E_IN:
        EV_TRY(sql_expr_format(e->args[0], out));
        EV_TRY(ev_buf_append_str(out, e->negated ? " NOT IN (" : " IN ("));
        EV_TRY(fmt_list(e->args + 1, e->nargs - 1, ", ", out));
        return ev_buf_append_str(out, ")");
    case SQL_E_BETWEEN:
        EV_TRY(sql_expr_format(e->args[0], out));
        EV_TRY(ev_buf_append_str(out, e->negated ? " NOT BETWEEN " : " BETWEEN "));
        EV_TRY(sql_expr_format(e->args[1], out));
        EV_TRY(ev_buf_append_str(out, " AND "));
        return sql_expr_format(e->args[2], out);
    case SQL_E_LIKE:
        EV_TRY(sql_expr_format(e->args[0], out));
        EV_TRY(ev_buf_append_str(out, e->negated ? " NOT LIKE " : " LIKE "));
        return sql_expr_format(e->args[1], out);
    case SQL_E_CASE: {
        EV_TRY(ev_buf_append_str(out, "CASE"));
        if (e->operand) {
            EV_TRY(ev_buf_append_str(out, " "));
            EV_TRY(sql_expr_format(e->operand, out));
        }
        size_t pairs = (e->nargs - (e->has_else ? 1 : 0)) / 2;
        for (size_t k = 0; k < pairs; k++) {
            EV_TRY(ev_buf_append_str(out, " WHEN "));
            EV_TRY(sql_expr_format(e->args[2 * k], out));
            EV_TRY(ev_buf_append_str(out, " THEN "));
            EV_TRY(sql_expr_format(e->args[2 * k + 1], out));
        }
        if (e->has_else) {
            EV_TRY(ev_buf_append_str(out, " ELSE "));
            EV_TRY(sql_expr_format(e->args[e->nargs - 1], out));
        }
        return ev_buf_append_str(out, " END");
    }
    case SQL_E_CAST:
        EV_TRY(ev_buf_append_str(out, e->try_cast ? "TRY_CAST(" : "CAST("));
        EV_TRY(sql_expr_format(e->args[0], out));
        return ev_buf_printf(out, " AS %s)", sql_type_name(e->type));
    case SQL_E_FUNC:
        EV_TRY(ev_buf_printf(out, "%s(%s", e->name, e->distinct ? "DISTINCT " : ""));
        if (e->star) EV_TRY(ev_buf_append_str(out, "*"));
        EV_TRY(fmt_list(e->args, e->nargs, ", ", out));
        EV_TRY(ev_buf_append_str(out, ")"));
        return e->over ? ev_buf_append_str(out, " OVER (...)") : EV_OK;
    case SQL_E_SUBQUERY:
        return ev_buf_append_str(out, "(subquery)");
    }
    return EV_OK;
}
