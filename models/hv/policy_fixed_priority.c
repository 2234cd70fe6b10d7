/*
 * Fixed-priority vCPU scheduling over deferrable servers: each vCPU has a priority (unique on
 * its core), a budget and a period. Its budget is full at every period start (periods are
 * aligned to time 0), is spent only while the vCPU holds its core (world switch and traps
 * included) and is kept while it idles (deferrable, not sporadic: an idle server does not lose
 * its budget, and the budget does not come back one period after use but at the next period
 * start). The highest-priority runnable vCPU with budget left runs; a vCPU whose budget is
 * spent waits for its replenishment even if the core is idle (no slack reclaiming). Rules:
 * 0 < budget <= period, priorities unique per core. A budget equal to the period never runs
 * out: that vCPU is scheduled purely by priority.
 */
#include <errno.h>

#include "models/hv/hypervisor_priv.h"

static bool hv_fixed_priority_same(const struct hv_vcpu_config *a, const struct hv_vcpu_config *b)
{
        return a->priority == b->priority;
}

static int hv_fixed_priority_check(const struct hv_config *config, size_t core_count)
{
        (void)core_count;
        for (size_t v = 0; v < config->vm_count; v++) {
                for (size_t i = 0; i < config->vms[v].vcpu_count; i++) {
                        const struct hv_vcpu_config *vcpu = &config->vms[v].vcpus[i];

                        if (vcpu->budget_ps == 0 || vcpu->budget_ps > vcpu->period_ps)
                                return -EINVAL;
                }
        }
        return hv_check_pairs_on_core(config, hv_fixed_priority_same);
}

static int hv_fixed_priority_create(struct hv *hv, void **state)
{
        return hv_servers_create(hv, 0, 0, state);
}

static struct hv_pick hv_fixed_priority_pick(void *state, struct hv_pcpu *pcpu, sim_time_t now)
{
        struct hv_server *servers = state;
        struct hv_pick pick = { .vcpu = NULL, .until_ps = SIM_TIME_MAX };

        for (size_t i = 0; i < pcpu->vcpu_count; i++) {
                struct hv_vcpu *vcpu = pcpu->vcpus[i];
                struct hv_server *server = &servers[vcpu->index];

                if (!hv_vcpu_runnable(vcpu))
                        continue;
                hv_server_update(server, now);
                /* A runnable vCPU's replenishment may change the choice. */
                if (server->period_end_ps < pick.until_ps)
                        pick.until_ps = server->period_end_ps;
                if (server->left_ps > 0 &&
                    (pick.vcpu == NULL || vcpu->config->priority > pick.vcpu->config->priority))
                        pick.vcpu = vcpu;
        }
        if (pick.vcpu != NULL) {
                sim_time_t exhausted = now + servers[pick.vcpu->index].left_ps;

                if (exhausted < pick.until_ps)
                        pick.until_ps = exhausted;
        }
        return pick;
}

const struct hv_policy_ops hv_policy_fixed_priority_ops = {
        .name = "fixed_priority",
        .check = hv_fixed_priority_check,
        .create = hv_fixed_priority_create,
        .destroy = hv_servers_destroy,
        .charge = hv_servers_charge,
        .pick = hv_fixed_priority_pick,
};
