#include "models/platform.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hv/hypervisor.h"
#include "models/hw/core.h"
#include "models/hw/gic.h"
#include "models/os/doorbell.h"
#include "models/os/guest_os.h"
#include "models/os/os_boot.h"
#include "models/platform_devices.h"
#include "models/platform_memory.h"
#include "sim/trace.h"
#include "sim/text.h"

struct platform {
        const struct scenario *scenario;
        struct sim *sim;
        size_t core_count;
        struct core *cores;
        struct metric **utilisation;      /* per core */
        struct metric **context_switches; /* per core */
        struct hv *hv;                    /* NULL in an AMP design */
        size_t os_count;
        struct guest_os **oses;
        struct trace_sink *trace;       /* NULL: no tracing */
        struct platform_memory *memory; /* NULL: the platform has no memory section */
        struct gic *gic;                /* NULL: the scenario has no interrupt sources */
        size_t doorbell_count;
        struct doorbell **doorbells; /* per interrupt source (NULL: not a doorbell) */
        int error;                   /* a VM's guest could not start when it booted */
        struct os_boot **boots;      /* per OS: an AMP OS's start-up, or NULL */
        /* the scenario's "devices" (models/platform_devices.h), or NULL */
        struct platform_devices *devices;
};

/* Colour regions: platform_memory.c maps OS i's coloured pages from i << 40; the hypervisor's
 * own code and data get the region after the last OS's. */
#define PLATFORM_COLOUR_BASE_SHIFT 40
/* The SGI the hypervisor's instances signal each other with (scenario sources are >= 16). */
#define PLATFORM_HV_IPI_SGI 15u

/* Under a hypervisor: the hypervisor can run, and OS i is the guest of VM i, with one
 * execution resource per vCPU. */
static int platform_check_vms(const struct scenario *scenario)
{
        const struct hv_config *hv = scenario->hypervisor;
        int err = hv_check_config(hv, scenario->platform.core_count);

        if (err != 0)
                return err;
        if (scenario->os_count != hv->vm_count)
                return -EINVAL;
        for (size_t i = 0; i < scenario->os_count; i++) {
                const struct os_config *os = &scenario->oses[i];

                if (os->vm != &hv->vms[i] || os->core_count != hv->vms[i].vcpu_count)
                        return -EINVAL;
                err = guest_os_check_config(os);
                if (err != 0)
                        return err;
        }
        return 0;
}

/* Each OS is runnable and its cores exist and belong to it alone (AMP), or the hypervisor and
 * its guests are consistent; checked before anything is created. */
static int platform_check(const struct scenario *scenario)
{
        const struct platform_config *platform = &scenario->platform;

        if (scenario->hypervisor != NULL)
                return platform_check_vms(scenario);
        for (size_t i = 0; i < scenario->os_count; i++) {
                const struct os_config *os = &scenario->oses[i];
                int err = guest_os_check_config(os);

                if (err != 0)
                        return err;

                for (size_t c = 0; c < os->core_count; c++) {
                        if (os->cores[c] >= platform->core_count)
                                return -EINVAL;
                        for (size_t j = 0; j <= i; j++) {
                                const struct os_config *other = &scenario->oses[j];
                                size_t limit = j == i ? c : other->core_count;

                                for (size_t k = 0; k < limit; k++) {
                                        if (other->cores[k] == os->cores[c])
                                                return -EINVAL;
                                }
                        }
                }
        }
        return 0;
}

static int platform_memory_task_metrics(struct metrics *metrics, const char *entity,
                                        struct guest_os_task_metrics *out)
{
        out->instructions = metrics_counter(metrics, entity, "instructions");
        out->l1_misses = metrics_counter(metrics, entity, "l1_misses");
        out->llc_misses = metrics_counter(metrics, entity, "llc_misses");
        out->memory_stall_time =
            metrics_gauge(metrics, entity, "memory_stall_time", METRIC_UNIT_PS);
        out->l1_mpki = metrics_gauge(metrics, entity, "l1_mpki", METRIC_UNIT_NONE);
        out->llc_mpki = metrics_gauge(metrics, entity, "llc_mpki", METRIC_UNIT_NONE);
        out->bandwidth = metrics_gauge(metrics, entity, "bandwidth", METRIC_UNIT_NONE);
        return out->instructions == NULL || out->l1_misses == NULL || out->llc_misses == NULL ||
                       out->memory_stall_time == NULL || out->l1_mpki == NULL ||
                       out->llc_mpki == NULL || out->bandwidth == NULL
                   ? -ENOMEM
                   : 0;
}

/* The execution resource of platform core i: its memory engine when there is one. */
static struct exec_port platform_core_port(struct platform *platform, size_t i)
{
        return platform->memory != NULL ? platform_memory_exec_port(platform->memory, i)
                                        : core_exec_port(&platform->cores[i]);
}

static int platform_task_metrics(struct metrics *metrics, const struct os_config *os,
                                 const struct task_config *task, struct guest_os_task_metrics *out)
{
        char *entity = os->entity != NULL ? text_format("%s/task/%s", os->entity, task->name)
                                          : text_format("os/%s/task/%s", os->name, task->name);

        if (entity == NULL)
                return -ENOMEM;
        if (metrics_find(metrics, entity, "activations") != NULL) {
                free(entity);
                return -EINVAL; /* two tasks of one OS share a name */
        }
        out->activations = metrics_counter(metrics, entity, "activations");
        out->completions = metrics_counter(metrics, entity, "completions");
        out->deadline_misses = metrics_counter(metrics, entity, "deadline_misses");
        out->preemptions = metrics_counter(metrics, entity, "preemptions");
        out->response_time = metrics_histogram(metrics, entity, "response_time", METRIC_UNIT_PS);
        if (task->profile != NULL && platform_memory_task_metrics(metrics, entity, out) != 0) {
                free(entity);
                return -ENOMEM;
        }
        if (task->profile != NULL && task->profile->shared_region != NULL) {
                out->coherence_transfers = metrics_counter(metrics, entity, "coherence_transfers");
                out->coherence_invalidations =
                    metrics_counter(metrics, entity, "coherence_invalidations");
                if (out->coherence_transfers == NULL || out->coherence_invalidations == NULL) {
                        free(entity);
                        return -ENOMEM;
                }
        }
        free(entity);
        if (out->activations == NULL || out->completions == NULL || out->deadline_misses == NULL ||
            out->preemptions == NULL || out->response_time == NULL)
                return -ENOMEM;
        return 0;
}

static int platform_core_metrics(struct platform *platform, struct metrics *metrics)
{
        for (size_t i = 0; i < platform->core_count; i++) {
                const struct core_config *config = &platform->scenario->platform.cores[i];
                char *entity = text_format("core/%s", config->name);

                if (entity == NULL)
                        return -ENOMEM;
                if (metrics_find(metrics, entity, "utilisation") != NULL) {
                        free(entity);
                        return -EINVAL; /* two cores share a name */
                }
                platform->utilisation[i] =
                    metrics_gauge(metrics, entity, "utilisation", METRIC_UNIT_RATIO);
                platform->context_switches[i] =
                    metrics_counter(metrics, entity, "context_switches");
                free(entity);
                if (platform->utilisation[i] == NULL || platform->context_switches[i] == NULL)
                        return -ENOMEM;
        }
        return 0;
}

/* Task metrics of every OS, in scenario order, into one array (OS after OS). */
static int platform_all_task_metrics(const struct scenario *scenario, struct metrics *metrics,
                                     struct guest_os_task_metrics *out)
{
        for (size_t i = 0; i < scenario->os_count; i++) {
                const struct os_config *os = &scenario->oses[i];

                for (size_t t = 0; t < os->task_count; t++) {
                        int err = platform_task_metrics(metrics, os, &os->tasks[t], out++);

                        if (err != 0)
                                return err;
                }
        }
        return 0;
}

/* Profiled tasks of an AMP OS run as segments on their cores' memory engines. */
static int platform_build_os_memory(struct platform *platform, const struct os_config *config,
                                    struct guest_os *os)
{
        const struct scenario *scenario = platform->scenario;
        size_t index = (size_t)(config - scenario->oses);
        struct mem_exec_port *ports = calloc(config->core_count + 1, sizeof(*ports));
        uint64_t *bases = calloc(config->task_count + 1, sizeof(*bases));
        int err = -ENOMEM;

        if (ports != NULL && bases != NULL) {
                for (size_t c = 0; c < config->core_count; c++)
                        ports[c] =
                            platform->hv == NULL
                                ? platform_memory_segment_port(platform->memory, config->cores[c])
                                : hv_vcpu_segment_port(hv_find_vcpu(platform->hv, index, c));
                for (size_t t = 0; t < config->task_count; t++)
                        bases[t] = platform_memory_task_base(scenario, index, t);
                err = guest_os_set_memory(os, ports, bases, scenario->run.seed,
                                          scenario->platform.memory.line_bytes);
        }
        free(bases);
        free(ports);
        return err;
}

static int platform_build_os(struct platform *platform, const struct os_config *config,
                             const struct guest_os_task_metrics *task_metrics,
                             struct guest_os **out)
{
        size_t count = config->core_count ? config->core_count : 1;
        struct exec_port *ports = calloc(count, sizeof(*ports));
        struct metric **switches = calloc(count, sizeof(*switches));
        int err = -ENOMEM;

        if (ports != NULL && switches != NULL) {
                for (size_t c = 0; c < config->core_count; c++) {
                        switches[c] = platform->context_switches[config->cores[c]];
                        if (platform->hv == NULL) {
                                ports[c] = platform_core_port(platform, config->cores[c]);
                                continue;
                        }
                        /* a VM's guest OS i runs on the vCPUs of VM i */
                        struct hv_vcpu *vcpu = hv_find_vcpu(
                            platform->hv, (size_t)(config - platform->scenario->oses), c);

                        assert(vcpu != NULL);
                        ports[c] = hv_vcpu_exec_port(vcpu);
                }
                err = guest_os_create(platform->sim, config, platform->scenario->run.seed, ports,
                                      switches, task_metrics, out);
        }
        if (err == 0 && platform->memory != NULL)
                err = platform_build_os_memory(platform, config, *out);
        free(switches);
        free(ports);
        return err;
}

/* Guests first (their events go), then the hypervisor (its events and the cores' work), then
 * the cores. */
static int platform_hv_irq_memory(struct platform *platform);

/* Profiled guest work reaches the cores' memory engines through the vCPUs; the hypervisor's
 * own work (interrupt path, world switches, traps) gets its region and colours. */
static int platform_hv_memory(struct platform *platform)
{
        size_t count = platform->core_count ? platform->core_count : 1;
        struct mem_exec_port *segments = calloc(count, sizeof(*segments));

        if (segments == NULL)
                return -ENOMEM;
        for (size_t c = 0; c < platform->core_count; c++)
                segments[c] = platform_memory_segment_port(platform->memory, c);
        hv_set_memory(platform->hv, segments);
        free(segments);
        /* A VM's colours follow its vCPUs onto shared cores; once some VM is coloured, every
         * VM's segments carry their own mask (0: none), so an uncoloured VM on a core whose
         * engine took another VM's colours stays uncoloured. */
        bool coloured = false;

        for (size_t v = 0; v < platform->scenario->os_count; v++)
                coloured = coloured || platform->scenario->oses[v].colour_mask != 0;
        for (size_t v = 0; coloured && v < platform->scenario->os_count; v++)
                hv_set_vm_colours(platform->hv, v, platform->scenario->oses[v].colour_mask,
                                  (uint64_t)v << PLATFORM_COLOUR_BASE_SHIFT);
        return platform_hv_irq_memory(platform);
}

/* The hypervisor over every platform core. */
static int platform_build_hv(struct platform *platform, struct metrics *metrics)
{
        size_t count = platform->core_count ? platform->core_count : 1;
        struct exec_port *ports = calloc(count, sizeof(*ports));
        const char **names = calloc(count, sizeof(*names));
        int err = -ENOMEM;

        if (ports != NULL && names != NULL) {
                for (size_t c = 0; c < platform->core_count; c++) {
                        ports[c] = platform_core_port(platform, c);
                        names[c] = platform->scenario->platform.cores[c].name;
                }
                err = hv_create(platform->sim, platform->scenario->hypervisor, ports, names,
                                platform->core_count, metrics, &platform->hv);
        }
        if (err == 0 && platform->memory != NULL)
                err = platform_hv_memory(platform);
        free(names);
        free(ports);
        return err;
}

static void platform_free(struct platform *platform)
{
        platform_devices_destroy(platform->devices);
        for (size_t i = 0; i < platform->doorbell_count; i++)
                doorbell_destroy(platform->doorbells[i]);
        free(platform->doorbells);
        for (size_t i = 0; platform->boots != NULL && i < platform->os_count; i++)
                os_boot_destroy(platform->boots[i]);
        free(platform->boots);
        for (size_t i = 0; i < platform->os_count; i++)
                guest_os_destroy(platform->oses[i]);
        hv_destroy(platform->hv);
        gic_destroy(platform->gic);
        platform_memory_destroy(platform->memory);
        for (size_t i = 0; i < platform->core_count; i++)
                core_fini(&platform->cores[i]);
        free(platform->oses);
        free(platform->context_switches);
        free(platform->utilisation);
        free(platform->cores);
        free(platform);
}

/* The memory models run when some task has a profile, or when virtio devices' rings are to
 * be timed on the platform's hierarchy (a memory section, detailed fidelity:
 * platform_devices_attach_memory): a platform's memory section alone changes nothing, so
 * scenarios without profiles or devices run (and report) exactly as before. */
static bool platform_uses_memory(const struct scenario *scenario)
{
        if (scenario->device_count > 0 && scenario->platform.memory.present &&
            scenario->run.fidelity == FIDELITY_DETAILED)
                return true;
        if (scenario->hypervisor != NULL && scenario->hypervisor->irq_profile != NULL &&
            (scenario->irq_source_count > 0 || scenario->hypervisor->vcpu_context_bytes > 0 ||
             scenario->hypervisor->world_switch_instructions > 0 ||
             scenario->hypervisor->trap_instructions > 0 ||
             scenario->hypervisor->tlb_refill_walks > 0))
                return true;
        for (size_t i = 0; i < scenario->os_count; i++) {
                for (size_t t = 0; t < scenario->oses[i].task_count; t++)
                        if (scenario->oses[i].tasks[t].profile != NULL)
                                return true;
                for (size_t t = 0;
                     scenario->irq_source_count > 0 && t < scenario->oses[i].isr_count; t++)
                        if (scenario->oses[i].isrs[t].profile != NULL)
                                return true;
        }
        return false;
}

static size_t platform_task_total(const struct scenario *scenario)
{
        size_t total = 0;

        for (size_t i = 0; i < scenario->os_count; i++)
                total += scenario->oses[i].task_count;
        return total;
}

/* ---- interrupts ---- */

static const enum mem_pattern platform_patterns[] = {
        [MEMORY_SEQUENTIAL] = MEM_PATTERN_SEQUENTIAL,
        [MEMORY_STRIDED] = MEM_PATTERN_STRIDED,
        [MEMORY_RANDOM_ACCESS] = MEM_PATTERN_RANDOM,
        [MEMORY_POINTER_CHASE] = MEM_PATTERN_POINTER_CHASE,
        [MEMORY_TRACE] = MEM_PATTERN_TRACE,
};

/* Ids below the largest source's + 1 (at least the SGIs and PPIs). */
static uint32_t platform_irq_limit(const struct scenario *scenario)
{
        uint32_t limit = IRQ_SPI_FIRST;

        for (size_t i = 0; i < scenario->irq_source_count; i++)
                if (scenario->irq_sources[i].irq + 1 > limit)
                        limit = scenario->irq_sources[i].irq + 1;
        return limit;
}

static size_t platform_isr_total(const struct scenario *scenario)
{
        size_t total = 0;

        for (size_t i = 0; i < scenario->os_count; i++)
                total += scenario->oses[i].isr_count;
        return total;
}

/* The GIC, its timers and routes, and each source's metrics: irq/<os-or-vm>/<source> raised,
 * merged (counters) and latency (histogram, ps), into latencies[i]. */
static int platform_build_gic(struct platform *platform, struct metrics *metrics,
                              struct metric **latencies, struct metric **merges,
                              struct metric **raises)
{
        const struct scenario *scenario = platform->scenario;
        int err = gic_create(platform->sim, platform->core_count, platform_irq_limit(scenario),
                             &platform->gic);

        for (size_t i = 0; err == 0 && i < scenario->irq_source_count; i++) {
                const struct irq_source_config *q = &scenario->irq_sources[i];
                size_t core = scenario->oses[q->os].cores[q->cpu];
                char *entity = text_format("irq/%s/%s", scenario->oses[q->os].name, q->name);
                struct metric *raised, *merged;

                if (entity == NULL)
                        return -ENOMEM;
                raised = metrics_counter(metrics, entity, "raised");
                merged = metrics_counter(metrics, entity, "merged");
                merges[i] = merged;
                raises[i] = raised;
                latencies[i] = metrics_histogram(metrics, entity, "latency", METRIC_UNIT_PS);
                free(entity);
                if (raised == NULL || merged == NULL || latencies[i] == NULL)
                        return -ENOMEM;
                if (q->irq >= IRQ_SPI_FIRST)
                        err = gic_route_spi(platform->gic, q->irq, core);
                if (err == 0)
                        err = gic_set_irq_metrics(platform->gic, core, q->irq, raised, merged);
                if (err == 0 && q->kind == IRQ_SOURCE_TIMER) {
                        struct gic_timer_config timer = { .name = q->name,
                                                          .cpu = core,
                                                          .irq = q->irq,
                                                          .period_ps = q->period_ps,
                                                          .offset_ps = q->offset_ps,
                                                          .jitter_ps = q->jitter_ps,
                                                          .seed = scenario->run.seed };

                        err = gic_add_timer(platform->gic, &timer);
                }
        }
        return err;
}

/* The hypervisor's own work over its own region, in its colours, with the memory models. */
static int platform_hv_irq_memory(struct platform *platform)
{
        const struct scenario *scenario = platform->scenario;
        const struct hv_config *hv = scenario->hypervisor;
        const struct memory_profile_config *p = hv->irq_profile;

        if (p == NULL)
                return 0;
        struct mem_profile profile = {
                .name = p->name,
                .instructions = p->instructions,
                .base_cpi = p->base_cpi,
                .accesses_per_kilo_instruction = p->accesses_per_kilo_instruction,
                .working_set_bytes = p->working_set_bytes,
                .pattern = platform_patterns[p->pattern],
                .stride_bytes = p->stride_bytes,
                .access_bytes = p->access_bytes,
                .writes_per_thousand = p->writes_per_thousand,
        };
        return hv_set_irq_memory(
            platform->hv, &profile, hv->irq_instructions,
            platform_memory_task_base(scenario, scenario->os_count, platform_isr_total(scenario)),
            hv->colour_mask, (uint64_t)scenario->os_count << PLATFORM_COLOUR_BASE_SHIFT,
            scenario->run.seed);
}

/* OS `index` takes its interrupts from `ports` (one per execution resource). */
static int platform_os_interrupts(struct platform *platform, size_t index,
                                  const struct irq_cpu_port *ports, struct metric *const *latencies,
                                  size_t first_isr)
{
        const struct scenario *scenario = platform->scenario;
        const struct os_config *os = &scenario->oses[index];
        struct guest_os_irq_source *sources =
            calloc(scenario->irq_source_count + 1, sizeof(*sources));
        uint64_t *bases = calloc(os->isr_count + 1, sizeof(*bases));
        size_t count = 0;
        int err = -ENOMEM;

        if (sources != NULL && bases != NULL) {
                for (size_t i = 0; i < scenario->irq_source_count; i++) {
                        const struct irq_source_config *q = &scenario->irq_sources[i];

                        if (q->os == index)
                                sources[count++] = (struct guest_os_irq_source){
                                        .cpu = q->cpu, .irq = q->irq, .latency = latencies[i]
                                };
                }
                for (size_t i = 0; i < os->isr_count; i++)
                        bases[i] =
                            platform_memory_task_base(scenario, scenario->os_count, first_isr + i);
                err = guest_os_set_interrupts(platform->oses[index], ports, sources, count,
                                              platform->memory != NULL ? bases : NULL,
                                              scenario->run.seed);
        }
        free(bases);
        free(sources);
        return err;
}

/* Each OS's CPUs take interrupts from the GIC (AMP) or from their vCPUs (hypervisor). */
static int platform_wire_oses(struct platform *platform, struct metric *const *latencies)
{
        const struct scenario *scenario = platform->scenario;
        size_t first_isr = 0;
        int err = 0;

        for (size_t i = 0; err == 0 && i < scenario->os_count; i++) {
                const struct os_config *os = &scenario->oses[i];
                struct irq_cpu_port *ports = calloc(os->core_count + 1, sizeof(*ports));

                if (ports == NULL)
                        return -ENOMEM;
                for (size_t c = 0; c < os->core_count; c++) {
                        struct irq_signal signal = guest_os_irq_signal(platform->oses[i], c);

                        if (platform->hv == NULL) {
                                gic_set_signal(platform->gic, os->cores[c], signal);
                                ports[c] = gic_cpu_port(platform->gic, os->cores[c]);
                                continue;
                        }
                        struct hv_vcpu *vcpu = hv_find_vcpu(platform->hv, i, c);

                        hv_vcpu_set_irq_signal(vcpu, signal);
                        ports[c] = hv_vcpu_irq_port(vcpu);
                }
                err = platform_os_interrupts(platform, i, ports, latencies, first_isr);
                first_isr += os->isr_count;
                free(ports);
        }
        return err;
}

static int platform_send_sgi(void *arg, uint32_t sgi, size_t core)
{
        return gic_send_sgi(arg, sgi, core);
}

/* The hypervisor takes every core's physical interrupts and routes each source's to its
 * vCPU; it signals its other cores with the reserved SGI. */
static int platform_wire_hv(struct platform *platform, struct metrics *metrics,
                            struct metric *const *merges)
{
        const struct scenario *scenario = platform->scenario;
        size_t count = platform->core_count ? platform->core_count : 1;
        struct irq_cpu_port *ports = calloc(count, sizeof(*ports));
        const char **names = calloc(count, sizeof(*names));
        int err = -ENOMEM;

        if (ports != NULL && names != NULL) {
                for (size_t c = 0; c < platform->core_count; c++) {
                        ports[c] = gic_cpu_port(platform->gic, c);
                        names[c] = scenario->platform.cores[c].name;
                        gic_set_signal(platform->gic, c, hv_irq_signal(platform->hv, c));
                }
                err = hv_set_interrupts(platform->hv, ports, platform_irq_limit(scenario), names,
                                        metrics);
                hv_set_ipi(platform->hv, platform_send_sgi, platform->gic, PLATFORM_HV_IPI_SGI);
        }
        for (size_t i = 0; err == 0 && i < scenario->irq_source_count; i++) {
                const struct irq_source_config *q = &scenario->irq_sources[i];

                err = hv_route_irq(platform->hv, scenario->oses[q->os].cores[q->cpu], q->irq, q->os,
                                   q->cpu, merges[i]);
        }
        free(names);
        free(ports);
        return err;
}

/* Each doorbell source rings at its producer task's completions (models/os/doorbell.h): the
 * SGI to the consumer's core (AMP) or from the producer's vCPU to the consumer's. */
static int platform_wire_doorbells(struct platform *platform, struct metric *const *raises)
{
        const struct scenario *scenario = platform->scenario;
        int err = 0;

        platform->doorbells = calloc(scenario->irq_source_count, sizeof(*platform->doorbells));
        if (platform->doorbells == NULL)
                return -ENOMEM;
        platform->doorbell_count = scenario->irq_source_count;
        for (size_t i = 0; err == 0 && i < scenario->irq_source_count; i++) {
                const struct irq_source_config *q = &scenario->irq_sources[i];
                const struct os_config *from = &scenario->oses[q->from_os];
                struct doorbell_target target = { .gic = platform->gic,
                                                  .core = scenario->oses[q->os].cores[q->cpu],
                                                  .sgi = q->irq };
                long cpu = -1; /* the producer's execution resource */

                if (q->kind != IRQ_SOURCE_DOORBELL)
                        continue;
                for (size_t t = 0; t < from->task_count && cpu < 0; t++)
                        if (strcmp(from->tasks[t].name, q->from_task) == 0)
                                cpu = scenario_task_cpu(from, &from->tasks[t]);
                if (cpu < 0)
                        continue; /* a reference run without the producer */
                if (platform->hv != NULL) {
                        target.raised = raises[i];
                        target.from = hv_find_vcpu(platform->hv, q->from_os, (size_t)cpu);
                        target.to = hv_find_vcpu(platform->hv, q->os, q->cpu);
                }
                err = doorbell_create(platform->sim, platform->oses[q->from_os], q->from_task,
                                      &target, &platform->doorbells[i]);
        }
        return err;
}

static int platform_build_interrupts(struct platform *platform, struct metrics *metrics)
{
        const struct scenario *scenario = platform->scenario;
        struct metric **latencies, **merges, **raises;
        int err = -ENOMEM;

        if (scenario->irq_source_count == 0)
                return 0;
        latencies = calloc(scenario->irq_source_count, sizeof(*latencies));
        merges = calloc(scenario->irq_source_count, sizeof(*merges));
        raises = calloc(scenario->irq_source_count, sizeof(*raises));
        if (latencies != NULL && merges != NULL && raises != NULL)
                err = platform_build_gic(platform, metrics, latencies, merges, raises);
        if (err == 0 && platform->hv != NULL)
                err = platform_wire_hv(platform, metrics, merges);
        if (err == 0)
                err = platform_wire_oses(platform, latencies);
        if (err == 0)
                err = platform_wire_doorbells(platform, raises);
        free(raises);
        free(merges);
        free(latencies);
        return err;
}

/* The hypervisor's lane on every core, then one lane per execution resource of every OS. */
static int platform_trace_hv(struct platform *platform, uint32_t *core_tracks)
{
        size_t count = platform->core_count ? platform->core_count : 1;
        uint32_t *tracks = calloc(count, sizeof(*tracks));
        int err = tracks == NULL ? -ENOMEM : 0;

        for (size_t c = 0; err == 0 && c < platform->core_count; c++) {
                const char *core = platform->scenario->platform.cores[c].name;

                err = trace_sink_add_track(platform->trace, core, "hypervisor", core, NULL,
                                           &tracks[c]);
                core_tracks[c] = tracks[c];
        }
        if (err == 0)
                err = hv_set_trace(platform->hv, platform->trace, tracks);
        free(tracks);
        return err;
}

static int platform_trace_os(struct platform *platform, size_t index, uint32_t *core_tracks)
{
        const struct os_config *os = &platform->scenario->oses[index];
        size_t count = os->core_count ? os->core_count : 1;
        uint32_t *tracks = calloc(count, sizeof(*tracks));
        int err = tracks == NULL ? -ENOMEM : 0;

        for (size_t c = 0; err == 0 && c < os->core_count; c++) {
                const char *core = platform->scenario->platform.cores[os->cores[c]].name;
                char *label = os->vm != NULL ? text_format("vm %s vcpu%zu", os->name, c)
                                             : text_format("os %s", os->name);
                char *executor = os->vm != NULL ? text_format("%s_vcpu%zu", os->name, c)
                                                : text_format("%s", core);

                err = label == NULL || executor == NULL
                          ? -ENOMEM
                          : trace_sink_add_track(platform->trace, core, label, executor, os->name,
                                                 &tracks[c]);
                if (err == 0 && os->vm == NULL)
                        core_tracks[os->cores[c]] = tracks[c];
                free(label);
                free(executor);
        }
        if (err == 0)
                guest_os_set_trace(platform->oses[index], platform->trace, tracks);
        free(tracks);
        return err;
}

/* Interrupt edges as instants on the lane taking each core's interrupts (the hypervisor's, or
 * the AMP OS's), named by their source; the hypervisor's own IPI is "hv_ipi". */
static int platform_trace_gic(struct platform *platform, const uint32_t *core_tracks)
{
        const struct scenario *scenario = platform->scenario;
        int err;

        if (platform->gic == NULL)
                return 0;
        err = gic_set_trace(platform->gic, platform->trace, core_tracks);
        for (size_t i = 0; err == 0 && i < scenario->irq_source_count; i++) {
                const struct irq_source_config *q = &scenario->irq_sources[i];

                if (q->kind != IRQ_SOURCE_DOORBELL || platform->hv == NULL)
                        err = gic_name_irq(platform->gic, scenario->oses[q->os].cores[q->cpu],
                                           q->irq, q->name);
        }
        for (size_t c = 0; err == 0 && platform->hv != NULL && c < platform->core_count; c++)
                err = gic_name_irq(platform->gic, c, PLATFORM_HV_IPI_SGI, "hv_ipi");
        return err;
}

static int platform_trace(struct platform *platform)
{
        size_t count = platform->core_count ? platform->core_count : 1;
        uint32_t *core_tracks;
        int err = 0;

        if (platform->trace == NULL)
                return 0;
        core_tracks = calloc(count, sizeof(*core_tracks));
        if (core_tracks == NULL)
                return -ENOMEM;
        if (platform->hv != NULL)
                err = platform_trace_hv(platform, core_tracks);
        for (size_t i = 0; err == 0 && i < platform->os_count; i++)
                err = platform_trace_os(platform, i, core_tracks);
        if (err == 0)
                err = platform_trace_gic(platform, core_tracks);
        free(core_tracks);
        return err;
}

/* AMP OSes with a "boot": each boots on its first core (models/os/os_boot.h), from time 0 or
 * after the OS it waits for; metric os/<os> boot_time. */
static int platform_boot_oses(struct platform *platform, struct metrics *metrics)
{
        const struct scenario *scenario = platform->scenario;
        int err = 0;

        for (size_t i = 0; err == 0 && i < platform->os_count; i++) {
                const struct os_config *os = &scenario->oses[i];
                struct exec_port core;
                struct metric *boot_time;

                if (os->vm != NULL || !os->boot.present)
                        continue;
                if (platform->boots == NULL) {
                        platform->boots = calloc(platform->os_count, sizeof(*platform->boots));
                        if (platform->boots == NULL)
                                return -ENOMEM;
                }
                core = platform_core_port(platform, os->cores[0]);
                boot_time = metrics_gauge(metrics, os->entity, "boot_time", METRIC_UNIT_PS);
                err =
                    boot_time == NULL
                        ? -ENOMEM
                        : os_boot_create(platform->sim, platform->oses[i], &os->boot, &core,
                                         scenario->run.duration_ps, boot_time, &platform->boots[i]);
        }
        for (size_t i = 0; err == 0 && platform->boots != NULL && i < platform->os_count; i++) {
                size_t after = scenario->oses[i].boot.after;

                if (platform->boots[i] == NULL)
                        continue;
                if (after != SIZE_MAX && platform->boots[after] != NULL)
                        err = os_boot_add_dependent(platform->boots[after], platform->boots[i]);
                else
                        err = os_boot_start(platform->boots[i]);
        }
        return err;
}

/* A VM has booted (hv_boot): its guest's tasks start now. */
static void platform_vm_booted(void *arg, size_t vm)
{
        struct platform *platform = arg;
        int err = guest_os_start_at(platform->oses[vm], sim_now(platform->sim),
                                    platform->scenario->run.duration_ps);

        if (err != 0 && platform->error == 0) {
                platform->error = err;
                sim_stop(platform->sim);
        }
}

int platform_build(const struct scenario *scenario, struct sim *sim, struct metrics *metrics,
                   struct platform **out)
{
        return platform_build_traced(scenario, sim, metrics, NULL, out);
}

int platform_build_traced(const struct scenario *scenario, struct sim *sim, struct metrics *metrics,
                          struct trace_sink *trace, struct platform **out)
{
        size_t cores = scenario->platform.core_count ? scenario->platform.core_count : 1;
        size_t task_total = platform_task_total(scenario);
        struct guest_os_task_metrics *task_metrics;
        struct platform *platform;
        size_t first_task = 0;
        int err;

        err = platform_check(scenario);
        if (err != 0)
                return err;
        platform = calloc(1, sizeof(*platform));
        if (platform == NULL)
                return -ENOMEM;
        platform->scenario = scenario;
        platform->sim = sim;
        platform->trace = trace;
        platform->cores = calloc(cores, sizeof(*platform->cores));
        platform->utilisation = calloc(cores, sizeof(*platform->utilisation));
        platform->context_switches = calloc(cores, sizeof(*platform->context_switches));
        platform->oses =
            calloc(scenario->os_count ? scenario->os_count : 1, sizeof(*platform->oses));
        task_metrics = calloc(task_total ? task_total : 1, sizeof(*task_metrics));
        err = -ENOMEM;
        if (platform->cores == NULL || platform->utilisation == NULL ||
            platform->context_switches == NULL || platform->oses == NULL || task_metrics == NULL)
                goto err_free;

        platform->core_count = scenario->platform.core_count;
        for (size_t i = 0; i < platform->core_count; i++)
                core_init(&platform->cores[i], &scenario->platform.cores[i], sim);
        err = 0;
        if (platform_uses_memory(scenario))
                err = platform_memory_create(scenario, sim, &platform->memory);
        if (err == 0)
                err = platform_all_task_metrics(scenario, metrics, task_metrics);
        if (err == 0)
                err = platform_core_metrics(platform, metrics);
        if (err == 0 && platform->memory != NULL)
                err = platform_memory_metrics(platform->memory, metrics);
        if (err == 0 && scenario->hypervisor != NULL)
                err = platform_build_hv(platform, metrics);
        if (err != 0)
                goto err_free;

        for (size_t i = 0; i < scenario->os_count; i++) {
                err = platform_build_os(platform, &scenario->oses[i], task_metrics + first_task,
                                        &platform->oses[i]);
                if (err != 0)
                        goto err_free;
                platform->os_count = i + 1;
                first_task += scenario->oses[i].task_count;
        }
        err = platform_build_interrupts(platform, metrics);
        if (err == 0)
                err = platform_trace(platform);
        if (err == 0)
                err = platform_devices_build(scenario, sim, metrics, platform->gic, platform->hv,
                                             platform->oses, &platform->devices);
        if (err == 0)
                err = platform_devices_attach_memory(platform->devices, platform->memory);
        /* a polling backend keeps its core busy from its first look to the end of the run */
        for (size_t i = 0; err == 0 && i < platform->core_count; i++)
                err = platform_devices_hold_core(platform->devices, i,
                                                 platform_core_port(platform, i),
                                                 scenario->run.duration_ps);
        if (err != 0)
                goto err_free;
        err = platform_boot_oses(platform, metrics);
        if (err != 0)
                goto err_free;
        for (size_t i = 0; i < platform->os_count; i++) {
                if (scenario->oses[i].boot.present ||
                    (scenario->oses[i].vm != NULL && scenario->oses[i].vm->boot.present))
                        continue; /* started when it has booted */
                err = guest_os_start(platform->oses[i], scenario->run.duration_ps);
                if (err != 0)
                        goto err_free;
        }
        if (platform->hv != NULL) {
                err = hv_boot(platform->hv, platform_vm_booted, platform);
                if (err != 0)
                        goto err_free;
        }
        if (platform->gic != NULL) {
                err = gic_start(platform->gic, scenario->run.duration_ps);
                if (err != 0)
                        goto err_free;
        }
        free(task_metrics);
        *out = platform;
        return 0;

err_free:
        free(task_metrics);
        platform_free(platform);
        return err;
}

void platform_finish(struct platform *platform, sim_time_t end)
{
        if (platform->memory != NULL)
                platform_memory_sync(platform->memory);
        for (size_t i = 0; i < platform->os_count; i++)
                guest_os_finish(platform->oses[i], end);
        if (platform->hv != NULL)
                hv_finish(platform->hv, end);
        if (platform->memory != NULL)
                platform_memory_finish(platform->memory, end);
        for (size_t i = 0; i < platform->core_count; i++) {
                sim_time_t busy = platform->memory != NULL
                                      ? platform_memory_busy_ps(platform->memory, i, end)
                                      : core_busy_ps(&platform->cores[i], end);

                platform->utilisation[i]->gauge = end == 0 ? 0.0 : (double)busy / (double)end;
        }
        platform_devices_finish(platform->devices);
}

struct guest_os *platform_guest_os(struct platform *platform, size_t index)
{
        return index < platform->os_count ? platform->oses[index] : NULL;
}

struct gic *platform_gic(struct platform *platform)
{
        return platform->gic;
}

struct platform_memory *platform_memory_of(struct platform *platform)
{
        return platform->memory;
}

void platform_destroy(struct platform *platform)
{
        if (platform != NULL)
                platform_free(platform);
}

int platform_error(const struct platform *platform)
{
        if (platform->error != 0)
                return platform->error;
        for (size_t i = 0; platform->boots != NULL && i < platform->os_count; i++)
                if (platform->boots[i] != NULL && os_boot_error(platform->boots[i]) != 0)
                        return os_boot_error(platform->boots[i]);
        for (size_t i = 0; i < platform->os_count; i++) {
                int err = guest_os_error(platform->oses[i]);
                if (err)
                        return err;
        }
        if (platform->memory != NULL && platform_memory_error(platform->memory) != 0)
                return platform_memory_error(platform->memory);
        if (platform->gic != NULL && gic_error(platform->gic) != 0)
                return gic_error(platform->gic);
        for (size_t i = 0; i < platform->doorbell_count; i++)
                if (platform->doorbells[i] != NULL && doorbell_error(platform->doorbells[i]) != 0)
                        return doorbell_error(platform->doorbells[i]);
        return platform->hv != NULL ? hv_error(platform->hv) : 0;
}
