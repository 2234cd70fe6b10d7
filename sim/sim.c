/*
 * sim: the discrete-event kernel and its native backend.
 *
 * The native queue is two structures:
 *   - a 4-ary min-heap of 16-byte keys (when, order), order = priority << 62 | seq, so one
 *     key compare is one 128-bit compare and four siblings share a cache line;
 *   - the pending events' (fn, arg) by seq: a ring indexed by seq plus an overflow table
 *     (see event_find).
 * The ring and overflow are the truth about which events are pending. Cancelling removes the
 * event from them only and leaves its key in the heap as a tombstone (O(1) expected); pop
 * skips keys whose seq is no longer pending. Invariant: the heap's top is always a live event, so
 * peek_time stays O(1) and const. When tombstones outnumber live events the heap is rebuilt
 * without them in O(n), so the heap never holds more than 2 * pending + TOMBSTONE_SLACK keys.
 */
#include "sim/sim.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- native backend ------------------------------------------------------------------------ */

#define ORDER_PRIO_SHIFT 62
#define ORDER_SEQ_MASK   ((1ULL << ORDER_PRIO_SHIFT) - 1)
/* Tombstones tolerated before a rebuild is even considered (avoids rebuilding tiny heaps). */
#define TOMBSTONE_SLACK     32
#define NATIVE_MIN_HEAP     64
#define NATIVE_MIN_RING     128
#define NATIVE_MIN_OVERFLOW 16

struct native_key {
        sim_time_t when;
        uint64_t order;
};

struct native_slot {
        uint64_t seq; /* 0: empty */
        sim_event_fn fn;
        void *arg;
};

/* Open-addressing table keyed by seq (linear probing, at most half full). */
struct slot_table {
        struct native_slot *slots;
        size_t mask; /* size - 1, size a power of two */
        size_t count;
};

struct native_queue {
        struct native_key *heap_mem; /* allocation; see heap_alloc */
        struct native_key *heap;     /* heap_mem + HEAP_LEAD */
        size_t heap_len;
        size_t heap_cap;
        struct native_slot *ring; /* event seq lives at ring[seq & ring_mask] ... */
        size_t ring_mask;
        struct slot_table overflow; /* ... unless a newer seq took that place */
        size_t live;
        size_t tombstones;
};

__extension__ typedef unsigned __int128 sim_u128;

/* One 128-bit compare (cmp + sbb): no data-dependent branch inside heap walks. */
static inline bool key_less(const struct native_key *a, const struct native_key *b)
{
        sim_u128 ka = (sim_u128)a->when << 64 | a->order;
        sim_u128 kb = (sim_u128)b->when << 64 | b->order;

        return ka < kb;
}

/* ---- the overflow table ---- */

/* Multiplicative hash: spreads the consecutive seqs that the kernel hands out. */
static inline size_t table_home(uint64_t seq, size_t mask)
{
        return (size_t)((seq * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

static struct native_slot *table_find(const struct slot_table *t, uint64_t seq)
{
        size_t i = table_home(seq, t->mask);

        while (t->slots[i].seq != 0) {
                if (t->slots[i].seq == seq)
                        return &t->slots[i];
                i = (i + 1) & t->mask;
        }
        return NULL;
}

/* Backward-shift deletion keeps every probe chain unbroken without tombstones in the table. */
static void table_erase(struct slot_table *t, struct native_slot *slot)
{
        size_t hole = (size_t)(slot - t->slots);
        size_t j = hole;

        for (;;) {
                j = (j + 1) & t->mask;
                if (t->slots[j].seq == 0)
                        break;
                size_t home = table_home(t->slots[j].seq, t->mask);
                /* Entry j may move to the hole only if its home is not cyclically in (hole, j]. */
                bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
                if (!stays) {
                        t->slots[hole] = t->slots[j];
                        hole = j;
                }
        }
        t->slots[hole].seq = 0;
        t->count--;
}

/* The caller guarantees room (see table_reserve). */
static void table_put(struct slot_table *t, const struct native_slot *slot)
{
        size_t i = table_home(slot->seq, t->mask);

        while (t->slots[i].seq != 0)
                i = (i + 1) & t->mask;
        t->slots[i] = *slot;
        t->count++;
}

static int table_init(struct slot_table *t, size_t size)
{
        t->slots = calloc(size, sizeof(*t->slots));
        t->mask = size - 1;
        t->count = 0;
        return t->slots ? 0 : -ENOMEM;
}

/* Make room for one more entry, keeping the table at most half full. */
static int table_reserve(struct slot_table *t)
{
        size_t size = t->mask + 1;
        struct slot_table bigger;

        if (2 * (t->count + 1) <= size)
                return 0;
        if (table_init(&bigger, 2 * size) != 0)
                return -ENOMEM;
        for (size_t i = 0; i < size; i++)
                if (t->slots[i].seq != 0)
                        table_put(&bigger, &t->slots[i]);
        free(t->slots);
        *t = bigger;
        return 0;
}

/* ---- pending events: ring plus overflow ---- */

/*
 * Pending events by seq. The kernel hands out consecutive seqs, so the event with seq s sits
 * directly at ring[s & ring_mask]: inserts walk the ring sequentially and a lookup is one
 * probe. When s arrives and that place still holds an older pending event (one that has
 * outlived ring-size later events), the older one moves to the overflow table. The ring is
 * kept at least twice the number of pending events and at least 8 times the overflow's, so
 * evictions stay rare and memory stays proportional to the peak number of pending events.
 */
static inline struct native_slot *event_find(const struct native_queue *q, uint64_t seq)
{
        struct native_slot *slot = &q->ring[seq & q->ring_mask];

        if (slot->seq == seq)
                return slot;
        return q->overflow.count > 0 ? table_find(&q->overflow, seq) : NULL;
}

static inline void event_erase(struct native_queue *q, struct native_slot *slot)
{
        if (slot >= q->ring && slot <= q->ring + q->ring_mask)
                slot->seq = 0;
        else
                table_erase(&q->overflow, slot);
        q->live--;
}

/* Place `slot` in (ring, overflow), whose ring has room for it: returns what it displaced. */
static void ring_place(struct native_slot *ring, size_t ring_mask, struct slot_table *overflow,
                       const struct native_slot *slot)
{
        struct native_slot *place = &ring[slot->seq & ring_mask];

        if (place->seq == 0) {
                *place = *slot;
        } else if (place->seq < slot->seq) {
                table_put(overflow, place);
                *place = *slot;
        } else {
                table_put(overflow, slot);
        }
}

/*
 * Double the ring. Entries of the old ring land on distinct places of the new one (new place
 * mod old size = old place), so only old overflow entries can be displaced, one each at most:
 * the new overflow needs no more room than the old one had.
 */
static int ring_grow(struct native_queue *q)
{
        size_t old_size = q->ring_mask + 1;
        size_t new_mask = 2 * old_size - 1;
        struct native_slot *ring = calloc(new_mask + 1, sizeof(*ring));
        struct slot_table overflow;

        if (!ring || table_init(&overflow, q->overflow.mask + 1) != 0) {
                free(ring);
                return -ENOMEM;
        }
        for (size_t i = 0; i < old_size; i++)
                if (q->ring[i].seq != 0)
                        ring[q->ring[i].seq & new_mask] = q->ring[i];
        for (size_t i = 0; i <= q->overflow.mask; i++)
                if (q->overflow.slots[i].seq != 0)
                        ring_place(ring, new_mask, &overflow, &q->overflow.slots[i]);
        free(q->ring);
        free(q->overflow.slots);
        q->ring = ring;
        q->ring_mask = new_mask;
        q->overflow = overflow;
        return 0;
}

/* Make room for one more pending event; nothing changes on -ENOMEM. */
static int event_reserve(struct native_queue *q)
{
        size_t ring_size = q->ring_mask + 1;

        if ((2 * (q->live + 1) > ring_size || 8 * (q->overflow.count + 1) > ring_size) &&
            ring_grow(q) != 0)
                return -ENOMEM;
        return table_reserve(&q->overflow);
}

/*
 * The heap is 4-ary: node i has children 4i+1 .. 4i+4. Node i lives at heap[i] where
 * heap = heap_mem + HEAP_LEAD and heap_mem is cache-line aligned, so each group of four
 * siblings (16 bytes each) fills exactly one 64-byte line: a level of a walk costs one line.
 * Keys heap[len .. len + 2] are always KEY_SENTINEL (greater than any real key), so a walk can
 * compare all four children of the last, partial group without bounds checks.
 */
#define HEAP_ARITY 4
#define HEAP_LEAD  3
#define HEAP_TAIL  (HEAP_ARITY - 1)
#define CACHE_LINE 64

static const struct native_key KEY_SENTINEL = { .when = UINT64_MAX, .order = UINT64_MAX };

static inline size_t heap_parent(size_t i)
{
        return (i - 1) / HEAP_ARITY;
}

static inline size_t heap_first_child(size_t i)
{
        return HEAP_ARITY * i + 1;
}

/* Index of the least of the four keys at c .. c + 3, without data-dependent branches. */
static inline size_t heap_min_of_group(const struct native_key *heap, size_t c)
{
        size_t a = c + key_less(&heap[c + 1], &heap[c]);
        size_t b = c + 2 + key_less(&heap[c + 3], &heap[c + 2]);

        return key_less(&heap[b], &heap[a]) ? b : a;
}

static inline void heap_sift_up(struct native_key *heap, size_t hole, struct native_key key)
{
        while (hole > 0) {
                size_t parent = heap_parent(hole);
                if (!key_less(&key, &heap[parent]))
                        break;
                heap[hole] = heap[parent];
                hole = parent;
        }
        heap[hole] = key;
}

/*
 * Remove the top. Bottom-up variant: walk the hole down to a leaf along the least children,
 * then sift the former last key up from there. In a hold-like load the last key belongs near
 * the bottom, so this skips the compare against it at every level.
 */
static inline void heap_pop_top(struct native_queue *q)
{
        struct native_key *heap = q->heap;
        size_t len = --q->heap_len;
        struct native_key last = heap[len];
        size_t hole = 0;

        heap[len] = KEY_SENTINEL;
        if (len == 0)
                return;
        for (size_t c = 1; c < len; c = heap_first_child(hole)) {
                /* The next group is one of the four lines right after 4c + 1: fetch them all
                 * while the compares below decide which. */
                size_t grand = heap_first_child(c);
                if (grand < len) {
                        __builtin_prefetch(&heap[grand]);
                        __builtin_prefetch(&heap[grand + HEAP_ARITY]);
                        __builtin_prefetch(&heap[grand + 2 * HEAP_ARITY]);
                        __builtin_prefetch(&heap[grand + 3 * HEAP_ARITY]);
                }
                size_t least = heap_min_of_group(heap, c);
                heap[hole] = heap[least];
                hole = least;
        }
        heap_sift_up(heap, hole, last);
}

static void heap_sift_down(struct native_key *heap, size_t len, size_t hole)
{
        struct native_key key = heap[hole];

        for (size_t c = heap_first_child(hole); c < len; c = heap_first_child(hole)) {
                size_t least = heap_min_of_group(heap, c);
                if (!key_less(&heap[least], &key))
                        break;
                heap[hole] = heap[least];
                hole = least;
        }
        heap[hole] = key;
}

/* Storage for `cap` keys plus the lead and tail padding, with the tail set to sentinels. */
static struct native_key *heap_alloc(size_t cap)
{
        size_t bytes = (HEAP_LEAD + cap + HEAP_TAIL) * sizeof(struct native_key);
        bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
        return aligned_alloc(CACHE_LINE, bytes);
}

static int heap_grow(struct native_queue *q)
{
        size_t cap = 2 * q->heap_cap;
        struct native_key *mem = heap_alloc(cap);

        if (!mem)
                return -ENOMEM;
        memcpy(mem, q->heap_mem, (HEAP_LEAD + q->heap_len + HEAP_TAIL) * sizeof(*mem));
        free(q->heap_mem);
        q->heap_mem = mem;
        q->heap = mem + HEAP_LEAD;
        q->heap_cap = cap;
        return 0;
}

static inline uint64_t key_seq(const struct native_key *key)
{
        return key->order & ORDER_SEQ_MASK;
}

/* Re-establish the invariant that the top key is live. */
static inline void native_drop_dead_top(struct native_queue *q)
{
        while (q->tombstones > 0 && q->heap_len > 0 && !event_find(q, key_seq(&q->heap[0]))) {
                heap_pop_top(q);
                q->tombstones--;
        }
}

/* Drop every tombstone and heapify in O(n) (Floyd). */
static void native_compact(struct native_queue *q)
{
        size_t kept = 0;

        for (size_t i = 0; i < q->heap_len; i++)
                if (event_find(q, key_seq(&q->heap[i])))
                        q->heap[kept++] = q->heap[i];
        for (size_t i = kept; i < kept + HEAP_TAIL; i++)
                q->heap[i] = KEY_SENTINEL;
        q->heap_len = kept;
        q->tombstones = 0;
        for (size_t i = kept / 2; i-- > 0;)
                heap_sift_down(q->heap, kept, i);
}

/*
 * Keep tombstones <= max(live, TOMBSTONE_SLACK) after every pop and cancel. A rebuild costs
 * O(live + tombstones) = O(tombstones) and removes them all, so each cancel pays O(1) for it.
 */
static inline void native_bound_tombstones(struct native_queue *q)
{
        if (q->tombstones > q->live && q->tombstones > TOMBSTONE_SLACK)
                native_compact(q);
}

static void *native_create(struct sim *sim)
{
        (void)sim;
        struct native_queue *q = calloc(1, sizeof(*q));

        if (!q)
                return NULL;
        q->heap_mem = heap_alloc(NATIVE_MIN_HEAP);
        q->ring = calloc(NATIVE_MIN_RING, sizeof(*q->ring));
        if (!q->heap_mem || !q->ring || table_init(&q->overflow, NATIVE_MIN_OVERFLOW) != 0) {
                free(q->heap_mem);
                free(q->ring);
                free(q);
                return NULL;
        }
        q->heap = q->heap_mem + HEAP_LEAD;
        for (size_t i = 0; i < HEAP_TAIL; i++)
                q->heap[i] = KEY_SENTINEL;
        q->heap_cap = NATIVE_MIN_HEAP;
        q->ring_mask = NATIVE_MIN_RING - 1;
        return q;
}

static void native_destroy(void *queue)
{
        struct native_queue *q = queue;

        if (!q)
                return;
        free(q->heap_mem);
        free(q->ring);
        free(q->overflow.slots);
        free(q);
}

static inline int native_push(void *queue, const struct sim_event *event)
{
        struct native_queue *q = queue;

        assert(event->seq != 0 && event->seq < ORDER_SEQ_MASK); /* keys stay below KEY_SENTINEL */
        assert(event->priority < SIM_PRIO_COUNT);
        /* Allocate before changing anything, so -ENOMEM leaves the queue as it was. */
        if (event_reserve(q) != 0)
                return -ENOMEM;
        if (q->heap_len == q->heap_cap && heap_grow(q) != 0)
                return -ENOMEM;
        struct native_slot slot = { .seq = event->seq, .fn = event->fn, .arg = event->arg };
        ring_place(q->ring, q->ring_mask, &q->overflow, &slot);
        q->live++;
        struct native_key key = {
                .when = event->when,
                .order = (uint64_t)event->priority << ORDER_PRIO_SHIFT | event->seq,
        };
        heap_sift_up(q->heap, q->heap_len++, key);
        q->heap[q->heap_len + HEAP_TAIL - 1] = KEY_SENTINEL;
        return 0;
}

static int native_cancel(void *queue, uint64_t seq)
{
        struct native_queue *q = queue;

        if (seq == 0)
                return -ENOENT;
        struct native_slot *slot = event_find(q, seq);
        if (!slot)
                return -ENOENT;
        event_erase(q, slot);
        q->tombstones++;
        native_drop_dead_top(q);
        native_bound_tombstones(q);
        return 0;
}

static inline bool native_pop(void *queue, struct sim_event *out)
{
        struct native_queue *q = queue;

        if (q->heap_len == 0)
                return false;
        const struct native_key top = q->heap[0];
        struct native_slot *slot = event_find(q, key_seq(&top));
        assert(slot);
        out->when = top.when;
        out->seq = key_seq(&top);
        out->priority = (uint8_t)(top.order >> ORDER_PRIO_SHIFT);
        out->fn = slot->fn;
        out->arg = slot->arg;
        event_erase(q, slot);
        heap_pop_top(q);
        native_drop_dead_top(q);
        native_bound_tombstones(q);
        /* The next pop will look the new top up; start that miss while the callback runs. */
        if (q->heap_len > 0)
                __builtin_prefetch(&q->ring[key_seq(&q->heap[0]) & q->ring_mask]);
        return true;
}

static inline sim_time_t native_peek_time(const void *queue)
{
        const struct native_queue *q = queue;

        return q->heap_len > 0 ? q->heap[0].when : SIM_TIME_MAX;
}

static inline size_t native_pending(const void *queue)
{
        const struct native_queue *q = queue;

        return q->live;
}

const struct sim_backend_ops sim_backend_native = {
        .name = "native",
        .create = native_create,
        .destroy = native_destroy,
        .push = native_push,
        .cancel = native_cancel,
        .pop = native_pop,
        .peek_time = native_peek_time,
        .pending = native_pending,
        .run_until = NULL,
};

/* ---- kernel -------------------------------------------------------------------------------- */

struct sim {
        const struct sim_backend_ops *ops;
        void *queue;
        bool native; /* lets the hot paths call the native queue directly (inlined) */
        bool running;
        bool stop_requested;
        sim_time_t now;
        uint64_t next_seq;
        uint64_t executed;
};

struct sim *sim_create(const struct sim_backend_ops *backend)
{
        struct sim *sim = calloc(1, sizeof(*sim));

        if (!sim)
                return NULL;
        sim->ops = backend ? backend : &sim_backend_native;
        sim->native = sim->ops == &sim_backend_native;
        sim->queue = sim->ops->create(sim);
        if (!sim->queue) {
                free(sim);
                return NULL;
        }
        sim->next_seq = 1;
        return sim;
}

void sim_destroy(struct sim *sim)
{
        if (!sim)
                return;
        sim->ops->destroy(sim->queue);
        free(sim);
}

static inline bool queue_pop(struct sim *sim, struct sim_event *out)
{
        return sim->native ? native_pop(sim->queue, out) : sim->ops->pop(sim->queue, out);
}

static inline size_t queue_pending(const struct sim *sim)
{
        return sim->native ? native_pending(sim->queue) : sim->ops->pending(sim->queue);
}

static inline sim_time_t queue_peek_time(const struct sim *sim)
{
        return sim->native ? native_peek_time(sim->queue) : sim->ops->peek_time(sim->queue);
}

sim_event_id sim_schedule_prio(struct sim *sim, sim_time_t when, enum sim_priority priority,
                               sim_event_fn fn, void *arg)
{
        assert(fn);
        assert(when >= sim->now);
        assert((unsigned)priority < SIM_PRIO_COUNT);
        struct sim_event event = {
                .when = when,
                .seq = sim->next_seq,
                .fn = fn,
                .arg = arg,
                .priority = (uint8_t)priority,
        };
        int rc = sim->native ? native_push(sim->queue, &event) : sim->ops->push(sim->queue, &event);
        if (rc != 0)
                return 0;
        sim->next_seq++;
        return event.seq;
}

sim_event_id sim_schedule(struct sim *sim, sim_time_t when, sim_event_fn fn, void *arg)
{
        return sim_schedule_prio(sim, when, SIM_PRIO_NORMAL, fn, arg);
}

sim_event_id sim_schedule_in(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *arg)
{
        assert(delay <= SIM_TIME_MAX - sim->now);
        return sim_schedule_prio(sim, sim->now + delay, SIM_PRIO_NORMAL, fn, arg);
}

int sim_cancel(struct sim *sim, sim_event_id id)
{
        if (id == 0 || id >= sim->next_seq)
                return -ENOENT;
        return sim->ops->cancel(sim->queue, id);
}

/* Run events with time <= end on a queue the kernel drains itself; true if stopped. */
static bool drain_queue(struct sim *sim, sim_time_t end)
{
        struct sim_event event;

        while (queue_pending(sim) > 0 && queue_peek_time(sim) <= end) {
                bool popped = queue_pop(sim, &event);
                assert(popped);
                (void)popped;
                sim->now = event.when;
                sim->executed++;
                event.fn(sim, event.arg);
                if (sim->stop_requested)
                        return true;
        }
        return false;
}

/* Run events with time <= end; true if stopped. */
static bool run_events(struct sim *sim, sim_time_t end)
{
        assert(!sim->running); /* the kernel is not re-entrant */
        sim->running = true;
        sim->stop_requested = false;
        bool stopped;
        if (!sim->native && sim->ops->run_until)
                stopped = sim->ops->run_until(sim->queue, end) != 0;
        else
                stopped = drain_queue(sim, end);
        sim->running = false;
        sim->stop_requested = false;
        return stopped;
}

int sim_run_until(struct sim *sim, sim_time_t end)
{
        assert(end >= sim->now);
        if (run_events(sim, end))
                return 1;
        sim->now = end;
        return 0;
}

int sim_run(struct sim *sim)
{
        return run_events(sim, SIM_TIME_MAX) ? 1 : 0;
}

void sim_stop(struct sim *sim)
{
        if (sim->running)
                sim->stop_requested = true;
}

sim_time_t sim_now(const struct sim *sim)
{
        return sim->now;
}

uint64_t sim_events_executed(const struct sim *sim)
{
        return sim->executed;
}

size_t sim_events_pending(const struct sim *sim)
{
        return queue_pending(sim);
}

bool sim_backend_dispatch(struct sim *sim, const struct sim_event *event)
{
        bool in_run = sim->running;

        assert(event->when >= sim->now);
        sim->running = true;
        sim->now = event->when;
        sim->executed++;
        event->fn(sim, event->arg);
        bool stop = sim->stop_requested;
        sim->running = in_run;
        if (!in_run)
                sim->stop_requested = false;
        return stop;
}

void sim_backend_advance(struct sim *sim, sim_time_t now)
{
        assert(now >= sim->now && now <= queue_peek_time(sim));
        sim->now = now;
}

void *sim_backend_state(const struct sim *sim, const struct sim_backend_ops *ops)
{
        return sim->ops == ops ? sim->queue : NULL;
}

const char *sim_backend_name(const struct sim *sim)
{
        return sim->ops->name;
}

size_t sim_queue_stored(const struct sim *sim)
{
        if (!sim->native)
                return queue_pending(sim);
        const struct native_queue *q = sim->queue;
        return q->heap_len;
}

/* ---- clock conversions --------------------------------------------------------------------- */

sim_time_t sim_cycles_to_ps(uint64_t cycles, uint64_t clock_hz)
{
        assert(clock_hz > 0);
        sim_u128 ps = ((sim_u128)cycles * SIM_PS_PER_S + clock_hz / 2) / clock_hz;
        return ps > SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)ps;
}

uint64_t sim_ps_to_cycles(sim_time_t ps, uint64_t clock_hz)
{
        assert(clock_hz > 0);
        sim_u128 cycles = (sim_u128)ps * clock_hz / SIM_PS_PER_S;
        return cycles > UINT64_MAX ? UINT64_MAX : (uint64_t)cycles;
}
