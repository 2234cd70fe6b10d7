/*
 * scenario_devices: the loader of a scenario's "devices" (struct device_config in
 * sim/scenario.h), called by scenario_load after the OSes, VMs and interrupts are read.
 *
 * Contract. scenario_devices_parse reads root["devices"] (absent: nothing), validates every key
 * as the rest of the loader does (unknown keys with a "did you mean", types, ranges, times as
 * <base>_<unit> read exactly, references to OSes, VMs, vCPUs, cores and ISRs) and fills
 * s->devices. For each device it appends to s->irq_sources a device source "<device>" (its
 * completion SPI, at the driver's execution resource) and, for a backend woken by an SPI,
 * "<device>_wake" (at the backend's), so the platform routes them like any device interrupt. On
 * bad input it fills `diag` with the file, the JSON path, the line and column of the value in
 * `text` and a message, and returns -EINVAL; -ENOMEM on no memory. scenario_devices_free frees
 * what the parse allocated in s (the sources it appended are freed with the others).
 */
#ifndef MOSAIC_SIM_SCENARIO_DEVICES_H
#define MOSAIC_SIM_SCENARIO_DEVICES_H

#include <jansson.h>
#include <stddef.h>

#include "sim/scenario.h"

int scenario_devices_parse(struct scenario *s, json_t *root, const char *file, const char *text,
                           size_t text_len, struct scenario_diag *diag);
void scenario_devices_free(struct scenario *s);

#endif
