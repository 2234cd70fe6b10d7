/*
 * RTDS (Xen's real-time deferrable server scheduler, xen/common/sched/rt.c), partitioned: each
 * vCPU is a deferrable server with a period, a budget (defaults 10 ms and 4 ms as Xen's
 * RTDS_DEFAULT_PERIOD/BUDGET) and an extra-time flag, pinned to its core. At every period
 * start (periods aligned to time 0) the budget is refilled and the deadline set to the period
 * end; the budget is spent only while the vCPU holds its core and kept while it idles. Among
 * the core's runnable vCPUs with budget left, the earliest deadline runs (EDF; equal deadlines
 * go to the lower vCPU index). When none has budget left, runnable vCPUs with extra time run
 * in the slack, again earliest deadline first (Xen moves a depleted extra-time unit one
 * priority level down and refills it; here it simply runs unaccounted below every vCPU with
 * budget until its next replenishment). Differences from Xen: partitioned instead of global
 * EDF, and no admission control beyond budget <= period. Rules: budget and period >= 10 us
 * (RTDS_MIN_PERIOD/BUDGET) after defaults, budget <= period.
 */
#include <errno.h>

#include "models/hv/hypervisor_priv.h"

static sim_time_t hv_rtds_period(const struct hv_vcpu_config *config)
{
        return config->period_ps != 0 ? config->period_ps : HV_RTDS_DEFAULT_PERIOD_PS;
}

static sim_time_t hv_rtds_budget(const struct hv_vcpu_config *config)
{
        return config->budget_ps != 0 ? config->budget_ps : HV_RTDS_DEFAULT_BUDGET_PS;
}

static int hv_rtds_check(const struct hv_config *config, size_t core_count)
{
        (void)core_count;
        for (size_t v = 0; v < config->vm_count; v++) {
                for (size_t i = 0; i < config->vms[v].vcpu_count; i++) {
                        const struct hv_vcpu_config *vcpu = &config->vms[v].vcpus[i];
                        sim_time_t budget = hv_rtds_budget(vcpu), period = hv_rtds_period(vcpu);

                        if (budget < HV_RTDS_MIN_PS || period < HV_RTDS_MIN_PS || budget > period)
                                return -EINVAL;
                }
        }
        return 0;
}

static int hv_rtds_create(struct hv *hv, void **state)
{
        return hv_servers_create(hv, HV_RTDS_DEFAULT_BUDGET_PS, HV_RTDS_DEFAULT_PERIOD_PS, state);
}

/* Whether `a` goes before `b` (NULL) in one priority level: earlier deadline, then index. */
static bool hv_rtds_before(const struct hv_server *servers, const struct hv_vcpu *a,
                           const struct hv_vcpu *b)
{
        if (b == NULL)
                return true;
        return servers[a->index].period_end_ps < servers[b->index].period_end_ps;
}

static struct hv_pick hv_rtds_pick(void *state, struct hv_pcpu *pcpu, sim_time_t now)
{
        struct hv_server *servers = state;
        struct hv_vcpu *with_budget = NULL, *extra = NULL;
        struct hv_pick pick = { .vcpu = NULL, .until_ps = SIM_TIME_MAX };

        for (size_t i = 0; i < pcpu->vcpu_count; i++) {
                struct hv_vcpu *vcpu = pcpu->vcpus[i];
                struct hv_server *server = &servers[vcpu->index];

                if (!hv_vcpu_runnable(vcpu))
                        continue;
                hv_server_update(server, now);
                if (server->period_end_ps < pick.until_ps)
                        pick.until_ps = server->period_end_ps;
                if (server->left_ps > 0) {
                        if (hv_rtds_before(servers, vcpu, with_budget))
                                with_budget = vcpu;
                } else if (vcpu->config->extra_time && hv_rtds_before(servers, vcpu, extra)) {
                        extra = vcpu;
                }
        }
        if (with_budget != NULL) {
                sim_time_t exhausted = now + servers[with_budget->index].left_ps;

                pick.vcpu = with_budget;
                if (exhausted < pick.until_ps)
                        pick.until_ps = exhausted;
        } else {
                pick.vcpu = extra;
        }
        return pick;
}

const struct hv_policy_ops hv_policy_rtds_ops = {
        .name = "rtds",
        .check = hv_rtds_check,
        .create = hv_rtds_create,
        .destroy = hv_servers_destroy,
        .charge = hv_servers_charge,
        .pick = hv_rtds_pick,
};
