/*
 * hypervisor_priv: what the hypervisor core shares with its scheduling policies.
 *
 * A policy sees the physical cores (struct hv_pcpu, each with the vCPUs pinned to it) and the
 * vCPUs, and implements struct hv_policy_ops. The hypervisor calls, for one core at a time and
 * always in this order at a decision: charge(current vCPU, time it held the core since the last
 * call), then pick(). pick returns the runnable vCPU to run now (or NULL to idle) and the time
 * at which the hypervisor must decide again at the latest (SIM_TIME_MAX for never; otherwise
 * later than now). Other decisions happen whenever a vCPU of the core becomes runnable or
 * stops being runnable. A vCPU's time on the core counts from its dispatch, world switch and
 * traps included. Policies keep their per-vCPU and per-core state in arrays indexed by
 * vcpu->index and pcpu->index.
 */
#ifndef MOSAIC_HV_HYPERVISOR_PRIV_H
#define MOSAIC_HV_HYPERVISOR_PRIV_H

#include "models/hv/hypervisor.h"

enum hv_pcpu_state {
        HV_PCPU_FREE,   /* executing nothing */
        HV_PCPU_SWITCH, /* a world switch to `current` */
        HV_PCPU_TRAP,   /* a trap of `current` */
        HV_PCPU_IRQ,    /* a physical interrupt, for `irq_vcpu` (any vCPU, or none running) */
        HV_PCPU_GUEST,  /* guest work of `current` */
        HV_PCPU_BOOT    /* the start-up of VM `boot_vm` (hv_boot) */
};

/* Where a VM's start-up is (hv_boot). */
enum hv_boot_state { HV_BOOT_NONE, HV_BOOT_WAITING, HV_BOOT_QUEUED, HV_BOOT_RUNNING, HV_BOOT_DONE };

struct hv_vm_boot {
        enum hv_boot_state state;
        sim_time_t work_ps;       /* creation + image load on the core of the VM's vCPU 0 */
        struct metric *boot_time; /* gauge, ps; NULL without a boot description */
        char *trace_name;         /* "boot_<vm>", with a trace sink */
};

/* A virtual SGI on its way from one vCPU to another (hv_vcpu_send_sgi). */
struct hv_sgi {
        struct hv_vcpu *to;
        uint32_t sgi;
        sim_time_t edge_ps; /* the sender's write */
};

/* A queue of them: a sender's, delivered when its trap ends; a core's mailbox, delivered by
 * the interrupt path of the hypervisor's IPI on that core. */
struct hv_sgi_queue {
        struct hv_sgi *items;
        size_t count;
        size_t capacity;
};

/* The pieces of the trapped interrupt path: with a memory profile the handling runs as a
 * segment between the plain entry and exit; without, the whole path is one plain piece. */
enum hv_irq_stage { HV_IRQ_ENTRY, HV_IRQ_HANDLING, HV_IRQ_EXIT };

/* A piece of a world switch or trap with memory (hv_set_irq_memory and the config's footprint
 * keys): plain picoseconds on the core, or `instructions` of `profile` drawn from `gen` as a
 * segment in the hypervisor's colours. */
struct hv_piece {
        const struct mem_profile *profile; /* NULL: plain_ps of plain work */
        struct mem_gen *gen;
        uint64_t instructions;
        sim_time_t plain_ps;
};

/* plain, save, hypervisor code, restore, stage-2 walks */
#define HV_MAX_PIECES 5

struct hv_vcpu {
        struct hv *hv;
        const struct hv_vcpu_config *config;
        size_t index; /* over all VMs, VM after VM */
        size_t vm;
        struct hv_pcpu *pcpu;
        /* guest work, as the guest's exec_port sees it */
        bool busy;
        sim_time_t remaining_ps;
        struct mem_exec_segment *segment; /* guest work as a memory segment, else NULL */
        exec_done_fn done;
        void *done_arg;
        sim_time_t trap_pending_ps;  /* trap work waiting to execute */
        uint64_t trap_pending_count; /* ... the number of traps it merges */
        sim_time_t runnable_since_ps;
        struct metric *wait_time;
        struct metric *run_time;
        struct metric *traps;
        struct metric *vm_run_time;
        char *trace_name;   /* "<vm>_vcpu<i>", with a trace sink */
        bool trace_started; /* it has held its core: later dispatches resume it */
        /* virtual interrupts (list registers): pending ids and their physical edges */
        uint64_t *virq_pending; /* bit per id, NULL without hv_set_interrupts */
        sim_time_t *virq_edge_ps;
        size_t virq_count;
        struct irq_signal guest_signal;
        void (*trap_done)(void *arg); /* hv_vcpu_set_trap_hook, or NULL */
        void *trap_done_arg;
        struct hv_sgi_queue outbound; /* SGIs sent, delivered at the end of its trap */
        /* per-VM page colours of its segments on the core (hv_set_vm_colours) */
        bool own_colours;
        uint64_t colour_mask;
        uint64_t colour_base;
        /* its context area (save and restore streams), with hv_set_irq_memory */
        struct mem_gen context_save;
        struct mem_gen context_restore;
};

struct hv_pcpu {
        struct hv *hv;
        size_t index;
        struct exec_port port;
        struct mem_exec_port segments; /* ops NULL: no memory model */
        size_t vcpu_count;
        struct hv_vcpu **vcpus;  /* pinned here, in vCPU index order */
        struct hv_vcpu *current; /* chosen by the policy */
        struct hv_vcpu *loaded;  /* whose context the core holds */
        enum hv_pcpu_state state;
        sim_time_t work_started_ps; /* of the core work in progress */
        sim_time_t work_ps;         /* hypervisor work in progress */
        sim_time_t current_since_ps;
        bool decide_after_work;
        sim_event_id decision;
        sim_event_id until_event;
        sim_time_t until_ps;
        sim_time_t world_switch_ps;
        sim_time_t trap_entry_ps;
        sim_time_t trap_exit_ps;
        struct metric *hypervisor_time;
        struct metric *world_switches;
        struct metric *world_switch_time; /* NULL unless the config has a footprint key */
        /* the world switch or trap with memory in progress: pieces[piece_next - 1] runs */
        struct hv_piece pieces[HV_MAX_PIECES];
        size_t piece_count; /* 0: plain work as one piece */
        size_t piece_next;
        bool piece_on_segment;
        struct mem_exec_segment piece_segment;
        uint32_t trace_track;
        /* physical interrupts (hv_set_interrupts); irq.ops NULL: none */
        struct irq_cpu_port irq;
        struct hv_vcpu **irq_routes; /* per id: the vCPU it is for on this core */
        struct metric **irq_merged;  /* per id: absorbed by a pending virtual one, or NULL */
        struct hv_sgi_queue mailbox; /* SGIs from other cores, for the hypervisor's IPI */
        enum hv_irq_stage irq_stage;
        struct hv_vcpu *irq_vcpu;
        uint32_t irq_id;
        sim_time_t irq_edge_ps;
        sim_time_t irq_started_ps;
        bool irq_on_segment;     /* the handling segment executes */
        sim_time_t irq_entry_ps; /* all of the path when there is no memory profile */
        sim_time_t irq_handling_ps;
        sim_time_t irq_exit_ps;
        struct mem_gen irq_gen;
        struct mem_exec_segment irq_segment;
        struct metric *irq_time;
        struct metric *irqs;
        size_t boot_vm; /* HV_PCPU_BOOT: whose start-up executes */
};

struct hv_pick {
        struct hv_vcpu *vcpu;
        sim_time_t until_ps;
};

struct hv_policy_ops {
        const char *name;
        /* Policy rules on top of hv_check_config's: 0 or -EINVAL. */
        int (*check)(const struct hv_config *config, size_t core_count);
        /* State for `hv` (its cores and vCPUs are set up): 0 or -ENOMEM. */
        int (*create)(struct hv *hv, void **state);
        void (*destroy)(void *state);
        void (*charge)(void *state, struct hv_vcpu *vcpu, sim_time_t held_ps);
        struct hv_pick (*pick)(void *state, struct hv_pcpu *pcpu, sim_time_t now);
};

struct hv {
        struct sim *sim;
        const struct hv_config *config;
        const struct hv_policy_ops *policy;
        void *policy_state;
        size_t pcpu_count;
        struct hv_pcpu *pcpus;
        size_t vcpu_count;
        struct hv_vcpu *vcpus;
        struct trace_sink *trace; /* NULL: no tracing */
        uint32_t irq_limit;       /* 0: no interrupts */
        /* physical IPIs between the hypervisor's instances (hv_set_ipi) */
        int (*send_ipi)(void *arg, uint32_t sgi, size_t core);
        void *send_ipi_arg;
        uint32_t ipi_sgi;
        bool irq_profiled; /* handling as a segment of irq_profile */
        struct mem_profile irq_profile;
        uint64_t irq_instructions;
        uint64_t irq_colour_mask;
        uint64_t irq_colour_base;
        /* world switches and traps with memory (hv_set_irq_memory) */
        bool switch_memory;        /* a world switch has memory pieces */
        bool trap_memory;          /* a trap has a segment of trap_instructions */
        uint64_t context_accesses; /* 8-byte accesses of one save or restore */
        struct mem_profile context_save_profile;
        struct mem_profile context_restore_profile;
        struct mem_profile walk_profile;
        struct mem_gen *walk_gens; /* per VM: its stage-2 table lines */
        struct hv_vm_boot *boots;  /* per VM */
        size_t boots_queued;       /* VMs in HV_BOOT_QUEUED */
        sim_event_id boot_event;   /* the first start-ups, at hv_boot's instant */
        hv_booted_fn booted;
        void *booted_arg;
        int error;
};

extern const struct hv_policy_ops hv_policy_static_ops;
extern const struct hv_policy_ops hv_policy_arinc653_ops;
extern const struct hv_policy_ops hv_policy_fixed_priority_ops;
extern const struct hv_policy_ops hv_policy_rtds_ops;
extern const struct hv_policy_ops hv_policy_credit_ops;

/* Guest work, a trap or a virtual interrupt is waiting. */
static inline bool hv_vcpu_runnable(const struct hv_vcpu *vcpu)
{
        return vcpu->busy || vcpu->trap_pending_ps > 0 || vcpu->virq_count > 0;
}

/* Index over all VMs of vCPU `vcpu` of VM `vm`; SIZE_MAX when absent. */
size_t hv_vcpu_index(const struct hv_config *config, size_t vm, size_t vcpu);

/* Deferrable-server budget state shared by fixed_priority and rtds: full budget at every
 * period start, spent only while the vCPU holds its core, kept while it idles. */
struct hv_server {
        sim_time_t budget_ps;
        sim_time_t period_ps;
        sim_time_t left_ps;
        sim_time_t period_end_ps; /* next replenishment; the deadline in rtds */
};

/* Replenish for every period start <= now. */
void hv_server_update(struct hv_server *server, sim_time_t now);

/* Policy state of one full server per vCPU (an array indexed by vCPU index), with the vCPU's
 * budget and period, or the defaults where the config has 0: 0 or -ENOMEM. */
int hv_servers_create(const struct hv *hv, sim_time_t default_budget_ps,
                      sim_time_t default_period_ps, void **state);
void hv_servers_destroy(void *state);
/* Spend held_ps of the vCPU's budget (never below 0). */
void hv_servers_charge(void *state, struct hv_vcpu *vcpu, sim_time_t held_ps);

/* -EINVAL when some two vCPUs on one core are in conflict, else 0. */
int hv_check_pairs_on_core(const struct hv_config *config,
                           bool (*conflict)(const struct hv_vcpu_config *a,
                                            const struct hv_vcpu_config *b));

#endif
