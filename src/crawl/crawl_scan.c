/* crawl_scan.c: Hive partition discovery under a location (see crawl.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl.h"

typedef struct scan_walk {
    crawl_scan *scan;
    size_t prefix_len;
    size_t cap_files, cap_parts;
    ev_error *err;
    ev_status st;
    char bad_key[512];
} scan_walk;

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *format_of(const char *name) {
    if (ends_with(name, ".parquet") || ends_with(name, ".parq")) return "parquet";
    if (ends_with(name, ".json") || ends_with(name, ".jsonl") || ends_with(name, ".json.gz") ||
        ends_with(name, ".jsonl.gz") || ends_with(name, ".ndjson"))
        return "json";
    return "";
}

/* Finds or adds the partition with this spec (a linear scan from the end: files arrive grouped). */
static long partition_index(scan_walk *w, const char *spec, size_t len) {
    crawl_scan *s = w->scan;
    for (size_t i = s->npartitions; i-- > 0;)
        if (strlen(s->partitions[i].spec) == len && memcmp(s->partitions[i].spec, spec, len) == 0) return (long)i;
    if (s->npartitions == w->cap_parts) {
        size_t cap = w->cap_parts ? w->cap_parts * 2 : 64;
        crawl_partition *grown = realloc(s->partitions, cap * sizeof *grown);
        if (!grown) return -1;
        s->partitions = grown;
        w->cap_parts = cap;
    }
    crawl_partition *p = &s->partitions[s->npartitions];
    p->spec = strndup(spec, len);
    if (!p->spec) return -1;
    p->files = p->bytes = 0;
    return (long)s->npartitions++;
}

/* Checks that the folders of `rel` (relative to the location) are key=value with the scan's keys,
 * learning the keys from the first file. Returns the spec length, or -1 if the layout differs. */
static long check_layout(scan_walk *w, const char *rel) {
    crawl_scan *s = w->scan;
    const char *p = rel;
    size_t depth = 0;
    const char *slash;
    while ((slash = strchr(p, '/'))) {
        const char *eq = memchr(p, '=', (size_t)(slash - p));
        if (!eq || eq == p || depth >= CRAWL_MAX_KEYS) return -1;
        size_t klen = (size_t)(eq - p);
        if (s->nfiles == 0 && depth == s->nkeys && s->npartitions == 0) {
            s->keys[s->nkeys] = strndup(p, klen);
            if (!s->keys[s->nkeys]) return -1;
            s->nkeys++;
        } else if (depth >= s->nkeys || strlen(s->keys[depth]) != klen || memcmp(s->keys[depth], p, klen) != 0) {
            return -1;
        }
        depth++;
        p = slash + 1;
    }
    if (depth != s->nkeys) return -1;
    return p == rel ? 0 : (long)(p - rel - 1);
}

static int visit(const store_object_info *info, void *arg) {
    scan_walk *w = arg;
    crawl_scan *s = w->scan;
    const char *rel = info->key + w->prefix_len;
    const char *name = strrchr(rel, '/');
    name = name ? name + 1 : rel;
    if (name[0] == '_' || name[0] == '.') {
        s->skipped++;
        return 0;
    }
    long spec_len = check_layout(w, rel);
    if (spec_len < 0) {
        if (s->nfiles == 0) { /* nothing learned yet: a stray file before the layout shows */
            s->skipped++;
            return 0;
        }
        snprintf(w->bad_key, sizeof w->bad_key, "%s", info->key);
        return 1;
    }
    long part = partition_index(w, rel, (size_t)spec_len);
    if (part < 0) return 1;
    if (s->nfiles == w->cap_files) {
        size_t cap = w->cap_files ? w->cap_files * 2 : 256;
        crawl_file *grown = realloc(s->files, cap * sizeof *grown);
        if (!grown) return 1;
        s->files = grown;
        w->cap_files = cap;
    }
    crawl_file *f = &s->files[s->nfiles];
    f->key = strdup(info->key);
    if (!f->key) return 1;
    f->size = info->size;
    f->mtime_usec = info->mtime_usec;
    f->partition = (uint32_t)part;
    s->nfiles++;
    s->partitions[part].files++;
    s->partitions[part].bytes += info->size;
    const char *fmt = format_of(name);
    if (s->nfiles == 1) snprintf(s->format, sizeof s->format, "%s", fmt);
    else if (strcmp(s->format, fmt) != 0) s->format[0] = '\0';
    return 0;
}

ev_status crawl_scan_location(store *s, const char *prefix, crawl_scan *out, ev_error *err) {
    memset(out, 0, sizeof *out);
    scan_walk w = {out, strlen(prefix), 0, 0, err, EV_OK, ""};
    ev_status st = store_list(s, prefix, visit, &w, err);
    if (st == EV_ERR_CANCELLED) {
        st = w.bad_key[0] ? ev_error_set(err, EV_ERR_INPUT,
                                         "'%s' does not fit the partition layout %s%s%s%s (keys must be the same "
                                         "key=value folders everywhere)",
                                         w.bad_key, out->nkeys ? out->keys[0] : "(none)", out->nkeys > 1 ? "/" : "",
                                         out->nkeys > 1 ? out->keys[1] : "", out->nkeys > 2 ? "/..." : "")
                          : ev_error_set(err, EV_ERR_NOMEM, "out of memory scanning '%s'", prefix);
    }
    if (st != EV_OK) crawl_scan_free(out);
    return st;
}

void crawl_scan_free(crawl_scan *scan) {
    for (size_t i = 0; i < scan->nkeys; i++) free(scan->keys[i]);
    for (size_t i = 0; i < scan->npartitions; i++) free(scan->partitions[i].spec);
    for (size_t i = 0; i < scan->nfiles; i++) free(scan->files[i].key);
    free(scan->partitions);
    free(scan->files);
    memset(scan, 0, sizeof *scan);
}
