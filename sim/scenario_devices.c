#include "sim/scenario_devices.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/json_read.h"

/* The metric names of a device entity "dev/<device>" in summary.json (models/io/vdev.h's
 * metrics; a histogram appears as <name>_samples, _min_us ... _max_us), for requirements. */
#define DEV_HISTOGRAM(h)                                                                           \
        h "_samples", h "_min_us", h "_mean_us", h "_p50_us", h "_p90_us", h "_p99_us",            \
            h "_p999_us", h "_max_us"
const char *const scenario_device_metrics[] = { DEV_HISTOGRAM("latency"),
                                                DEV_HISTOGRAM("phase_guest_queue"),
                                                DEV_HISTOGRAM("phase_driver"),
                                                DEV_HISTOGRAM("phase_notify"),
                                                DEV_HISTOGRAM("phase_backend_wait"),
                                                DEV_HISTOGRAM("phase_backend_ring"),
                                                DEV_HISTOGRAM("phase_device"),
                                                DEV_HISTOGRAM("phase_interrupt"),
                                                DEV_HISTOGRAM("phase_completion"),
                                                "requests",
                                                "completed",
                                                "status_errors",
                                                "dropped",
                                                "notifications",
                                                "notifications_suppressed",
                                                "interrupts",
                                                "interrupts_suppressed",
                                                "backend_wakeups",
                                                "bytes",
                                                "ring_l1_misses",
                                                "ring_llc_misses",
                                                "ring_handoffs",
                                                "throughput_rps",
                                                "notifications_per_request",
                                                "interrupts_per_request",
                                                "ring_l1_misses_per_request",
                                                "ring_handoffs_per_request",
                                                NULL };

long scenario_find_device(const struct scenario *s, const char *name)
{
        for (size_t i = 0; i < s->device_count; i++)
                if (strcmp(s->devices[i].name, name) == 0)
                        return (long)i;
        return -1;
}

/* The reader of one "devices" array: the document's text (for line and column), the JSON path
 * of the value being read, and the diagnostic to fill. As in scenario.c, a function that
 * descends pushes a path segment and pops it on success; on error the path names the value. */
struct dev_reader {
        const char *file;
        const char *text;
        size_t text_len;
        struct scenario_diag *diag;
        char path[SCENARIO_DIAG_TEXT];
        size_t path_len;
};

static const char *const dev_time_units[] = { "ps", "ns", "us", "ms", "s" };
static const unsigned dev_time_exp10[] = { 0, 3, 6, 9, 12 };
#define DEV_TIME_UNITS (sizeof dev_time_units / sizeof dev_time_units[0])

__attribute__((format(printf, 2, 3))) static int dfail(struct dev_reader *r, const char *fmt, ...)
{
        int line = 0, column = 0;
        size_t offset;
        va_list ap;

        if (jread_locate(r->text, r->text_len, r->path, &offset) == 0)
                jread_line_column(r->text, r->text_len, offset, &line, &column);
        snprintf(r->diag->file, sizeof r->diag->file, "%s", r->file);
        snprintf(r->diag->path, sizeof r->diag->path, "%s", r->path);
        r->diag->line = line;
        r->diag->column = column;
        va_start(ap, fmt);
        vsnprintf(r->diag->message, sizeof r->diag->message, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static size_t dpush_key(struct dev_reader *r, const char *key)
{
        size_t mark = r->path_len;

        jread_path_append_key(r->path, sizeof r->path, &r->path_len, key);
        return mark;
}

static size_t dpush_index(struct dev_reader *r, size_t index)
{
        size_t mark = r->path_len;

        jread_path_append_index(r->path, sizeof r->path, &r->path_len, index);
        return mark;
}

static void dpop(struct dev_reader *r, size_t mark)
{
        r->path_len = mark;
        r->path[mark] = '\0';
}

static int dnomem(struct dev_reader *r)
{
        dfail(r, "out of memory");
        return -ENOMEM;
}

/* ---- keys ---- */

static bool dtime_key(const char *key, const char *base, size_t *unit)
{
        size_t n = strlen(base);

        if (strncmp(key, base, n) != 0 || key[n] != '_')
                return false;
        for (size_t u = 0; u < DEV_TIME_UNITS; u++) {
                if (strcmp(key + n + 1, dev_time_units[u]) == 0) {
                        *unit = u;
                        return true;
                }
        }
        return false;
}

static bool dkey_known(const char *const *plain, const char *const *times, const char *key)
{
        size_t unit;

        for (const char *const *p = plain; p != NULL && *p != NULL; p++)
                if (strcmp(*p, key) == 0)
                        return true;
        for (const char *const *t = times; t != NULL && *t != NULL; t++)
                if (dtime_key(key, *t, &unit))
                        return true;
        return false;
}

static void dconsider(const char *candidate, const char *key, size_t *best, char *out, size_t size)
{
        size_t d = jread_edit_distance(candidate, key);

        if (d <= 2 && d < *best) {
                *best = d;
                snprintf(out, size, "%s", candidate);
        }
}

/* Unknown `name` (a key or a choice): with the closest known spelling within distance 2. */
static int dfail_unknown(struct dev_reader *r, const char *what, const char *name,
                         const char *const *plain, const char *const *times)
{
        char hint[64] = "";
        size_t best = SIZE_MAX;

        for (const char *const *p = plain; p != NULL && *p != NULL; p++)
                dconsider(*p, name, &best, hint, sizeof hint);
        for (const char *const *t = times; t != NULL && *t != NULL; t++) {
                for (size_t u = 0; u < DEV_TIME_UNITS; u++) {
                        char spelled[64];

                        snprintf(spelled, sizeof spelled, "%s_%s", *t, dev_time_units[u]);
                        dconsider(spelled, name, &best, hint, sizeof hint);
                }
        }
        if (hint[0] != '\0')
                return dfail(r, "unknown %s '%s'; did you mean '%s'?", what, name, hint);
        return dfail(r, "unknown %s '%s'", what, name);
}

/* `obj` must be an object holding only the listed keys. */
static int dobject(struct dev_reader *r, json_t *obj, const char *const *plain,
                   const char *const *times)
{
        const char *key;
        json_t *value;

        if (!json_is_object(obj))
                return dfail(r, "expected an object");
        json_object_foreach(obj, key, value)
        {
                (void)value;
                if (!dkey_known(plain, times, key)) {
                        dpush_key(r, key);
                        return dfail_unknown(r, "key", key, plain, times);
                }
        }
        return 0;
}

static int dget_uint(struct dev_reader *r, json_t *obj, const char *key, uint64_t min, uint64_t max,
                     uint64_t *out, bool required)
{
        json_t *v = json_object_get(obj, key);
        size_t mark;
        json_int_t i;

        if (v == NULL)
                return required ? dfail(r, "missing required key '%s'", key) : 0;
        mark = dpush_key(r, key);
        if (!json_is_integer(v))
                return dfail(r, "expected an integer");
        i = json_integer_value(v);
        if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
                return dfail(r, "%lld is out of range [%llu, %llu]", (long long)i,
                             (unsigned long long)min, (unsigned long long)max);
        *out = (uint64_t)i;
        dpop(r, mark);
        return 0;
}

static int dget_u32(struct dev_reader *r, json_t *obj, const char *key, uint64_t min, uint64_t max,
                    uint32_t *out, bool required)
{
        uint64_t v = *out;
        int rc = dget_uint(r, obj, key, min, max, &v, required);

        *out = (uint32_t)v;
        return rc;
}

static int dget_bool(struct dev_reader *r, json_t *obj, const char *key, bool *out)
{
        json_t *v = json_object_get(obj, key);

        if (v == NULL)
                return 0;
        if (!json_is_boolean(v)) {
                dpush_key(r, key);
                return dfail(r, "expected true or false");
        }
        *out = json_is_true(v);
        return 0;
}

static int dget_string(struct dev_reader *r, json_t *obj, const char *key, bool required,
                       const char **out)
{
        json_t *v = json_object_get(obj, key);

        *out = NULL;
        if (v == NULL)
                return required ? dfail(r, "missing required key '%s'", key) : 0;
        if (!json_is_string(v)) {
                dpush_key(r, key);
                return dfail(r, "expected a string");
        }
        *out = json_string_value(v);
        return 0;
}

/* One of `choices`; *out untouched when absent and not required. */
static int dget_choice(struct dev_reader *r, json_t *obj, const char *key, bool required,
                       const char *const *choices, size_t *out)
{
        const char *value;
        int rc = dget_string(r, obj, key, required, &value);

        if (rc < 0 || value == NULL)
                return rc;
        for (size_t i = 0; choices[i] != NULL; i++) {
                if (strcmp(choices[i], value) == 0) {
                        *out = i;
                        return 0;
                }
        }
        dpush_key(r, key);
        return dfail_unknown(r, "value", value, choices, NULL);
}

/* A time spelled <base>_<unit>, exactly in picoseconds; *out untouched when absent. */
static int dget_time(struct dev_reader *r, json_t *obj, const char *base, bool required,
                     bool positive, sim_time_t *out)
{
        const char *key, *found = NULL;
        size_t unit = 0, found_unit = 0, offset, mark;
        json_t *value, *found_value = NULL;
        uint64_t ps;

        json_object_foreach(obj, key, value)
        {
                if (!dtime_key(key, base, &unit))
                        continue;
                if (found != NULL) {
                        dpush_key(r, key);
                        return dfail(r, "'%s' and '%s' both give %s; use one spelling", found, key,
                                     base);
                }
                found = key;
                found_unit = unit;
                found_value = value;
        }
        if (found == NULL)
                return required ? dfail(r,
                                        "missing required key '%s_<unit>' (unit ps, ns, us, ms "
                                        "or s)",
                                        base)
                                : 0;
        mark = dpush_key(r, found);
        if (!json_is_number(found_value))
                return dfail(r, "expected a number");
        if (json_number_value(found_value) < 0)
                return dfail(r, "must not be negative");
        if (jread_locate(r->text, r->text_len, r->path, &offset) < 0)
                return dfail(r, "cannot find the value in the file text");
        switch (
            jread_decimal_scaled(r->text, r->text_len, offset, dev_time_exp10[found_unit], &ps)) {
        case 0:
                break;
        case -EDOM:
                return dfail(r, "not a whole number of picoseconds");
        case -ERANGE:
                return dfail(r, "too large: more than 2^64-1 picoseconds");
        default:
                return dfail(r, "expected a number");
        }
        if (positive && ps == 0)
                return dfail(r, "must be greater than zero");
        *out = ps;
        dpop(r, mark);
        return 0;
}

/* ---- references ---- */

static long dfind_os(const struct scenario *s, const char *name)
{
        for (size_t i = 0; i < s->os_count; i++)
                if (strcmp(s->oses[i].name, name) == 0)
                        return (long)i;
        return -1;
}

static bool dos_has_isr(const struct os_config *os, uint32_t irq)
{
        for (size_t i = 0; i < os->isr_count; i++)
                if (os->isrs[i].irq == irq)
                        return true;
        return false;
}

/* An execution resource: "vm" + "vcpu" (default 0) under a hypervisor, "os" + "core" (default
 * its first core) in AMP. */
static int dparse_target(struct dev_reader *r, json_t *obj, const struct scenario *s, size_t *os,
                         size_t *cpu)
{
        const char *key = s->hypervisor != NULL ? "vm" : "os";
        const char *wrong = s->hypervisor != NULL ? "os" : "vm";
        const char *name, *core;
        uint64_t vcpu = 0;
        long index;
        int rc;

        if (json_object_get(obj, wrong) != NULL) {
                dpush_key(r, wrong);
                return dfail(r, "this is %s: name the %s with '%s'",
                             s->hypervisor != NULL ? "a hypervisor design" : "an AMP design",
                             s->hypervisor != NULL ? "VM" : "OS", key);
        }
        if (json_object_get(obj, s->hypervisor != NULL ? "core" : "vcpu") != NULL) {
                dpush_key(r, s->hypervisor != NULL ? "core" : "vcpu");
                return dfail(r, s->hypervisor != NULL ? "a VM's side names its 'vcpu' (an index)"
                                                      : "an AMP OS's side names its 'core'");
        }
        rc = dget_string(r, obj, key, true, &name);
        if (rc < 0)
                return rc;
        index = dfind_os(s, name);
        if (index < 0) {
                dpush_key(r, key);
                return dfail(r, "no %s named '%s'", s->hypervisor != NULL ? "VM" : "OS", name);
        }
        *os = (size_t)index;
        *cpu = 0;
        if (s->hypervisor != NULL) {
                rc = dget_uint(r, obj, "vcpu", 0, INT64_MAX, &vcpu, false);
                if (rc == 0 && vcpu >= s->oses[index].core_count) {
                        dpush_key(r, "vcpu");
                        return dfail(r, "VM '%s' has no vCPU %llu", name, (unsigned long long)vcpu);
                }
                *cpu = (size_t)vcpu;
                return rc;
        }
        rc = dget_string(r, obj, "core", false, &core);
        if (rc < 0 || core == NULL)
                return rc;
        for (size_t i = 0; i < s->oses[index].core_count; i++) {
                if (strcmp(s->platform.cores[s->oses[index].cores[i]].name, core) == 0) {
                        *cpu = i;
                        return 0;
                }
        }
        dpush_key(r, "core");
        return dfail(r, "core '%s' is not one of the cores of OS '%s'", core, name);
}

/* The OS `os` must have an ISR for `irq`, reported at member `key`. */
static int dneed_isr(struct dev_reader *r, const struct scenario *s, size_t os, uint32_t irq,
                     const char *key)
{
        if (dos_has_isr(&s->oses[os], irq))
                return 0;
        dpush_key(r, key);
        return dfail(r, "%s '%s' has no ISR for interrupt %u (add it to its 'isrs')",
                     s->oses[os].vm != NULL ? "VM" : "OS", s->oses[os].name, (unsigned)irq);
}

/* An SPI no interrupt source of the scenario uses yet. */
static int dfree_spi(struct dev_reader *r, const struct scenario *s, uint32_t irq, const char *key)
{
        for (size_t i = 0; i < s->irq_source_count; i++) {
                if (s->irq_sources[i].irq == irq) {
                        dpush_key(r, key);
                        return dfail(r, "interrupt %u (an SPI) is already raised by '%s'",
                                     (unsigned)irq, s->irq_sources[i].name);
                }
        }
        return 0;
}

static int dadd_source(struct dev_reader *r, struct scenario *s, const char *name,
                       const char *suffix, uint32_t irq, size_t os, size_t cpu)
{
        struct irq_source_config *grown =
            realloc(s->irq_sources, (s->irq_source_count + 1) * sizeof *s->irq_sources);
        size_t len = strlen(name) + strlen(suffix) + 1;
        char *copy = malloc(len);

        if (grown != NULL)
                s->irq_sources = grown;
        if (grown == NULL || copy == NULL) {
                free(copy);
                return dnomem(r);
        }
        snprintf(copy, len, "%s%s", name, suffix);
        s->irq_sources[s->irq_source_count++] = (struct irq_source_config){
                .name = copy, .kind = IRQ_SOURCE_DEVICE, .irq = irq, .os = os, .cpu = cpu
        };
        return 0;
}

/* ---- one device ---- */

static const char *const device_keys[] = { "name",    "kind",     "driver", "irq",     "ring",
                                           "backend", "blk",      "net",    "console", "can",
                                           "rng",     "workload", NULL };
static const char *const kind_names[] = { "blk", "net", "console", "can", "rng", NULL };
static const char *const driver_keys[] = { "vm", "vcpu", "os", "core", NULL };
static const char *const driver_time_keys[] = { "submit", "complete", NULL };
static const char *const ring_keys[] = { "layout", "event_idx", "queue_size", NULL };
static const char *const layout_names[] = { "split", "packed", NULL };
static const char *const backend_keys[] = {
        "placement", "notify_cycles", "vm",       "vcpu", "os",
        "core",      "doorbell_sgi",  "wake_irq", "task", NULL
};
static const char *const backend_time_keys[] = { "request", "poll_interval", "mmio_write", NULL };
static const char *const placement_names[] = { "hypervisor",  "service_vm",    "polling_core",
                                               "passthrough", "shared_memory", NULL };
static const char *const blk_keys[] = { "channels",         "stripe_kib",     "capacity_mib",
                                        "channel_mb_per_s", "payload_by_cpu", NULL };
static const char *const blk_time_keys[] = { "read", "write", "flush", NULL };
static const char *const net_keys[] = { "link_mbit_per_s", "mtu", "payload_by_cpu", NULL };
static const char *const console_keys[] = { "baud", NULL };
static const char *const rng_keys[] = { "bytes_per_s", NULL };
static const char *const can_keys[] = { "bit_rate_kbit_per_s", "senders", NULL };
static const char *const sender_keys[] = { "id", "extended", "bytes", NULL };
static const char *const sender_time_keys[] = { "period", "offset", NULL };
static const char *const workload_keys[] = { "arrival",  "queue_depth", "bytes", "read_percent",
                                             "pattern",  "base",        "span",  "step",
                                             "id",       "extended",    "count", "task",
                                             "requests", "wait",        NULL };
static const char *const workload_time_keys[] = { "interval", "think", "start", NULL };
static const char *const arrival_names[] = { "periodic", "poisson", "closed", "task", NULL };
static const char *const pattern_names[] = { "sequential", "random", NULL };

/* Default notify trap handler: an estimate of MMIO emulation in a type-1 hypervisor (decode
 * the faulting access, find the device, signal the backend), no measured anchor. */
#define DEVICE_DEFAULT_NOTIFY_CYCLES 1000u
/* Default doorbell write to a device register or the GIC (an uncached store), an estimate. */
#define DEVICE_DEFAULT_MMIO_WRITE_PS (100u * SIM_PS_PER_NS)
#define DEVICE_DEFAULT_POLL_PS       SIM_PS_PER_US

/* An optional sub-object: enter it when present. */
static json_t *dsub(json_t *obj, const char *key)
{
        return json_object_get(obj, key);
}

static int dparse_driver(struct dev_reader *r, json_t *dev, const struct scenario *s,
                         struct device_config *d)
{
        json_t *obj = dsub(dev, "driver");
        size_t mark;
        int rc;

        if (obj == NULL)
                return dfail(r, "missing required key 'driver' (the %s running the guest driver)",
                             s->hypervisor != NULL ? "VM and vCPU" : "OS and core");
        mark = dpush_key(r, "driver");
        rc = dobject(r, obj, driver_keys, driver_time_keys);
        if (rc == 0)
                rc = dparse_target(r, obj, s, &d->os, &d->cpu);
        if (rc == 0)
                rc = dget_time(r, obj, "submit", false, false, &d->driver_submit_ps);
        if (rc == 0)
                rc = dget_time(r, obj, "complete", false, false, &d->driver_complete_ps);
        if (rc == 0)
                dpop(r, mark);
        return rc;
}

static int dparse_ring(struct dev_reader *r, json_t *dev, struct device_config *d)
{
        json_t *obj = dsub(dev, "ring");
        size_t layout = 0, mark;
        uint64_t qs = 64;
        int rc;

        d->queue_size = 64;
        d->event_idx = true;
        if (obj == NULL)
                return 0;
        mark = dpush_key(r, "ring");
        rc = dobject(r, obj, ring_keys, NULL);
        if (rc == 0)
                rc = dget_choice(r, obj, "layout", false, layout_names, &layout);
        if (rc == 0)
                rc = dget_bool(r, obj, "event_idx", &d->event_idx);
        if (rc == 0)
                rc = dget_uint(r, obj, "queue_size", 2, 32768, &qs, false);
        d->packed = layout == 1;
        d->queue_size = (uint32_t)qs;
        if (rc == 0 && !d->packed && (qs & (qs - 1)) != 0) {
                dpush_key(r, "queue_size");
                return dfail(r, "a split ring's size must be a power of two");
        }
        if (rc == 0)
                dpop(r, mark);
        return rc;
}

/* The task named by `obj`'s "task" in OS `os`: it runs on the OS's execution resource `cpu`,
 * is an event task when `event`, and is no other device's issuer or backend thread (devices
 * before `d`, and d's own backend thread). */
static int dparse_task_ref(struct dev_reader *r, json_t *obj, const struct scenario *s,
                           const struct device_config *d, size_t os, size_t cpu, bool event,
                           size_t *out)
{
        const struct os_config *o = &s->oses[os];
        const char *name;
        int rc = dget_string(r, obj, "task", true, &name);
        size_t t, mark;

        if (rc < 0)
                return rc;
        mark = dpush_key(r, "task");
        for (t = 0; t < o->task_count && strcmp(o->tasks[t].name, name) != 0; t++)
                ;
        if (t == o->task_count)
                return dfail(r, "%s '%s' has no task '%s'", o->vm != NULL ? "VM" : "OS", o->name,
                             name);
        if (scenario_task_cpu(o, &o->tasks[t]) != (long)cpu)
                return dfail(r, "task '%s' runs on another %s than this side of the device", name,
                             o->vm != NULL ? "vCPU" : "core");
        if (event && o->tasks[t].activation != TASK_EVENT)
                return dfail(r,
                             "task '%s' must be an event task (\"activation\": \"event\"): "
                             "the device releases its jobs",
                             name);
        for (const struct device_config *e = s->devices; e <= d; e++) {
                bool issuer = e < d && e->arrival == DEVICE_ARRIVAL_TASK && e->os == os &&
                              e->issuer_task == t;
                bool thread = e->backend_thread && e->backend_os == os && e->backend_task == t;

                if (issuer || thread)
                        return dfail(r, "task '%s' already %s of device '%s'", name,
                                     issuer ? "issues the requests" : "runs the backend", e->name);
        }
        *out = t;
        dpop(r, mark);
        return 0;
}

/* The backend's side of a service VM or a shared-memory OS: target, doorbell SGI, wake SPI. */
static int dparse_backend_side(struct dev_reader *r, json_t *obj, struct scenario *s,
                               struct device_config *d)
{
        int rc = dparse_target(r, obj, s, &d->backend_os, &d->backend_cpu);

        if (rc == 0)
                rc = dget_u32(r, obj, "doorbell_sgi", 0, IRQ_PPI_FIRST - 2, &d->doorbell_sgi, true);
        if (rc == 0)
                rc = dget_u32(r, obj, "wake_irq", IRQ_SPI_FIRST, IRQ_ID_LIMIT - 1, &d->wake_irq,
                              true);
        if (rc == 0 && d->backend_os == d->os) {
                dpush_key(r, s->hypervisor != NULL ? "vm" : "os");
                return dfail(r, "the backend runs in another %s than the driver",
                             s->hypervisor != NULL ? "VM" : "OS");
        }
        if (rc == 0)
                rc = dneed_isr(r, s, d->backend_os, d->doorbell_sgi, "doorbell_sgi");
        for (size_t i = 0; rc == 0 && i < s->irq_source_count; i++) {
                const struct irq_source_config *q = &s->irq_sources[i];

                bool same = s->hypervisor != NULL
                                ? q->os == d->backend_os && q->cpu == d->backend_cpu
                                : s->oses[q->os].cores[q->cpu] ==
                                      s->oses[d->backend_os].cores[d->backend_cpu];

                if (q->irq == d->doorbell_sgi && same) {
                        dpush_key(r, "doorbell_sgi");
                        return dfail(r, "SGI %u of this core is already raised by '%s'",
                                     (unsigned)d->doorbell_sgi, q->name);
                }
        }
        if (rc == 0)
                rc = dneed_isr(r, s, d->backend_os, d->wake_irq, "wake_irq");
        if (rc == 0 && json_object_get(obj, "task") != NULL) {
                rc = dparse_task_ref(r, obj, s, d, d->backend_os, d->backend_cpu, true,
                                     &d->backend_task);
                d->backend_thread = rc == 0;
        }
        if (rc == 0 && d->wake_irq == d->irq) {
                dpush_key(r, "wake_irq");
                return dfail(r, "the wake SPI must differ from the device's 'irq'");
        }
        if (rc == 0)
                rc = dfree_spi(r, s, d->wake_irq, "wake_irq");
        return rc;
}

/* Keys of `obj` that apply only to other placements. */
static int dreject(struct dev_reader *r, json_t *obj, const char *const *keys, const char *why)
{
        for (const char *const *k = keys; *k != NULL; k++) {
                const char *key;
                json_t *value;
                size_t unit;

                json_object_foreach(obj, key, value)
                {
                        (void)value;
                        if (strcmp(key, *k) == 0 || dtime_key(key, *k, &unit)) {
                                dpush_key(r, key);
                                return dfail(r, "'%s' %s", key, why);
                        }
                }
        }
        return 0;
}

/* A polling backend spins on its core for the whole run: no OS's core or VM's vCPU may be
 * there, nor an earlier device's poller (devices before `d` in the array). */
static int dcheck_poll_core(struct dev_reader *r, const struct scenario *s,
                            const struct device_config *d, const char *core)
{
        for (size_t i = 0; i < s->os_count; i++) {
                for (size_t j = 0; j < s->oses[i].core_count; j++) {
                        if (s->oses[i].cores[j] != d->poll_core)
                                continue;
                        dpush_key(r, "core");
                        return dfail(r,
                                     "%s '%s' runs on core '%s'; a polling backend needs a core "
                                     "of its own",
                                     s->oses[i].vm != NULL ? "VM" : "OS", s->oses[i].name, core);
                }
        }
        for (const struct device_config *e = s->devices; e < d; e++) {
                if (e->placement == DEVICE_BACKEND_POLLING_CORE && e->poll_core == d->poll_core) {
                        dpush_key(r, "core");
                        return dfail(r, "device '%s' already polls on core '%s'", e->name, core);
                }
        }
        return 0;
}

static int dparse_backend(struct dev_reader *r, json_t *dev, struct scenario *s,
                          struct device_config *d)
{
        static const char *const side_keys[] = { "vm",       "vcpu", "os", "doorbell_sgi",
                                                 "wake_irq", "task", NULL };
        static const char *const poll_keys[] = { "poll_interval", NULL };
        static const char *const core_keys[] = { "core", NULL };
        static const char *const notify_keys[] = { "notify_cycles", NULL };
        static const char *const mmio_keys[] = { "mmio_write", NULL };
        json_t *obj = dsub(dev, "backend");
        size_t placement = 0, mark;
        const char *core;
        int rc;

        d->notify_cycles = DEVICE_DEFAULT_NOTIFY_CYCLES;
        d->mmio_write_ps = DEVICE_DEFAULT_MMIO_WRITE_PS;
        d->poll_ps = DEVICE_DEFAULT_POLL_PS;
        if (obj == NULL)
                return dfail(r, "missing required key 'backend' (its 'placement')");
        mark = dpush_key(r, "backend");
        rc = dobject(r, obj, backend_keys, backend_time_keys);
        if (rc == 0)
                rc = dget_choice(r, obj, "placement", true, placement_names, &placement);
        if (rc < 0)
                return rc;
        d->placement = (enum device_placement)placement;
        bool hv = s->hypervisor != NULL;
        if ((d->placement == DEVICE_BACKEND_SHARED_MEMORY && hv) ||
            ((d->placement == DEVICE_BACKEND_HYPERVISOR ||
              d->placement == DEVICE_BACKEND_SERVICE_VM) &&
             !hv)) {
                dpush_key(r, "placement");
                return dfail(r, "placement '%s' needs %s", placement_names[placement],
                             hv ? "an AMP design (no hypervisor)" : "a hypervisor");
        }
        rc = dget_time(r, obj, "request", false, false, &d->backend_request_ps);
        if (rc == 0 && d->placement != DEVICE_BACKEND_SERVICE_VM &&
            d->placement != DEVICE_BACKEND_SHARED_MEMORY)
                rc = dreject(r, obj, side_keys, "applies to service_vm and shared_memory only");
        if (rc == 0 && d->placement != DEVICE_BACKEND_POLLING_CORE)
                rc = dreject(r, obj, poll_keys, "applies to polling_core only");
        if (rc == 0 && d->placement != DEVICE_BACKEND_POLLING_CORE &&
            d->placement != DEVICE_BACKEND_SHARED_MEMORY)
                rc = dreject(r, obj, core_keys, "applies to polling_core and shared_memory only");
        if (rc == 0 && !hv)
                rc = dreject(r, obj, notify_keys, "applies under a hypervisor only");
        if (rc == 0 && d->placement != DEVICE_BACKEND_PASSTHROUGH &&
            d->placement != DEVICE_BACKEND_SHARED_MEMORY)
                rc = dreject(r, obj, mmio_keys, "applies to passthrough and shared_memory only");
        if (rc == 0)
                rc = dget_uint(r, obj, "notify_cycles", 0, UINT32_MAX, &d->notify_cycles, false);
        if (rc == 0)
                rc = dget_time(r, obj, "mmio_write", false, false, &d->mmio_write_ps);
        if (rc == 0 && (d->placement == DEVICE_BACKEND_SERVICE_VM ||
                        d->placement == DEVICE_BACKEND_SHARED_MEMORY))
                rc = dparse_backend_side(r, obj, s, d);
        if (rc == 0 && d->placement == DEVICE_BACKEND_SHARED_MEMORY &&
            s->oses[d->backend_os].cores[d->backend_cpu] == s->oses[d->os].cores[d->cpu]) {
                dpush_key(r, "os");
                return dfail(r, "shared memory needs the backend on another core");
        }
        if (rc == 0 && d->placement == DEVICE_BACKEND_POLLING_CORE) {
                rc = dget_time(r, obj, "poll_interval", false, true, &d->poll_ps);
                if (rc == 0)
                        rc = dget_string(r, obj, "core", true, &core);
                if (rc == 0) {
                        long c = platform_find_core(&s->platform, core);

                        if (c < 0) {
                                dpush_key(r, "core");
                                return dfail(r, "platform '%s' has no core '%s'", s->platform.name,
                                             core);
                        }
                        d->poll_core = (size_t)c;
                        rc = dcheck_poll_core(r, s, d, core);
                }
        }
        if (rc == 0)
                dpop(r, mark);
        return rc;
}

/* The model keys of kind `kind`; other kinds' sections are rejected. */
static int dparse_blk(struct dev_reader *r, json_t *obj, struct device_config *d)
{
        uint64_t stripe_kib = 0, capacity_mib = 0, mb = 0;
        int rc = dobject(r, obj, blk_keys, blk_time_keys);

        if (rc == 0)
                rc = dget_u32(r, obj, "channels", 1, 32, &d->blk_channels, false);
        if (rc == 0)
                rc = dget_uint(r, obj, "stripe_kib", 1, 1u << 20, &stripe_kib, false);
        if (rc == 0)
                rc = dget_uint(r, obj, "capacity_mib", 1, 1ull << 32, &capacity_mib, false);
        if (rc == 0)
                rc = dget_uint(r, obj, "channel_mb_per_s", 1, 1000000, &mb, false);
        if (rc == 0)
                rc = dget_time(r, obj, "read", false, false, &d->blk_read_ps);
        if (rc == 0)
                rc = dget_time(r, obj, "write", false, false, &d->blk_write_ps);
        if (rc == 0)
                rc = dget_time(r, obj, "flush", false, false, &d->blk_flush_ps);
        if (rc == 0)
                rc = dget_bool(r, obj, "payload_by_cpu", &d->payload_by_cpu);
        d->blk_stripe_sectors = (uint32_t)(stripe_kib * 2u);
        d->blk_capacity_sectors = capacity_mib * 2048u;
        d->blk_channel_bytes_per_s = mb * 1000000u;
        return rc;
}

static int dparse_can_sender(struct dev_reader *r, json_t *obj, struct device_can_sender *c)
{
        int rc = dobject(r, obj, sender_keys, sender_time_keys);

        c->bytes = 8;
        if (rc == 0)
                rc = dget_bool(r, obj, "extended", &c->extended);
        if (rc == 0)
                rc = dget_u32(r, obj, "id", 0, c->extended ? 0x1fffffffu : 0x7ffu, &c->id, true);
        if (rc == 0)
                rc = dget_u32(r, obj, "bytes", 0, 8, &c->bytes, false);
        if (rc == 0)
                rc = dget_time(r, obj, "period", true, true, &c->period_ps);
        if (rc == 0)
                rc = dget_time(r, obj, "offset", false, false, &c->offset_ps);
        return rc;
}

static int dparse_can(struct dev_reader *r, json_t *obj, struct device_config *d)
{
        uint64_t kbps = 0;
        json_t *list;
        size_t mark;
        int rc = dobject(r, obj, can_keys, NULL);

        if (rc == 0)
                rc = dget_uint(r, obj, "bit_rate_kbit_per_s", 1, 1000, &kbps, false);
        d->can_bit_rate = kbps * 1000u;
        list = json_object_get(obj, "senders");
        if (rc < 0 || list == NULL)
                return rc;
        mark = dpush_key(r, "senders");
        if (!json_is_array(list))
                return dfail(r, "expected an array");
        if (json_array_size(list) > 7)
                return dfail(r, "at most 7 other senders");
        d->can_senders = calloc(json_array_size(list) + 1, sizeof *d->can_senders);
        if (d->can_senders == NULL)
                return dnomem(r);
        d->can_sender_count = json_array_size(list);
        for (size_t i = 0; i < d->can_sender_count; i++) {
                size_t element = dpush_index(r, i);

                rc = dparse_can_sender(r, json_array_get(list, i), &d->can_senders[i]);
                if (rc < 0)
                        return rc;
                dpop(r, element);
        }
        dpop(r, mark);
        return 0;
}

static int dparse_model(struct dev_reader *r, json_t *dev, struct device_config *d)
{
        json_t *obj;
        size_t mark;
        int rc = 0;

        for (size_t k = 0; kind_names[k] != NULL; k++) {
                if (k != (size_t)d->kind && json_object_get(dev, kind_names[k]) != NULL) {
                        dpush_key(r, kind_names[k]);
                        return dfail(r, "'%s' parameters on a device of kind '%s'", kind_names[k],
                                     kind_names[d->kind]);
                }
        }
        obj = json_object_get(dev, kind_names[d->kind]);
        if (obj == NULL)
                return 0;
        mark = dpush_key(r, kind_names[d->kind]);
        switch (d->kind) {
        case DEVICE_BLK:
                rc = dparse_blk(r, obj, d);
                break;
        case DEVICE_NET: {
                uint64_t mbps = 0;

                rc = dobject(r, obj, net_keys, NULL);
                if (rc == 0)
                        rc = dget_uint(r, obj, "link_mbit_per_s", 1, 1000000, &mbps, false);
                if (rc == 0)
                        rc = dget_u32(r, obj, "mtu", 68, 65535, &d->net_mtu, false);
                if (rc == 0)
                        rc = dget_bool(r, obj, "payload_by_cpu", &d->payload_by_cpu);
                d->net_bit_rate = mbps * 1000000u;
                break;
        }
        case DEVICE_CONSOLE:
                rc = dobject(r, obj, console_keys, NULL);
                if (rc == 0)
                        rc = dget_uint(r, obj, "baud", 1, 1000000000, &d->console_baud, false);
                break;
        case DEVICE_RNG:
                rc = dobject(r, obj, rng_keys, NULL);
                if (rc == 0)
                        rc = dget_uint(r, obj, "bytes_per_s", 1, 1ull << 40, &d->rng_bytes_per_s,
                                       false);
                break;
        case DEVICE_CAN:
                rc = dparse_can(r, obj, d);
                break;
        }
        if (rc == 0)
                dpop(r, mark);
        return rc;
}

/* Arrival "task": the requests are submitted by the jobs of a task of the driver's OS on the
 * driver's CPU, `requests` per job, synchronously when `wait`. */
static int dparse_task_arrival(struct dev_reader *r, json_t *obj, const struct scenario *s,
                               struct device_config *d)
{
        static const char *const task_only[] = { "task", "requests", "wait", NULL };
        static const char *const not_task[] = { "start", NULL };
        int rc;

        if (d->arrival != DEVICE_ARRIVAL_TASK)
                return dreject(r, obj, task_only, "applies to arrival 'task' only");
        rc = dreject(r, obj, not_task, "does not apply to arrival 'task' (the task's jobs issue)");
        if (rc == 0)
                rc = dparse_task_ref(r, obj, s, d, d->os, d->cpu, false, &d->issuer_task);
        d->task_requests = 1;
        if (rc == 0)
                rc = dget_u32(r, obj, "requests", 1, d->queue_size, &d->task_requests, false);
        if (rc == 0)
                rc = dget_bool(r, obj, "wait", &d->task_wait);
        return rc;
}

static int dparse_workload(struct dev_reader *r, json_t *dev, const struct scenario *s,
                           struct device_config *d)
{
        static const uint32_t default_bytes[] = { 4096, 1500, 64, 8, 64 };
        json_t *obj = dsub(dev, "workload");
        size_t arrival = 0, pattern = 0, mark;
        uint64_t read_percent = 100, id = 0;
        int rc;

        d->bytes = default_bytes[d->kind];
        d->queue_depth = 1;
        d->read_permille = 1000;
        d->address_step = d->kind == DEVICE_BLK ? d->bytes / 512u : 1u;
        if (obj == NULL)
                return dfail(r, "missing required key 'workload'");
        mark = dpush_key(r, "workload");
        rc = dobject(r, obj, workload_keys, workload_time_keys);
        if (rc == 0)
                rc = dget_choice(r, obj, "arrival", false, arrival_names, &arrival);
        d->arrival = (enum device_arrival)arrival;
        if (rc == 0 &&
            (d->arrival == DEVICE_ARRIVAL_PERIODIC || d->arrival == DEVICE_ARRIVAL_POISSON))
                rc = dget_time(r, obj, "interval", true, true, &d->interval_ps);
        if (rc == 0 && d->arrival != DEVICE_ARRIVAL_CLOSED) {
                static const char *const closed_only[] = { "queue_depth", "think", NULL };

                rc = dreject(r, obj, closed_only, "applies to a closed loop only");
        }
        if (rc == 0 && (d->arrival == DEVICE_ARRIVAL_CLOSED || d->arrival == DEVICE_ARRIVAL_TASK)) {
                static const char *const open_only[] = { "interval", NULL };

                rc = dreject(r, obj, open_only, "applies to periodic and poisson arrivals only");
        }
        if (rc == 0)
                rc = dparse_task_arrival(r, obj, s, d);
        if (rc == 0)
                rc = dget_u32(r, obj, "queue_depth", 1, d->queue_size, &d->queue_depth, false);
        if (rc == 0)
                rc = dget_time(r, obj, "think", false, false, &d->think_ps);
        if (rc == 0)
                rc = dget_u32(r, obj, "bytes", d->kind == DEVICE_CAN ? 0 : 1,
                              d->kind == DEVICE_CAN ? 64 : (1u << 20), &d->bytes, false);
        if (rc == 0 && d->kind == DEVICE_BLK && d->bytes % 512u != 0) {
                dpush_key(r, "bytes");
                return dfail(r, "a block request moves whole 512-byte sectors");
        }
        if (rc == 0 && d->kind == DEVICE_BLK)
                d->address_step = d->bytes / 512u;
        if (rc == 0)
                rc = dget_uint(r, obj, "read_percent", 0, 100, &read_percent, false);
        d->read_permille = (uint32_t)read_percent * 10u;
        if (rc == 0)
                rc = dget_choice(r, obj, "pattern", false, pattern_names, &pattern);
        d->random = pattern == 1;
        if (rc == 0)
                rc = dget_uint(r, obj, "base", 0, INT64_MAX, &d->address_base, false);
        if (rc == 0)
                rc = dget_uint(r, obj, "span", 1, INT64_MAX, &d->address_span, false);
        if (rc == 0)
                rc = dget_uint(r, obj, "step", 1, INT64_MAX, &d->address_step, false);
        if (rc == 0)
                rc = dget_bool(r, obj, "extended", &d->can_extended);
        if (rc == 0)
                rc = dget_uint(r, obj, "id", 0, d->can_extended ? 0x1fffffffu : 0x7ffu, &id, false);
        if (rc == 0 && json_object_get(obj, "id") != NULL) {
                if (d->kind != DEVICE_CAN) {
                        dpush_key(r, "id");
                        return dfail(r,
                                     "'id' applies to CAN devices only (the frame's identifier)");
                }
                d->address_base = id;
                d->address_span = 1;
        }
        if (rc == 0)
                rc = dget_uint(r, obj, "count", 0, INT64_MAX, &d->count, false);
        if (rc == 0)
                rc = dget_time(r, obj, "start", false, false, &d->start_ps);
        if (rc == 0 && d->address_span == 0)
                d->address_span = d->kind == DEVICE_BLK ? 1u << 20 : 1u;
        if (rc == 0)
                dpop(r, mark);
        return rc;
}

static int dparse_device(struct dev_reader *r, json_t *dev, struct scenario *s, size_t index)
{
        struct device_config *d = &s->devices[index];
        const char *name;
        size_t kind = 0;
        int rc = dobject(r, dev, device_keys, NULL);

        if (rc == 0)
                rc = dget_string(r, dev, "name", true, &name);
        if (rc < 0)
                return rc;
        for (const char *c = name; *c != '\0'; c++) {
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.') ||
                    name[0] == '\0') {
                        dpush_key(r, "name");
                        return dfail(r, "a name is made of letters, digits, '_', '-' and '.'");
                }
        }
        if (name[0] == '\0') {
                dpush_key(r, "name");
                return dfail(r, "a name must not be empty");
        }
        for (size_t i = 0; i < index; i++) {
                if (strcmp(s->devices[i].name, name) == 0) {
                        dpush_key(r, "name");
                        return dfail(r, "duplicate device name '%s'", name);
                }
        }
        for (size_t i = 0; i < s->irq_source_count; i++) {
                if (strcmp(s->irq_sources[i].name, name) == 0) {
                        dpush_key(r, "name");
                        return dfail(r,
                                     "interrupt '%s' already has this name (a device names "
                                     "its completion interrupt)",
                                     name);
                }
        }
        d->name = strdup(name);
        if (d->name == NULL)
                return dnomem(r);
        rc = dget_choice(r, dev, "kind", true, kind_names, &kind);
        d->kind = (enum device_kind)kind;
        if (rc == 0)
                rc = dparse_driver(r, dev, s, d);
        if (rc == 0)
                rc = dget_u32(r, dev, "irq", IRQ_SPI_FIRST, IRQ_ID_LIMIT - 1, &d->irq, true);
        if (rc == 0)
                rc = dneed_isr(r, s, d->os, d->irq, "irq");
        if (rc == 0)
                rc = dfree_spi(r, s, d->irq, "irq");
        if (rc == 0)
                rc = dparse_ring(r, dev, d);
        if (rc == 0)
                rc = dparse_backend(r, dev, s, d);
        if (rc == 0)
                rc = dparse_model(r, dev, d);
        if (rc == 0)
                rc = dparse_workload(r, dev, s, d);
        if (rc == 0 && d->kind == DEVICE_CAN) {
                size_t nodes = 1 + d->can_sender_count;

                for (size_t i = 0; i < index; i++)
                        if (s->devices[i].kind == DEVICE_CAN)
                                nodes += 1 + s->devices[i].can_sender_count;
                if (nodes > 16) {
                        dpush_key(r, "can");
                        return dfail(r,
                                     "the CAN bus has at most 16 nodes (devices and senders); "
                                     "this makes %zu",
                                     nodes);
                }
                for (size_t i = 0; i < index; i++) {
                        const struct device_config *o = &s->devices[i];

                        if (o->kind == DEVICE_CAN && o->can_bit_rate != d->can_bit_rate) {
                                dpush_key(r, "can");
                                return dfail(r,
                                             "CAN devices share one bus: bit rate differs "
                                             "from device '%s'",
                                             o->name);
                        }
                }
        }
        if (rc == 0)
                rc = dadd_source(r, s, d->name, "", d->irq, d->os, d->cpu);
        if (rc == 0 && (d->placement == DEVICE_BACKEND_SERVICE_VM ||
                        d->placement == DEVICE_BACKEND_SHARED_MEMORY))
                rc =
                    dadd_source(r, s, d->name, "_wake", d->wake_irq, d->backend_os, d->backend_cpu);
        return rc;
}

int scenario_devices_parse(struct scenario *s, json_t *root, const char *file, const char *text,
                           size_t text_len, struct scenario_diag *diag)
{
        struct dev_reader r = {
                .file = file, .text = text, .text_len = text_len, .diag = diag, .path = "$"
        };
        json_t *list = json_object_get(root, "devices");
        size_t mark;

        r.path_len = 1;
        if (list == NULL)
                return 0;
        mark = dpush_key(&r, "devices");
        if (!json_is_array(list))
                return dfail(&r, "expected an array");
        if (json_array_size(list) == 0)
                return dfail(&r, "needs at least one element");
        s->devices = calloc(json_array_size(list), sizeof *s->devices);
        if (s->devices == NULL)
                return dnomem(&r);
        s->device_count = json_array_size(list);
        for (size_t i = 0; i < s->device_count; i++) {
                size_t element = dpush_index(&r, i);
                int rc = dparse_device(&r, json_array_get(list, i), s, i);

                if (rc < 0)
                        return rc;
                dpop(&r, element);
        }
        dpop(&r, mark);
        return 0;
}

void scenario_devices_free(struct scenario *s)
{
        for (size_t i = 0; i < s->device_count; i++) {
                free(s->devices[i].name);
                free(s->devices[i].can_senders);
        }
        free(s->devices);
        s->devices = NULL;
        s->device_count = 0;
}
