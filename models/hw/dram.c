#include "models/hw/dram.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

static bool is_power_of_two(uint64_t x)
{
        return x != 0 && (x & (x - 1)) == 0;
}

/* log2 of a power of two. */
static unsigned log2_exact(uint64_t x)
{
        return (unsigned)__builtin_ctzll(x);
}

static sim_time_t max_time(sim_time_t a, sim_time_t b)
{
        return a > b ? a : b;
}

static int dram_check_config(const struct dram_config *c)
{
        if (c->clock_hz == 0 || !is_power_of_two(c->channels) || !is_power_of_two(c->banks) ||
            !is_power_of_two(c->rows) || !is_power_of_two(c->burst_bytes) ||
            !is_power_of_two(c->row_bytes) || c->row_bytes < c->burst_bytes || c->burst_cycles == 0)
                return -EINVAL;
        return 0;
}

int dram_init(struct dram *dram, const struct dram_config *config, struct sim *sim)
{
        int rc = dram_check_config(config);

        *dram = (struct dram){ .config = config, .sim = sim };
        if (rc != 0)
                return rc;
        dram->offset_bits = log2_exact(config->burst_bytes);
        dram->channel_bits = log2_exact(config->channels);
        dram->column_bits = log2_exact(config->row_bytes / config->burst_bytes);
        dram->bank_bits = log2_exact(config->banks);
        dram->t_rcd_ps = sim_cycles_to_ps(config->t_rcd, config->clock_hz);
        dram->t_rp_ps = sim_cycles_to_ps(config->t_rp, config->clock_hz);
        dram->t_cl_ps = sim_cycles_to_ps(config->t_cl, config->clock_hz);
        dram->t_ras_ps = sim_cycles_to_ps(config->t_ras, config->clock_hz);
        dram->burst_ps = sim_cycles_to_ps(config->burst_cycles, config->clock_hz);
        dram->t_refi_ps = sim_cycles_to_ps(config->t_refi, config->clock_hz);
        dram->t_rfc_ps = sim_cycles_to_ps(config->t_rfc, config->clock_hz);
        dram->channels = calloc(config->channels, sizeof(*dram->channels));
        if (dram->channels == NULL)
                return -ENOMEM;
        for (uint32_t c = 0; c < config->channels; c++) {
                struct dram_channel *ch = &dram->channels[c];

                ch->dram = dram;
                ch->refresh_due_ps = dram->t_refi_ps;
                mem_done_queue_init(&ch->done, sim);
                ch->banks = calloc(config->banks, sizeof(*ch->banks));
                if (ch->banks == NULL) {
                        dram_fini(dram);
                        return -ENOMEM;
                }
                for (uint32_t b = 0; b < config->banks; b++)
                        ch->banks[b].open_row = -1;
        }
        return 0;
}

void dram_fini(struct dram *dram)
{
        for (uint32_t c = 0; dram->channels != NULL && c < dram->config->channels; c++) {
                struct dram_channel *ch = &dram->channels[c];

                if (ch->choice_event != 0)
                        (void)sim_cancel(dram->sim, ch->choice_event);
                mem_done_queue_fini(&ch->done);
                free(ch->banks);
        }
        free(dram->channels);
        dram->channels = NULL;
}

static uint32_t bits_at(uint64_t value, unsigned shift, unsigned width)
{
        return (uint32_t)((value >> shift) & ((1ULL << width) - 1));
}

struct dram_address dram_decode(const struct dram *dram, uint64_t addr)
{
        unsigned shift = dram->offset_bits;
        struct dram_address a;

        a.channel = bits_at(addr, shift, dram->channel_bits);
        shift += dram->channel_bits;
        a.column = bits_at(addr, shift, dram->column_bits);
        shift += dram->column_bits;
        a.bank = bits_at(addr, shift, dram->bank_bits);
        shift += dram->bank_bits;
        a.row = (uint32_t)((addr >> shift) & (dram->config->rows - 1));
        return a;
}

/* Apply the refreshes due by `now`. */
static void dram_refresh(struct dram_channel *ch, sim_time_t now)
{
        struct dram *dram = ch->dram;

        while (dram->t_refi_ps != 0 && ch->refresh_due_ps <= now) {
                sim_time_t end = max_time(ch->refresh_due_ps, ch->bus_free_ps) + dram->t_rfc_ps;

                for (uint32_t b = 0; b < dram->config->banks; b++) {
                        ch->banks[b].open_row = -1;
                        ch->banks[b].ready_ps = max_time(ch->banks[b].ready_ps, end);
                }
                ch->refresh_due_ps += dram->t_refi_ps;
                ch->stats.refreshes++;
        }
}

/* FR-FCFS: the oldest row hit, else the oldest request. Returns it and its predecessor. */
static struct mem_request *dram_choose(struct dram_channel *ch, struct mem_request **prev_out)
{
        const struct dram *dram = ch->dram;
        unsigned bank_shift = dram->offset_bits + dram->channel_bits + dram->column_bits;
        unsigned row_shift = bank_shift + dram->bank_bits;
        uint64_t bank_mask = (1ULL << dram->bank_bits) - 1, row_mask = dram->config->rows - 1;
        struct mem_request *prev = NULL;

        for (struct mem_request *req = ch->queue.head; req != NULL; prev = req, req = req->next) {
                /* dram_decode's bank and row */
                uint64_t bank = (req->addr >> bank_shift) & bank_mask;
                uint64_t row = (req->addr >> row_shift) & row_mask;

                if (ch->banks[bank].open_row == (int64_t)row) {
                        *prev_out = prev;
                        return req;
                }
        }
        *prev_out = NULL;
        return ch->queue.head;
}

static void dram_choice(struct sim *sim, void *arg);

static void dram_arm(struct dram_channel *ch)
{
        sim_time_t when;

        if (ch->choice_event != 0 || ch->queue.head == NULL)
                return;
        when = max_time(sim_now(ch->dram->sim), ch->next_choice_ps);
        ch->choice_event = sim_schedule_prio(ch->dram->sim, when, SIM_PRIO_LOW, dram_choice, ch);
        assert(ch->choice_event != 0);
}

/* Issue the commands of `req` at `now`; returns its completion time. */
static sim_time_t dram_issue(struct dram_channel *ch, const struct mem_request *req, sim_time_t now)
{
        struct dram *dram = ch->dram;
        struct dram_address a = dram_decode(dram, req->addr);
        struct dram_bank *bank = &ch->banks[a.bank];
        uint64_t bursts =
            (req->size_bytes + (uint64_t)dram->config->burst_bytes - 1) / dram->config->burst_bytes;
        sim_time_t start = max_time(now, bank->ready_ps);
        sim_time_t cas, data;

        if (bursts == 0)
                bursts = 1;
        assert(a.column + bursts <= (1ULL << dram->column_bits) && "request crosses a row");
        if (bank->open_row == (int64_t)a.row) {
                ch->stats.row_hits++;
                cas = start;
        } else {
                sim_time_t act = start;

                if (bank->open_row < 0) {
                        ch->stats.row_empty++;
                } else {
                        ch->stats.row_conflicts++;
                        act = max_time(start, bank->act_ps + dram->t_ras_ps) + dram->t_rp_ps;
                }
                bank->act_ps = act;
                bank->open_row = a.row;
                cas = act + dram->t_rcd_ps;
        }
        data = max_time(cas + dram->t_cl_ps, ch->bus_free_ps);
        ch->bus_free_ps = data + bursts * dram->burst_ps;
        bank->ready_ps = cas + bursts * dram->burst_ps;
        ch->next_choice_ps = cas;
        ch->stats.requests++;
        return ch->bus_free_ps;
}

static void dram_choice(struct sim *sim, void *arg)
{
        struct dram_channel *ch = arg;
        sim_time_t now = sim_now(sim);
        struct mem_request *prev;
        struct mem_request *req;
        int rc;

        ch->choice_event = 0;
        dram_refresh(ch, now);
        req = dram_choose(ch, &prev);
        if (req == NULL)
                return;
        mem_fifo_remove(&ch->queue, prev, req);
        ch->stats.queue_delay_ps += now - req->done_ps;
        if (ch->dram->queue_delay_histogram != NULL &&
            histogram_record(ch->dram->queue_delay_histogram, now - req->done_ps) != 0)
                ch->dram->histogram_error = -ENOMEM;
        rc = mem_done_queue_push(&ch->done, req, dram_issue(ch, req, now));
        assert(rc == 0);
        (void)rc;
        dram_arm(ch);
}

static int dram_submit(void *target, struct mem_request *req)
{
        struct dram *dram = target;
        struct dram_address a = dram_decode(dram, req->addr);
        struct dram_channel *ch = &dram->channels[a.channel];

        if (dram->config->queue_limit != 0 && ch->queue.length >= dram->config->queue_limit)
                return -EBUSY;
        req->done_ps = sim_now(dram->sim); /* arrival, for the queueing delay */
        mem_fifo_push(&ch->queue, req);
        dram_arm(ch);
        return 0;
}

static const struct mem_port_ops dram_port_ops = { .submit = dram_submit };

struct mem_port dram_mem_port(struct dram *dram)
{
        return (struct mem_port){ .ops = &dram_port_ops, .target = dram };
}

const struct dram_channel_stats *dram_channel_stats(const struct dram *dram, uint32_t channel)
{
        assert(channel < dram->config->channels);
        return &dram->channels[channel].stats;
}

int64_t dram_open_row(const struct dram *dram, uint32_t channel, uint32_t bank)
{
        assert(channel < dram->config->channels && bank < dram->config->banks);
        return dram->channels[channel].banks[bank].open_row;
}
