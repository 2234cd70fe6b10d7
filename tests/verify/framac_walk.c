/*
 * framac_walk: Frama-C EVA harness for the device-side chain walker (vq_dev_pop and what it
 * calls: the split table walk, the packed list walk, indirect tables, vq_walk_piece,
 * vq_port_translate). Not compiled by the normal build; run by `make verify-framac`.
 *
 * The ring memory and the data region are filled byte by byte with
 * Frama_C_unsigned_char_interval(0, 255), so every descriptor, index, flag and indirect table is
 * "any value"; the layout (split or packed), the features (INDIRECT_DESC, EVENT_IDX, IN_ORDER) and
 * the device's element capacity are chosen with Frama_C_interval. The queue size is fixed small (4)
 * so that EVA can unroll the walk; the code paths do not depend on the size beyond the loop bounds.
 * Each analysed run pops up to three buffers and pushes what it popped. EVA reports every operation
 * that may be undefined (out-of-bounds access, overflow, uninitialised read) as an alarm.
 */
#include "__fc_builtin.h"
#include "virtio/virtqueue.h"

#define FC_SIZE      4u
#define FC_RING_GPA  0x1000u
#define FC_DATA_GPA  0x8000u
#define FC_RING_SIZE 512u
#define FC_DATA_SIZE 256u
#define FC_CAPACITY  8u

static uint8_t ring_mem[FC_RING_SIZE] __attribute__((aligned(64)));
static uint8_t data_mem[FC_DATA_SIZE] __attribute__((aligned(64)));
static struct vq_dev_slot slots[FC_SIZE];
static struct vq_elem elems[FC_CAPACITY];

int main(void)
{
        struct vq_region regions[2] = {
                { FC_RING_GPA, FC_RING_SIZE, ring_mem },
                { FC_DATA_GPA, FC_DATA_SIZE, data_mem },
        };
        struct vq_port port;
        vq_port_init_default(&port, regions, 2);

        bool packed = Frama_C_interval(0, 1) != 0;
        uint64_t features = VQ_F_VERSION_1;
        if (packed)
                features |= VQ_F_RING_PACKED;
        if (Frama_C_interval(0, 1))
                features |= VQ_F_INDIRECT_DESC;
        if (Frama_C_interval(0, 1))
                features |= VQ_F_EVENT_IDX;
        if (Frama_C_interval(0, 1))
                features |= VQ_F_IN_ORDER;

        struct vq_config cfg;
        cfg.size = FC_SIZE;
        cfg.index = 0;
        cfg.features = features;
        cfg.port = &port;
        if (vq_layout_contiguous(&cfg.layout, packed, FC_SIZE, FC_RING_GPA) == 0)
                return 1;

        struct vq_device dev;
        if (vq_dev_init(&dev, &cfg, slots) != 0)
                return 1;

        /* the hostile driver: every byte of the ring and data regions is unknown */
        for (unsigned i = 0; i < FC_RING_SIZE; i++)
                ring_mem[i] = Frama_C_unsigned_char_interval(0, 255);
        for (unsigned i = 0; i < FC_DATA_SIZE; i++)
                data_mem[i] = Frama_C_unsigned_char_interval(0, 255);

        uint16_t capacity = (uint16_t)Frama_C_interval(1, FC_CAPACITY);
        for (int round = 0; round < 3; round++) {
                struct vq_chain chain;
                int rc = vq_dev_pop(&dev, &chain, elems, capacity);
                if (rc != 1)
                        break;
                uint32_t written = Frama_C_unsigned_int_interval(0, chain.writable_bytes);
                if (vq_dev_push(&dev, chain.id, written) != 0)
                        break;
                (void)vq_dev_need_interrupt(&dev);
        }
        return vq_dev_broken(&dev) == 0 ? 0 : 2;
}
