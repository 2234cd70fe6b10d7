#include "sim/scenario.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hw/mem_profile.h" /* mem_trace_parse: the trace file format's only parser */
#include "sim/json_read.h"
#include "sim/scenario_devices.h"
#include "sim/text.h"

const char *const scenario_task_metrics[] = { "activations",          "completions",
                                              "deadline_misses",      "preemptions",
                                              "response_time_min_us", "response_time_mean_us",
                                              "response_time_p50_us", "response_time_p90_us",
                                              "response_time_p99_us", "response_time_p999_us",
                                              "response_time_max_us", NULL };

const char *const scenario_core_metrics[] = { "utilisation", "context_switches", NULL };

const char *const scenario_hv_core_metrics[] = { "hypervisor_time",   "world_switches",
                                                 "irq_time",          "irqs",
                                                 "world_switch_time", NULL };

const char *const scenario_irq_metrics[] = { "raised",
                                             "merged",
                                             "latency_samples",
                                             "latency_min_us",
                                             "latency_mean_us",
                                             "latency_p50_us",
                                             "latency_p90_us",
                                             "latency_p99_us",
                                             "latency_p999_us",
                                             "latency_max_us",
                                             NULL };

const char *const scenario_os_metrics[] = { "boot_time_us", NULL };

const char *const scenario_chain_metrics[] = { "reaction_time_samples",
                                               "reaction_time_min_us",
                                               "reaction_time_mean_us",
                                               "reaction_time_p50_us",
                                               "reaction_time_p90_us",
                                               "reaction_time_p99_us",
                                               "reaction_time_p999_us",
                                               "reaction_time_max_us",
                                               "data_age_samples",
                                               "data_age_min_us",
                                               "data_age_mean_us",
                                               "data_age_p50_us",
                                               "data_age_p90_us",
                                               "data_age_p99_us",
                                               "data_age_p999_us",
                                               "data_age_max_us",
                                               NULL };

const char *const scenario_hv_vm_metrics[] = { "run_time", "boot_time_us", NULL };

const char *const scenario_hv_vcpu_metrics[] = { "run_time",
                                                 "traps",
                                                 "wait_time_samples",
                                                 "wait_time_min_us",
                                                 "wait_time_mean_us",
                                                 "wait_time_p50_us",
                                                 "wait_time_p90_us",
                                                 "wait_time_p99_us",
                                                 "wait_time_p999_us",
                                                 "wait_time_max_us",
                                                 NULL };

/*
 * One JSON document being read: its raw text (kept to find the line and column of a value
 * when something is wrong with it), the parsed tree, and the JSON path of the value being
 * read. Functions that descend push a segment and pop it when they return successfully; on
 * error the path is left pointing at the offending value, and fail() reports it.
 */
struct reader {
        const char *file;
        char *text;
        size_t text_len;
        json_t *root;
        struct scenario_diag *diag;
        char path[SCENARIO_DIAG_TEXT];
        size_t path_len;
        int read_error; /* errno of a failed read */
};

/* A time key is spelled <base>_<unit>; the unit scales the number to picoseconds. */
static const char *const time_units[] = { "ps", "ns", "us", "ms", "s" };
static const unsigned time_unit_exp10[] = { 0, 3, 6, 9, 12 };
#define TIME_UNIT_COUNT (sizeof time_units / sizeof time_units[0])

/* The keys an object may hold: plain keys and bases of time keys. */
struct key_set {
        const char *const *plain;
        const char *const *times;
};

/* ---- diagnostics ---- */

static void diag_fill(struct scenario_diag *d, const char *file, const char *path, int line,
                      int column, const char *fmt, va_list ap)
{
        snprintf(d->file, sizeof d->file, "%s", file);
        snprintf(d->path, sizeof d->path, "%s", path);
        d->line = line;
        d->column = column;
        vsnprintf(d->message, sizeof d->message, fmt, ap);
}

__attribute__((format(printf, 6, 7))) static void diag_printf(struct scenario_diag *d,
                                                              const char *file, const char *path,
                                                              int line, int column, const char *fmt,
                                                              ...)
{
        va_list ap;
        va_start(ap, fmt);
        diag_fill(d, file, path, line, column, fmt, ap);
        va_end(ap);
}

__attribute__((format(printf, 2, 0))) static int vfail(struct reader *r, const char *fmt,
                                                       va_list ap)
{
        int line = 0, column = 0;
        size_t offset;
        if (r->text && jread_locate(r->text, r->text_len, r->path, &offset) == 0)
                jread_line_column(r->text, r->text_len, offset, &line, &column);
        diag_fill(r->diag, r->file, r->path, line, column, fmt, ap);
        return -EINVAL;
}

/* Report an error at the current path; returns -EINVAL. */
__attribute__((format(printf, 2, 3))) static int fail(struct reader *r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int rc = vfail(r, fmt, ap);
        va_end(ap);
        return rc;
}

static size_t push_key(struct reader *r, const char *key)
{
        size_t mark = r->path_len;
        jread_path_append_key(r->path, sizeof r->path, &r->path_len, key);
        return mark;
}

static size_t push_index(struct reader *r, size_t index)
{
        size_t mark = r->path_len;
        jread_path_append_index(r->path, sizeof r->path, &r->path_len, index);
        return mark;
}

static void pop(struct reader *r, size_t mark)
{
        r->path_len = mark;
        r->path[mark] = '\0';
}

/* Report an error at member `key` of the current object. */
__attribute__((format(printf, 3, 4))) static int fail_key(struct reader *r, const char *key,
                                                          const char *fmt, ...)
{
        va_list ap;
        push_key(r, key);
        va_start(ap, fmt);
        int rc = vfail(r, fmt, ap);
        va_end(ap);
        return rc;
}

static int fail_nomem(struct reader *r)
{
        fail(r, "out of memory");
        return -ENOMEM;
}

/* ---- documents ---- */

static int read_text(const char *path, char **text, size_t *len)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return -errno;
        size_t cap = 4096, n = 0;
        char *buf = malloc(cap);
        int rc = buf ? 0 : -ENOMEM;
        while (rc == 0) {
                if (n + 1 >= cap) {
                        char *bigger = realloc(buf, cap * 2);
                        if (!bigger) {
                                rc = -ENOMEM;
                                break;
                        }
                        buf = bigger;
                        cap *= 2;
                }
                size_t got = fread(buf + n, 1, cap - n - 1, f);
                n += got;
                if (got == 0)
                        rc = ferror(f) ? -EIO : 1;
        }
        fclose(f);
        if (rc < 0) {
                free(buf);
                return rc;
        }
        buf[n] = '\0';
        *text = buf;
        *len = n;
        return 0;
}

/*
 * Read and parse r->file. Syntax errors (and duplicate keys, which would silently drop a value)
 * are reported at jansson's line and column with path "$".
 */
static int reader_open(struct reader *r)
{
        snprintf(r->path, sizeof r->path, "$");
        r->path_len = 1;
        int rc = read_text(r->file, &r->text, &r->text_len);
        if (rc < 0) {
                r->read_error = -rc;
                diag_printf(r->diag, r->file, "$", 0, 0, "cannot read '%s': %s", r->file,
                            strerror(-rc));
                return rc == -ENOMEM ? -ENOMEM : -ENOENT;
        }
        json_error_t error;
        r->root = json_loadb(r->text, r->text_len, JSON_REJECT_DUPLICATES, &error);
        if (!r->root) {
                diag_printf(r->diag, r->file, "$", error.line > 0 ? error.line : 0,
                            error.column > 0 ? error.column : 0, "JSON syntax error: %s",
                            error.text);
                return -EINVAL;
        }
        if (!json_is_object(r->root))
                return fail(r, "expected an object");
        return 0;
}

static void reader_close(struct reader *r)
{
        json_decref(r->root);
        free(r->text);
        r->root = NULL;
        r->text = NULL;
}

/* ---- keys ---- */

static bool time_key_matches(const char *key, const char *base, size_t *unit)
{
        size_t n = strlen(base);
        if (strncmp(key, base, n) != 0 || key[n] != '_')
                return false;
        for (size_t u = 0; u < TIME_UNIT_COUNT; u++) {
                if (strcmp(key + n + 1, time_units[u]) == 0) {
                        *unit = u;
                        return true;
                }
        }
        return false;
}

/* The key spelling time `base` in obj (the first in file order), or NULL. */
static const char *time_key_in(json_t *obj, const char *base)
{
        const char *key;
        json_t *value;
        size_t unit;
        json_object_foreach(obj, key, value)
        {
                (void)value;
                if (time_key_matches(key, base, &unit))
                        return key;
        }
        return NULL;
}

static bool key_known(const struct key_set *ks, const char *key)
{
        size_t unit;
        for (const char *const *p = ks->plain; p && *p; p++)
                if (strcmp(*p, key) == 0)
                        return true;
        for (const char *const *t = ks->times; t && *t; t++)
                if (time_key_matches(key, *t, &unit))
                        return true;
        return false;
}

static void consider(const char *candidate, const char *key, size_t *best, char *out, size_t size)
{
        size_t d = jread_edit_distance(candidate, key);
        if (d <= 2 && d < *best) {
                *best = d;
                snprintf(out, size, "%s", candidate);
        }
}

/* The closest name in a NULL-terminated list (and time keys) within distance 2, or "". */
static void suggest(const char *const *plain, const char *const *times, const char *key, char *out,
                    size_t size)
{
        size_t best = SIZE_MAX;
        out[0] = '\0';
        for (const char *const *p = plain; p && *p; p++)
                consider(*p, key, &best, out, size);
        for (const char *const *t = times; t && *t; t++) {
                for (size_t u = 0; u < TIME_UNIT_COUNT; u++) {
                        char spelled[64];
                        snprintf(spelled, sizeof spelled, "%s_%s", *t, time_units[u]);
                        consider(spelled, key, &best, out, size);
                }
        }
}

static int fail_unknown(struct reader *r, const char *what, const char *name,
                        const char *const *plain, const char *const *times)
{
        char hint[64];
        suggest(plain, times, name, hint, sizeof hint);
        if (hint[0])
                return fail(r, "unknown %s '%s'; did you mean '%s'?", what, name, hint);
        return fail(r, "unknown %s '%s'", what, name);
}

/* Reject keys the object may not hold; reported at the first unknown key in file order. */
static int check_keys(struct reader *r, json_t *obj, const struct key_set *ks)
{
        const char *key;
        json_t *value;
        json_object_foreach(obj, key, value)
        {
                (void)value;
                if (!key_known(ks, key)) {
                        push_key(r, key);
                        return fail_unknown(r, "key", key, ks->plain, ks->times);
                }
        }
        return 0;
}

static int expect_object(struct reader *r, json_t *value)
{
        return json_is_object(value) ? 0 : fail(r, "expected an object");
}

/* ---- typed members ---- */

static bool in_list(const char *const *list, const char *name)
{
        for (; list && *list; list++)
                if (strcmp(*list, name) == 0)
                        return true;
        return false;
}

/* A member that must be present; otherwise the error points at the enclosing object. */
static int get_required(struct reader *r, json_t *obj, const char *key, json_t **out)
{
        *out = json_object_get(obj, key);
        return *out ? 0 : fail(r, "missing required key '%s'", key);
}

static int copy_string(struct reader *r, const char *s, char **out)
{
        *out = strdup(s);
        return *out ? 0 : fail_nomem(r);
}

/* A string member; *out is NULL when absent and not required. */
static int get_string(struct reader *r, json_t *obj, const char *key, bool required,
                      const char **out)
{
        json_t *v = json_object_get(obj, key);
        *out = NULL;
        if (!v)
                return required ? fail(r, "missing required key '%s'", key) : 0;
        if (!json_is_string(v))
                return fail_key(r, key, "expected a string");
        *out = json_string_value(v);
        return 0;
}

static bool name_is_valid(const char *name)
{
        for (const char *p = name; *p; p++) {
                char c = *p;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-'))
                        return false;
        }
        return name[0] != '\0' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Check a name at the current path: non-empty [A-Za-z0-9_.-]+, not "." or "..". */
static int check_name(struct reader *r, const char *name)
{
        if (name_is_valid(name))
                return 0;
        return fail(r, "invalid name '%s': use one or more of A-Z a-z 0-9 _ . - (not '.' or '..')",
                    name);
}

/* A required "name" member, validated and copied. */
static int get_name(struct reader *r, json_t *obj, char **out)
{
        const char *name;
        int rc = get_string(r, obj, "name", true, &name);
        if (rc < 0)
                return rc;
        size_t mark = push_key(r, "name");
        rc = check_name(r, name);
        if (rc < 0)
                return rc;
        pop(r, mark);
        return copy_string(r, name, out);
}

static int get_description(struct reader *r, json_t *obj, char **out)
{
        const char *text;
        int rc = get_string(r, obj, "description", false, &text);
        return rc < 0 ? rc : copy_string(r, text ? text : "", out);
}

/* An integer member in [min, max]; *present false (and *out untouched) when absent. */
static int get_uint(struct reader *r, json_t *obj, const char *key, uint64_t min, uint64_t max,
                    uint64_t *out, bool *present)
{
        json_t *v = json_object_get(obj, key);
        if (present)
                *present = v != NULL;
        if (!v)
                return present ? 0 : fail(r, "missing required key '%s'", key);
        if (!json_is_integer(v))
                return fail_key(r, key, "expected an integer");
        json_int_t i = json_integer_value(v);
        if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
                return fail_key(r, key, "%lld is out of range [%llu, %llu]", (long long)i,
                                (unsigned long long)min, (unsigned long long)max);
        *out = (uint64_t)i;
        return 0;
}

static int get_number(struct reader *r, json_t *obj, const char *key, double *out, bool *present)
{
        json_t *v = json_object_get(obj, key);
        if (present)
                *present = v != NULL;
        if (!v)
                return present ? 0 : fail(r, "missing required key '%s'", key);
        if (!json_is_number(v))
                return fail_key(r, key, "expected a number");
        *out = json_number_value(v);
        return 0;
}

/* A boolean member; *out untouched when absent. */
static int get_bool(struct reader *r, json_t *obj, const char *key, bool *out)
{
        json_t *v = json_object_get(obj, key);
        if (!v)
                return 0;
        if (!json_is_boolean(v))
                return fail_key(r, key, "expected true or false");
        *out = json_is_true(v);
        return 0;
}

/* "<prefix>/<name>" in a new string, or NULL on no memory. */
static char *join_path(const char *prefix, const char *name)
{
        size_t a = strlen(prefix), b = strlen(name);
        char *out = malloc(a + b + 2);
        if (!out)
                return NULL;
        memcpy(out, prefix, a);
        out[a] = '/';
        memcpy(out + a + 1, name, b + 1);
        return out;
}

/* A time in microseconds for messages, e.g. "2500 us". */
static void format_us(char *buf, size_t size, sim_time_t ps)
{
        snprintf(buf, size, "%.9g us", (double)ps / (double)SIM_PS_PER_US);
}

/*
 * The number at the current path, read exactly from the text and scaled by 10^exp10 to a
 * whole number of `unit`s.
 */
static int scaled_value(struct reader *r, json_t *v, unsigned exp10, const char *unit,
                        uint64_t *out)
{
        size_t offset;
        if (!json_is_number(v))
                return fail(r, "expected a number");
        if (json_number_value(v) < 0)
                return fail(r, "must not be negative");
        if (jread_locate(r->text, r->text_len, r->path, &offset) < 0)
                return fail(r, "cannot find the value in the file text");
        switch (jread_decimal_scaled(r->text, r->text_len, offset, exp10, out)) {
        case 0:
                return 0;
        case -EDOM:
                return fail(r, "not a whole number of %s", unit);
        case -ERANGE:
                return fail(r, "too large: more than 2^64-1 %s", unit);
        default:
                return fail(r, "expected a number");
        }
}

/*
 * A time member spelled <base>_<unit>, converted to picoseconds. Two spellings of one base
 * are an error at the second in file order.
 */
static int get_time(struct reader *r, json_t *obj, const char *base, sim_time_t *out, bool *present)
{
        const char *key, *found = NULL;
        size_t unit = 0, found_unit = 0;
        json_t *value, *found_value = NULL;
        json_object_foreach(obj, key, value)
        {
                if (!time_key_matches(key, base, &unit))
                        continue;
                if (found)
                        return fail_key(r, key, "'%s' and '%s' both give %s; use one spelling",
                                        found, key, base);
                found = key;
                found_unit = unit;
                found_value = value;
        }
        if (present)
                *present = found != NULL;
        if (!found)
                return present ? 0
                               : fail(r,
                                      "missing required key '%s_<unit>' (unit ps, ns, us, ms "
                                      "or s)",
                                      base);
        size_t mark = push_key(r, found);
        int rc = scaled_value(r, found_value, time_unit_exp10[found_unit], "picoseconds", out);
        if (rc < 0)
                return rc;
        pop(r, mark);
        return 0;
}

/* A time member that, when present, must be greater than zero. */
static int get_positive_time(struct reader *r, json_t *obj, const char *base, sim_time_t *out,
                             bool *present)
{
        int rc = get_time(r, obj, base, out, present);
        if (rc < 0 || (present && !*present) || *out > 0)
                return rc;
        return fail_key(r, time_key_in(obj, base), "must be greater than zero");
}

/* A required array member with at least one element. */
static int get_nonempty_array(struct reader *r, json_t *obj, const char *key, json_t **out)
{
        int rc = get_required(r, obj, key, out);
        if (rc < 0)
                return rc;
        if (!json_is_array(*out))
                return fail_key(r, key, "expected an array");
        if (json_array_size(*out) == 0)
                return fail_key(r, key, "needs at least one element");
        return 0;
}

/* One of `choices` (NULL-terminated); *out is its index. */
static int get_choice(struct reader *r, json_t *obj, const char *key, bool required,
                      const char *const *choices, size_t *out)
{
        const char *s;
        int rc = get_string(r, obj, key, required, &s);
        if (rc < 0 || !s)
                return rc;
        for (size_t i = 0; choices[i]; i++) {
                if (strcmp(choices[i], s) == 0) {
                        *out = i;
                        return 0;
                }
        }
        char allowed[SCENARIO_DIAG_TEXT / 2] = "";
        size_t len = 0;
        for (size_t i = 0; choices[i] && len < sizeof allowed; i++)
                len += (size_t)snprintf(allowed + len, sizeof allowed - len, "%s'%s'",
                                        i ? ", " : "", choices[i]);
        char hint[64];
        suggest(choices, NULL, s, hint, sizeof hint);
        push_key(r, key);
        if (hint[0])
                return fail(r, "unknown value '%s' (expected %s); did you mean '%s'?", s, allowed,
                            hint);
        return fail(r, "unknown value '%s' (expected %s)", s, allowed);
}

/* ---- memory hierarchy (platform "memory") ---- */

static const char *const memory_keys[] = { "line_bytes",   "page_bytes", "l1", "llc",
                                           "interconnect", "dram",       NULL };
static const char *const l1_keys[] = { "size_kib", "ways",        "hit_cycles",
                                       "mshrs",    "replacement", NULL };
static const char *const llc_keys[] = { "size_kib",    "ways",  "hit_cycles", "clock_mhz",
                                        "replacement", "mshrs", NULL };
static const char *const interconnect_keys[] = { "kind", "width_bytes", "clock_mhz", "arbitration",
                                                 NULL };
static const char *const dram_keys[] = { "clock_mhz",    "channels", "banks", "rows",
                                         "row_bytes",    "t_rcd",    "t_rp",  "t_cl",
                                         "burst_cycles", NULL };
/* In enum memory_replacement order. */
static const char *const replacement_names[] = { "lru", "tree_plru", "random", NULL };
static const char *const interconnect_kind_names[] = { "bus", "crossbar", NULL };
static const char *const arbitration_names[] = { "round_robin", "fixed_priority", NULL };

static bool is_power_of_two(uint64_t v)
{
        return v != 0 && (v & (v - 1)) == 0;
}

/* An integer member in [min, max] that must be a power of two. */
static int get_power_of_two(struct reader *r, json_t *obj, const char *key, uint64_t min,
                            uint64_t max, uint64_t *out)
{
        int rc = get_uint(r, obj, key, min, max, out, NULL);
        if (rc == 0 && !is_power_of_two(*out))
                return fail_key(r, key, "%llu is not a power of two", (unsigned long long)*out);
        return rc;
}

static int get_u32(struct reader *r, json_t *obj, const char *key, uint64_t min, uint64_t max,
                   uint32_t *out)
{
        uint64_t v = 0;
        int rc = get_uint(r, obj, key, min, max, &v, NULL);
        *out = (uint32_t)v;
        return rc;
}

static int get_mhz(struct reader *r, json_t *obj, uint64_t *hz)
{
        json_t *clock;
        int rc = get_required(r, obj, "clock_mhz", &clock);
        if (rc < 0)
                return rc;
        size_t mark = push_key(r, "clock_mhz");
        rc = scaled_value(r, clock, 6, "Hz", hz);
        if (rc == 0 && *hz == 0)
                rc = fail(r, "must be greater than zero");
        if (rc == 0)
                pop(r, mark);
        return rc;
}

/* A member object checked against `plain`; the path is left on it (pop with the mark). */
static int enter_object(struct reader *r, json_t *obj, const char *key, const char *const *plain,
                        json_t **out, size_t *mark)
{
        const struct key_set keys = { plain, NULL };
        int rc = get_required(r, obj, key, out);
        if (rc < 0)
                return rc;
        *mark = push_key(r, key);
        rc = expect_object(r, *out);
        return rc == 0 ? check_keys(r, *out, &keys) : rc;
}

/* A cache: size = sets x ways x line with sets a power of two. */
static int parse_memory_cache(struct reader *r, json_t *obj, const struct memory_config *m,
                              struct memory_cache_config *c, uint64_t max_mshrs)
{
        uint64_t kib = 0, ways = 0;
        size_t replacement = MEMORY_LRU;
        int rc = get_power_of_two(r, obj, "size_kib", 1, 1ULL << 22, &kib);
        if (rc == 0)
                rc = get_uint(r, obj, "ways", 1, 64, &ways, NULL);
        if (rc == 0)
                rc = get_u32(r, obj, "hit_cycles", 1, 1000, &c->hit_cycles);
        if (rc == 0)
                rc = get_u32(r, obj, "mshrs", 1, max_mshrs, &c->mshrs);
        if (rc == 0)
                rc = get_choice(r, obj, "replacement", false, replacement_names, &replacement);
        if (rc < 0)
                return rc;
        c->size_bytes = kib << 10;
        c->ways = (uint32_t)ways;
        c->replacement = (enum memory_replacement)replacement;
        uint64_t way_bytes = c->size_bytes / ways;
        if (c->size_bytes % ways != 0 || !is_power_of_two(way_bytes / m->line_bytes) ||
            way_bytes < m->line_bytes)
                return fail_key(r, "ways",
                                "%llu KiB in %llu ways of %u-byte lines does not give a "
                                "power-of-two number of sets",
                                (unsigned long long)kib, (unsigned long long)ways, m->line_bytes);
        if (c->replacement == MEMORY_TREE_PLRU && !is_power_of_two(ways))
                return fail_key(r, "replacement", "tree_plru needs a power-of-two number of ways");
        return 0;
}

static int parse_memory_caches(struct reader *r, json_t *obj, struct memory_config *m)
{
        json_t *sub;
        size_t mark;
        int rc = enter_object(r, obj, "l1", l1_keys, &sub, &mark);
        if (rc == 0)
                rc = parse_memory_cache(r, sub, m, &m->l1, 32);
        if (rc < 0)
                return rc;
        pop(r, mark);
        rc = enter_object(r, obj, "llc", llc_keys, &sub, &mark);
        if (rc == 0)
                rc = parse_memory_cache(r, sub, m, &m->llc, 64);
        if (rc == 0)
                rc = get_mhz(r, sub, &m->llc_clock_hz);
        if (rc < 0)
                return rc;
        if (m->llc.size_bytes / m->llc.ways / m->page_bytes > 64)
                return fail(r,
                            "the LLC's way (%llu bytes) holds more than 64 pages: at most 64 "
                            "page colours are supported",
                            (unsigned long long)(m->llc.size_bytes / m->llc.ways));
        pop(r, mark);
        return 0;
}

static int parse_memory_interconnect(struct reader *r, json_t *obj, struct memory_config *m)
{
        json_t *sub;
        size_t mark, kind = 0, arbitration = 0;
        int rc = enter_object(r, obj, "interconnect", interconnect_keys, &sub, &mark);
        if (rc == 0)
                rc = get_choice(r, sub, "kind", true, interconnect_kind_names, &kind);
        if (rc == 0)
                rc = get_choice(r, sub, "arbitration", false, arbitration_names, &arbitration);
        if (rc == 0)
                rc = get_u32(r, sub, "width_bytes", 1, m->line_bytes, &m->bus_width_bytes);
        if (rc == 0 && m->line_bytes % m->bus_width_bytes != 0)
                rc = fail_key(r, "width_bytes", "must divide the line size (%u bytes)",
                              m->line_bytes);
        if (rc == 0)
                rc = get_mhz(r, sub, &m->bus_clock_hz);
        if (rc < 0)
                return rc;
        m->crossbar = kind == 1;
        m->fixed_priority = arbitration == 1;
        pop(r, mark);
        return 0;
}

static int parse_memory_dram(struct reader *r, json_t *obj, struct memory_config *m)
{
        json_t *sub;
        uint64_t v = 0;
        size_t mark;
        int rc = enter_object(r, obj, "dram", dram_keys, &sub, &mark);
        if (rc == 0)
                rc = get_mhz(r, sub, &m->dram_clock_hz);
        if (rc == 0)
                rc = get_power_of_two(r, sub, "channels", 1, 16, &v);
        m->dram_channels = (uint32_t)v;
        if (rc == 0)
                rc = get_power_of_two(r, sub, "banks", 1, 64, &v);
        m->dram_banks = (uint32_t)v;
        if (rc == 0)
                rc = get_power_of_two(r, sub, "rows", 1, 1U << 20, &v);
        m->dram_rows = (uint32_t)v;
        if (rc == 0)
                rc = get_power_of_two(r, sub, "row_bytes", m->line_bytes, 1U << 16, &v);
        m->dram_row_bytes = (uint32_t)v;
        if (rc == 0)
                rc = get_u32(r, sub, "t_rcd", 1, 1000, &m->dram_t_rcd);
        if (rc == 0)
                rc = get_u32(r, sub, "t_rp", 1, 1000, &m->dram_t_rp);
        if (rc == 0)
                rc = get_u32(r, sub, "t_cl", 1, 1000, &m->dram_t_cl);
        if (rc == 0)
                rc = get_u32(r, sub, "burst_cycles", 1, 1000, &m->dram_burst_cycles);
        if (rc == 0)
                pop(r, mark);
        return rc;
}

static int parse_memory(struct reader *r, json_t *root, struct memory_config *m)
{
        const struct key_set keys = { memory_keys, NULL };
        json_t *obj = json_object_get(root, "memory");
        uint64_t v = 0;
        if (!obj)
                return 0;
        size_t mark = push_key(r, "memory");
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_power_of_two(r, obj, "line_bytes", 8, 1024, &v);
        m->line_bytes = (uint32_t)v;
        m->page_bytes = 4096;
        bool present = false;
        if (rc == 0)
                rc = get_uint(r, obj, "page_bytes", 256, 1U << 30, &v, &present);
        if (rc == 0 && present) {
                if (!is_power_of_two(v) || v < m->line_bytes)
                        return fail_key(r, "page_bytes",
                                        "must be a power of two no smaller than a line");
                m->page_bytes = (uint32_t)v;
        }
        if (rc == 0)
                rc = parse_memory_caches(r, obj, m);
        if (rc == 0)
                rc = parse_memory_interconnect(r, obj, m);
        if (rc == 0)
                rc = parse_memory_dram(r, obj, m);
        if (rc < 0)
                return rc;
        m->present = true;
        pop(r, mark);
        return 0;
}

/* ---- memory profiles (scenario "profiles") ---- */

static const char *const profile_keys[] = { "instructions",
                                            "trace",
                                            "base_cpi",
                                            "accesses_per_kilo_instruction",
                                            "working_set_bytes",
                                            "pattern",
                                            "stride_bytes",
                                            "access_bytes",
                                            "writes_per_thousand",
                                            "shared",
                                            NULL };
/* In enum memory_pattern order. */
static const char *const pattern_names[] = { "sequential",    "strided", "random",
                                             "pointer_chase", "trace",   NULL };

static char *resolve_relative(const char *base, const char *ref);

/* Parse the trace text once now, so that a malformed trace is a load error naming the trace
 * file and line (at the profile's "trace" key); the models parse it again when they are
 * built. mem_trace_parse reports "line N: reason" (N = 0: out of memory). */
static int check_trace(struct reader *r, const struct memory_profile_config *p)
{
        struct mem_trace trace;
        char err[160];
        unsigned long line = 0;
        int reason = 0;
        int rc = mem_trace_parse(p->trace_text, p->trace_len, &trace, err, sizeof err);

        if (rc == 0) {
                mem_trace_fini(&trace);
                return 0;
        }
        if (rc == -ENOMEM)
                return fail_nomem(r);
        if (sscanf(err, "line %lu: %n", &line, &reason) < 1 || reason == 0)
                return fail_key(r, "trace", "%s: %s", p->trace_file, err);
        if (strcmp(err + reason, "no accesses") == 0)
                return fail_key(r, "trace",
                                "%s: no accesses (a trace needs at least one R, W, L, S or M "
                                "record)",
                                p->trace_file);
        return fail_key(r, "trace", "%s:%lu: %s", p->trace_file, line, err + reason);
}

/* A trace profile's "trace": a file named relative to the scenario, read now (the models parse
 * it when they are built); the access keys of generated patterns do not apply. */
static int parse_profile_trace(struct reader *r, json_t *obj, struct memory_profile_config *p)
{
        static const char *const generated[] = { "accesses_per_kilo_instruction",
                                                 "working_set_bytes",
                                                 "stride_bytes",
                                                 "access_bytes",
                                                 "writes_per_thousand",
                                                 NULL };
        const char *ref;
        int rc = get_string(r, obj, "trace", true, &ref);
        if (rc < 0)
                return rc;
        for (size_t i = 0; generated[i]; i++)
                if (json_object_get(obj, generated[i]))
                        return fail_key(r, generated[i],
                                        "'%s' does not apply to pattern 'trace' (the trace gives "
                                        "the accesses)",
                                        generated[i]);
        p->trace_file = resolve_relative(r->file, ref);
        if (!p->trace_file)
                return fail_nomem(r);
        rc = read_text(p->trace_file, &p->trace_text, &p->trace_len);
        if (rc < 0)
                return fail_key(r, "trace", "cannot read trace file '%s': %s", p->trace_file,
                                strerror(-rc));
        return check_trace(r, p);
}

/* ---- shared regions (scenario "shared_regions") ---- */

static const char *const shared_region_keys[] = { "name", "bytes", NULL };
static const char *const profile_shared_keys[] = { "region", "fraction", NULL };

#define SHARED_REGION_ALIGN     4096ULL
#define SHARED_REGION_MAX_BYTES (1ULL << 30)

static int parse_shared_region(struct reader *r, json_t *obj, const struct scenario *s,
                               struct shared_region_config *region, uint64_t offset)
{
        const struct key_set keys = { shared_region_keys, NULL };
        const char *name;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_string(r, obj, "name", true, &name);
        if (rc == 0)
                rc = check_name(r, name);
        for (size_t i = 0; rc == 0 && &s->shared_regions[i] != region; i++)
                if (strcmp(s->shared_regions[i].name, name) == 0)
                        rc = fail_key(r, "name", "duplicate shared region '%s'", name);
        if (rc == 0)
                rc = copy_string(r, name, &region->name);
        if (rc == 0)
                rc = get_uint(r, obj, "bytes", 64, SHARED_REGION_MAX_BYTES, &region->bytes, NULL);
        region->offset = offset;
        return rc;
}

/* The regions, laid out one after the other at 4 KiB boundaries. */
static int parse_shared_regions(struct reader *r, json_t *root, struct scenario *s)
{
        json_t *array = json_object_get(root, "shared_regions");
        uint64_t offset = 0;
        if (!array)
                return 0;
        size_t mark = push_key(r, "shared_regions");
        if (!json_is_array(array) || json_array_size(array) == 0)
                return fail(r, "expected a non-empty array of shared regions");
        s->shared_regions = calloc(json_array_size(array), sizeof *s->shared_regions);
        if (!s->shared_regions)
                return fail_nomem(r);
        for (size_t i = 0; i < json_array_size(array); i++) {
                size_t member = push_index(r, i);
                int rc;
                s->shared_region_count = i + 1;
                rc = parse_shared_region(r, json_array_get(array, i), s, &s->shared_regions[i],
                                         offset);
                if (rc < 0)
                        return rc;
                offset += (s->shared_regions[i].bytes + SHARED_REGION_ALIGN - 1) /
                          SHARED_REGION_ALIGN * SHARED_REGION_ALIGN;
                pop(r, member);
        }
        pop(r, mark);
        return 0;
}

/* A profile's "shared": {"region": name, "fraction": share of the accesses in [0, 1]}. */
static int parse_profile_shared(struct reader *r, json_t *obj, const struct scenario *s,
                                struct memory_profile_config *p)
{
        const struct key_set keys = { profile_shared_keys, NULL };
        json_t *shared = json_object_get(obj, "shared");
        const char *name;
        double fraction;
        if (!shared)
                return 0;
        size_t mark = push_key(r, "shared");
        int rc = expect_object(r, shared);
        if (rc == 0)
                rc = check_keys(r, shared, &keys);
        if (rc == 0)
                rc = get_string(r, shared, "region", true, &name);
        for (size_t i = 0; rc == 0 && i < s->shared_region_count; i++)
                if (strcmp(s->shared_regions[i].name, name) == 0)
                        p->shared_region = &s->shared_regions[i];
        if (rc == 0 && !p->shared_region) {
                const char *names[65];
                size_t n = 0;
                for (size_t i = 0; i < s->shared_region_count && n < 64; i++)
                        names[n++] = s->shared_regions[i].name;
                names[n] = NULL;
                push_key(r, "region");
                return fail_unknown(r, "shared region", name, names, NULL);
        }
        if (rc == 0)
                rc = get_number(r, shared, "fraction", &fraction, NULL);
        if (rc == 0 && !(fraction >= 0.0 && fraction <= 1.0))
                rc = fail_key(r, "fraction", "must be in [0, 1]");
        if (rc < 0)
                return rc;
        p->shared_per_million = (uint32_t)lround(fraction * 1e6);
        pop(r, mark);
        return 0;
}

static int parse_profile(struct reader *r, json_t *obj, const struct scenario *s,
                         struct memory_profile_config *p)
{
        const struct key_set keys = { profile_keys, NULL };
        size_t pattern = 0;
        bool present;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = parse_profile_shared(r, obj, s, p);
        if (rc == 0)
                rc = get_uint(r, obj, "instructions", 1, INT64_MAX, &p->instructions, NULL);
        if (rc == 0)
                rc = get_number(r, obj, "base_cpi", &p->base_cpi, NULL);
        if (rc == 0 && !(p->base_cpi > 0.0 && p->base_cpi <= 1000.0))
                rc = fail_key(r, "base_cpi", "must be in (0, 1000]");
        if (rc == 0)
                rc = get_choice(r, obj, "pattern", true, pattern_names, &pattern);
        p->pattern = (enum memory_pattern)pattern;
        if (rc == 0 && p->pattern == MEMORY_TRACE)
                return parse_profile_trace(r, obj, p);
        if (rc == 0 && json_object_get(obj, "trace"))
                rc = fail_key(r, "trace", "'trace' needs pattern 'trace'");
        if (rc == 0)
                rc = get_u32(r, obj, "accesses_per_kilo_instruction", 0, 100000,
                             &p->accesses_per_kilo_instruction);
        if (rc == 0)
                rc = get_uint(r, obj, "working_set_bytes", 8, 1ULL << 36, &p->working_set_bytes,
                              NULL);
        uint64_t v = 8;
        if (rc == 0)
                rc = get_uint(r, obj, "access_bytes", 1, 64, &v, &present);
        if (rc == 0 && !is_power_of_two(v))
                rc = fail_key(r, "access_bytes", "must be a power of two");
        p->access_bytes = (uint32_t)v;
        v = 0;
        if (rc == 0)
                rc = get_uint(r, obj, "stride_bytes", 1, 1U << 20, &v, &present);
        p->stride_bytes = (uint32_t)v;
        if (rc == 0 && p->pattern == MEMORY_STRIDED && p->stride_bytes == 0)
                rc = fail(r, "missing required key 'stride_bytes' (pattern 'strided')");
        v = 0;
        if (rc == 0)
                rc = get_uint(r, obj, "writes_per_thousand", 0, 1000, &v, &present);
        p->writes_per_thousand = (uint32_t)v;
        if (rc == 0 && p->working_set_bytes <
                           (p->stride_bytes > p->access_bytes ? p->stride_bytes : p->access_bytes))
                rc = fail_key(r, "working_set_bytes", "is smaller than one access or stride");
        return rc;
}

static int parse_profiles(struct reader *r, json_t *root, struct scenario *s)
{
        json_t *obj = json_object_get(root, "profiles");
        const char *key;
        json_t *value;
        size_t i = 0;
        if (!obj)
                return 0;
        size_t mark = push_key(r, "profiles");
        if (!json_is_object(obj))
                return fail(r, "expected an object of named profiles");
        s->profiles = calloc(json_object_size(obj) + 1, sizeof *s->profiles);
        if (!s->profiles)
                return fail_nomem(r);
        json_object_foreach(obj, key, value)
        {
                size_t member = push_key(r, key);
                int rc = check_name(r, key);
                if (rc == 0)
                        rc = copy_string(r, key, &s->profiles[i].name);
                s->profile_count = i + 1;
                if (rc == 0)
                        rc = parse_profile(r, value, s, &s->profiles[i]);
                if (rc < 0)
                        return rc;
                pop(r, member);
                i++;
        }
        pop(r, mark);
        return 0;
}

static const struct memory_profile_config *find_profile(const struct scenario *s, const char *name)
{
        for (size_t i = 0; i < s->profile_count; i++)
                if (strcmp(s->profiles[i].name, name) == 0)
                        return &s->profiles[i];
        return NULL;
}

/* A task's "profile" and "instructions"; *has is true when the task has a profile (its demand
 * then comes from the profile and "execution_cycles" is an error). */
static int parse_task_profile(struct reader *r, json_t *obj, const struct scenario *s,
                              struct task_config *t, bool *has)
{
        const char *name;
        bool present;
        int rc = get_string(r, obj, "profile", false, &name);
        *has = name != NULL;
        if (rc < 0 || !name) {
                if (rc == 0 && json_object_get(obj, "instructions"))
                        return fail_key(r, "instructions", "'instructions' needs a 'profile'");
                return rc;
        }
        if (!s->platform.memory.present)
                return fail_key(r, "profile",
                                "the platform '%s' has no 'memory' section to run profile '%s'",
                                s->platform.name, name);
        t->profile = find_profile(s, name);
        if (!t->profile) {
                const char *names[65];
                size_t n = 0;
                for (size_t i = 0; i < s->profile_count && n < 64; i++)
                        names[n++] = s->profiles[i].name;
                names[n] = NULL;
                push_key(r, "profile");
                return fail_unknown(r, "profile", name, names, NULL);
        }
        if (json_object_get(obj, "execution_cycles"))
                return fail_key(r, "execution_cycles",
                                "a task with a 'profile' takes its demand from the profile "
                                "('instructions'); 'execution_cycles' is not allowed");
        t->instructions = t->profile->instructions;
        return get_uint(r, obj, "instructions", 1, INT64_MAX, &t->instructions, &present);
}

/* An OS's "colours" or "llc_ways": distinct indices below `limit`, as a bit mask. */
static int parse_index_mask(struct reader *r, json_t *obj, const char *key, uint64_t limit,
                            const char *what, uint64_t *mask)
{
        json_t *list = json_object_get(obj, key);
        if (!list)
                return 0;
        size_t mark = push_key(r, key);
        if (!json_is_array(list) || json_array_size(list) == 0)
                return fail(r, "expected a non-empty array of %s indices", what);
        for (size_t i = 0; i < json_array_size(list); i++) {
                json_t *v = json_array_get(list, i);
                size_t element = push_index(r, i);
                if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                    (uint64_t)json_integer_value(v) >= limit)
                        return fail(r, "expected a %s index in [0, %llu]", what,
                                    (unsigned long long)(limit - 1));
                uint64_t bit = 1ULL << json_integer_value(v);
                if (*mask & bit)
                        return fail(r, "%s %lld is listed twice", what,
                                    (long long)json_integer_value(v));
                *mask |= bit;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

static int parse_os_partition(struct reader *r, json_t *obj, const struct scenario *s,
                              struct os_config *os)
{
        const struct memory_config *m = &s->platform.memory;
        bool any = json_object_get(obj, "colours") || json_object_get(obj, "llc_ways");
        if (any && !m->present)
                return fail_key(r, json_object_get(obj, "colours") ? "colours" : "llc_ways",
                                "the platform '%s' has no 'memory' section to partition",
                                s->platform.name);
        if (!any)
                return 0;
        uint64_t colours = m->llc.size_bytes / m->llc.ways / m->page_bytes;
        if (colours < 1)
                colours = 1;
        int rc = parse_index_mask(r, obj, "colours", colours, "colour", &os->colour_mask);
        if (rc == 0)
                rc = parse_index_mask(r, obj, "llc_ways", m->llc.ways, "way", &os->way_mask);
        return rc;
}

/* ---- bandwidth regulation (scenario "regulation") ---- */

static const char *const regulation_keys[] = { "budgets", NULL };
static const char *const regulation_time_keys[] = { "period", NULL };
static const char *const budget_keys[] = { "core", "os", "bytes", "shared", NULL };

static bool os_runs_on_core(const struct os_config *os, size_t core)
{
        for (size_t i = 0; i < os->core_count; i++)
                if (os->cores[i] == core)
                        return true;
        return false;
}

/* Why core `c` cannot take another budget now (NULL: it can): it is in a shared domain, or,
 * for a shared budget, has a budget of its own. Written into `buf`. */
static const char *budget_conflict(const struct scenario *s, size_t c, bool shared, char *buf,
                                   size_t size)
{
        const struct regulation_config *g = &s->regulation;
        const char *core = s->platform.cores[c].name;

        if (g->core_domain[c] != SIZE_MAX)
                snprintf(buf, size, "core '%s' is already in the shared budget of '%s'", core,
                         s->oses[g->domains[g->core_domain[c]].os].name);
        else if (shared && g->core_budget_bytes[c] != 0)
                snprintf(buf, size, "core '%s' already has a budget of its own", core);
        else
                return NULL;
        return buf;
}

/* One budget for all the cores of OS `o` together: a new shared domain. The OS must have its
 * cores to itself, since the regulator counts a request against the core that issued it. */
static int add_shared_budget(struct reader *r, struct scenario *s, const struct os_config *o,
                             uint64_t bytes)
{
        struct regulation_config *g = &s->regulation;
        size_t index = (size_t)(o - s->oses);
        char why[160];

        for (size_t i = 0; i < o->core_count; i++) {
                size_t c = o->cores[i];

                for (size_t k = 0; k < s->os_count; k++)
                        if (k != index && os_runs_on_core(&s->oses[k], c))
                                return fail_key(r, "os",
                                                "a shared budget needs the cores of '%s' to "
                                                "itself, but '%s' also runs on core '%s' "
                                                "(requests are counted by the core that issues "
                                                "them)",
                                                o->name, s->oses[k].name,
                                                s->platform.cores[c].name);
                if (budget_conflict(s, c, true, why, sizeof why))
                        return fail_key(r, "os", "%s", why);
        }
        for (size_t i = 0; i < o->core_count; i++)
                g->core_domain[o->cores[i]] = g->domain_count;
        g->domains[g->domain_count++] =
            (struct regulation_domain_config){ .os = index, .budget_bytes = bytes };
        return 0;
}

static int parse_budget(struct reader *r, json_t *obj, struct scenario *s)
{
        const struct key_set keys = { budget_keys, NULL };
        const char *core = NULL, *os = NULL;
        uint64_t bytes = 0;
        bool shared = false;
        char why[160];
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_string(r, obj, "core", false, &core);
        if (rc == 0)
                rc = get_string(r, obj, "os", false, &os);
        if (rc == 0 && (core != NULL) == (os != NULL))
                rc = fail(r, "a budget names exactly one of 'core' or 'os'");
        if (rc == 0)
                rc = get_uint(r, obj, "bytes", 1, INT64_MAX, &bytes, NULL);
        if (rc == 0)
                rc = get_bool(r, obj, "shared", &shared);
        if (rc == 0 && shared && core)
                rc = fail_key(r, "shared",
                              "'shared' applies to an 'os' budget (all its cores "
                              "together); a core's budget is its own");
        if (rc < 0)
                return rc;
        if (core) {
                long c = platform_find_core(&s->platform, core);
                if (c < 0)
                        return fail_key(r, "core", "unknown core '%s'", core);
                if (budget_conflict(s, (size_t)c, false, why, sizeof why))
                        return fail_key(r, "core", "%s", why);
                s->regulation.core_budget_bytes[c] = bytes;
                return 0;
        }
        const struct os_config *o = scenario_find_os(s, os);
        if (!o)
                return fail_key(r, "os", "unknown OS '%s'", os);
        if (shared)
                return add_shared_budget(r, s, o, bytes);
        for (size_t c = 0; c < o->core_count; c++)
                if (budget_conflict(s, o->cores[c], false, why, sizeof why))
                        return fail_key(r, "os", "%s", why);
        for (size_t c = 0; c < o->core_count; c++)
                s->regulation.core_budget_bytes[o->cores[c]] = bytes;
        return 0;
}

static int parse_regulation(struct reader *r, json_t *root, struct scenario *s)
{
        const struct key_set keys = { regulation_keys, regulation_time_keys };
        json_t *obj = json_object_get(root, "regulation"), *budgets;
        struct regulation_config *g = &s->regulation;
        if (!obj)
                return 0;
        size_t mark = push_key(r, "regulation");
        if (!s->platform.memory.present)
                return fail(r, "the platform '%s' has no 'memory' section to regulate",
                            s->platform.name);
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_positive_time(r, obj, "period", &g->period_ps, NULL);
        if (rc == 0)
                rc = get_nonempty_array(r, obj, "budgets", &budgets);
        if (rc < 0)
                return rc;
        g->core_budget_bytes = calloc(s->platform.core_count, sizeof *g->core_budget_bytes);
        g->core_domain = malloc(s->platform.core_count * sizeof *g->core_domain);
        g->domains = calloc(json_array_size(budgets), sizeof *g->domains); /* at most one each */
        if (!g->core_budget_bytes || !g->core_domain || !g->domains)
                return fail_nomem(r);
        for (size_t c = 0; c < s->platform.core_count; c++)
                g->core_domain[c] = SIZE_MAX;
        g->present = true;
        size_t list = push_key(r, "budgets");
        for (size_t i = 0; i < json_array_size(budgets); i++) {
                size_t element = push_index(r, i);
                rc = parse_budget(r, json_array_get(budgets, i), s);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, list);
        pop(r, mark);
        return 0;
}

/* ---- platform ---- */

static const char *const platform_keys[] = { "name",  "description", "sources",
                                             "cores", "memory",      NULL };
static const char *const core_keys[] = { "name", "clock_mhz", NULL };

long platform_find_core(const struct platform_config *platform, const char *name)
{
        for (size_t i = 0; i < platform->core_count; i++)
                if (strcmp(platform->cores[i].name, name) == 0)
                        return (long)i;
        return -1;
}

static int parse_core(struct reader *r, json_t *obj, struct platform_config *p, size_t index)
{
        struct core_config *core = &p->cores[index];
        const struct key_set keys = { core_keys, NULL };
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_name(r, obj, &core->name);
        if (rc < 0)
                return rc;
        for (size_t i = 0; i < index; i++)
                if (strcmp(p->cores[i].name, core->name) == 0)
                        return fail_key(r, "name", "duplicate core name '%s'", core->name);
        json_t *clock;
        rc = get_required(r, obj, "clock_mhz", &clock);
        if (rc < 0)
                return rc;
        push_key(r, "clock_mhz");
        rc = scaled_value(r, clock, 6, "Hz", &core->clock_hz);
        if (rc < 0)
                return rc;
        if (core->clock_hz == 0)
                return fail(r, "must be greater than zero");
        return 0;
}

static int parse_sources(struct reader *r, json_t *obj, struct platform_config *p)
{
        json_t *sources = json_object_get(obj, "sources");
        if (!sources)
                return 0;
        size_t mark = push_key(r, "sources");
        if (!json_is_array(sources))
                return fail(r, "expected an array");
        p->source_count = json_array_size(sources);
        p->sources = calloc(p->source_count ? p->source_count : 1, sizeof *p->sources);
        if (!p->sources) {
                p->source_count = 0;
                return fail_nomem(r);
        }
        for (size_t i = 0; i < p->source_count; i++) {
                json_t *s = json_array_get(sources, i);
                size_t element = push_index(r, i);
                if (!json_is_string(s))
                        return fail(r, "expected a string");
                int rc = copy_string(r, json_string_value(s), &p->sources[i]);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

static int parse_platform(struct reader *r, struct platform_config *p)
{
        const struct key_set keys = { platform_keys, NULL };
        json_t *cores;
        int rc = check_keys(r, r->root, &keys);
        if (rc == 0)
                rc = get_name(r, r->root, &p->name);
        if (rc == 0)
                rc = get_description(r, r->root, &p->description);
        if (rc == 0)
                rc = parse_sources(r, r->root, p);
        if (rc == 0)
                rc = get_nonempty_array(r, r->root, "cores", &cores);
        if (rc < 0)
                return rc;
        size_t count = json_array_size(cores);
        p->cores = calloc(count, sizeof *p->cores);
        if (!p->cores)
                return fail_nomem(r);
        p->core_count = count;
        size_t mark = push_key(r, "cores");
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                rc = parse_core(r, json_array_get(cores, i), p, i);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return parse_memory(r, r->root, &p->memory);
}

/* Resolve `ref` against the directory of `base` (unless absolute). */
static char *resolve_relative(const char *base, const char *ref)
{
        const char *slash = strrchr(base, '/');
        size_t dir_len = ref[0] == '/' || !slash ? 0 : (size_t)(slash - base) + 1;
        size_t ref_len = strlen(ref);
        char *out = malloc(dir_len + ref_len + 1);
        if (!out)
                return NULL;
        memcpy(out, base, dir_len);
        memcpy(out + dir_len, ref, ref_len + 1);
        return out;
}

/* The platform named by "platform"; errors inside it are reported against its file. */
static int load_platform(struct reader *r, json_t *obj, struct platform_config *p)
{
        const char *ref;
        int rc = get_string(r, obj, "platform", true, &ref);
        if (rc < 0)
                return rc;
        p->file = resolve_relative(r->file, ref);
        if (!p->file)
                return fail_nomem(r);
        struct reader pr = { .file = p->file, .diag = r->diag };
        rc = reader_open(&pr);
        if (rc == -ENOENT) {
                /* point at the reference, which is what the user has to fix */
                push_key(r, "platform");
                fail(r, "cannot read platform file '%s': %s", p->file, strerror(pr.read_error));
        }
        if (rc == 0)
                rc = parse_platform(&pr, p);
        reader_close(&pr);
        return rc;
}

/* ---- tasks ---- */

/* In enum os_scheduler order. */
static const char *const scheduler_names[] = { "fixed_priority", "edf", "fair", NULL };
/* OS keys that only the fair scheduler reads (bases of time keys). */
static const char *const os_time_keys[] = { "target_latency", "min_granularity", NULL };
/* Every time key of an OS object: the fair ones and the periodic tick's. */
static const char *const os_all_time_keys[] = { "target_latency", "min_granularity", "tick", NULL };

static const char *const task_keys[] = {
        "name",    "activation",       "priority",     "nice",      "weight", "core",
        "profile", "execution_cycles", "instructions", "activates", NULL
};
static const char *const vm_task_keys[] = {
        "name",    "activation",       "priority",     "nice",      "weight", "vcpu",
        "profile", "execution_cycles", "instructions", "activates", NULL
};
static const char *const task_time_keys[] = { "period", "min_interarrival", "max_interarrival",
                                              "offset", "jitter",           "deadline",
                                              NULL };
static const char *const activation_names[] = { "periodic", "sporadic", "event", NULL };
static const char *const distribution_names[] = { "fixed", "uniform", "normal", NULL };
static const char *const fixed_keys[] = { "distribution", "cycles", NULL };
static const char *const uniform_keys[] = { "distribution", "min", "max", NULL };
static const char *const normal_keys[] = { "distribution", "mean", "stddev", "min", "max", NULL };

/* "min"/"max" cycle bounds, 1 <= min <= max; the error for min > max is at "max". */
static int get_cycle_bounds(struct reader *r, json_t *obj, struct demand_config *d)
{
        int rc = get_uint(r, obj, "min", 1, INT64_MAX, &d->min_cycles, NULL);
        if (rc == 0)
                rc = get_uint(r, obj, "max", 1, INT64_MAX, &d->max_cycles, NULL);
        if (rc == 0 && d->max_cycles < d->min_cycles)
                return fail_key(r, "max", "max (%llu) is less than min (%llu)",
                                (unsigned long long)d->max_cycles,
                                (unsigned long long)d->min_cycles);
        return rc;
}

static int parse_demand_object(struct reader *r, json_t *obj, struct demand_config *d)
{
        static const char *const *const keys_of[] = { fixed_keys, uniform_keys, normal_keys };
        size_t kind = 0;
        int rc = get_choice(r, obj, "distribution", true, distribution_names, &kind);
        if (rc < 0)
                return rc;
        const struct key_set keys = { keys_of[kind], NULL };
        const char *key;
        json_t *value;
        json_object_foreach(obj, key, value)
        {
                (void)value;
                if (!in_list(keys_of[kind], key) && in_list(normal_keys, key))
                        return fail_key(r, key, "'%s' does not apply to distribution '%s'", key,
                                        distribution_names[kind]);
        }
        rc = check_keys(r, obj, &keys);
        if (rc < 0)
                return rc;
        d->distribution = (enum demand_distribution)kind;
        if (d->distribution == DEMAND_FIXED) {
                rc = get_uint(r, obj, "cycles", 1, INT64_MAX, &d->max_cycles, NULL);
                d->min_cycles = d->max_cycles;
                d->mean_cycles = (double)d->max_cycles;
                return rc;
        }
        rc = get_cycle_bounds(r, obj, d);
        if (rc < 0)
                return rc;
        if (d->distribution == DEMAND_UNIFORM) {
                /* discrete uniform on n values: variance (n^2 - 1) / 12 */
                double n = (double)(d->max_cycles - d->min_cycles) + 1.0;
                d->mean_cycles = ((double)d->min_cycles + (double)d->max_cycles) / 2.0;
                d->stddev_cycles = sqrt((n * n - 1.0) / 12.0);
                return 0;
        }
        rc = get_number(r, obj, "mean", &d->mean_cycles, NULL);
        if (rc == 0)
                rc = get_number(r, obj, "stddev", &d->stddev_cycles, NULL);
        if (rc < 0)
                return rc;
        if (d->mean_cycles < (double)d->min_cycles || d->mean_cycles > (double)d->max_cycles)
                return fail_key(r, "mean", "mean %g is outside [min, max] = [%llu, %llu]",
                                d->mean_cycles, (unsigned long long)d->min_cycles,
                                (unsigned long long)d->max_cycles);
        if (!(d->stddev_cycles >= 0.0))
                return fail_key(r, "stddev", "must not be negative");
        return 0;
}

static int parse_demand(struct reader *r, json_t *task, struct demand_config *d)
{
        json_t *v;
        int rc = get_required(r, task, "execution_cycles", &v);
        if (rc < 0)
                return rc;
        size_t mark = push_key(r, "execution_cycles");
        if (json_is_integer(v)) {
                json_int_t cycles = json_integer_value(v);
                if (cycles <= 0)
                        return fail(r, "must be a positive integer");
                d->distribution = DEMAND_FIXED;
                d->min_cycles = d->max_cycles = (uint64_t)cycles;
                d->mean_cycles = (double)cycles;
                d->stddev_cycles = 0.0;
        } else if (json_is_object(v)) {
                rc = parse_demand_object(r, v, d);
                if (rc < 0)
                        return rc;
        } else {
                return fail(r, "expected a positive integer or an object with 'distribution'");
        }
        pop(r, mark);
        return 0;
}

/* Time keys that do not apply to the task's activation are errors, reported at the key. */
static int reject_time_key(struct reader *r, json_t *task, const char *base, const char *why)
{
        const char *key = time_key_in(task, base);
        return key ? fail_key(r, key, "'%s' %s", key, why) : 0;
}

/* An event task is released by an ISR only: no period, offset or jitter; a deadline. */
static int parse_event_release(struct reader *r, json_t *obj)
{
        static const char *const bases[] = { "period", "min_interarrival", "max_interarrival",
                                             "offset", "jitter",           NULL };
        for (const char *const *base = bases; *base; base++) {
                int rc = reject_time_key(r, obj, *base,
                                         "does not apply to an event task (an ISR releases it)");
                if (rc < 0)
                        return rc;
        }
        if (!time_key_in(obj, "deadline"))
                return fail(r, "an event task needs a 'deadline_<unit>' (it has no period)");
        return 0;
}

static int parse_release(struct reader *r, json_t *obj, struct task_config *t)
{
        bool present;
        int rc;
        if (t->activation == TASK_EVENT)
                return parse_event_release(r, obj);
        if (t->activation == TASK_PERIODIC) {
                rc = reject_time_key(r, obj, "min_interarrival", "applies to sporadic tasks only");
                if (rc == 0)
                        rc = reject_time_key(r, obj, "max_interarrival",
                                             "applies to sporadic tasks only");
                if (rc == 0)
                        rc = get_positive_time(r, obj, "period", &t->period_ps, NULL);
                t->max_interarrival_ps = t->period_ps;
                return rc;
        }
        rc = reject_time_key(r, obj, "period",
                             "applies to periodic tasks only (use min_interarrival_<unit>)");
        if (rc == 0)
                rc = get_positive_time(r, obj, "min_interarrival", &t->period_ps, NULL);
        if (rc == 0)
                rc = get_time(r, obj, "max_interarrival", &t->max_interarrival_ps, &present);
        if (rc < 0)
                return rc;
        if (!present)
                t->max_interarrival_ps = t->period_ps;
        if (t->max_interarrival_ps < t->period_ps)
                return reject_time_key(r, obj, "max_interarrival",
                                       "is less than the minimum inter-arrival time");
        return 0;
}

static int parse_task_core(struct reader *r, json_t *obj, const struct platform_config *p,
                           const struct os_config *os, struct task_config *t)
{
        const char *core;
        int rc = get_string(r, obj, "core", false, &core);
        if (rc < 0)
                return rc;
        if (!core) {
                t->core = os->cores[0];
                return 0;
        }
        for (size_t i = 0; i < os->core_count; i++) {
                if (strcmp(p->cores[os->cores[i]].name, core) == 0) {
                        t->core = os->cores[i];
                        return 0;
                }
        }
        return fail_key(r, "core", "core '%s' is not one of the cores of OS '%s'", core, os->name);
}

/* A VM's task runs on vCPU "vcpu" (default 0) of its VM, and so on that vCPU's core. */
static int parse_task_vcpu(struct reader *r, json_t *obj, const struct os_config *os,
                           struct task_config *t)
{
        uint64_t vcpu = 0;
        bool present;
        int rc = get_uint(r, obj, "vcpu", 0, INT64_MAX, &vcpu, &present);
        if (rc < 0)
                return rc;
        if (vcpu >= os->vm->vcpu_count)
                return fail_key(r, "vcpu", "VM '%s' has no vCPU %llu (it has %zu)", os->name,
                                (unsigned long long)vcpu, os->vm->vcpu_count);
        t->vcpu = (size_t)vcpu;
        t->core = os->vm->vcpus[vcpu].core;
        return 0;
}

/* "core" and "vcpu" each belong to one kind of OS; say which instead of "unknown key". */
static int check_task_placement_key(struct reader *r, json_t *obj, const struct os_config *os)
{
        if (os->vm && json_object_get(obj, "core"))
                return fail_key(r, "core",
                                "'core' places AMP tasks; a task of VM '%s' runs on one of its "
                                "vCPUs: use 'vcpu' (an index)",
                                os->name);
        if (!os->vm && json_object_get(obj, "vcpu"))
                return fail_key(r, "vcpu",
                                "'vcpu' places the tasks of a VM; a task of AMP OS '%s' names "
                                "its 'core'",
                                os->name);
        return 0;
}

/* A key only the fair scheduler reads, given to an OS under another scheduler. */
static int fail_fair_only(struct reader *r, const char *key, const struct os_config *os)
{
        return fail_key(r, key,
                        "'%s' applies to scheduler 'fair' only (this OS's scheduler is '%s')", key,
                        scheduler_names[os->scheduler]);
}

/* The fair scheduler's task keys: "nice" (-20..19) or "weight", not both; default nice 0. */
static int parse_task_fair_weight(struct reader *r, json_t *obj, struct task_config *t)
{
        json_t *nice = json_object_get(obj, "nice");
        uint64_t weight = 0;
        bool present;

        if (nice && json_object_get(obj, "weight"))
                return fail_key(r, "weight",
                                "'nice' and 'weight' both give the task's weight; use one");
        if (nice) {
                if (!json_is_integer(nice))
                        return fail_key(r, "nice", "expected an integer");
                json_int_t n = json_integer_value(nice);
                if (n < OS_FAIR_NICE_MIN || n > OS_FAIR_NICE_MAX)
                        return fail_key(r, "nice", "%lld is out of range [%d, %d]", (long long)n,
                                        OS_FAIR_NICE_MIN, OS_FAIR_NICE_MAX);
                t->nice = (int32_t)n;
        }
        int rc = get_uint(r, obj, "weight", 1, OS_FAIR_WEIGHT_MAX, &weight, &present);
        t->weight = (uint32_t)weight;
        return rc;
}

/*
 * What orders the task under its OS's scheduler: fixed_priority needs "priority"; edf ranks by
 * deadline and accepts (and ignores) "priority", so one task set can be compared under both;
 * fair ranks by virtual runtime and its weight, and refuses "priority" rather than ignore it.
 * "nice" and "weight" belong to fair only.
 */
static int parse_task_rank(struct reader *r, json_t *obj, const struct os_config *os,
                           struct task_config *t)
{
        static const char *const fair_keys[] = { "nice", "weight", NULL };
        uint64_t priority = 0;
        bool present;

        if (os->scheduler == OS_SCHED_FAIR) {
                if (json_object_get(obj, "priority"))
                        return fail_key(r, "priority",
                                        "'priority' is not used by scheduler 'fair', which runs "
                                        "the task with the least virtual runtime; give 'nice' "
                                        "(-20..19) or 'weight' instead");
                return parse_task_fair_weight(r, obj, t);
        }
        for (const char *const *key = fair_keys; *key; key++)
                if (json_object_get(obj, *key))
                        return fail_fair_only(r, *key, os);
        int rc = get_uint(r, obj, "priority", 0, 65535, &priority,
                          os->scheduler == OS_SCHED_FIXED_PRIORITY ? NULL : &present);
        t->priority = (uint32_t)priority;
        return rc;
}

static int parse_task(struct reader *r, json_t *obj, const struct scenario *s, struct os_config *os,
                      size_t index)
{
        const struct platform_config *p = &s->platform;
        bool has_profile = false;
        struct task_config *t = &os->tasks[index];
        const struct key_set keys = { os->vm ? vm_task_keys : task_keys, task_time_keys };
        size_t activation = TASK_PERIODIC;
        bool present;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_task_placement_key(r, obj, os);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_name(r, obj, &t->name);
        if (rc < 0)
                return rc;
        for (size_t i = 0; i < index; i++)
                if (strcmp(os->tasks[i].name, t->name) == 0)
                        return fail_key(r, "name", "duplicate task name '%s' in %s '%s'", t->name,
                                        os->vm ? "VM" : "OS", os->name);
        rc = get_choice(r, obj, "activation", false, activation_names, &activation);
        t->activation = (enum task_activation)activation;
        if (rc == 0)
                rc = parse_release(r, obj, t);
        if (rc == 0)
                rc = get_time(r, obj, "offset", &t->offset_ps, &present);
        if (rc == 0)
                rc = get_time(r, obj, "jitter", &t->jitter_ps, &present);
        if (rc == 0)
                rc = get_positive_time(r, obj, "deadline", &t->deadline_ps, &present);
        if (rc == 0 && !present)
                t->deadline_ps = t->period_ps;
        if (rc == 0)
                rc = parse_task_rank(r, obj, os, t);
        if (rc == 0)
                rc = os->vm ? parse_task_vcpu(r, obj, os, t) : parse_task_core(r, obj, p, os, t);
        if (rc == 0)
                rc = parse_task_profile(r, obj, s, t, &has_profile);
        if (rc == 0 && !has_profile)
                rc = parse_demand(r, obj, &t->demand);
        const char *activates = NULL;
        if (rc == 0)
                rc = get_string(r, obj, "activates", false, &activates);
        if (rc == 0 && activates)
                rc = copy_string(r, activates, &t->activates);
        return rc;
}

static long find_task(const struct os_config *os, const char *name);

/* Each "activates" names another event task of the same OS (checked once all are read). */
static int check_task_activations(struct reader *r, const struct os_config *os)
{
        size_t mark = push_key(r, "tasks");
        for (size_t i = 0; i < os->task_count; i++) {
                const struct task_config *t = &os->tasks[i];
                if (!t->activates)
                        continue;
                long target = find_task(os, t->activates);
                size_t element = push_index(r, i);
                if (target < 0)
                        return fail_key(r, "activates",
                                        "%s '%s' has no task '%s' (a task activates a task of its "
                                        "own OS; across OSes use a doorbell interrupt)",
                                        os->vm ? "VM" : "OS", os->name, t->activates);
                if ((size_t)target == i)
                        return fail_key(r, "activates", "task '%s' cannot activate itself",
                                        t->name);
                if (os->tasks[target].activation != TASK_EVENT)
                        return fail_key(
                            r, "activates",
                            "task '%s' is not an event task (\"activation\": \"event\")",
                            t->activates);
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

/* ---- operating systems ---- */

static const char *const os_keys[] = {
        "name",  "cores",   "scheduler",       "context_switch_cycles",
        "tasks", "colours", "llc_ways",        "exception_entry_cycles",
        "isrs",  "boot",    "tick_isr_cycles", "tick_irq",
        NULL
};

/* The owner of platform core `core` among the OSes before `os_index`, or NULL. */
static const struct os_config *core_owner(const struct scenario *s, size_t os_index, size_t core)
{
        for (size_t i = 0; i < os_index; i++)
                for (size_t j = 0; j < s->oses[i].core_count; j++)
                        if (s->oses[i].cores[j] == core)
                                return &s->oses[i];
        return NULL;
}

static int parse_os_cores(struct reader *r, json_t *obj, struct scenario *s, size_t os_index)
{
        struct os_config *os = &s->oses[os_index];
        json_t *cores;
        int rc = get_nonempty_array(r, obj, "cores", &cores);
        if (rc < 0)
                return rc;
        size_t count = json_array_size(cores);
        os->cores = calloc(count, sizeof *os->cores);
        if (!os->cores)
                return fail_nomem(r);
        size_t mark = push_key(r, "cores");
        for (size_t i = 0; i < count; i++) {
                json_t *v = json_array_get(cores, i);
                size_t element = push_index(r, i);
                if (!json_is_string(v))
                        return fail(r, "expected a string (a core name)");
                const char *name = json_string_value(v);
                long core = platform_find_core(&s->platform, name);
                if (core < 0)
                        return fail(r, "platform '%s' has no core '%s'", s->platform.name, name);
                for (size_t j = 0; j < i; j++)
                        if (os->cores[j] == (size_t)core)
                                return fail(r, "core '%s' is listed twice", name);
                const struct os_config *owner = core_owner(s, os_index, (size_t)core);
                if (owner)
                        return fail(r, "core '%s' already belongs to OS '%s'", name, owner->name);
                os->cores[i] = (size_t)core;
                os->core_count = i + 1;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

long scenario_task_cpu(const struct os_config *os, const struct task_config *task)
{
        if (os->vm)
                return task->vcpu < os->core_count ? (long)task->vcpu : -1;
        for (size_t i = 0; i < os->core_count; i++)
                if (os->cores[i] == task->core)
                        return (long)i;
        return -1;
}

/* Fixed-priority scheduling needs a total order of the tasks on each core (or vCPU). */
static int check_priorities(struct reader *r, const struct scenario *s, const struct os_config *os)
{
        for (size_t j = 0; j < os->task_count; j++) {
                for (size_t i = 0; i < j; i++) {
                        const struct task_config *a = &os->tasks[i], *b = &os->tasks[j];
                        if (scenario_task_cpu(os, a) != scenario_task_cpu(os, b) ||
                            a->priority != b->priority)
                                continue;
                        push_key(r, "tasks");
                        push_index(r, j);
                        if (os->vm)
                                return fail_key(r, "priority",
                                                "priority %u of task '%s' is already used by "
                                                "task '%s' on vCPU %zu",
                                                (unsigned)b->priority, b->name, a->name, a->vcpu);
                        return fail_key(r, "priority",
                                        "priority %u of task '%s' is already used by task '%s' "
                                        "on core '%s'",
                                        (unsigned)b->priority, b->name, a->name,
                                        s->platform.cores[a->core].name);
                }
        }
        return 0;
}

/* The "tasks" of an OS or VM object, into os->tasks; then the priority check. */
static int parse_tasks(struct reader *r, json_t *obj, struct scenario *s, struct os_config *os)
{
        json_t *tasks;
        int rc = get_nonempty_array(r, obj, "tasks", &tasks);
        if (rc < 0)
                return rc;
        size_t count = json_array_size(tasks);
        os->tasks = calloc(count, sizeof *os->tasks);
        if (!os->tasks)
                return fail_nomem(r);
        os->task_count = count;
        size_t mark = push_key(r, "tasks");
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                rc = parse_task(r, json_array_get(tasks, i), s, os, i);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        rc = check_task_activations(r, os);
        if (rc < 0)
                return rc;
        return os->scheduler == OS_SCHED_FIXED_PRIORITY ? check_priorities(r, s, os) : 0;
}

/* The fair scheduler's OS keys (defaults: Linux's); an error under another scheduler. */
static int parse_os_fair(struct reader *r, json_t *obj, struct os_config *os)
{
        static const sim_time_t max_ps = SIM_PS_PER_S;
        bool present;
        int rc = 0;

        if (os->scheduler != OS_SCHED_FAIR) {
                for (const char *const *base = os_time_keys; *base; base++) {
                        const char *key = time_key_in(obj, *base);
                        if (key)
                                return fail_fair_only(r, key, os);
                }
                return 0;
        }
        sim_time_t *values[] = { &os->fair_target_latency_ps, &os->fair_min_granularity_ps };
        const sim_time_t defaults[] = { OS_FAIR_DEFAULT_TARGET_LATENCY_PS,
                                        OS_FAIR_DEFAULT_MIN_GRANULARITY_PS };
        for (size_t i = 0; rc == 0 && os_time_keys[i]; i++) {
                rc = get_positive_time(r, obj, os_time_keys[i], values[i], &present);
                if (rc == 0 && !present)
                        *values[i] = defaults[i];
                else if (rc == 0 && *values[i] > max_ps)
                        rc = fail_key(r, time_key_in(obj, os_time_keys[i]), "must be at most 1 s");
        }
        return rc;
}

/* ---- interrupt service routines ---- */

static const char *const isr_keys[] = { "name",         "irq",       "cycles", "profile",
                                        "instructions", "activates", NULL };

static long find_task(const struct os_config *os, const char *name)
{
        for (size_t i = 0; i < os->task_count; i++)
                if (strcmp(os->tasks[i].name, name) == 0)
                        return (long)i;
        return -1;
}

/* "cycles" (plain work) or "profile" (+ "instructions"): one of them. */
static int parse_isr_body(struct reader *r, json_t *obj, const struct scenario *s,
                          struct isr_config *isr)
{
        struct task_config probe = { 0 };
        bool has_profile = false;
        if (json_object_get(obj, "cycles") && json_object_get(obj, "profile"))
                return fail_key(r, "profile",
                                "an ISR's body is 'cycles' or a 'profile' (+ 'instructions'), "
                                "not both");
        int rc = parse_task_profile(r, obj, s, &probe, &has_profile);
        if (rc < 0)
                return rc;
        if (has_profile) {
                if (probe.profile->pattern == MEMORY_TRACE)
                        return fail_key(r, "profile", "an ISR cannot run a trace profile");
                if (probe.profile->shared_region != NULL)
                        return fail_key(r, "profile",
                                        "an ISR cannot run a profile with a 'shared' part (only "
                                        "tasks reach shared regions)");
                isr->profile = probe.profile;
                isr->instructions = probe.instructions;
                return 0;
        }
        return get_uint(r, obj, "cycles", 0, INT64_MAX, &isr->cycles, NULL);
}

/* "activates": an event task of the OS, released at the ISR's end. */
static int parse_isr_activates(struct reader *r, json_t *obj, const struct os_config *os,
                               struct isr_config *isr)
{
        const char *name;
        isr->activates = SIZE_MAX;
        int rc = get_string(r, obj, "activates", false, &name);
        if (rc < 0 || !name)
                return rc;
        long task = find_task(os, name);
        if (task < 0)
                return fail_key(r, "activates", "%s '%s' has no task '%s'", os->vm ? "VM" : "OS",
                                os->name, name);
        if (os->tasks[task].activation != TASK_EVENT)
                return fail_key(r, "activates",
                                "task '%s' is not an event task (\"activation\": \"event\")", name);
        isr->activates = (size_t)task;
        return 0;
}

static int parse_isr(struct reader *r, json_t *obj, const struct scenario *s, struct os_config *os,
                     size_t index)
{
        const struct key_set keys = { isr_keys, NULL };
        struct isr_config *isr = &os->isrs[index];
        uint64_t irq = 0;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_name(r, obj, &isr->name);
        if (rc == 0)
                rc = get_uint(r, obj, "irq", 0, IRQ_ID_LIMIT - 1, &irq, NULL);
        if (rc < 0)
                return rc;
        isr->irq = (uint32_t)irq;
        for (size_t i = 0; i < index; i++) {
                if (strcmp(os->isrs[i].name, isr->name) == 0)
                        return fail_key(r, "name", "duplicate ISR name '%s'", isr->name);
                if (os->isrs[i].irq == isr->irq)
                        return fail_key(r, "irq", "interrupt %u already has ISR '%s'",
                                        (unsigned)isr->irq, os->isrs[i].name);
        }
        rc = parse_isr_body(r, obj, s, isr);
        return rc == 0 ? parse_isr_activates(r, obj, os, isr) : rc;
}

/* An OS's (or VM's) optional "isrs". */
static int parse_isrs(struct reader *r, json_t *obj, const struct scenario *s, struct os_config *os)
{
        json_t *list = json_object_get(obj, "isrs");
        if (!list)
                return 0;
        int rc = get_nonempty_array(r, obj, "isrs", &list);
        if (rc < 0)
                return rc;
        size_t count = json_array_size(list);
        os->isrs = calloc(count, sizeof *os->isrs);
        if (!os->isrs)
                return fail_nomem(r);
        os->isr_count = count;
        size_t mark = push_key(r, "isrs");
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                rc = parse_isr(r, json_array_get(list, i), s, os, i);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

/* ---- periodic tick ---- */

/* The timer PPIs a tick uses by default: the EL1 physical timer in AMP, the virtual timer in a
 * VM (GIC architecture's PPI assignments: 30 and 27). */
#define OS_TICK_IRQ_AMP 30u
#define OS_TICK_IRQ_VM  27u

/* An OS's optional periodic tick ("tick_<unit>", "tick_isr_cycles", "tick_irq") in `obj` (the
 * AMP OS object or a VM's "os"). */
static int parse_os_tick(struct reader *r, json_t *obj, const struct scenario *s,
                         struct os_config *os)
{
        bool present;
        int rc = get_positive_time(r, obj, "tick", &os->tick_period_ps, &present);
        if (rc < 0)
                return rc;
        if (!present) {
                static const char *const needs_tick[] = { "tick_isr_cycles", "tick_irq", NULL };
                for (const char *const *key = needs_tick; *key; key++)
                        if (json_object_get(obj, *key))
                                return fail_key(r, *key, "'%s' needs a 'tick' (e.g. tick_ms)",
                                                *key);
                return 0;
        }
        if (os->tick_period_ps > SIM_PS_PER_S)
                return fail_key(r, time_key_in(obj, "tick"), "must be at most 1 s");
        uint64_t irq = s->hypervisor ? OS_TICK_IRQ_VM : OS_TICK_IRQ_AMP;
        rc = get_uint(r, obj, "tick_isr_cycles", 0, INT64_MAX, &os->tick_isr_cycles, &present);
        if (rc == 0)
                rc = get_uint(r, obj, "tick_irq", IRQ_PPI_FIRST, IRQ_SPI_FIRST - 1, &irq, &present);
        os->tick_irq = (uint32_t)irq;
        return rc;
}

/* The tick's ISR ("tick", tick_isr_cycles), after the OS's own ISRs. */
static int add_tick_isr(struct reader *r, json_t *obj, struct os_config *os)
{
        if (os->tick_period_ps == 0)
                return 0;
        for (size_t i = 0; i < os->isr_count; i++) {
                if (os->isrs[i].irq == os->tick_irq)
                        return fail_key(r,
                                        json_object_get(obj, "tick_irq") ? "tick_irq"
                                                                         : time_key_in(obj, "tick"),
                                        "the tick's interrupt %u is ISR '%s''s: set another "
                                        "'tick_irq' (a PPI, 16-31)",
                                        (unsigned)os->tick_irq, os->isrs[i].name);
                if (strcmp(os->isrs[i].name, "tick") == 0)
                        return fail_key(r, time_key_in(obj, "tick"),
                                        "an ISR is already named 'tick' (the tick's own)");
        }
        struct isr_config *isrs = realloc(os->isrs, (os->isr_count + 1) * sizeof *isrs);
        if (!isrs)
                return fail_nomem(r);
        os->isrs = isrs;
        struct isr_config *tick = &os->isrs[os->isr_count];
        *tick = (struct isr_config){ .irq = os->tick_irq,
                                     .cycles = os->tick_isr_cycles,
                                     .activates = SIZE_MAX };
        int rc = copy_string(r, "tick", &tick->name);
        if (rc == 0)
                os->isr_count++;
        return rc;
}

/* ---- start-up ---- */

static const char *const boot_keys[] = { "image_kib", "load_mib_per_s", "creation_cycles", "after",
                                         NULL };

/* An optional "boot" of VM or AMP OS `index` (s->oses[index] or its VM): image_kib and
 * load_mib_per_s (both or neither), creation_cycles, after (a VM or OS listed before it). */
static int parse_boot(struct reader *r, json_t *obj, const struct scenario *s, size_t index,
                      struct boot_config *boot)
{
        const struct key_set keys = { boot_keys, NULL };
        const char *kind = s->hypervisor ? "VM" : "OS";
        json_t *b = json_object_get(obj, "boot");
        uint64_t kib = 0, mib = 0;
        bool has_image, has_bandwidth, present;
        const char *after;
        boot->after = SIZE_MAX;
        if (!b)
                return 0;
        size_t mark = push_key(r, "boot");
        int rc = expect_object(r, b);
        if (rc == 0)
                rc = check_keys(r, b, &keys);
        if (rc == 0)
                rc = get_uint(r, b, "image_kib", 0, UINT64_C(1) << 40, &kib, &has_image);
        if (rc == 0)
                rc = get_uint(r, b, "load_mib_per_s", 1, UINT64_C(1) << 20, &mib, &has_bandwidth);
        if (rc == 0 && has_image && !has_bandwidth)
                rc = fail(r, "an image needs 'load_mib_per_s' (its load bandwidth)");
        if (rc == 0)
                rc = get_uint(r, b, "creation_cycles", 0, INT64_MAX, &boot->creation_cycles,
                              &present);
        if (rc == 0)
                rc = get_string(r, b, "after", false, &after);
        if (rc < 0)
                return rc;
        for (size_t i = 0; after && i < index && boot->after == SIZE_MAX; i++)
                if (strcmp(s->oses[i].name, after) == 0)
                        boot->after = i;
        if (after && boot->after == SIZE_MAX)
                return fail_key(r, "after",
                                "no %s named '%s' before this one (it can start only after one "
                                "listed earlier)",
                                kind, after);
        boot->present = true;
        boot->image_bytes = kib * 1024;
        boot->load_bytes_per_s = has_bandwidth ? mib * 1024 * 1024 : 1;
        pop(r, mark);
        return 0;
}

static int parse_os(struct reader *r, json_t *obj, struct scenario *s, size_t index)
{
        struct os_config *os = &s->oses[index];
        const struct key_set keys = { os_keys, os_all_time_keys };
        size_t scheduler = 0;
        bool present;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_name(r, obj, &os->name);
        if (rc < 0)
                return rc;
        os->entity = join_path("os", os->name);
        if (!os->entity)
                return fail_nomem(r);
        for (size_t i = 0; i < index; i++)
                if (strcmp(s->oses[i].name, os->name) == 0)
                        return fail_key(r, "name", "duplicate OS name '%s'", os->name);
        rc = get_choice(r, obj, "scheduler", true, scheduler_names, &scheduler);
        os->scheduler = (enum os_scheduler)scheduler;
        if (rc == 0)
                rc = get_uint(r, obj, "context_switch_cycles", 0, INT64_MAX,
                              &os->context_switch_cycles, &present);
        if (rc == 0)
                rc = parse_os_fair(r, obj, os);
        if (rc == 0)
                rc = parse_os_cores(r, obj, s, index);
        if (rc == 0)
                rc = parse_os_partition(r, obj, s, os);
        if (rc == 0)
                rc = get_uint(r, obj, "exception_entry_cycles", 0, INT64_MAX,
                              &os->exception_entry_cycles, &present);
        if (rc == 0)
                rc = parse_os_tick(r, obj, s, os);
        if (rc == 0)
                rc = parse_tasks(r, obj, s, os);
        if (rc == 0)
                rc = parse_isrs(r, obj, s, os);
        if (rc == 0)
                rc = add_tick_isr(r, obj, os);
        return rc == 0 ? parse_boot(r, obj, s, index, &os->boot) : rc;
}

const struct os_config *scenario_find_os(const struct scenario *scenario, const char *name)
{
        for (size_t i = 0; i < scenario->os_count; i++)
                if (strcmp(scenario->oses[i].name, name) == 0)
                        return &scenario->oses[i];
        return NULL;
}

static bool os_has_task(const struct os_config *os, const char *name)
{
        for (size_t i = 0; i < os->task_count; i++)
                if (strcmp(os->tasks[i].name, name) == 0)
                        return true;
        return false;
}

/* ---- hypervisor and VMs ---- */

static const char *const hv_keys[] = { "policy",
                                       "profile",
                                       "world_switch_cycles",
                                       "trap_entry_cycles",
                                       "trap_exit_cycles",
                                       "irq_entry_cycles",
                                       "irq_handling_cycles",
                                       "irq_injection_cycles",
                                       "irq_exit_cycles",
                                       "direct_injection",
                                       "direct_vsgi",
                                       "irq_profile",
                                       "irq_instructions",
                                       "vcpu_context_bytes",
                                       "world_switch_instructions",
                                       "trap_instructions",
                                       "tlb_refill_walks",
                                       "colours",
                                       "credit",
                                       "schedule",
                                       NULL };
static const char *const policy_names[] = { "static", "arinc653", "fixed_priority",
                                            "rtds",   "credit",   NULL };
static const char *const credit_time_keys[] = { "timeslice", NULL };
static const char *const vm_keys[] = { "name", "vcpus",   "os",   "tasks",
                                       "isrs", "colours", "boot", NULL };
static const char *const vm_os_keys[] = { "scheduler",
                                          "context_switch_cycles",
                                          "exception_entry_cycles",
                                          "tick_isr_cycles",
                                          "tick_irq",
                                          NULL };
static const char *const vcpu_keys[] = { "core",   "priority",    "extra_time",
                                         "weight", "cap_percent", NULL };
static const char *const vcpu_time_keys[] = { "budget", "period", NULL };
static const char *const schedule_keys[] = { "core", "windows", NULL };
static const char *const schedule_time_keys[] = { "major_frame", NULL };
static const char *const window_keys[] = { "vm", "vcpu", "idle", NULL };
static const char *const window_time_keys[] = { "duration", NULL };

#define POLICY_BIT(p) (1u << (p))

/* vCPU keys that only some policies read. */
struct vcpu_key_rule {
        const char *key; /* a plain key, or the base of a time key */
        bool is_time;
        unsigned policies; /* POLICY_BIT set */
        const char *which; /* for the message */
};

static const struct vcpu_key_rule vcpu_key_rules[] = {
        { "priority", false, POLICY_BIT(HV_POLICY_FIXED_PRIORITY), "policy 'fixed_priority'" },
        { "budget", true, POLICY_BIT(HV_POLICY_FIXED_PRIORITY) | POLICY_BIT(HV_POLICY_RTDS),
          "policies 'fixed_priority' and 'rtds'" },
        { "period", true, POLICY_BIT(HV_POLICY_FIXED_PRIORITY) | POLICY_BIT(HV_POLICY_RTDS),
          "policies 'fixed_priority' and 'rtds'" },
        { "extra_time", false, POLICY_BIT(HV_POLICY_RTDS), "policy 'rtds'" },
        { "weight", false, POLICY_BIT(HV_POLICY_CREDIT), "policy 'credit'" },
        { "cap_percent", false, POLICY_BIT(HV_POLICY_CREDIT), "policy 'credit'" },
};

long scenario_find_vm(const struct hv_config *hypervisor, const char *name)
{
        for (size_t i = 0; hypervisor && i < hypervisor->vm_count; i++)
                if (strcmp(hypervisor->vms[i].name, name) == 0)
                        return (long)i;
        return -1;
}

/* A key the policy does not read is an error at the key, naming the policies that do. */
static int check_policy_keys(struct reader *r, json_t *obj, enum hv_policy policy)
{
        for (size_t i = 0; i < sizeof vcpu_key_rules / sizeof vcpu_key_rules[0]; i++) {
                const struct vcpu_key_rule *rule = &vcpu_key_rules[i];
                const char *key = rule->key;
                if (rule->is_time)
                        key = time_key_in(obj, rule->key);
                else if (!json_object_get(obj, rule->key))
                        key = NULL;
                if (key && !(rule->policies & POLICY_BIT(policy)))
                        return fail_key(r, key,
                                        "'%s' applies to %s only (this hypervisor's policy is "
                                        "'%s')",
                                        key, rule->which, policy_names[policy]);
        }
        return 0;
}

/* vCPU `vcpu` of VM `vm`. */
struct vcpu_ref {
        size_t vm;
        size_t vcpu;
};

/*
 * Whether a vCPU parsed before vCPU `vcpu` of VM `vm` (in file order) sits on the same core and
 * conflicts with it under the policy (static: any; fixed_priority: the same priority); *ref
 * names the first such vCPU.
 */
static bool earlier_vcpu_on_core(const struct hv_config *hv, size_t vm, size_t vcpu,
                                 struct vcpu_ref *ref)
{
        size_t core = hv->vms[vm].vcpus[vcpu].core;
        for (size_t v = 0; v <= vm; v++) {
                size_t limit = v == vm ? vcpu : hv->vms[v].vcpu_count;
                for (size_t i = 0; i < limit; i++) {
                        const struct hv_vcpu_config *c = &hv->vms[v].vcpus[i];
                        bool conflict = hv->policy == HV_POLICY_STATIC ||
                                        c->priority == hv->vms[vm].vcpus[vcpu].priority;
                        if (c->core == core && conflict) {
                                ref->vm = v;
                                ref->vcpu = i;
                                return true;
                        }
                }
        }
        return false;
}

/* Static partitioning gives each vCPU a core; fixed priority needs unique priorities. */
static int check_vcpu_core_conflict(struct reader *r, const struct scenario *s, size_t vm,
                                    size_t vcpu)
{
        const struct hv_config *hv = s->hypervisor;
        const struct hv_vcpu_config *c = &hv->vms[vm].vcpus[vcpu];
        struct vcpu_ref other;
        if (hv->policy != HV_POLICY_STATIC && hv->policy != HV_POLICY_FIXED_PRIORITY)
                return 0;
        if (!earlier_vcpu_on_core(hv, vm, vcpu, &other))
                return 0;
        if (hv->policy == HV_POLICY_STATIC)
                return fail_key(r, "core",
                                "core '%s' already runs vCPU %zu of VM '%s'; the static policy "
                                "gives each vCPU a core of its own",
                                s->platform.cores[c->core].name, other.vcpu,
                                hv->vms[other.vm].name);
        return fail_key(r, "priority",
                        "priority %u is already used by vCPU %zu of VM '%s' on core '%s'",
                        (unsigned)c->priority, other.vcpu, hv->vms[other.vm].name,
                        s->platform.cores[c->core].name);
}

/* budget <= period, both at least `min_ps`; the error is at the budget (or the vCPU). */
static int check_budget(struct reader *r, json_t *obj, const struct hv_vcpu_config *c,
                        sim_time_t min_ps)
{
        const char *budget_key = time_key_in(obj, "budget");
        const char *period_key = time_key_in(obj, "period");
        char budget[48], period[48], min[48];
        format_us(budget, sizeof budget, c->budget_ps);
        format_us(period, sizeof period, c->period_ps);
        format_us(min, sizeof min, min_ps);
        if (c->budget_ps < min_ps)
                return budget_key ? fail_key(r, budget_key, "budget %s is below the minimum %s",
                                             budget, min)
                                  : fail(r, "budget %s is below the minimum %s", budget, min);
        if (c->period_ps < min_ps)
                return period_key ? fail_key(r, period_key, "period %s is below the minimum %s",
                                             period, min)
                                  : fail(r, "period %s is below the minimum %s", period, min);
        if (c->budget_ps <= c->period_ps)
                return 0;
        const char *at = budget_key ? budget_key : period_key;
        if (at)
                push_key(r, at);
        return fail(r, "budget %s exceeds the period %s%s", budget, period,
                    period_key ? "" : " (the default)");
}

static int parse_vcpu_server(struct reader *r, json_t *obj, enum hv_policy policy,
                             struct hv_vcpu_config *c)
{
        bool present;
        uint64_t priority = 0;
        int rc;
        if (policy == HV_POLICY_FIXED_PRIORITY) {
                rc = get_uint(r, obj, "priority", 0, 65535, &priority, NULL);
                c->priority = (uint32_t)priority;
                if (rc == 0)
                        rc = get_positive_time(r, obj, "budget", &c->budget_ps, NULL);
                if (rc == 0)
                        rc = get_positive_time(r, obj, "period", &c->period_ps, NULL);
                return rc == 0 ? check_budget(r, obj, c, 1) : rc;
        }
        c->budget_ps = HV_RTDS_DEFAULT_BUDGET_PS;
        c->period_ps = HV_RTDS_DEFAULT_PERIOD_PS;
        rc = get_time(r, obj, "budget", &c->budget_ps, &present);
        if (rc == 0)
                rc = get_time(r, obj, "period", &c->period_ps, &present);
        if (rc == 0)
                rc = get_bool(r, obj, "extra_time", &c->extra_time);
        return rc == 0 ? check_budget(r, obj, c, HV_RTDS_MIN_PS) : rc;
}

static int parse_vcpu(struct reader *r, json_t *obj, struct scenario *s, size_t vm, size_t vcpu)
{
        const struct key_set keys = { vcpu_keys, vcpu_time_keys };
        struct hv_config *hv = s->hypervisor;
        struct hv_vcpu_config *c = &hv->vms[vm].vcpus[vcpu];
        uint64_t weight = HV_CREDIT_DEFAULT_WEIGHT, cap = 0;
        bool present;
        const char *core;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = check_policy_keys(r, obj, hv->policy);
        if (rc == 0)
                rc = get_string(r, obj, "core", true, &core);
        if (rc < 0)
                return rc;
        long index = platform_find_core(&s->platform, core);
        if (index < 0)
                return fail_key(r, "core", "platform '%s' has no core '%s'", s->platform.name,
                                core);
        c->core = (size_t)index;
        if (hv->policy == HV_POLICY_FIXED_PRIORITY || hv->policy == HV_POLICY_RTDS)
                rc = parse_vcpu_server(r, obj, hv->policy, c);
        if (rc == 0 && hv->policy == HV_POLICY_CREDIT) {
                rc = get_uint(r, obj, "weight", 1, 65535, &weight, &present);
                if (rc == 0)
                        rc = get_uint(r, obj, "cap_percent", 0, 100, &cap, &present);
                c->weight = (uint32_t)weight;
                c->cap_percent = (uint32_t)cap;
        }
        return rc == 0 ? check_vcpu_core_conflict(r, s, vm, vcpu) : rc;
}

static int parse_vcpus(struct reader *r, json_t *obj, struct scenario *s, size_t vm)
{
        struct hv_vm_config *config = &s->hypervisor->vms[vm];
        json_t *list;
        int rc = get_nonempty_array(r, obj, "vcpus", &list);
        if (rc < 0)
                return rc;
        size_t count = json_array_size(list);
        config->vcpus = calloc(count, sizeof *config->vcpus);
        if (!config->vcpus)
                return fail_nomem(r);
        config->vcpu_count = count;
        size_t mark = push_key(r, "vcpus");
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                rc = parse_vcpu(r, json_array_get(list, i), s, vm, i);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

/* The guest OS of a VM: "os" holds its kernel settings, the VM its tasks. */
static int parse_vm_os(struct reader *r, json_t *obj, const struct scenario *s,
                       struct os_config *os)
{
        const struct key_set keys = { vm_os_keys, os_all_time_keys };
        size_t scheduler = 0;
        bool present;
        json_t *v;
        int rc = get_required(r, obj, "os", &v);
        if (rc < 0)
                return rc;
        size_t mark = push_key(r, "os");
        rc = expect_object(r, v);
        if (rc == 0)
                rc = check_keys(r, v, &keys);
        if (rc == 0)
                rc = get_choice(r, v, "scheduler", true, scheduler_names, &scheduler);
        os->scheduler = (enum os_scheduler)scheduler;
        if (rc == 0)
                rc = get_uint(r, v, "context_switch_cycles", 0, INT64_MAX,
                              &os->context_switch_cycles, &present);
        if (rc == 0)
                rc = get_uint(r, v, "exception_entry_cycles", 0, INT64_MAX,
                              &os->exception_entry_cycles, &present);
        if (rc == 0)
                rc = parse_os_fair(r, v, os);
        if (rc == 0)
                rc = parse_os_tick(r, v, s, os);
        if (rc == 0)
                pop(r, mark);
        return rc;
}

/* "colours" of a memory section's LLC (a VM's, the hypervisor's), as a mask. */
static int parse_colours(struct reader *r, json_t *obj, const struct scenario *s, uint64_t *mask)
{
        const struct memory_config *m = &s->platform.memory;
        if (!json_object_get(obj, "colours"))
                return 0;
        if (!m->present)
                return fail_key(r, "colours", "the platform '%s' has no 'memory' section to colour",
                                s->platform.name);
        uint64_t colours = m->llc.size_bytes / m->llc.ways / m->page_bytes;
        return parse_index_mask(r, obj, "colours", colours < 1 ? 1 : colours, "colour", mask);
}

/* The guest's execution resources are the VM's vCPUs, on their cores. */
static int vm_guest_init(struct reader *r, const struct hv_vm_config *vm, struct os_config *os)
{
        os->vm = vm;
        os->name = strdup(vm->name);
        os->entity = join_path("vm", vm->name);
        os->cores = calloc(vm->vcpu_count, sizeof *os->cores);
        if (!os->name || !os->entity || !os->cores)
                return fail_nomem(r);
        os->core_count = vm->vcpu_count;
        for (size_t i = 0; i < vm->vcpu_count; i++)
                os->cores[i] = vm->vcpus[i].core;
        return 0;
}

static int parse_vm(struct reader *r, json_t *obj, struct scenario *s, size_t index)
{
        const struct key_set keys = { vm_keys, NULL };
        struct hv_vm_config *vm = &s->hypervisor->vms[index];
        struct os_config *os = &s->oses[index];
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_name(r, obj, &vm->name);
        if (rc < 0)
                return rc;
        for (size_t i = 0; i < index; i++)
                if (strcmp(s->hypervisor->vms[i].name, vm->name) == 0)
                        return fail_key(r, "name", "duplicate VM name '%s'", vm->name);
        rc = parse_vcpus(r, obj, s, index);
        if (rc == 0)
                rc = vm_guest_init(r, vm, os);
        if (rc == 0)
                rc = parse_vm_os(r, obj, s, os);
        if (rc == 0)
                rc = parse_colours(r, obj, s, &os->colour_mask);
        if (rc == 0)
                rc = parse_tasks(r, obj, s, os);
        if (rc == 0)
                rc = parse_isrs(r, obj, s, os);
        if (rc == 0) {
                size_t mark = push_key(r, "os");
                rc = add_tick_isr(r, json_object_get(obj, "os"), os);
                if (rc == 0)
                        pop(r, mark);
        }
        return rc == 0 ? parse_boot(r, obj, s, index, &vm->boot) : rc;
}

static int parse_vms(struct reader *r, json_t *root, struct scenario *s)
{
        json_t *list;
        int rc = get_nonempty_array(r, root, "vms", &list);
        if (rc < 0)
                return rc;
        size_t count = json_array_size(list);
        s->hypervisor->vms = calloc(count, sizeof *s->hypervisor->vms);
        s->oses = calloc(count, sizeof *s->oses);
        if (!s->hypervisor->vms || !s->oses)
                return fail_nomem(r);
        s->hypervisor->vm_count = count;
        s->os_count = count;
        size_t mark = push_key(r, "vms");
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                rc = parse_vm(r, json_array_get(list, i), s, i);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

/* ---- ARINC 653 schedule ---- */

/* A window owned by a vCPU: "vm" (a name) and "vcpu" (default 0), pinned to `core`. */
static int parse_window_owner(struct reader *r, json_t *obj, const struct scenario *s, size_t core,
                              struct hv_window_config *w)
{
        const struct hv_config *hv = s->hypervisor;
        const char *vm_name;
        uint64_t vcpu = 0;
        bool present;
        int rc = get_string(r, obj, "vm", false, &vm_name);
        if (rc < 0)
                return rc;
        if (!vm_name)
                return fail(r, "a window needs 'vm' (and 'vcpu') or \"idle\": true");
        long vm = scenario_find_vm(hv, vm_name);
        if (vm < 0)
                return fail_key(r, "vm", "no VM named '%s'", vm_name);
        rc = get_uint(r, obj, "vcpu", 0, INT64_MAX, &vcpu, &present);
        if (rc < 0)
                return rc;
        const struct hv_vm_config *config = &hv->vms[vm];
        const char *at = present ? "vcpu" : "vm";
        if (vcpu >= config->vcpu_count)
                return fail_key(r, at, "VM '%s' has no vCPU %llu", vm_name,
                                (unsigned long long)vcpu);
        if (config->vcpus[vcpu].core != core)
                return fail_key(r, at, "vCPU %llu of VM '%s' runs on core '%s', not on '%s'",
                                (unsigned long long)vcpu, vm_name,
                                s->platform.cores[config->vcpus[vcpu].core].name,
                                s->platform.cores[core].name);
        w->vm = (size_t)vm;
        w->vcpu = (size_t)vcpu;
        return 0;
}

static int parse_window(struct reader *r, json_t *obj, const struct scenario *s, size_t core,
                        struct hv_window_config *w)
{
        const struct key_set keys = { window_keys, window_time_keys };
        bool idle = false;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_bool(r, obj, "idle", &idle);
        if (rc == 0)
                rc = get_positive_time(r, obj, "duration", &w->duration_ps, NULL);
        if (rc < 0)
                return rc;
        if (!idle)
                return parse_window_owner(r, obj, s, core, w);
        if (json_object_get(obj, "vm") || json_object_get(obj, "vcpu"))
                return fail_key(r, json_object_get(obj, "vm") ? "vm" : "vcpu",
                                "an idle window belongs to no VM");
        w->vm = HV_IDLE;
        return 0;
}

static int parse_windows(struct reader *r, json_t *obj, const struct scenario *s, size_t core,
                         struct hv_core_schedule_config *schedule)
{
        json_t *list;
        int rc = get_nonempty_array(r, obj, "windows", &list);
        if (rc < 0)
                return rc;
        size_t count = json_array_size(list);
        schedule->windows = calloc(count, sizeof *schedule->windows);
        if (!schedule->windows)
                return fail_nomem(r);
        schedule->window_count = count;
        size_t mark = push_key(r, "windows");
        sim_time_t total = 0;
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                rc = parse_window(r, json_array_get(list, i), s, core, &schedule->windows[i]);
                if (rc < 0)
                        return rc;
                if (schedule->windows[i].duration_ps > SIM_TIME_MAX - total)
                        return fail(r, "the windows add up to more than 2^64-1 picoseconds");
                total += schedule->windows[i].duration_ps;
                pop(r, element);
        }
        pop(r, mark);
        if (total == schedule->major_frame_ps)
                return 0;
        char sum[48], frame[48];
        format_us(sum, sizeof sum, total);
        format_us(frame, sizeof frame, schedule->major_frame_ps);
        return fail_key(r, time_key_in(obj, "major_frame"),
                        "the windows add up to %s but the major frame is %s (fill idle time "
                        "with {\"idle\": true, \"duration_<unit>\": ...})",
                        sum, frame);
}

static int parse_core_schedule(struct reader *r, json_t *obj, struct scenario *s, bool *seen)
{
        const struct key_set keys = { schedule_keys, schedule_time_keys };
        const char *name;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_string(r, obj, "core", true, &name);
        if (rc < 0)
                return rc;
        long core = platform_find_core(&s->platform, name);
        if (core < 0)
                return fail_key(r, "core", "platform '%s' has no core '%s'", s->platform.name,
                                name);
        if (seen[core])
                return fail_key(r, "core", "core '%s' already has a schedule", name);
        seen[core] = true;
        struct hv_core_schedule_config *schedule = &s->hypervisor->schedules[core];
        rc = get_positive_time(r, obj, "major_frame", &schedule->major_frame_ps, NULL);
        return rc == 0 ? parse_windows(r, obj, s, (size_t)core, schedule) : rc;
}

/* Every vCPU needs a window, or it would never run. */
static int check_vcpus_have_windows(struct reader *r, const struct hv_config *hv)
{
        for (size_t v = 0; v < hv->vm_count; v++) {
                for (size_t i = 0; i < hv->vms[v].vcpu_count; i++) {
                        const struct hv_core_schedule_config *schedule =
                            &hv->schedules[hv->vms[v].vcpus[i].core];
                        bool found = false;
                        for (size_t w = 0; w < schedule->window_count && !found; w++)
                                found =
                                    schedule->windows[w].vm == v && schedule->windows[w].vcpu == i;
                        if (found)
                                continue;
                        push_key(r, "vms");
                        push_index(r, v);
                        push_key(r, "vcpus");
                        push_index(r, i);
                        return fail(r,
                                    "vCPU %zu of VM '%s' has no window in the schedule of its "
                                    "core, so it would never run",
                                    i, hv->vms[v].name);
                }
        }
        return 0;
}

/* arinc653: one schedule per core; a core not listed idles (a frame with no windows). */
static int parse_schedule(struct reader *r, json_t *obj, struct scenario *s)
{
        struct hv_config *hv = s->hypervisor;
        json_t *list;
        int rc = get_nonempty_array(r, obj, "schedule", &list);
        if (rc < 0)
                return rc;
        size_t cores = s->platform.core_count;
        bool *seen = calloc(cores, sizeof *seen);
        hv->schedules = calloc(cores, sizeof *hv->schedules);
        if (!seen || !hv->schedules) {
                free(seen);
                return fail_nomem(r);
        }
        hv->schedule_count = cores;
        size_t mark = push_key(r, "schedule");
        for (size_t i = 0; i < json_array_size(list) && rc == 0; i++) {
                size_t element = push_index(r, i);
                rc = parse_core_schedule(r, json_array_get(list, i), s, seen);
                if (rc == 0)
                        pop(r, element);
        }
        free(seen);
        if (rc < 0)
                return rc;
        pop(r, mark);
        for (size_t c = 0; c < cores; c++)
                if (hv->schedules[c].major_frame_ps == 0)
                        hv->schedules[c].major_frame_ps = SIM_PS_PER_MS;
        return 0;
}

static int parse_credit(struct reader *r, json_t *obj, struct hv_config *hv)
{
        const struct key_set keys = { NULL, credit_time_keys };
        bool present;
        hv->credit_timeslice_ps = HV_CREDIT_DEFAULT_TIMESLICE_PS;
        json_t *credit = json_object_get(obj, "credit");
        if (!credit)
                return 0;
        size_t mark = push_key(r, "credit");
        int rc = expect_object(r, credit);
        if (rc == 0)
                rc = check_keys(r, credit, &keys);
        if (rc == 0)
                rc = get_positive_time(r, credit, "timeslice", &hv->credit_timeslice_ps, &present);
        if (rc == 0 && hv->credit_timeslice_ps > INT64_MAX / 2)
                return fail_key(r, time_key_in(credit, "timeslice"), "too large");
        if (rc == 0)
                pop(r, mark);
        return rc;
}

/* A key of the hypervisor object that belongs to one policy. */
static int check_policy_section(struct reader *r, json_t *obj, const char *key,
                                enum hv_policy owner, enum hv_policy policy)
{
        if (policy == owner || !json_object_get(obj, key))
                return 0;
        return fail_key(r, key,
                        "'%s' applies to policy '%s' only (this hypervisor's policy is '%s')", key,
                        policy_names[owner], policy_names[policy]);
}

/* The hypervisor's interrupt path: costs, direct injection, its memory profile and colours. */
static int parse_hv_irq(struct reader *r, json_t *obj, const struct scenario *s)
{
        static const char *const cost_keys[] = { "irq_entry_cycles", "irq_handling_cycles",
                                                 "irq_injection_cycles", "irq_exit_cycles", NULL };
        struct hv_config *hv = s->hypervisor;
        uint64_t *costs[] = { &hv->irq_entry_cycles, &hv->irq_handling_cycles,
                              &hv->irq_injection_cycles, &hv->irq_exit_cycles };
        struct task_config probe = { 0 };
        bool present, has_profile = false;
        int rc = 0;
        for (size_t i = 0; rc == 0 && cost_keys[i]; i++)
                rc = get_uint(r, obj, cost_keys[i], 0, INT64_MAX, costs[i], &present);
        if (rc == 0)
                rc = get_bool(r, obj, "direct_injection", &hv->direct_injection);
        if (rc == 0)
                rc = get_bool(r, obj, "direct_vsgi", &hv->direct_vsgi);
        if (rc == 0)
                rc = parse_colours(r, obj, s, &hv->colour_mask);
        if (rc < 0)
                return rc;
        json_t *profile = json_object_get(obj, "irq_profile");
        if (!profile) {
                if (json_object_get(obj, "irq_instructions"))
                        return fail_key(r, "irq_instructions",
                                        "'irq_instructions' needs an 'irq_profile'");
                return 0;
        }
        /* read as a task's "profile" / "instructions" would be */
        json_t *view = json_object();
        if (!view)
                return fail_nomem(r);
        json_object_set(view, "profile", profile);
        if (json_object_get(obj, "irq_instructions"))
                json_object_set(view, "instructions", json_object_get(obj, "irq_instructions"));
        size_t mark = r->path_len;
        rc = parse_task_profile(r, view, s, &probe, &has_profile);
        json_decref(view);
        if (rc < 0) {
                /* point at the hypervisor's own key */
                char message[SCENARIO_DIAG_TEXT];
                snprintf(message, sizeof message, "%s", r->diag->message);
                r->path[mark] = '\0';
                r->path_len = mark;
                return fail_key(r,
                                strstr(message, "instructions") &&
                                        json_object_get(obj, "irq_instructions")
                                    ? "irq_instructions"
                                    : "irq_profile",
                                "%s", message);
        }
        if (probe.profile->pattern == MEMORY_TRACE)
                return fail_key(r, "irq_profile", "the hypervisor cannot run a trace profile");
        if (probe.profile->shared_region != NULL)
                return fail_key(r, "irq_profile",
                                "the hypervisor cannot run a profile with a 'shared' part (only "
                                "tasks reach shared regions)");
        hv->irq_profile = probe.profile;
        hv->irq_instructions = probe.instructions;
        return 0;
}

/* The cost keys a hypervisor profile may give (a subset of hv_keys), each needing a source. */
#define HV_PROFILE_COST_KEYS                                                                       \
        "world_switch_cycles", "trap_entry_cycles", "trap_exit_cycles", "irq_entry_cycles",        \
            "irq_handling_cycles", "irq_injection_cycles", "irq_exit_cycles",                      \
            "vcpu_context_bytes", "world_switch_instructions", "trap_instructions",                \
            "tlb_refill_walks", "direct_injection", "direct_vsgi"
static const char *const hv_profile_cost_keys[] = { HV_PROFILE_COST_KEYS, NULL };
static const char *const hv_profile_keys[] = { "name", "description", "sources",
                                               HV_PROFILE_COST_KEYS, NULL };

/* A profile file's root: its cost keys into *hv, each with a string in "sources". */
static int parse_hv_profile(struct reader *r, struct hv_config *hv)
{
        const struct key_set keys = { hv_profile_keys, NULL };
        const struct key_set source_keys = { hv_profile_cost_keys, NULL };
        uint64_t *costs[] = { &hv->world_switch_cycles,       &hv->trap_entry_cycles,
                              &hv->trap_exit_cycles,          &hv->irq_entry_cycles,
                              &hv->irq_handling_cycles,       &hv->irq_injection_cycles,
                              &hv->irq_exit_cycles,           &hv->vcpu_context_bytes,
                              &hv->world_switch_instructions, &hv->trap_instructions,
                              &hv->tlb_refill_walks };
        const uint64_t limits[] = { INT64_MAX,
                                    INT64_MAX,
                                    INT64_MAX,
                                    INT64_MAX,
                                    INT64_MAX,
                                    INT64_MAX,
                                    INT64_MAX,
                                    HV_MAX_VCPU_CONTEXT_BYTES,
                                    HV_MAX_FOOTPRINT_INSTRUCTIONS,
                                    HV_MAX_FOOTPRINT_INSTRUCTIONS,
                                    HV_MAX_TLB_REFILL_WALKS };
        const char *name;
        json_t *sources;
        int rc = expect_object(r, r->root);
        if (rc == 0)
                rc = check_keys(r, r->root, &keys);
        if (rc == 0)
                rc = get_string(r, r->root, "name", true, &name);
        if (rc == 0)
                rc = get_required(r, r->root, "sources", &sources);
        if (rc < 0)
                return rc;
        size_t mark = push_key(r, "name");
        rc = check_name(r, name);
        if (rc < 0)
                return rc;
        pop(r, mark);
        hv->profile_name = strdup(name);
        if (!hv->profile_name)
                return fail_nomem(r);
        if (json_object_get(r->root, "description") &&
            !json_is_string(json_object_get(r->root, "description")))
                return fail_key(r, "description", "expected a string");
        mark = push_key(r, "sources");
        rc = expect_object(r, sources);
        if (rc == 0)
                rc = check_keys(r, sources, &source_keys);
        if (rc < 0)
                return rc;
        const char *key;
        json_t *value;
        json_object_foreach(sources, key, value)
        {
                if (!json_object_get(r->root, key))
                        return fail_key(r, key,
                                        "a source for '%s', which this profile does not give", key);
                if (!json_is_string(value) || json_string_length(value) == 0)
                        return fail_key(r, key, "expected a non-empty string");
        }
        pop(r, mark);
        bool present;
        for (size_t i = 0; hv_profile_cost_keys[i]; i++) {
                const char *cost = hv_profile_cost_keys[i];
                if (!json_object_get(r->root, cost))
                        continue;
                if (!json_object_get(sources, cost))
                        return fail_key(r, cost,
                                        "'%s' has no entry in 'sources' (cite a source or write "
                                        "\"estimate: <reason>\")",
                                        cost);
                if (strcmp(cost, "direct_injection") == 0)
                        rc = get_bool(r, r->root, cost, &hv->direct_injection);
                else if (strcmp(cost, "direct_vsgi") == 0)
                        rc = get_bool(r, r->root, cost, &hv->direct_vsgi);
                else
                        rc = get_uint(r, r->root, cost, 0, limits[i], costs[i], &present);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

/* The profile named by the hypervisor's "profile"; errors inside it are reported against it. */
static int load_hv_profile(struct reader *r, json_t *obj, struct hv_config *hv)
{
        const char *ref;
        int rc = get_string(r, obj, "profile", false, &ref);
        if (rc < 0 || !ref)
                return rc;
        char *file = resolve_relative(r->file, ref);
        if (!file)
                return fail_nomem(r);
        struct reader pr = { .file = file, .diag = r->diag };
        rc = reader_open(&pr);
        if (rc == -ENOENT) {
                /* point at the reference, which is what the user has to fix */
                size_t mark = push_key(r, "profile");
                fail(r, "cannot read hypervisor profile file '%s': %s", file,
                     strerror(pr.read_error));
                pop(r, mark);
        }
        if (rc == 0)
                rc = parse_hv_profile(&pr, hv);
        reader_close(&pr);
        hv->profile_file = file; /* recorded in summary.json */
        return rc;
}

/* The memory footprint of world switches and traps (used with the memory models and an
 * irq_profile, which gives the hypervisor's region; ignored otherwise). */
static int parse_hv_footprint(struct reader *r, json_t *obj, struct hv_config *hv)
{
        bool present;
        int rc = get_uint(r, obj, "vcpu_context_bytes", 0, HV_MAX_VCPU_CONTEXT_BYTES,
                          &hv->vcpu_context_bytes, &present);
        if (rc == 0)
                rc = get_uint(r, obj, "world_switch_instructions", 0, HV_MAX_FOOTPRINT_INSTRUCTIONS,
                              &hv->world_switch_instructions, &present);
        if (rc == 0)
                rc = get_uint(r, obj, "trap_instructions", 0, HV_MAX_FOOTPRINT_INSTRUCTIONS,
                              &hv->trap_instructions, &present);
        if (rc == 0)
                rc = get_uint(r, obj, "tlb_refill_walks", 0, HV_MAX_TLB_REFILL_WALKS,
                              &hv->tlb_refill_walks, &present);
        return rc;
}

/* The "hypervisor" object up to its schedule (which needs the VMs). */
static int parse_hypervisor(struct reader *r, json_t *obj, struct scenario *s)
{
        const struct key_set keys = { hv_keys, NULL };
        size_t policy = 0;
        bool present;
        s->hypervisor = calloc(1, sizeof *s->hypervisor);
        if (!s->hypervisor)
                return fail_nomem(r);
        struct hv_config *hv = s->hypervisor;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_choice(r, obj, "policy", true, policy_names, &policy);
        hv->policy = (enum hv_policy)policy;
        /* the profile's keys first: the scenario's own keys below override them */
        if (rc == 0)
                rc = load_hv_profile(r, obj, hv);
        if (rc == 0)
                rc = check_policy_section(r, obj, "credit", HV_POLICY_CREDIT, hv->policy);
        if (rc == 0)
                rc = check_policy_section(r, obj, "schedule", HV_POLICY_ARINC653, hv->policy);
        if (rc == 0)
                rc = get_uint(r, obj, "world_switch_cycles", 0, INT64_MAX, &hv->world_switch_cycles,
                              &present);
        if (rc == 0)
                rc = get_uint(r, obj, "trap_entry_cycles", 0, INT64_MAX, &hv->trap_entry_cycles,
                              &present);
        if (rc == 0)
                rc = get_uint(r, obj, "trap_exit_cycles", 0, INT64_MAX, &hv->trap_exit_cycles,
                              &present);
        if (rc == 0)
                rc = parse_hv_footprint(r, obj, hv);
        if (rc == 0 && hv->policy == HV_POLICY_CREDIT)
                rc = parse_credit(r, obj, hv);
        return rc == 0 ? parse_hv_irq(r, obj, s) : rc;
}

/* "hypervisor" and "vms" (they need each other); the schedule last, as it names VMs. */
static int parse_virtualised(struct reader *r, json_t *root, struct scenario *s)
{
        json_t *obj = json_object_get(root, "hypervisor");
        size_t mark = push_key(r, "hypervisor");
        int rc = parse_hypervisor(r, obj, s);
        if (rc < 0)
                return rc;
        pop(r, mark);
        rc = parse_vms(r, root, s);
        if (rc < 0 || s->hypervisor->policy != HV_POLICY_ARINC653)
                return rc;
        mark = push_key(r, "hypervisor");
        rc = parse_schedule(r, obj, s);
        if (rc < 0)
                return rc;
        pop(r, mark);
        return check_vcpus_have_windows(r, s->hypervisor);
}

/* ---- interrupt sources (scenario "interrupts") ---- */

static const char *const interrupt_keys[] = { "name", "kind", "irq",  "os", "vm",
                                              "core", "vcpu", "from", NULL };
static const char *const interrupt_time_keys[] = { "period", "offset", "jitter", NULL };
static const char *const interrupt_kind_names[] = { "timer", "device", "doorbell", NULL };

/* The target: "os" + "core" (AMP; default its first core) or "vm" + "vcpu" (default 0). */
static int parse_interrupt_target(struct reader *r, json_t *obj, const struct scenario *s,
                                  struct irq_source_config *q)
{
        const char *key = s->hypervisor ? "vm" : "os";
        const char *wrong = s->hypervisor ? "os" : "vm";
        const char *name, *core;
        uint64_t vcpu = 0;
        bool present;
        if (json_object_get(obj, wrong))
                return fail_key(r, wrong, "'%s' targets %s; this is %s: use '%s'", wrong,
                                s->hypervisor ? "an AMP OS" : "a VM",
                                s->hypervisor ? "a hypervisor design" : "an AMP design", key);
        if (s->hypervisor && json_object_get(obj, "core"))
                return fail_key(r, "core", "a VM's interrupt names its 'vcpu' (an index)");
        if (!s->hypervisor && json_object_get(obj, "vcpu"))
                return fail_key(r, "vcpu", "an AMP OS's interrupt names its 'core'");
        int rc = get_string(r, obj, key, true, &name);
        if (rc < 0)
                return rc;
        const struct os_config *os = scenario_find_os(s, name);
        if (!os)
                return fail_key(r, key, "no %s named '%s'", s->hypervisor ? "VM" : "OS", name);
        q->os = (size_t)(os - s->oses);
        if (s->hypervisor) {
                rc = get_uint(r, obj, "vcpu", 0, INT64_MAX, &vcpu, &present);
                if (rc == 0 && vcpu >= os->core_count)
                        return fail_key(r, "vcpu", "VM '%s' has no vCPU %llu", name,
                                        (unsigned long long)vcpu);
                q->cpu = (size_t)vcpu;
                return rc;
        }
        rc = get_string(r, obj, "core", false, &core);
        if (rc < 0 || !core)
                return rc;
        for (size_t i = 0; i < os->core_count; i++) {
                if (strcmp(s->platform.cores[os->cores[i]].name, core) == 0) {
                        q->cpu = i;
                        return 0;
                }
        }
        return fail_key(r, "core", "core '%s' is not one of the cores of OS '%s'", core, name);
}

/* Doorbell: an SGI below the hypervisor's reserved one, rung by the producer task "from"
 * ("<os-or-vm>/<task>") at each of its jobs' completions; no times. */
static int parse_doorbell(struct reader *r, json_t *obj, const struct scenario *s,
                          struct irq_source_config *q)
{
        const char *from;
        uint64_t irq = 0;
        int rc;
        for (const char *const *base = interrupt_time_keys; *base; base++) {
                rc = reject_time_key(r, obj, *base, "applies to timers only");
                if (rc < 0)
                        return rc;
        }
        rc = get_uint(r, obj, "irq", IRQ_SGI_FIRST, IRQ_SGI_HV_RESERVED - 1, &irq, NULL);
        q->irq = (uint32_t)irq;
        if (rc == 0)
                rc = get_string(r, obj, "from", true, &from);
        if (rc < 0)
                return rc;
        const char *slash = strchr(from, '/');
        const struct os_config *os = NULL;
        if (slash) {
                for (size_t i = 0; i < s->os_count && !os; i++)
                        if (strlen(s->oses[i].name) == (size_t)(slash - from) &&
                            strncmp(s->oses[i].name, from, (size_t)(slash - from)) == 0)
                                os = &s->oses[i];
        }
        if (!slash || !os)
                return fail_key(r, "from", "'%s' names no task: expected '<%s>/<task>'", from,
                                s->hypervisor ? "vm" : "os");
        if (find_task(os, slash + 1) < 0)
                return fail_key(r, "from", "%s '%s' has no task '%s'", os->vm ? "VM" : "OS",
                                os->name, slash + 1);
        q->from_os = (size_t)(os - s->oses);
        return copy_string(r, slash + 1, &q->from_task);
}

/* Timer: period (required), offset, jitter; a PPI by default (27 in a VM, 30 in AMP). Device:
 * an SPI, no times. */
static int parse_interrupt_kind(struct reader *r, json_t *obj, const struct scenario *s,
                                struct irq_source_config *q)
{
        uint64_t irq = s->hypervisor ? IRQ_PPI_VIRT_TIMER : IRQ_PPI_PHYS_TIMER;
        bool present;
        int rc;
        if (q->kind != IRQ_SOURCE_DOORBELL && json_object_get(obj, "from"))
                return fail_key(r, "from", "'from' (a producer task) applies to doorbells only");
        if (q->kind == IRQ_SOURCE_DOORBELL)
                return parse_doorbell(r, obj, s, q);
        if (q->kind == IRQ_SOURCE_DEVICE) {
                for (const char *const *base = interrupt_time_keys; *base; base++) {
                        rc = reject_time_key(r, obj, *base, "applies to timers only");
                        if (rc < 0)
                                return rc;
                }
                rc = get_uint(r, obj, "irq", IRQ_SPI_FIRST, IRQ_ID_LIMIT - 1, &irq, NULL);
                q->irq = (uint32_t)irq;
                return rc;
        }
        rc = get_uint(r, obj, "irq", IRQ_PPI_FIRST, IRQ_ID_LIMIT - 1, &irq, &present);
        q->irq = (uint32_t)irq;
        if (rc == 0)
                rc = get_positive_time(r, obj, "period", &q->period_ps, NULL);
        if (rc == 0)
                rc = get_time(r, obj, "offset", &q->offset_ps, &present);
        if (rc == 0)
                rc = get_time(r, obj, "jitter", &q->jitter_ps, &present);
        return rc;
}

/* The physical core a source's interrupt arrives at. */
static size_t interrupt_core(const struct scenario *s, const struct irq_source_config *q)
{
        return s->oses[q->os].cores[q->cpu];
}

/* The id must have an ISR in the target and no other source on the same core (PPI) or at all
 * (SPI); names are unique. */
/* An error about a source's id: at its "irq", or at the source when the id is the default. */
__attribute__((format(printf, 3, 4))) static int fail_irq(struct reader *r, json_t *obj,
                                                          const char *fmt, ...)
{
        va_list ap;
        if (json_object_get(obj, "irq"))
                push_key(r, "irq");
        va_start(ap, fmt);
        int rc = vfail(r, fmt, ap);
        va_end(ap);
        return rc;
}

static int check_interrupt(struct reader *r, json_t *obj, const struct scenario *s, size_t index)
{
        const struct irq_source_config *q = &s->irq_sources[index];
        const struct os_config *os = &s->oses[q->os];
        bool found = false;
        for (size_t i = 0; i < os->isr_count && !found; i++)
                found = os->isrs[i].irq == q->irq;
        if (!found)
                return fail_irq(r, obj,
                                "%s '%s' has no ISR for interrupt %u (add it to its 'isrs')",
                                os->vm ? "VM" : "OS", os->name, (unsigned)q->irq);
        for (size_t i = 0; i < index; i++) {
                const struct irq_source_config *o = &s->irq_sources[i];
                if (strcmp(o->name, q->name) == 0)
                        return fail_key(r, "name", "duplicate interrupt name '%s'", q->name);
                if (o->irq == q->irq &&
                    (q->irq >= IRQ_SPI_FIRST || interrupt_core(s, o) == interrupt_core(s, q)))
                        return fail_irq(
                            r, obj, "interrupt %u %s is already raised by '%s'", (unsigned)q->irq,
                            q->irq >= IRQ_SPI_FIRST ? "(an SPI)" : "of this core", o->name);
        }
        return 0;
}

static int parse_interrupt(struct reader *r, json_t *obj, struct scenario *s, size_t index)
{
        const struct key_set keys = { interrupt_keys, interrupt_time_keys };
        struct irq_source_config *q = &s->irq_sources[index];
        size_t kind = IRQ_SOURCE_TIMER;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_name(r, obj, &q->name);
        if (rc == 0)
                rc = get_choice(r, obj, "kind", false, interrupt_kind_names, &kind);
        q->kind = (enum irq_source_kind)kind;
        if (rc == 0)
                rc = parse_interrupt_target(r, obj, s, q);
        if (rc == 0)
                rc = parse_interrupt_kind(r, obj, s, q);
        return rc == 0 ? check_interrupt(r, obj, s, index) : rc;
}

/* The ticks' timers, one per CPU of each ticked OS ("<os>_tick", then "<os>_tick<i>"), first
 * edge one period after the start, at irq_sources[0..ticks); returns ticks or < 0. */
static long add_tick_sources(struct reader *r, struct scenario *s)
{
        size_t n = 0;
        for (size_t o = 0; o < s->os_count; o++) {
                const struct os_config *os = &s->oses[o];
                for (size_t c = 0; os->tick_period_ps > 0 && c < os->core_count; c++, n++) {
                        struct irq_source_config *q = &s->irq_sources[n];
                        *q = (struct irq_source_config){ .kind = IRQ_SOURCE_TIMER,
                                                         .irq = os->tick_irq,
                                                         .os = o,
                                                         .cpu = c,
                                                         .period_ps = os->tick_period_ps,
                                                         .offset_ps = os->tick_period_ps };
                        q->name = c == 0 ? text_format("%s_tick", os->name)
                                         : text_format("%s_tick%zu", os->name, c);
                        s->irq_source_count = n + 1;
                        if (!q->name)
                                return fail_nomem(r);
                }
        }
        return (long)n;
}

static size_t count_tick_sources(const struct scenario *s)
{
        size_t n = 0;
        for (size_t o = 0; o < s->os_count; o++)
                n += s->oses[o].tick_period_ps > 0 ? s->oses[o].core_count : 0;
        return n;
}

static int parse_interrupts(struct reader *r, json_t *root, struct scenario *s)
{
        json_t *list = json_object_get(root, "interrupts");
        size_t ticks = count_tick_sources(s);
        int rc = 0;
        if (!list && ticks == 0)
                return 0;
        if (list)
                rc = get_nonempty_array(r, root, "interrupts", &list);
        if (rc < 0)
                return rc;
        size_t count = list ? json_array_size(list) : 0;
        s->irq_sources = calloc(ticks + count, sizeof *s->irq_sources);
        if (!s->irq_sources)
                return fail_nomem(r);
        long added = add_tick_sources(r, s);
        if (added < 0)
                return (int)added;
        s->irq_source_count = ticks + count;
        size_t mark = push_key(r, "interrupts");
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                rc = parse_interrupt(r, json_array_get(list, i), s, ticks + i);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

/* ---- cause-effect chains ---- */

static const char *const chain_keys[] = { "name", "stages", NULL };

/* A stage "<os-or-vm>/<task>" (the current path is the stage's string). */
static int parse_chain_stage(struct reader *r, json_t *value, const struct scenario *s,
                             const struct chain_config *chain, size_t index)
{
        struct chain_stage_config *stage = &chain->stages[index];
        const char *kind = s->hypervisor ? "VM" : "OS";
        if (!json_is_string(value))
                return fail(r, "expected a string '<%s>/<task>'", s->hypervisor ? "vm" : "os");
        const char *text = json_string_value(value);
        const char *slash = strchr(text, '/');
        if (!slash)
                return fail(r, "'%s' names no task: expected '<%s>/<task>'", text,
                            s->hypervisor ? "vm" : "os");
        int rc = copy_string(r, text, &stage->os);
        if (rc < 0)
                return rc;
        stage->os[slash - text] = '\0';
        rc = copy_string(r, slash + 1, &stage->task);
        if (rc < 0)
                return rc;
        const struct os_config *os = scenario_find_os(s, stage->os);
        if (!os)
                return fail(r, "no %s named '%s'", kind, stage->os);
        long task = find_task(os, stage->task);
        if (task < 0)
                return fail(r, "%s '%s' has no task '%s'", kind, os->name, stage->task);
        stage->os_index = (size_t)(os - s->oses);
        stage->task_index = (size_t)task;
        for (size_t i = 0; i < index; i++)
                if (chain->stages[i].os_index == stage->os_index &&
                    chain->stages[i].task_index == stage->task_index)
                        return fail(r, "task '%s' is already stage %zu of chain '%s'", text, i,
                                    chain->name);
        return 0;
}

static int parse_chain(struct reader *r, json_t *obj, struct scenario *s, size_t index)
{
        const struct key_set keys = { chain_keys, NULL };
        struct chain_config *chain = &s->chains[index];
        json_t *stages;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_name(r, obj, &chain->name);
        if (rc < 0)
                return rc;
        for (size_t i = 0; i < index; i++)
                if (strcmp(s->chains[i].name, chain->name) == 0)
                        return fail_key(r, "name", "duplicate chain name '%s'", chain->name);
        rc = get_nonempty_array(r, obj, "stages", &stages);
        if (rc < 0)
                return rc;
        chain->stages = calloc(json_array_size(stages), sizeof *chain->stages);
        if (!chain->stages)
                return fail_nomem(r);
        chain->stage_count = json_array_size(stages);
        size_t mark = push_key(r, "stages");
        for (size_t i = 0; i < chain->stage_count; i++) {
                size_t element = push_index(r, i);
                rc = parse_chain_stage(r, json_array_get(stages, i), s, chain, i);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

static int parse_chains(struct reader *r, json_t *root, struct scenario *s)
{
        json_t *list = json_object_get(root, "chains");
        if (!list)
                return 0;
        int rc = get_nonempty_array(r, root, "chains", &list);
        if (rc < 0)
                return rc;
        size_t count = json_array_size(list);
        s->chains = calloc(count, sizeof *s->chains);
        if (!s->chains)
                return fail_nomem(r);
        s->chain_count = count;
        size_t mark = push_key(r, "chains");
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                rc = parse_chain(r, json_array_get(list, i), s, i);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

/* ---- requirements ---- */

static const char *const requirement_keys[] = { "metric", "max", "min", NULL };

/*
 * Split "os/<os>/task/<task>/<metric>" or "core/<core>/<metric>" into its parts in a copy;
 * returns the number of parts (at most 6 counted).
 */
static size_t split_metric(char *copy, char *parts[6])
{
        size_t n = 0;
        char *p = copy;
        for (;;) {
                if (n < 6)
                        parts[n] = p;
                n++;
                char *slash = strchr(p, '/');
                if (!slash)
                        return n;
                *slash = '\0';
                p = slash + 1;
        }
}

/* "os/<os>/task/<task>" (AMP) or "vm/<vm>/task/<task>" (hypervisor). */
static int check_task_entity(struct reader *r, const struct scenario *s, char *parts[6])
{
        bool vm = strcmp(parts[0], "vm") == 0;
        if (vm && !s->hypervisor)
                return fail(r,
                            "no VM named '%s': this is an AMP design (its tasks are "
                            "'os/<os>/task/<task>')",
                            parts[1]);
        if (!vm && s->hypervisor)
                return fail(r,
                            "no OS named '%s': under a hypervisor the tasks are "
                            "'vm/<vm>/task/<task>'",
                            parts[1]);
        const struct os_config *os = scenario_find_os(s, parts[1]);
        if (!os)
                return fail(r, "no %s named '%s'", vm ? "VM" : "OS", parts[1]);
        if (!os_has_task(os, parts[3]))
                return fail(r, "%s '%s' has no task '%s'", vm ? "VM" : "OS", parts[1], parts[3]);
        return 0;
}

/* "hv/core/<core>", "hv/vm/<vm>" or "hv/vm/<vm>/vcpu/<i>" with the metric after it. */
static int check_hv_entity(struct reader *r, const struct scenario *s, char *parts[6], size_t n,
                           const char *const **metrics)
{
        if (!s->hypervisor)
                return fail(r, "this scenario has no hypervisor (an AMP design)");
        if (n == 4 && strcmp(parts[1], "core") == 0) {
                if (platform_find_core(&s->platform, parts[2]) < 0)
                        return fail(r, "platform '%s' has no core '%s'", s->platform.name,
                                    parts[2]);
                *metrics = scenario_hv_core_metrics;
                return 0;
        }
        bool vcpu = n == 6 && strcmp(parts[3], "vcpu") == 0;
        if (strcmp(parts[1], "vm") != 0 || (n != 4 && !vcpu))
                return fail(r, "expected 'hv/core/<core>/<metric>', 'hv/vm/<vm>/<metric>' or "
                               "'hv/vm/<vm>/vcpu/<index>/<metric>'");
        long vm = scenario_find_vm(s->hypervisor, parts[2]);
        if (vm < 0)
                return fail(r, "no VM named '%s'", parts[2]);
        *metrics = scenario_hv_vm_metrics;
        if (!vcpu)
                return 0;
        char *end;
        unsigned long index = strtoul(parts[4], &end, 10);
        if (parts[4][0] < '0' || parts[4][0] > '9' || *end != '\0' ||
            index >= s->hypervisor->vms[vm].vcpu_count)
                return fail(r, "VM '%s' has no vCPU '%s'", parts[2], parts[4]);
        *metrics = scenario_hv_vcpu_metrics;
        return 0;
}

static int check_entity(struct reader *r, const struct scenario *s, char *parts[6], size_t n,
                        const char *const **metrics, const char **kind)
{
        if (n == 5 && (strcmp(parts[0], "os") == 0 || strcmp(parts[0], "vm") == 0) &&
            strcmp(parts[2], "task") == 0) {
                *metrics = scenario_task_metrics;
                *kind = "task metric";
                return check_task_entity(r, s, parts);
        }
        if (n == 3 && strcmp(parts[0], "core") == 0) {
                if (platform_find_core(&s->platform, parts[1]) < 0)
                        return fail(r, "platform '%s' has no core '%s'", s->platform.name,
                                    parts[1]);
                *metrics = scenario_core_metrics;
                *kind = "core metric";
                return 0;
        }
        if (n == 3 && strcmp(parts[0], "os") == 0 && !s->hypervisor) {
                *metrics = scenario_os_metrics;
                *kind = "OS metric";
                return scenario_find_os(s, parts[1]) ? 0 : fail(r, "no OS named '%s'", parts[1]);
        }
        if (n == 3 && strcmp(parts[0], "chain") == 0) {
                *metrics = scenario_chain_metrics;
                *kind = "chain metric";
                for (size_t i = 0; i < s->chain_count; i++)
                        if (strcmp(s->chains[i].name, parts[1]) == 0)
                                return 0;
                return fail(r, "no chain '%s' (an entry of 'chains')", parts[1]);
        }
        if (n == 4 && strcmp(parts[0], "irq") == 0) {
                *metrics = scenario_irq_metrics;
                *kind = "interrupt metric";
                for (size_t i = 0; i < s->irq_source_count; i++)
                        if (strcmp(s->oses[s->irq_sources[i].os].name, parts[1]) == 0 &&
                            strcmp(s->irq_sources[i].name, parts[2]) == 0)
                                return 0;
                return fail(r, "no interrupt '%s' of '%s' (an entry of 'interrupts')", parts[2],
                            parts[1]);
        }
        if (n == 3 && strcmp(parts[0], "dev") == 0) { /* virtual devices */
                *metrics = scenario_device_metrics;
                *kind = "device metric";
                return scenario_find_device(s, parts[1]) >= 0
                           ? 0
                           : fail(r, "no device '%s' (an entry of 'devices')", parts[1]);
        }
        if (strcmp(parts[0], "hv") == 0 && n >= 4 && n <= 6) {
                *kind = "hypervisor metric";
                return check_hv_entity(r, s, parts, n, metrics);
        }
        return fail(r, "expected 'os/<os>/task/<task>/<metric>', 'vm/<vm>/task/<task>/<metric>', "
                       "'core/<core>/<metric>', 'irq/<os-or-vm>/<interrupt>/<metric>', "
                       "'chain/<chain>/<metric>', 'dev/<device>/<metric>' or "
                       "'hv/.../<metric>'");
}

static int parse_metric(struct reader *r, const struct scenario *s, const char *metric,
                        struct requirement_config *q)
{
        char *parts[6];
        const char *const *metrics = NULL;
        const char *kind = NULL;
        char *split;
        int rc = copy_string(r, metric, &split);
        if (rc < 0)
                return rc;
        size_t n = split_metric(split, parts);
        rc = check_entity(r, s, parts, n, &metrics, &kind);
        if (rc == 0 && !in_list(metrics, parts[n - 1]))
                rc = fail_unknown(r, kind, parts[n - 1], metrics, NULL);
        if (rc == 0)
                rc = copy_string(r, metric, &q->metric);
        if (rc == 0)
                rc = copy_string(r, parts[n - 1], &q->name);
        if (rc == 0)
                rc = copy_string(r, metric, &q->entity);
        if (rc == 0) /* the entity is the metric up to its last '/' */
                q->entity[strlen(metric) - strlen(q->name) - 1] = '\0';
        free(split);
        return rc;
}

static int parse_requirement(struct reader *r, json_t *obj, const struct scenario *s,
                             struct requirement_config *q)
{
        const struct key_set keys = { requirement_keys, NULL };
        const char *metric;
        int rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_string(r, obj, "metric", true, &metric);
        if (rc < 0)
                return rc;
        size_t mark = push_key(r, "metric");
        rc = parse_metric(r, s, metric, q);
        if (rc < 0)
                return rc;
        pop(r, mark);
        rc = get_number(r, obj, "max", &q->max, &q->has_max);
        if (rc == 0)
                rc = get_number(r, obj, "min", &q->min, &q->has_min);
        if (rc < 0)
                return rc;
        if (!q->has_max && !q->has_min)
                return fail(r, "a requirement needs 'max' and/or 'min'");
        if (q->has_max && q->has_min && q->max < q->min)
                return fail_key(r, "max", "max (%g) is less than min (%g)", q->max, q->min);
        return 0;
}

static int parse_requirements(struct reader *r, json_t *root, struct scenario *s)
{
        json_t *list = json_object_get(root, "requirements");
        if (!list)
                return 0;
        size_t mark = push_key(r, "requirements");
        if (!json_is_array(list))
                return fail(r, "expected an array");
        size_t count = json_array_size(list);
        if (count == 0) {
                pop(r, mark);
                return 0;
        }
        s->requirements = calloc(count, sizeof *s->requirements);
        if (!s->requirements)
                return fail_nomem(r);
        s->requirement_count = count;
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                int rc = parse_requirement(r, json_array_get(list, i), s, &s->requirements[i]);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

/* ---- scenario ---- */

static const char *const scenario_keys[] = { "name",       "description",    "platform",
                                             "run",        "oses",           "hypervisor",
                                             "vms",        "requirements",   "profiles",
                                             "regulation", "interrupts",     "devices",
                                             "chains",     "shared_regions", NULL };
static const char *const run_keys[] = { "seed", "fidelity", "slowdown_reference", NULL };
static const char *const run_time_keys[] = { "duration", NULL };
static const char *const fidelity_names[] = { "detailed", "fast", NULL };

static int parse_run(struct reader *r, json_t *root, struct run_config *run)
{
        const struct key_set keys = { run_keys, run_time_keys };
        size_t fidelity = FIDELITY_DETAILED;
        bool present;
        json_t *obj;
        int rc = get_required(r, root, "run", &obj);
        if (rc < 0)
                return rc;
        size_t mark = push_key(r, "run");
        rc = expect_object(r, obj);
        if (rc == 0)
                rc = check_keys(r, obj, &keys);
        if (rc == 0)
                rc = get_positive_time(r, obj, "duration", &run->duration_ps, NULL);
        run->seed = 1;
        if (rc == 0)
                rc = get_uint(r, obj, "seed", 0, INT64_MAX, &run->seed, &present);
        if (rc == 0)
                rc = get_choice(r, obj, "fidelity", false, fidelity_names, &fidelity);
        run->fidelity = (enum fidelity)fidelity;
        if (rc == 0)
                rc = get_bool(r, obj, "slowdown_reference", &run->slowdown_reference);
        if (rc == 0)
                pop(r, mark);
        return rc;
}

static int parse_oses(struct reader *r, json_t *root, struct scenario *s)
{
        json_t *list;
        int rc = get_nonempty_array(r, root, "oses", &list);
        if (rc < 0)
                return rc;
        size_t count = json_array_size(list);
        s->oses = calloc(count, sizeof *s->oses);
        if (!s->oses)
                return fail_nomem(r);
        s->os_count = count;
        size_t mark = push_key(r, "oses");
        for (size_t i = 0; i < count; i++) {
                size_t element = push_index(r, i);
                rc = parse_os(r, json_array_get(list, i), s, i);
                if (rc < 0)
                        return rc;
                pop(r, element);
        }
        pop(r, mark);
        return 0;
}

/* An AMP design ("oses") or a hypervisor design ("hypervisor" and "vms"), never both. */
static int parse_system(struct reader *r, json_t *root, struct scenario *s)
{
        bool oses = json_object_get(root, "oses") != NULL;
        bool hv = json_object_get(root, "hypervisor") != NULL;
        bool vms = json_object_get(root, "vms") != NULL;
        if (oses && (hv || vms))
                return fail_key(r, "oses",
                                "'oses' (an AMP design, each OS owning its cores) and '%s' (a "
                                "hypervisor design) exclude each other; under a hypervisor the "
                                "OSes are the guests of 'vms'",
                                hv ? "hypervisor" : "vms");
        if (oses)
                return parse_oses(r, root, s);
        if (vms && !hv)
                return fail_key(r, "vms", "'vms' needs a 'hypervisor' to schedule their vCPUs");
        if (hv && !vms)
                return fail_key(r, "hypervisor", "a 'hypervisor' needs 'vms' to run");
        if (!hv)
                return fail(r, "missing required key 'oses' (an AMP design) or 'hypervisor' and "
                               "'vms'");
        return parse_virtualised(r, root, s);
}

static int parse_scenario(struct reader *r, struct scenario *s)
{
        const struct key_set keys = { scenario_keys, NULL };
        int rc = check_keys(r, r->root, &keys);
        if (rc == 0)
                rc = get_name(r, r->root, &s->name);
        if (rc == 0)
                rc = get_description(r, r->root, &s->description);
        if (rc == 0)
                rc = copy_string(r, r->file, &s->file);
        if (rc == 0)
                rc = parse_run(r, r->root, &s->run);
        if (rc == 0)
                rc = load_platform(r, r->root, &s->platform);
        if (rc == 0)
                rc = parse_shared_regions(r, r->root, s);
        if (rc == 0)
                rc = parse_profiles(r, r->root, s);
        if (rc == 0)
                rc = parse_system(r, r->root, s);
        if (rc == 0)
                rc = parse_regulation(r, r->root, s);
        if (rc == 0)
                rc = parse_interrupts(r, r->root, s);
        if (rc == 0) /* virtual devices: sim/scenario_devices.c */
                rc = scenario_devices_parse(s, r->root, r->file, r->text, r->text_len, r->diag);
        if (rc == 0)
                rc = parse_chains(r, r->root, s);
        if (rc == 0)
                rc = parse_requirements(r, r->root, s);
        return rc;
}

int scenario_load(const char *path, struct scenario *out, struct scenario_diag *diag)
{
        struct scenario_diag ignored;
        struct reader r = { .file = path, .diag = diag ? diag : &ignored };
        memset(out, 0, sizeof *out);
        memset(r.diag, 0, sizeof *r.diag);
        int rc = reader_open(&r);
        if (rc == 0)
                rc = parse_scenario(&r, out);
        reader_close(&r);
        if (rc < 0)
                scenario_free(out);
        return rc;
}

int scenario_task_entity(char *buf, size_t size, const struct scenario *scenario, size_t os_index,
                         size_t task_index)
{
        const struct os_config *os = &scenario->oses[os_index];
        return snprintf(buf, size, "%s/task/%s", os->entity, os->tasks[task_index].name);
}

static void free_hypervisor(struct hv_config *hv)
{
        if (!hv)
                return;
        for (size_t i = 0; i < hv->vm_count; i++) {
                free(hv->vms[i].name);
                free(hv->vms[i].vcpus);
        }
        for (size_t i = 0; i < hv->schedule_count; i++)
                free(hv->schedules[i].windows);
        free(hv->vms);
        free(hv->schedules);
        free(hv->profile_name);
        free(hv->profile_file);
        free(hv);
}

static void free_platform(struct platform_config *p)
{
        for (size_t i = 0; i < p->core_count; i++)
                free(p->cores[i].name);
        for (size_t i = 0; i < p->source_count; i++)
                free(p->sources[i]);
        free(p->cores);
        free(p->sources);
        free(p->name);
        free(p->description);
        free(p->file);
}

void scenario_free(struct scenario *scenario)
{
        if (!scenario)
                return;
        for (size_t i = 0; i < scenario->os_count; i++) {
                struct os_config *os = &scenario->oses[i];
                for (size_t j = 0; j < os->task_count; j++) {
                        free(os->tasks[j].name);
                        free(os->tasks[j].activates);
                }
                for (size_t j = 0; j < os->isr_count; j++)
                        free(os->isrs[j].name);
                free(os->isrs);
                free(os->tasks);
                free(os->cores);
                free(os->name);
                free(os->entity);
        }
        for (size_t i = 0; i < scenario->requirement_count; i++) {
                free(scenario->requirements[i].metric);
                free(scenario->requirements[i].entity);
                free(scenario->requirements[i].name);
        }
        for (size_t i = 0; i < scenario->profile_count; i++) {
                free(scenario->profiles[i].name);
                free(scenario->profiles[i].trace_file);
                free(scenario->profiles[i].trace_text);
        }
        for (size_t i = 0; i < scenario->shared_region_count; i++)
                free(scenario->shared_regions[i].name);
        free(scenario->shared_regions);
        for (size_t i = 0; i < scenario->irq_source_count; i++) {
                free(scenario->irq_sources[i].name);
                free(scenario->irq_sources[i].from_task);
        }
        scenario_devices_free(scenario);
        free(scenario->irq_sources);
        for (size_t i = 0; i < scenario->chain_count; i++) {
                for (size_t j = 0; j < scenario->chains[i].stage_count; j++) {
                        free(scenario->chains[i].stages[j].os);
                        free(scenario->chains[i].stages[j].task);
                }
                free(scenario->chains[i].stages);
                free(scenario->chains[i].name);
        }
        free(scenario->chains);
        free(scenario->profiles);
        free(scenario->regulation.core_budget_bytes);
        free(scenario->regulation.core_domain);
        free(scenario->regulation.domains);
        free(scenario->oses);
        free(scenario->requirements);
        free_hypervisor(scenario->hypervisor);
        free_platform(&scenario->platform);
        free(scenario->name);
        free(scenario->description);
        free(scenario->file);
        memset(scenario, 0, sizeof *scenario);
}
