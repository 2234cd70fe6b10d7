/* can_bus: classic CAN frame bits, stuffing, CRC-15 and arbitration (see the header). */
#include "models/io/can_bus.h"

#include <errno.h>
#include <stddef.h>

/* SOF..CRC of the longest frame: extended FD 41 + 512 data + 4 stuff count + 21 CRC. */
#define MAX_UNSTUFFED 578u
/* Fixed-form tail: CRC delimiter, ACK slot, ACK delimiter, 7 EOF bits. */
#define TAIL_BITS         10u
#define INTERMISSION_BITS 3u

uint16_t can_crc15(const uint8_t *bits, unsigned count)
{
        uint16_t crc = 0;

        for (unsigned i = 0; i < count; i++) {
                unsigned next = (unsigned)(bits[i] & 1u) ^ ((unsigned)crc >> 14 & 1u);

                crc = (uint16_t)(((unsigned)crc << 1) & 0x7fffu);
                if (next != 0)
                        crc ^= 0x4599u;
        }
        return crc;
}

struct bit_writer {
        uint8_t bits[MAX_UNSTUFFED];
        unsigned count;
};

static void put_bits(struct bit_writer *w, uint32_t value, unsigned width)
{
        for (unsigned i = width; i-- > 0;)
                w->bits[w->count++] = (uint8_t)(value >> i & 1u);
}

static const uint8_t fd_lengths[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64 };

int can_fd_dlc(unsigned len)
{
        for (int dlc = 0; dlc < 16; dlc++)
                if (fd_lengths[dlc] == len)
                        return dlc;
        return -1;
}

static bool frame_valid(const struct can_frame *f)
{
        if (f->id > (f->extended ? CAN_EXT_ID_MAX : CAN_STD_ID_MAX))
                return false;
        if (f->fd)
                return !f->rtr && can_fd_dlc(f->len) >= 0;
        return f->len <= 8 && !f->brs;
}

/* The unstuffed bits SOF .. data (the CRC input of a classic frame). Sets *brs_at to the index
 * of the BRS bit of an FD frame. */
static void frame_header_bits(const struct can_frame *f, struct bit_writer *w, unsigned *brs_at)
{
        w->count = 0;
        put_bits(w, 0, 1); /* SOF, dominant */
        if (f->extended) {
                put_bits(w, f->id >> 18, 11);
                put_bits(w, 1, 1); /* SRR, recessive */
                put_bits(w, 1, 1); /* IDE, recessive */
                put_bits(w, f->id & 0x3ffffu, 18);
        } else {
                put_bits(w, f->id, 11);
        }
        if (f->fd) {
                put_bits(w, 0, 1); /* RRS, dominant */
                if (!f->extended)
                        put_bits(w, 0, 1); /* IDE, dominant */
                put_bits(w, 1, 1);         /* FDF, recessive */
                put_bits(w, 0, 1);         /* res */
                *brs_at = w->count;
                put_bits(w, f->brs ? 1u : 0u, 1);
                put_bits(w, 0, 1); /* ESI: error active */
                put_bits(w, (uint32_t)can_fd_dlc(f->len), 4);
        } else {
                put_bits(w, f->rtr ? 1u : 0u, 1);
                put_bits(w, 0, 2); /* standard: IDE dominant, r0; extended: r1, r0 */
                put_bits(w, f->len, 4);
        }
        if (!f->rtr)
                for (unsigned i = 0; i < f->len; i++)
                        put_bits(w, f->data[i], 8);
}

/* Stuff bits a transmitter inserts into `bits`: after five equal bits, one complement, which
 * itself counts as the first bit of the next run. With `at_end` false a stuff bit due after
 * the last bit is not counted (FD: the fixed stuff bit takes its place). *before counts the
 * stuff bits inserted after a bit with index below `split`. */
static unsigned count_stuff_bits(const uint8_t *bits, unsigned count, bool at_end, unsigned split,
                                 unsigned *before)
{
        unsigned stuff = 0;
        unsigned run = 0;
        uint8_t last = 2;

        *before = 0;
        for (unsigned i = 0; i < count; i++) {
                if (bits[i] == last) {
                        run++;
                } else {
                        last = bits[i];
                        run = 1;
                }
                if (run == 5 && (at_end || i + 1u < count)) {
                        stuff++;
                        if (i < split)
                                (*before)++;
                        last = (uint8_t)(last ^ 1u);
                        run = 1;
                }
        }
        return stuff;
}

static void classic_bits(const struct bit_writer *header, struct can_frame_bits *out)
{
        struct bit_writer w = *header;
        unsigned unused;

        out->crc = can_crc15(w.bits, w.count);
        put_bits(&w, out->crc, 15);
        out->unstuffed = w.count;
        out->stuff = count_stuff_bits(w.bits, w.count, true, 0, &unused);
        out->frame = out->unstuffed + out->stuff + TAIL_BITS;
        out->total = out->frame + INTERMISSION_BITS;
        out->nominal = out->total;
        out->data = 0;
}

/* FD: dynamic stuffing of SOF..data, then the fixed-stuffed stuff count and CRC. */
static void fd_bits(const struct can_frame *f, const struct bit_writer *w, unsigned brs_at,
                    struct can_frame_bits *out)
{
        unsigned crc_bits = f->len <= 16 ? 17u : 21u;
        unsigned fixed = (4u + crc_bits + 3u) / 4u;
        unsigned nominal_stuff;
        unsigned dynamic = count_stuff_bits(w->bits, w->count, false, brs_at, &nominal_stuff);

        out->crc = 0;
        out->unstuffed = w->count + 4u + crc_bits;
        out->stuff = dynamic + fixed;
        out->frame = out->unstuffed + out->stuff + TAIL_BITS;
        out->total = out->frame + INTERMISSION_BITS;
        /* SOF..BRS and their stuff bits, then CRC delimiter .. intermission, at the nominal
         * rate; the rest at the data rate when the frame switches. */
        out->nominal = brs_at + 1u + nominal_stuff + TAIL_BITS + INTERMISSION_BITS;
        if (!f->brs)
                out->nominal = out->total;
        out->data = out->total - out->nominal;
}

int can_frame_bits(const struct can_frame *frame, struct can_frame_bits *out)
{
        struct bit_writer w;
        unsigned brs_at = 0;

        if (!frame_valid(frame))
                return -EINVAL;
        frame_header_bits(frame, &w, &brs_at);
        if (frame->fd)
                fd_bits(frame, &w, brs_at, out);
        else
                classic_bits(&w, out);
        return 0;
}

uint32_t can_arbitration_key(const struct can_frame *f)
{
        uint32_t rtr = f->rtr ? 1u : 0u;

        if (f->extended)
                return (f->id >> 18) << 21 | 1u << 20 | 1u << 19 | (f->id & 0x3ffffu) << 1 | rtr;
        return f->id << 21 | rtr << 20; /* IDE dominant */
}

static sim_time_t bits_ps(unsigned bits, uint64_t rate)
{
        return (sim_time_t)((bits * SIM_PS_PER_S + rate / 2) / rate);
}

sim_time_t can_bus_frame_ps(const struct can_bus *bus, const struct can_frame_bits *bits)
{
        const struct can_bus_config *c = bus->config;
        uint64_t data_rate = c->data_bit_rate != 0 ? c->data_bit_rate : c->bit_rate;

        return bits_ps(bits->nominal, c->bit_rate) +
               (bits->data ? bits_ps(bits->data, data_rate) : 0);
}

int can_bus_init(struct can_bus *bus, struct sim *sim, const struct can_bus_config *config)
{
        *bus = (struct can_bus){ .sim = sim, .config = config };
        if (config->bit_rate == 0 || config->nodes == 0 || config->nodes > CAN_MAX_NODES)
                return -EINVAL;
        return 0;
}

static void start_next(struct can_bus *bus);

static void arbitrate(struct sim *sim, void *arg)
{
        struct can_bus *bus = arg;

        (void)sim;
        bus->arbitration_scheduled = false;
        if (bus->on_wire == NULL)
                start_next(bus);
}

static void schedule_arbitration(struct can_bus *bus)
{
        if (bus->arbitration_scheduled || bus->on_wire != NULL)
                return;
        bus->arbitration_scheduled = true;
        sim_schedule_prio(bus->sim, sim_now(bus->sim), SIM_PRIO_LOW, arbitrate, bus);
}

static void frame_end(struct sim *sim, void *arg)
{
        struct can_bus *bus = arg;
        struct can_tx *tx = bus->on_wire;

        bus->on_wire = NULL;
        schedule_arbitration(bus);
        if (tx->done != NULL)
                tx->done(sim, tx, sim_now(sim));
}

/* All nodes' first frames arbitrate; the lowest key wins (ties: lower node index, which two
 * real nodes sending the same identifier would turn into a bit error). */
static void start_next(struct can_bus *bus)
{
        unsigned winner = CAN_MAX_NODES;
        uint32_t best = UINT32_MAX;
        unsigned contenders = 0;
        struct can_frame_bits bits;
        struct can_tx *tx;

        for (unsigned n = 0; n < bus->config->nodes; n++) {
                uint32_t key;

                if (bus->pending[n] == NULL)
                        continue;
                contenders++;
                key = can_arbitration_key(&bus->pending[n]->frame);
                if (winner == CAN_MAX_NODES || key < best) {
                        best = key;
                        winner = n;
                }
        }
        if (winner == CAN_MAX_NODES)
                return;
        tx = bus->pending[winner];
        bus->pending[winner] = tx->next;
        tx->next = NULL;
        (void)can_frame_bits(&tx->frame, &bits); /* validated at submit */
        tx->start_ps = sim_now(bus->sim);
        tx->bits = bits.total;
        bus->on_wire = tx;
        bus->stats.frames++;
        bus->stats.bits += bits.total;
        bus->stats.stuff_bits += bits.stuff;
        bus->stats.busy_ps += can_bus_frame_ps(bus, &bits);
        bus->stats.arbitrations_lost += contenders - 1u;
        sim_schedule_prio(bus->sim, sim_now(bus->sim) + can_bus_frame_ps(bus, &bits), SIM_PRIO_HIGH,
                          frame_end, bus);
}

int can_bus_submit(struct can_bus *bus, unsigned node, struct can_tx *tx)
{
        struct can_tx **link;

        if (node >= bus->config->nodes || !frame_valid(&tx->frame))
                return -EINVAL;
        tx->queued_ps = sim_now(bus->sim);
        tx->next = NULL;
        link = &bus->pending[node];
        if (bus->config->order[node] == CAN_NODE_PRIORITY) {
                uint32_t key = can_arbitration_key(&tx->frame);

                while (*link != NULL && can_arbitration_key(&(*link)->frame) <= key)
                        link = &(*link)->next;
                tx->next = *link;
        } else {
                while (*link != NULL)
                        link = &(*link)->next;
        }
        *link = tx;
        schedule_arbitration(bus);
        return 0;
}
