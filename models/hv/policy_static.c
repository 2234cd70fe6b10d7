/*
 * Static partitioning (Jailhouse, Bao, Xen's null scheduler): every vCPU is pinned to a core
 * of its own and runs whenever it has work; there is no scheduling and no timer. A core
 * without a vCPU stays idle. Rule: at most one vCPU per core. Since the vCPU never leaves its
 * core, the only world switch is the first load of its context.
 */
#include <stddef.h>

#include "models/hv/hypervisor_priv.h"

static bool hv_static_always(const struct hv_vcpu_config *a, const struct hv_vcpu_config *b)
{
        (void)a;
        (void)b;
        return true;
}

static int hv_static_check(const struct hv_config *config, size_t core_count)
{
        (void)core_count;
        return hv_check_pairs_on_core(config, hv_static_always);
}

static int hv_static_create(struct hv *hv, void **state)
{
        *state = hv; /* no state of its own; non-NULL marks it created */
        return 0;
}

static void hv_static_destroy(void *state)
{
        (void)state;
}

static void hv_static_charge(void *state, struct hv_vcpu *vcpu, sim_time_t held_ps)
{
        (void)state;
        (void)vcpu;
        (void)held_ps;
}

static struct hv_pick hv_static_pick(void *state, struct hv_pcpu *pcpu, sim_time_t now)
{
        struct hv_pick pick = { .vcpu = NULL, .until_ps = SIM_TIME_MAX };

        (void)state;
        (void)now;
        if (pcpu->vcpu_count == 1 && hv_vcpu_runnable(pcpu->vcpus[0]))
                pick.vcpu = pcpu->vcpus[0];
        return pick;
}

const struct hv_policy_ops hv_policy_static_ops = {
        .name = "static",
        .check = hv_static_check,
        .create = hv_static_create,
        .destroy = hv_static_destroy,
        .charge = hv_static_charge,
        .pick = hv_static_pick,
};
