/*
 * metrics: the registry. Metrics are allocated one by one (so pointers stay valid while the
 * registry grows), listed in creation order in a growing array, and indexed by (entity, name)
 * in an open-addressing hash table for creation-time duplicate checks and metrics_find.
 */
#include "sim/metrics.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MIN_INDEX 64

struct metrics {
        struct metric **list; /* creation order */
        size_t count;
        size_t capacity;
        size_t *index; /* hash table of positions in list, SIZE_MAX when empty */
        size_t index_mask;
};

#define INDEX_EMPTY SIZE_MAX

/* 64-bit FNV-1a over entity, a 0 separator, then name. */
static uint64_t key_hash(const char *entity, const char *name)
{
        uint64_t hash = 0xcbf29ce484222325ULL;

        for (const unsigned char *p = (const unsigned char *)entity; *p; p++)
                hash = (hash ^ *p) * 0x100000001b3ULL;
        hash *= 0x100000001b3ULL;
        for (const unsigned char *p = (const unsigned char *)name; *p; p++)
                hash = (hash ^ *p) * 0x100000001b3ULL;
        return hash;
}

static bool key_equal(const struct metric *metric, const char *entity, const char *name)
{
        return strcmp(metric->entity, entity) == 0 && strcmp(metric->name, name) == 0;
}

/* The index slot holding (entity, name), or the empty slot where it would go. */
static size_t index_slot(const struct metrics *m, const char *entity, const char *name)
{
        size_t i = (size_t)key_hash(entity, name) & m->index_mask;

        while (m->index[i] != INDEX_EMPTY && !key_equal(m->list[m->index[i]], entity, name))
                i = (i + 1) & m->index_mask;
        return i;
}

static size_t *index_alloc(size_t size)
{
        size_t *index = malloc(size * sizeof(*index));

        if (index)
                for (size_t i = 0; i < size; i++)
                        index[i] = INDEX_EMPTY;
        return index;
}

struct metrics *metrics_create(void)
{
        struct metrics *m = calloc(1, sizeof(*m));

        if (!m)
                return NULL;
        m->index = index_alloc(METRICS_MIN_INDEX);
        if (!m->index) {
                free(m);
                return NULL;
        }
        m->index_mask = METRICS_MIN_INDEX - 1;
        return m;
}

static void metric_free(struct metric *metric)
{
        free(metric->entity);
        free(metric->name);
        histogram_free(&metric->histogram);
        free(metric);
}

void metrics_destroy(struct metrics *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->count; i++)
                metric_free(m->list[i]);
        free(m->list);
        free(m->index);
        free(m);
}

/* Room for one more metric in the list and the index (kept at most half full). */
static int metrics_reserve(struct metrics *m)
{
        if (m->count == m->capacity) {
                size_t capacity = m->capacity ? 2 * m->capacity : 16;
                struct metric **list = realloc(m->list, capacity * sizeof(*list));
                if (!list)
                        return -1;
                m->list = list;
                m->capacity = capacity;
        }
        size_t size = m->index_mask + 1;
        if (2 * (m->count + 1) <= size)
                return 0;
        size_t *index = index_alloc(2 * size);
        if (!index)
                return -1;
        free(m->index);
        m->index = index;
        m->index_mask = 2 * size - 1;
        for (size_t i = 0; i < m->count; i++)
                m->index[index_slot(m, m->list[i]->entity, m->list[i]->name)] = i;
        return 0;
}

static char *copy_string(const char *text)
{
        size_t size = strlen(text) + 1;
        char *copy = malloc(size);

        if (copy)
                memcpy(copy, text, size);
        return copy;
}

static struct metric *metrics_add(struct metrics *m, const char *entity, const char *name,
                                  enum metric_kind kind, enum metric_unit unit)
{
        if (m->index[index_slot(m, entity, name)] != INDEX_EMPTY)
                return NULL; /* duplicate */
        if (metrics_reserve(m) != 0)
                return NULL;
        struct metric *metric = calloc(1, sizeof(*metric));
        if (!metric)
                return NULL;
        metric->entity = copy_string(entity);
        metric->name = copy_string(name);
        if (!metric->entity || !metric->name) {
                metric_free(metric);
                return NULL;
        }
        metric->kind = kind;
        metric->unit = unit;
        histogram_init(&metric->histogram);
        m->index[index_slot(m, entity, name)] = m->count;
        m->list[m->count++] = metric;
        return metric;
}

struct metric *metrics_counter(struct metrics *m, const char *entity, const char *name)
{
        return metrics_add(m, entity, name, METRIC_COUNTER, METRIC_UNIT_NONE);
}

struct metric *metrics_gauge(struct metrics *m, const char *entity, const char *name,
                             enum metric_unit unit)
{
        return metrics_add(m, entity, name, METRIC_GAUGE, unit);
}

struct metric *metrics_histogram(struct metrics *m, const char *entity, const char *name,
                                 enum metric_unit unit)
{
        return metrics_add(m, entity, name, METRIC_HISTOGRAM, unit);
}

size_t metrics_count(const struct metrics *m)
{
        return m->count;
}

const struct metric *metrics_at(const struct metrics *m, size_t i)
{
        return i < m->count ? m->list[i] : NULL;
}

const struct metric *metrics_find(const struct metrics *m, const char *entity, const char *name)
{
        size_t position = m->index[index_slot(m, entity, name)];

        return position == INDEX_EMPTY ? NULL : m->list[position];
}
