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
        HV_PCPU_GUEST   /* guest work of `current` */
};

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
        sim_time_t trap_pending_ps; /* trap work waiting to execute */
        sim_time_t runnable_since_ps;
        struct metric *wait_time;
        struct metric *run_time;
        struct metric *traps;
        struct metric *vm_run_time;
        char *trace_name;   /* "<vm>_vcpu<i>", with a trace sink */
        bool trace_started; /* it has held its core: later dispatches resume it */
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
        uint32_t trace_track;
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
        int error;
};

extern const struct hv_policy_ops hv_policy_static_ops;
extern const struct hv_policy_ops hv_policy_arinc653_ops;
extern const struct hv_policy_ops hv_policy_fixed_priority_ops;
extern const struct hv_policy_ops hv_policy_rtds_ops;
extern const struct hv_policy_ops hv_policy_credit_ops;

/* Guest work or a trap is waiting. */
static inline bool hv_vcpu_runnable(const struct hv_vcpu *vcpu)
{
        return vcpu->busy || vcpu->trap_pending_ps > 0;
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
