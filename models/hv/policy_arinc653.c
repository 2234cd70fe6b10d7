/*
 * ARINC 653 time partitioning (as Xen's arinc653 scheduler): each core repeats a major frame
 * of windows laid back to back from time 0; a window belongs to one vCPU (pinned to that core)
 * or is idle, and the part of the frame after the last window is idle. During its window the
 * vCPU runs whenever it has work; otherwise the core idles, even if another vCPU has work
 * (no slack reclaiming). Rules: one schedule per core (schedule_count == core count), major
 * frame > 0, every window > 0 long, the windows of a core fit in its major frame, and a
 * window's vCPU exists and is pinned to that core. A vCPU may own several windows. Stateless:
 * the window at `now` follows from now modulo the major frame.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "models/hv/hypervisor_priv.h"

static int hv_arinc653_check_schedule(const struct hv_config *config, size_t core,
                                      const struct hv_core_schedule_config *schedule)
{
        sim_time_t total = 0;

        if (schedule->major_frame_ps == 0)
                return -EINVAL;
        for (size_t w = 0; w < schedule->window_count; w++) {
                const struct hv_window_config *window = &schedule->windows[w];

                if (window->duration_ps == 0 ||
                    window->duration_ps > schedule->major_frame_ps - total)
                        return -EINVAL;
                total += window->duration_ps;
                if (window->vm == HV_IDLE)
                        continue;
                if (hv_vcpu_index(config, window->vm, window->vcpu) == SIZE_MAX ||
                    config->vms[window->vm].vcpus[window->vcpu].core != core)
                        return -EINVAL;
        }
        return 0;
}

static int hv_arinc653_check(const struct hv_config *config, size_t core_count)
{
        if (config->schedule_count != core_count)
                return -EINVAL;
        for (size_t c = 0; c < core_count; c++) {
                int err = hv_arinc653_check_schedule(config, c, &config->schedules[c]);

                if (err != 0)
                        return err;
        }
        return 0;
}

static int hv_arinc653_create(struct hv *hv, void **state)
{
        *state = hv;
        return 0;
}

static void hv_arinc653_destroy(void *state)
{
        (void)state;
}

static void hv_arinc653_charge(void *state, struct hv_vcpu *vcpu, sim_time_t held_ps)
{
        (void)state;
        (void)vcpu;
        (void)held_ps;
}

static bool hv_arinc653_any_runnable(const struct hv_pcpu *pcpu)
{
        for (size_t i = 0; i < pcpu->vcpu_count; i++) {
                if (hv_vcpu_runnable(pcpu->vcpus[i]))
                        return true;
        }
        return false;
}

/* The window at `now`; with nothing runnable on the core no timer is needed (a vCPU that
 * becomes runnable asks for a decision itself). */
static struct hv_pick hv_arinc653_pick(void *state, struct hv_pcpu *pcpu, sim_time_t now)
{
        struct hv *hv = state;
        const struct hv_core_schedule_config *schedule = &hv->config->schedules[pcpu->index];
        sim_time_t offset = now % schedule->major_frame_ps;
        sim_time_t frame_start = now - offset;
        sim_time_t window_start = 0;
        struct hv_pick pick = { .vcpu = NULL, .until_ps = frame_start + schedule->major_frame_ps };

        for (size_t w = 0; w < schedule->window_count; w++) {
                const struct hv_window_config *window = &schedule->windows[w];
                sim_time_t window_end = window_start + window->duration_ps;

                if (offset < window_end) {
                        pick.until_ps = frame_start + window_end;
                        if (window->vm != HV_IDLE) {
                                struct hv_vcpu *vcpu =
                                    &hv->vcpus[hv_vcpu_index(hv->config, window->vm, window->vcpu)];

                                if (hv_vcpu_runnable(vcpu))
                                        pick.vcpu = vcpu;
                        }
                        break;
                }
                window_start = window_end;
        }
        if (!hv_arinc653_any_runnable(pcpu))
                pick.until_ps = SIM_TIME_MAX;
        return pick;
}

const struct hv_policy_ops hv_policy_arinc653_ops = {
        .name = "arinc653",
        .check = hv_arinc653_check,
        .create = hv_arinc653_create,
        .destroy = hv_arinc653_destroy,
        .charge = hv_arinc653_charge,
        .pick = hv_arinc653_pick,
};
