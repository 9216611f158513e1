/*
 * fuzz/pipeline_yaml: the pipeline file, as users edit it by hand.
 * Properties: parsing never crashes, leaks or over-reads (the input is not NUL-terminated);
 * a failure is an input error whose message starts with "<file>:<line>:<col>: " and points inside
 * the text; a success satisfies the invariants the scheduler relies on (trigger indices in range,
 * schedules that fire, event ranges ordered).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ev_arena arena;
    ev_arena_init(&arena, NULL, 4096);
    cfg_pipeline *p = NULL;
    ev_error err;
    ev_status st = cfg_pipeline_parse((const char *)data, size, "f.yml", &arena, &p, &err);
    if (st != EV_OK) {
        if (st != EV_ERR_INPUT) abort();
        int line = 0, col = 0, n = 0;
        if (sscanf(err.msg, "f.yml:%d:%d: %n", &line, &col, &n) != 2 || n == 0) abort();
        if (line < 1 || col < 1) abort();
        /* libyaml also counts \r, NEL, LS and PS as line breaks: bound by the size */
        if ((size_t)line > size + 1 || (size_t)col > size + 1) abort();
    } else {
        if (p->version != 1 || !p->storage.location) abort();
        if (p->has_generator && p->generator.events_min > p->generator.events_max) abort();
        int64_t next;
        if (p->has_generator && sched_expr_next(&p->generator.schedule.expr, 0, &next) != EV_OK &&
            p->generator.schedule.expr.kind == SCHED_RATE)
            abort();
        for (size_t i = 0; i < p->n_jobs; i++)
            if (!p->jobs[i].target_db || !p->jobs[i].n_partition_keys) abort();
        for (size_t i = 0; i < p->n_crawlers; i++) {
            const cfg_crawler *c = &p->crawlers[i];
            if (c->trigger == CFG_TRIGGER_ON_JOB &&
                (c->on_job_index >= p->n_jobs || strcmp(p->jobs[c->on_job_index].name, c->on_job)))
                abort();
        }
        for (size_t i = 0; i < p->n_gold; i++)
            if (!p->gold[i].sql) abort();
    }
    ev_arena_destroy(&arena);
    return 0;
}
