/*
 * cli: the `mosaic` command. One file per subcommand; this header is what they share.
 *
 * Exit statuses (also in `mosaic --help`): 0 ok, 1 a stated requirement failed, 2 bad input
 * (command line, scenario or platform file), 3 internal error (out of memory, an output that
 * could not be written, a model failure). cli/ is the only layer that prints or exits.
 */
#ifndef MOSAIC_CLI_CLI_H
#define MOSAIC_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/scenario.h"

enum cli_status { CLI_OK = 0, CLI_REQUIREMENT_FAILED = 1, CLI_BAD_INPUT = 2, CLI_INTERNAL = 3 };

int cli_run(int argc, char **argv);
int cli_validate(int argc, char **argv);

/* Print a loader diagnostic as "file:line:column: error: path: message". */
void cli_print_diag(const struct scenario_diag *diag);
/* Load a scenario, printing the diagnostic on failure; returns a cli_status. */
int cli_load_scenario(const char *path, struct scenario *out);

/* Parse "250ms", "1.5s", "100us", "20ns", "1000ps" into picoseconds; false if malformed. */
bool cli_parse_duration(const char *text, uint64_t *ps);
/* Parse a decimal unsigned 64-bit integer; false if malformed. */
bool cli_parse_u64(const char *text, uint64_t *value);

#endif
