/*
 * Credit: proportional share with weights and caps, after Xen's credit1 scheduler, per core
 * (vCPUs do not migrate, so there is no load balancing). One time slice T (default 30 ms, as
 * Xen's sched_credit_tslice_ms) is also the accounting period. Rules, per core:
 *   - Accounting at every multiple of T: the active vCPUs (runnable now, or having run in the
 *     period just ended) share T of credit in proportion to their weights (default 256); a
 *     vCPU's credit is then clipped to [-T, its share], so idling does not hoard credit and a
 *     vCPU that ran in slack does not sink forever. Inactive vCPUs earn nothing. Each vCPU's
 *     use in the period restarts at 0.
 *   - Credit is spent exactly (to the picosecond) while a vCPU holds its core, not in ticks.
 *   - UNDER (credit > 0) vCPUs run before OVER (credit <= 0) ones; within a class, the running
 *     vCPU keeps its core until its slice of T ends, then the vCPU that has waited longest
 *     (round-robin order of descheduling) goes first. A vCPU leaves UNDER the instant its
 *     credit reaches 0, so over a period in which all active vCPUs stay busy each runs exactly
 *     its share. OVER vCPUs run only in time no UNDER vCPU wants (work-conserving).
 *   - Cap c% (0 = none): once a vCPU has run c% of T in the current period it is parked (not
 *     eligible) until the next accounting, even if the core is otherwise idle.
 * Differences from Xen credit1: no BOOST priority for waking vCPUs, no 10 ms tick, exact
 * debiting. Rules: cap_percent <= 100, T > 0.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/hv/hypervisor_priv.h"

struct hv_credit_vcpu {
        int64_t credit_ps;
        sim_time_t used_ps; /* in the current accounting period */
        sim_time_t slice_end_ps;
        uint64_t queued; /* round-robin order: smaller waited longer */
        bool ran;        /* held its core in the current period */
};

struct hv_credit {
        struct hv *hv;
        sim_time_t timeslice_ps;
        struct hv_credit_vcpu *vcpus;
        sim_time_t *next_accounting_ps; /* per core */
        uint64_t queue_clock;
};

static sim_time_t hv_credit_timeslice(const struct hv_config *config)
{
        return config->credit_timeslice_ps != 0 ? config->credit_timeslice_ps
                                                : HV_CREDIT_DEFAULT_TIMESLICE_PS;
}

static uint64_t hv_credit_weight(const struct hv_vcpu *vcpu)
{
        return vcpu->config->weight != 0 ? vcpu->config->weight : HV_CREDIT_DEFAULT_WEIGHT;
}

static int hv_credit_check(const struct hv_config *config, size_t core_count)
{
        (void)core_count;
        if (hv_credit_timeslice(config) > INT64_MAX / 2)
                return -EINVAL;
        for (size_t v = 0; v < config->vm_count; v++) {
                for (size_t i = 0; i < config->vms[v].vcpu_count; i++) {
                        if (config->vms[v].vcpus[i].cap_percent > 100)
                                return -EINVAL;
                }
        }
        return 0;
}

static void hv_credit_destroy(void *state)
{
        struct hv_credit *credit = state;

        free(credit->vcpus);
        free(credit->next_accounting_ps);
        free(credit);
}

static int hv_credit_create(struct hv *hv, void **state)
{
        struct hv_credit *credit = calloc(1, sizeof(*credit));

        if (credit == NULL)
                return -ENOMEM;
        credit->hv = hv;
        credit->timeslice_ps = hv_credit_timeslice(hv->config);
        credit->vcpus = calloc(hv->vcpu_count ? hv->vcpu_count : 1, sizeof(*credit->vcpus));
        credit->next_accounting_ps =
            calloc(hv->pcpu_count ? hv->pcpu_count : 1, sizeof(*credit->next_accounting_ps));
        if (credit->vcpus == NULL || credit->next_accounting_ps == NULL) {
                hv_credit_destroy(credit);
                return -ENOMEM;
        }
        for (size_t i = 0; i < hv->vcpu_count; i++)
                credit->vcpus[i].queued = credit->queue_clock++;
        *state = credit;
        return 0;
}

static void hv_credit_charge(void *state, struct hv_vcpu *vcpu, sim_time_t held_ps)
{
        struct hv_credit *credit = state;
        struct hv_credit_vcpu *v = &credit->vcpus[vcpu->index];

        v->credit_ps -= (int64_t)held_ps;
        v->used_ps += held_ps;
        v->ran = v->ran || held_ps > 0;
}

static sim_time_t hv_credit_cap_ps(const struct hv_credit *credit, const struct hv_vcpu *vcpu)
{
        uint32_t cap = vcpu->config->cap_percent;

        return cap == 0 ? SIM_TIME_MAX
                        : credit->timeslice_ps / 100 * cap + credit->timeslice_ps % 100 * cap / 100;
}

static void hv_credit_account(struct hv_credit *credit, struct hv_pcpu *pcpu)
{
        int64_t slice = (int64_t)credit->timeslice_ps;
        uint64_t total_weight = 0;

        for (size_t i = 0; i < pcpu->vcpu_count; i++) {
                struct hv_vcpu *vcpu = pcpu->vcpus[i];

                if (hv_vcpu_runnable(vcpu) || credit->vcpus[vcpu->index].ran)
                        total_weight += hv_credit_weight(vcpu);
        }
        for (size_t i = 0; i < pcpu->vcpu_count; i++) {
                struct hv_vcpu *vcpu = pcpu->vcpus[i];
                struct hv_credit_vcpu *v = &credit->vcpus[vcpu->index];

                if (hv_vcpu_runnable(vcpu) || v->ran) {
                        int64_t share =
                            (int64_t)(credit->timeslice_ps / total_weight * hv_credit_weight(vcpu) +
                                      credit->timeslice_ps % total_weight * hv_credit_weight(vcpu) /
                                          total_weight);

                        v->credit_ps += share;
                        if (v->credit_ps > share)
                                v->credit_ps = share;
                        if (v->credit_ps < -slice)
                                v->credit_ps = -slice;
                }
                v->used_ps = 0;
                v->ran = false;
        }
}

/* Class 0 (UNDER) before 1 (OVER); 2 = not eligible. */
static int hv_credit_class(const struct hv_credit *credit, const struct hv_vcpu *vcpu)
{
        const struct hv_credit_vcpu *v = &credit->vcpus[vcpu->index];

        if (!hv_vcpu_runnable(vcpu) || v->used_ps >= hv_credit_cap_ps(credit, vcpu))
                return 2;
        return v->credit_ps > 0 ? 0 : 1;
}

static sim_time_t hv_credit_min(sim_time_t a, sim_time_t b)
{
        return a < b ? a : b;
}

/* Within one class: the running vCPU while its slice lasts, then round-robin order. */
static bool hv_credit_before(const struct hv_credit *credit, const struct hv_vcpu *vcpu,
                             const struct hv_vcpu *best, const struct hv_vcpu *kept)
{
        if (best == kept)
                return false;
        if (vcpu == kept)
                return true;
        return credit->vcpus[vcpu->index].queued < credit->vcpus[best->index].queued;
}

static struct hv_vcpu *hv_credit_choose(struct hv_credit *credit, struct hv_pcpu *pcpu,
                                        sim_time_t now)
{
        struct hv_vcpu *current = pcpu->current, *kept = NULL, *best = NULL;
        int best_class = 2;

        if (current != NULL) {
                /* The running vCPU goes to the back of the round robin when its slice ends. */
                if (now >= credit->vcpus[current->index].slice_end_ps)
                        credit->vcpus[current->index].queued = credit->queue_clock++;
                else
                        kept = current;
        }
        for (size_t i = 0; i < pcpu->vcpu_count; i++) {
                struct hv_vcpu *vcpu = pcpu->vcpus[i];
                int class = hv_credit_class(credit, vcpu);

                if (class == 2 || class > best_class)
                        continue;
                if (best == NULL || class < best_class ||
                    hv_credit_before(credit, vcpu, best, kept)) {
                        best = vcpu;
                        best_class = class;
                }
        }
        return best;
}

static struct hv_pick hv_credit_pick(void *state, struct hv_pcpu *pcpu, sim_time_t now)
{
        struct hv_credit *credit = state;
        sim_time_t *next_accounting = &credit->next_accounting_ps[pcpu->index];
        struct hv_vcpu *current = pcpu->current;
        struct hv_pick pick = { .vcpu = NULL, .until_ps = SIM_TIME_MAX };
        struct hv_credit_vcpu *v;

        while (now >= *next_accounting) {
                hv_credit_account(credit, pcpu);
                *next_accounting += credit->timeslice_ps;
        }
        pick.vcpu = hv_credit_choose(credit, pcpu, now);
        if (current != NULL && current != pick.vcpu)
                credit->vcpus[current->index].queued = credit->queue_clock++;
        pick.until_ps = *next_accounting;
        if (pick.vcpu == NULL)
                return pick;
        v = &credit->vcpus[pick.vcpu->index];
        if (pick.vcpu != current || now >= v->slice_end_ps)
                v->slice_end_ps = now + credit->timeslice_ps;
        pick.until_ps = hv_credit_min(pick.until_ps, v->slice_end_ps);
        if (v->credit_ps > 0)
                pick.until_ps = hv_credit_min(pick.until_ps, now + (sim_time_t)v->credit_ps);
        if (pick.vcpu->config->cap_percent != 0)
                pick.until_ps = hv_credit_min(
                    pick.until_ps, now + hv_credit_cap_ps(credit, pick.vcpu) - v->used_ps);
        return pick;
}

const struct hv_policy_ops hv_policy_credit_ops = {
        .name = "credit",
        .check = hv_credit_check,
        .create = hv_credit_create,
        .destroy = hv_credit_destroy,
        .charge = hv_credit_charge,
        .pick = hv_credit_pick,
};
