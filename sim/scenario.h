/*
 * scenario: the immutable configuration of one run, and its loader.
 *
 * scenario_load() reads a scenario JSON file and the platform file it references (by a path
 * relative to the scenario file), validates both completely (types, ranges, unknown keys,
 * dangling references) and returns a struct scenario that nothing changes afterwards: models
 * keep `const` pointers into it. All times are picoseconds, all strings are owned by the
 * scenario and freed by scenario_free(). The loader never prints; on bad input it fills a
 * struct scenario_diag with the file, the JSON path (such as "$.oses[0].tasks[2].period_us"),
 * the line and column of the offending value (0 when the file cannot be read) and a message.
 *
 * A scenario is either an AMP design (top-level "oses": each OS owns cores) or a hypervisor
 * design ("hypervisor" and "vms": each VM has vCPUs on cores, a guest OS and tasks); the two
 * are exclusive. Memory: a platform may have a "memory" section (struct memory_config); the
 * scenario may name "profiles" that tasks use instead of execution_cycles ("profile",
 * "instructions"), give an OS LLC "colours" / "llc_ways" (AMP OSes) and set "regulation"
 * (per-core byte budgets; an "os" budget applies to each of its cores, or with "shared" to all
 * of them together, struct regulation_config). Interrupts: top-level
 * "interrupts" (struct irq_source_config: timers and device SPIs, each aimed at an OS's core or
 * a VM's vCPU), "isrs" in an OS or VM (struct isr_config), an OS's exception_entry_cycles, the
 * hypervisor's interrupt path (irq_* cycles, direct_injection, direct_vsgi, irq_profile,
 * colours) and a VM's "colours"; the loader requires an ISR for every source's id in its
 * target. An OS's optional periodic "tick_<unit>" becomes one timer source per CPU and an ISR
 * "tick" (os_config). The
 * hypervisor's footprint keys (vcpu_context_bytes, world_switch_instructions,
 * trap_instructions, tlb_refill_walks) and its named "profile" fill struct hv_config. The format is
 * documented key by key in scenarios/schema/scenario.schema.json
 * and scenarios/schema/platform.schema.json.
 */
#ifndef MOSAIC_SIM_SCENARIO_H
#define MOSAIC_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#define SCENARIO_DIAG_TEXT 512

struct scenario_diag {
        char file[SCENARIO_DIAG_TEXT];
        char path[SCENARIO_DIAG_TEXT];
        int line;
        int column;
        char message[SCENARIO_DIAG_TEXT];
};

/* ---- platform ---- */
struct core_config {
        char *name;
        uint64_t clock_hz;
};

/*
 * The memory hierarchy of a platform (its optional "memory" section): a private L1 per core
 * (clocked by the core), a shared last-level cache, an interconnect and DRAM. present is false
 * when the platform has no such section: then tasks run their execution_cycles as plain work.
 */
enum memory_replacement { MEMORY_LRU, MEMORY_TREE_PLRU, MEMORY_RANDOM };

struct memory_cache_config {
        uint64_t size_bytes;
        uint32_t ways;
        uint32_t hit_cycles;
        uint32_t mshrs; /* L1: outstanding misses of a core; LLC: per initiator */
        enum memory_replacement replacement;
};

struct memory_config {
        bool present;
        uint32_t line_bytes;
        uint32_t page_bytes;
        struct memory_cache_config l1;
        struct memory_cache_config llc;
        uint64_t llc_clock_hz;
        bool crossbar;            /* interconnect kind: false = shared bus */
        bool fixed_priority;      /* arbitration: false = round robin */
        uint32_t bus_width_bytes; /* bytes per interconnect cycle */
        uint64_t bus_clock_hz;
        uint64_t dram_clock_hz;
        uint32_t dram_channels;
        uint32_t dram_banks; /* per channel */
        uint32_t dram_rows;  /* per bank */
        uint32_t dram_row_bytes;
        uint32_t dram_t_rcd, dram_t_rp, dram_t_cl, dram_burst_cycles; /* DRAM clock cycles */
};

struct platform_config {
        char *name;
        char *description;
        char *file; /* path as resolved from the scenario */
        size_t source_count;
        char **sources; /* where the platform's numbers come from (datasheets, manuals) */
        size_t core_count;
        struct core_config *cores;
        struct memory_config memory;
};

/* ---- memory profiles ---- */
enum memory_pattern {
        MEMORY_SEQUENTIAL,
        MEMORY_STRIDED,
        MEMORY_RANDOM_ACCESS,
        MEMORY_POINTER_CHASE,
        MEMORY_TRACE /* the accesses of a trace file (models/hw/mem_profile.h's format) */
};

/* A named, reusable memory-access profile (scenario "profiles"); see models/hw/mem_profile.h. */
/* A region of memory shared between OSes (scenario "shared_regions"): `bytes` long, laid out
 * by the loader at `offset` (a multiple of 4 KiB) from the start of the shared regions, which
 * the platform places above every private region (mem_profile.h, MEM_PROFILE_SHARED_BASE). */
struct shared_region_config {
        char *name;
        uint64_t bytes;
        uint64_t offset;
};

struct memory_profile_config {
        char *name;
        uint64_t instructions; /* per job, unless the task says otherwise */
        double base_cpi;
        uint32_t accesses_per_kilo_instruction;
        uint64_t working_set_bytes;
        enum memory_pattern pattern;
        uint32_t stride_bytes;
        uint32_t access_bytes;
        uint32_t writes_per_thousand;
        char *trace_file; /* MEMORY_TRACE: the file as resolved from the scenario */
        char *trace_text; /* ... and its contents, read and checked at load time */
        size_t trace_len;
        /* "shared": {"region", "fraction"}: that share of the accesses (per million) go to
         * the region; NULL region: none */
        const struct shared_region_config *shared_region;
        uint32_t shared_per_million;
};

/* A budget shared by all the cores of one OS or VM guest (a budget with "shared": true): one
 * MemGuard domain whose count every request of those cores draws from. */
struct regulation_domain_config {
        size_t os; /* index into scenario oses; the domain's cores are its cores */
        uint64_t budget_bytes;
};

/* MemGuard-style bandwidth regulation, bytes per period: per core (0: unregulated, or the core
 * is in a shared domain), and shared domains. A core is in at most one shared domain, and a
 * core in one has no budget of its own; a VM's shared domain needs the VM's cores to itself
 * (no other VM has a vCPU there), since requests are counted by the core that issues them. */
struct regulation_config {
        bool present;
        sim_time_t period_ps;
        uint64_t *core_budget_bytes; /* per platform core */
        size_t *core_domain;         /* per platform core: index into domains, SIZE_MAX: none */
        size_t domain_count;
        struct regulation_domain_config *domains;
};

/* ---- execution demand ---- */
enum demand_distribution {
        DEMAND_FIXED,   /* always `max_cycles` */
        DEMAND_UNIFORM, /* uniform integer in [min_cycles, max_cycles] */
        DEMAND_NORMAL   /* normal(mean, stddev) rounded, truncated to [min_cycles, max_cycles] */
};

struct demand_config {
        enum demand_distribution distribution;
        uint64_t min_cycles;
        uint64_t max_cycles; /* the worst case in every distribution */
        double mean_cycles;
        double stddev_cycles;
};

/* ---- tasks ---- */
enum task_activation {
        TASK_PERIODIC, /* released at offset + k*period + jitter draw */
        TASK_SPORADIC, /* inter-arrival uniform in [period, max_interarrival] */
        TASK_EVENT     /* released by an ISR (isr_config.activates) at the ISR's end, or by a
                          task of its OS (task_config.activates) at a job's completion; no
                          period */
};

struct task_config {
        char *name;
        enum task_activation activation;
        sim_time_t period_ps;           /* periodic: period; sporadic: minimum inter-arrival */
        sim_time_t max_interarrival_ps; /* sporadic only; == period_ps for periodic */
        sim_time_t offset_ps;           /* first release */
        sim_time_t jitter_ps;           /* release jitter, uniform in [0, jitter] */
        sim_time_t deadline_ps;         /* relative; defaults to the period */
        uint32_t priority;              /* fixed_priority: higher value = more urgent */
        int32_t nice;                   /* fair: -20..19, gives the weight when weight == 0 */
        uint32_t weight;                /* fair: 0 = the weight of `nice` */
        size_t core;                    /* index into platform cores; one of the OS's cores */
        size_t vcpu;                    /* in a VM: the vCPU it runs on (on `core`); AMP: 0 */
        struct demand_config demand;    /* unused when the task has a profile */
        const struct memory_profile_config *profile; /* NULL: plain execution_cycles */
        uint64_t instructions;                       /* per job, with a profile */
        char *activates; /* an event task of the same OS released at each completion of a job of
                            this one (activation = release = the completion); NULL: none */
};

/* ---- operating systems ---- */
enum os_scheduler {
        OS_SCHED_FIXED_PRIORITY, /* preemptive, partitioned per core (OSEK/AUTOSAR-like) */
        OS_SCHED_EDF,            /* preemptive earliest deadline first, partitioned per core */
        OS_SCHED_FAIR            /* Linux CFS-like weighted fair share, partitioned per core */
};

/* Fair scheduler defaults: Linux CFS's sysctl_sched_latency (6 ms) and
 * sysctl_sched_min_granularity (0.75 ms) for one CPU (kernel/sched/fair.c, before EEVDF; the
 * kernel scales both by 1 + log2(CPUs) under its default "log" tunable scaling). */
#define OS_FAIR_DEFAULT_TARGET_LATENCY_PS  (6 * SIM_PS_PER_MS)
#define OS_FAIR_DEFAULT_MIN_GRANULARITY_PS (750 * SIM_PS_PER_US)
#define OS_FAIR_NICE_MIN                   (-20)
#define OS_FAIR_NICE_MAX                   19
#define OS_FAIR_WEIGHT_MAX                 88761 /* the weight of nice -20 */

struct hv_vm_config;

/* ---- interrupts ---- */

/* GIC interrupt ids (GICv2/GICv3): SGIs 0-15 are software-generated (IPIs), PPIs 16-31 are
 * private to a core (the generic timer's: 26 hypervisor, 27 virtual, 30 physical), SPIs from
 * 32 are shared peripherals routed to one core; 1020-1023 are special. */
#define IRQ_SGI_FIRST      0u
#define IRQ_PPI_FIRST      16u
#define IRQ_SPI_FIRST      32u
#define IRQ_ID_LIMIT       1020u
#define IRQ_PPI_VIRT_TIMER 27u
#define IRQ_PPI_PHYS_TIMER 30u

/* An interrupt service routine of an OS: the body run after the exception entry, for
 * interrupt `irq` on any of the OS's execution resources. */
struct isr_config {
        char *name;
        uint32_t irq;
        uint64_t cycles;                             /* body as plain work (no profile) */
        const struct memory_profile_config *profile; /* body as a memory segment, or NULL */
        uint64_t instructions;                       /* with a profile */
        size_t activates; /* index of an event task of the OS released at the ISR's end;
                             SIZE_MAX: none */
};

enum irq_source_kind {
        IRQ_SOURCE_TIMER,   /* a per-core generic timer: a periodic PPI with optional jitter */
        IRQ_SOURCE_DEVICE,  /* an SPI a device model raises (gic_raise); the scenario routes it */
        IRQ_SOURCE_DOORBELL /* an SGI rung at each completion of a job of a producer task (data
                               written to shared memory for another OS or VM) */
};

/* The SGI the hypervisor keeps for its own IPIs; doorbells use the SGIs below it. */
#define IRQ_SGI_HV_RESERVED 15u

/* One interrupt source of the scenario ("interrupts"), delivered to execution resource `cpu`
 * of OS `os` (its vCPU `cpu` in a VM, its core cores[cpu] in AMP). */
struct irq_source_config {
        char *name;
        enum irq_source_kind kind;
        uint32_t irq;
        size_t os;            /* index into scenario oses (a VM's guest under a hypervisor) */
        size_t cpu;           /* the OS's execution resource */
        sim_time_t period_ps; /* timer */
        sim_time_t offset_ps; /* timer: first edge */
        sim_time_t jitter_ps; /* timer: each edge late by a uniform draw in [0, jitter] */
        size_t from_os;       /* doorbell: the producer's OS (index into scenario oses) */
        char *from_task;      /* doorbell: the producer task's name in it */
};

/* A start-up (a VM's or an AMP OS's "boot"; present false: it runs from time 0, nothing to
 * load). creation_cycles (partition creation by the hypervisor for a VM; the boot loader's and
 * kernel's initialisation for an AMP OS) and the image load (image_bytes at load_bytes_per_s)
 * execute on the core of the VM's vCPU 0 (as hypervisor work) or the OS's first core, starting
 * at 0 or when VM/OS `after` has booted; its tasks are first released when that work ends. */
struct boot_config {
        bool present;
        uint64_t image_bytes;
        uint64_t load_bytes_per_s; /* > 0 when present */
        uint64_t creation_cycles;
        size_t after; /* index of an earlier VM or OS; SIZE_MAX: none */
};

/*
 * An operating system: in an AMP design (top-level "oses") one that owns platform cores; under
 * a hypervisor the guest of one VM (then vm != NULL, and oses[i] is the guest of
 * hypervisor->vms[i]). Its i-th execution resource is platform core cores[i] in AMP, and vCPU
 * i of its VM in a VM, whose physical core is cores[i] (several vCPUs may share one).
 */
struct os_config {
        char *name;
        char *entity; /* "os/<name>" in AMP, "vm/<name>" for a VM's guest */
        const struct hv_vm_config *vm;
        enum os_scheduler scheduler;
        uint64_t context_switch_cycles;
        sim_time_t fair_target_latency_ps;  /* fair: 0 = OS_FAIR_DEFAULT_TARGET_LATENCY_PS */
        sim_time_t fair_min_granularity_ps; /* fair: 0 = OS_FAIR_DEFAULT_MIN_GRANULARITY_PS */
        size_t core_count;
        size_t *cores; /* indices into platform cores, one per execution resource */
        size_t task_count;
        struct task_config *tasks;
        uint64_t colour_mask; /* LLC page colours of its memory (bit c = colour c); 0: all */
        uint64_t way_mask;    /* LLC ways its cores allocate in; 0: all */
        uint64_t exception_entry_cycles; /* taking an interrupt: vector entry up to the ISR */
        size_t isr_count;
        struct isr_config *isrs;
        struct boot_config boot; /* AMP only (a VM's is vm->boot) */
        /* Periodic tick ("tick_<unit>"; 0: tickless): a timer interrupt `tick_irq` on each of
         * its CPUs every tick_period_ps (first edge one period after the start, sources
         * "<os>_tick", "<os>_tick<i>" of irq_sources), taken by the ISR "tick" of
         * tick_isr_cycles that the loader adds to isrs. A ticked OS takes its scheduler's
         * time-based decisions (fair time slices) at its ticks (models/os/guest_os.h). */
        sim_time_t tick_period_ps;
        uint64_t tick_isr_cycles;
        uint32_t tick_irq;
};

/* ---- hypervisor ---- */

/* A window's vm index meaning "no VM": the core idles. */
#define HV_IDLE SIZE_MAX

/* Xen RTDS defaults (xen/common/sched/rt.c: RTDS_DEFAULT_PERIOD, RTDS_DEFAULT_BUDGET) and its
 * minimum period and budget (RTDS_MIN_PERIOD, RTDS_MIN_BUDGET, newer versions). */
#define HV_RTDS_DEFAULT_PERIOD_PS (10 * SIM_PS_PER_MS)
#define HV_RTDS_DEFAULT_BUDGET_PS (4 * SIM_PS_PER_MS)
#define HV_RTDS_MIN_PS            (10 * SIM_PS_PER_US)
/* Xen credit1: 30 ms time slice (sched_credit_tslice_ms default), default weight 256. */
#define HV_CREDIT_DEFAULT_TIMESLICE_PS (30 * SIM_PS_PER_MS)
#define HV_CREDIT_DEFAULT_WEIGHT       256
/* Bounds of the hypervisor's memory footprint keys (they stay inside its region). */
#define HV_MAX_VCPU_CONTEXT_BYTES     (64u << 10)
#define HV_MAX_TLB_REFILL_WALKS       4096u
#define HV_MAX_FOOTPRINT_INSTRUCTIONS (1u << 30)

enum hv_policy {
        HV_POLICY_STATIC,
        HV_POLICY_ARINC653,
        HV_POLICY_FIXED_PRIORITY,
        HV_POLICY_RTDS,
        HV_POLICY_CREDIT
};

/* The loader fills every default in; the hypervisor model also accepts 0 for "default" where
 * noted, for configurations built by hand. */
struct hv_vcpu_config {
        size_t core;          /* index into the platform (= hypervisor) cores */
        uint32_t priority;    /* fixed_priority: higher = more urgent, unique per core */
        sim_time_t budget_ps; /* fixed_priority (> 0), rtds (0 = default) */
        sim_time_t period_ps; /* fixed_priority (> 0), rtds (0 = default) */
        bool extra_time;      /* rtds: may run in slack once its budget is spent */
        uint32_t weight;      /* credit: 0 = default */
        uint32_t cap_percent; /* credit: 0 = uncapped, else at most this % of its core */
};

struct hv_vm_config {
        char *name;
        size_t vcpu_count;
        struct hv_vcpu_config *vcpus;
        struct boot_config boot;
};

/* One ARINC 653 window: `duration_ps` for vCPU `vcpu` of VM `vm` (vm == HV_IDLE: idle). */
struct hv_window_config {
        size_t vm;
        size_t vcpu;
        sim_time_t duration_ps;
};

/* The cyclic schedule of one core: windows back to back from the frame start; the rest of the
 * major frame after the last window is idle. */
struct hv_core_schedule_config {
        sim_time_t major_frame_ps;
        size_t window_count;
        struct hv_window_config *windows;
};

struct hv_config {
        enum hv_policy policy;
        uint64_t world_switch_cycles;
        uint64_t trap_entry_cycles;
        uint64_t trap_exit_cycles;
        /* The trapped interrupt path (models/hv/hypervisor.h): exception entry to EL2, the
         * hypervisor's IRQ handling (acknowledge, find the target vCPU), the injection into a
         * list register, exception return. */
        uint64_t irq_entry_cycles;
        uint64_t irq_handling_cycles;
        uint64_t irq_injection_cycles;
        uint64_t irq_exit_cycles;
        bool direct_injection; /* physical interrupts go straight to the resident vCPU */
        bool direct_vsgi;      /* SGIs between vCPUs reach a resident target directly */
        /* With the memory models: handling + injection run as `irq_instructions` of this
         * profile over the hypervisor's own region (NULL: plain cycles). */
        const struct memory_profile_config *irq_profile;
        uint64_t irq_instructions;
        /* With the memory models and an irq_profile (the hypervisor's region and colours),
         * world switches and traps touch memory too (models/hv/hypervisor.h); 0: that part
         * is absent, and without them all four are ignored. */
        uint64_t vcpu_context_bytes;        /* saved and restored per world switch */
        uint64_t world_switch_instructions; /* of irq_profile per world switch */
        uint64_t trap_instructions;         /* of irq_profile per trap */
        uint64_t tlb_refill_walks;          /* stage-2 table loads after a switch of VM */
        uint64_t colour_mask; /* LLC colours of the hypervisor's code and data; 0: uncoloured */
        char *profile_name;   /* the "profile" file's name, NULL without one */
        char *profile_file;   /* its path (resolved against the scenario's), NULL without one */
        sim_time_t credit_timeslice_ps; /* credit: slice and accounting period, 0 = 30 ms */
        size_t vm_count;
        struct hv_vm_config *vms;
        size_t schedule_count; /* arinc653: one per physical core, in core order */
        struct hv_core_schedule_config *schedules;
};

/* ---- requirements ---- */
struct requirement_config {
        char *metric; /* full path: entity path + "/" + metric name, as in summary.json */
        char *entity; /* the entity part, e.g. "os/rtos/task/brake" */
        char *name;   /* the metric part, e.g. "response_time_p99_us" */
        bool has_max;
        double max;
        bool has_min;
        double min;
};

/* ---- cause-effect chains ---- */

/* One stage of a chain: task `task` of OS `os` (indices into the scenario), by name too. */
struct chain_stage_config {
        char *os; /* the OS's or VM's name */
        char *task;
        size_t os_index;
        size_t task_index;
};

/* A cause-effect chain ("chains"): tasks passing data along, measured end to end
 * (analysis/chains.h: entity chain/<name>, reaction_time and data_age). */
struct chain_config {
        char *name;
        size_t stage_count;
        struct chain_stage_config *stages;
};

/* ---- run ---- */
enum fidelity { FIDELITY_DETAILED, FIDELITY_FAST };

struct run_config {
        sim_time_t duration_ps;
        uint64_t seed;
        enum fidelity fidelity;
        bool slowdown_reference; /* also run each profiled task alone: its `slowdown` */
};

/* ---- virtual devices (scenario "devices"; parsed by sim/scenario_devices.c) ---- */

/* A virtio device of a scenario (models/platform_devices.h wires it): the guest driver on
 * execution resource `cpu` of OS `os`, a virtqueue of `queue_size` in guest RAM, the SPI `irq`
 * that completes requests (an ISR for it in the driver's OS is required), a backend placed as
 * `placement`, a device service model of `kind` and a workload. The loader appends the device's
 * SPIs to the scenario's interrupt sources (named "<device>" for `irq`, "<device>_wake" for
 * `wake_irq`), so the GIC routes them and irq/... metrics exist for them. */
enum device_kind { DEVICE_BLK, DEVICE_NET, DEVICE_CONSOLE, DEVICE_CAN, DEVICE_RNG };
enum device_placement {
        DEVICE_BACKEND_HYPERVISOR,   /* in the hypervisor: runs at the end of the notify trap */
        DEVICE_BACKEND_SERVICE_VM,   /* a service VM's vCPU, woken by a virtual SGI / an SPI */
        DEVICE_BACKEND_POLLING_CORE, /* polls the ring from a dedicated core */
        DEVICE_BACKEND_PASSTHROUGH,  /* the device itself: MMIO doorbell, DMA on the rings */
        DEVICE_BACKEND_SHARED_MEMORY /* AMP: another OS's core, SGI doorbell (OpenAMP-like) */
};
enum device_arrival {
        DEVICE_ARRIVAL_PERIODIC,
        DEVICE_ARRIVAL_POISSON,
        DEVICE_ARRIVAL_CLOSED,
        DEVICE_ARRIVAL_TASK /* each job of task `issuer_task` (driver's OS and CPU) submits */
};

/* Another ECU on a CAN device's bus: one frame every period. */
struct device_can_sender {
        uint32_t id;
        bool extended;
        uint32_t bytes;
        sim_time_t period_ps;
        sim_time_t offset_ps;
};

struct device_config {
        char *name;
        enum device_kind kind;
        /* driver side */
        size_t os;  /* index into scenario oses (a VM's guest under a hypervisor) */
        size_t cpu; /* the OS's execution resource running the driver */
        sim_time_t driver_submit_ps, driver_complete_ps; /* software beyond the ring accesses */
        /* transport and ring */
        uint32_t irq; /* completion SPI, to the driver */
        uint32_t queue_size;
        bool packed;
        bool event_idx;
        /* backend */
        enum device_placement placement;
        uint64_t notify_cycles;         /* hypervisor's QueueNotify trap handler (MMIO emulation) */
        sim_time_t mmio_write_ps;       /* passthrough / shared memory: the doorbell write */
        sim_time_t backend_request_ps;  /* backend software per request beyond ring accesses */
        size_t backend_os, backend_cpu; /* service_vm, shared_memory */
        uint32_t doorbell_sgi;          /* service_vm, shared_memory: SGI to the backend */
        uint32_t wake_irq;              /* service_vm, shared_memory: SPI to the backend */
        size_t poll_core;               /* polling_core: platform core */
        sim_time_t poll_ps;             /* polling_core: interval between looks */
        bool backend_thread;            /* service_vm, shared_memory: the backend is a thread, */
        size_t backend_task;            /* ... this event task of the backend's OS (its CPU) */
        /* device service model (the fields of its kind) */
        uint32_t blk_channels, blk_stripe_sectors;
        uint64_t blk_capacity_sectors, blk_channel_bytes_per_s;
        sim_time_t blk_read_ps, blk_write_ps, blk_flush_ps;
        bool payload_by_cpu;
        uint64_t net_bit_rate;
        uint32_t net_mtu;
        uint64_t console_baud;
        uint64_t rng_bytes_per_s;
        uint64_t can_bit_rate;
        size_t can_sender_count;
        struct device_can_sender *can_senders;
        /* workload */
        enum device_arrival arrival;
        sim_time_t interval_ps; /* periodic / poisson */
        uint32_t queue_depth;   /* closed */
        sim_time_t think_ps;    /* closed */
        uint32_t bytes;
        uint32_t read_permille; /* blk */
        bool random;            /* address pattern: random, else sequential */
        uint64_t address_base, address_span, address_step;
        bool can_extended;
        uint64_t count;
        sim_time_t start_ps;
        size_t issuer_task;     /* task: index in the driver's OS */
        uint32_t task_requests; /* task: requests each job submits at the end of its work */
        bool task_wait;         /* task: the job waits for them (synchronous I/O) */
};

/* The device named `name` (its index), or -1; and the metric names a requirement may use on a
 * device entity "dev/<device>" (NULL-terminated). */
struct scenario;
long scenario_find_device(const struct scenario *scenario, const char *name);
extern const char *const scenario_device_metrics[];

struct scenario {
        char *name;
        char *description;
        char *file;
        struct run_config run;
        struct platform_config platform;
        struct hv_config *hypervisor; /* NULL in an AMP design */
        size_t os_count;              /* AMP: the OSes; with a hypervisor: one guest per VM */
        struct os_config *oses;
        size_t requirement_count;
        struct requirement_config *requirements;
        size_t profile_count;
        struct memory_profile_config *profiles;
        size_t shared_region_count; /* scenario "shared_regions" */
        struct shared_region_config *shared_regions;
        struct regulation_config regulation;
        size_t irq_source_count;
        struct irq_source_config *irq_sources;
        size_t chain_count; /* scenario "chains" */
        struct chain_config *chains;
        size_t device_count; /* scenario "devices" */
        struct device_config *devices;
};

/*
 * Load and validate `path`. Returns 0 and fills *out (free it with scenario_free), -EINVAL on
 * bad input (diag filled), -ENOENT when a file cannot be read (diag filled), -ENOMEM.
 */
int scenario_load(const char *path, struct scenario *out, struct scenario_diag *diag);
void scenario_free(struct scenario *scenario);

/* Lookups by name; NULL or -1 when absent. scenario_find_os finds AMP OSes and VM guests. */
const struct os_config *scenario_find_os(const struct scenario *scenario, const char *name);
long platform_find_core(const struct platform_config *platform, const char *name);
long scenario_find_vm(const struct hv_config *hypervisor, const char *name);

/* The index of the execution resource of `os` that `task` runs on (its vCPU in a VM, its core's
 * position in os->cores in AMP), or -1 when it names none. */
long scenario_task_cpu(const struct os_config *os, const struct task_config *task);

/*
 * The entity path of task `task_index` of OS `os_index`: "os/<os>/task/<task>" in AMP,
 * "vm/<vm>/task/<task>" for a VM's guest, as in summary.json. Returns what snprintf returns.
 */
int scenario_task_entity(char *buf, size_t size, const struct scenario *scenario, size_t os_index,
                         size_t task_index);

/*
 * Metric names a requirement may use on a task entity ("os/<os>/task/<task>" or
 * "vm/<vm>/task/<task>"), a core entity ("core/<core>") and the hypervisor's entities
 * ("hv/core/<core>", "hv/vm/<vm>", "hv/vm/<vm>/vcpu/<i>"); scenario_load rejects others.
 * NULL-terminated lists.
 */
extern const char *const scenario_task_metrics[];
extern const char *const scenario_core_metrics[];
extern const char *const scenario_hv_core_metrics[];
extern const char *const scenario_hv_vm_metrics[];
extern const char *const scenario_hv_vcpu_metrics[];
/* ... and on an interrupt entity "irq/<os-or-vm>/<interrupt>". */
extern const char *const scenario_irq_metrics[];
/* ... on an AMP OS entity "os/<os>" (an OS with a "boot"), and on a chain entity
 * "chain/<chain>". */
extern const char *const scenario_os_metrics[];
extern const char *const scenario_chain_metrics[];

#endif
