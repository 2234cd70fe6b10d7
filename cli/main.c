/* mosaic: discrete-event simulator and performance model of multi-OS systems-on-chip. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "Usage: mosaic <command> [options]\n"
    "\n"
    "Simulates a multi-OS system-on-chip described by a scenario JSON file and reports\n"
    "latency, interference and requirement results.\n"
    "\n"
    "Commands:\n"
    "  run FILE -o DIR [--seed N] [--duration TIME] [--fidelity detailed|fast]\n"
    "                  [--kernel native|systemc] [--trace chrome|btf|all] [--no-figures]\n"
    "                  [--solo-reference] [--quiet]\n"
    "        Validate and simulate FILE; write DIR/summary.json, DIR/tasks.csv,\n"
    "        DIR/cores.csv, DIR/memory.csv (memory profiles), DIR/irq.csv (interrupts),\n"
    "        DIR/junit.xml, DIR/run.json, DIR/figures/.\n"
    "        TIME takes a unit: ps, ns, us, ms or s (e.g. 250ms).\n"
    "        --kernel systemc runs the same events on SystemC's kernel (same results).\n"
    "        --trace also writes an execution trace: DIR/trace.json (chrome: Perfetto,\n"
    "        chrome://tracing), DIR/trace.btf (btf: Trace Compass, APP4MC) or both (all);\n"
    "        see docs/traces.md.\n"
    "        --solo-reference also runs each task alone (every other task removed)\n"
    "        and reports its slowdown (mean response time over the solo mean), and\n"
    "        runs each OS or VM alone for its tasks' isolation_slowdown.\n"
    "  validate FILE   Check FILE and its platform; print the first error found.\n"
    "\n"
    "Options:\n"
    "  -h, --help      Show this help.\n"
    "  -V, --version   Show the version.\n"
    "\n"
    "Exit status:\n"
    "  0  success (every stated requirement passed)\n"
    "  1  a requirement stated in the scenario failed\n"
    "  2  bad input: command line, scenario or platform file\n"
    "  3  internal error (out of memory, output not writable)\n"
    "\n"
    "Documentation: README.md and docs/ in the source tree;\n"
    "the scenario format: scenarios/schema/scenario.schema.json.\n";

int main(int argc, char **argv)
{
        if (argc < 2) {
                fputs(usage, stderr);
                return CLI_BAD_INPUT;
        }
        const char *command = argv[1];
        if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0 ||
            strcmp(command, "help") == 0) {
                fputs(usage, stdout);
                return CLI_OK;
        }
        if (strcmp(command, "-V") == 0 || strcmp(command, "--version") == 0) {
                printf("mosaic %s\n", MOSAIC_VERSION);
                return CLI_OK;
        }
        if (strcmp(command, "run") == 0)
                return cli_run(argc - 1, argv + 1);
        if (strcmp(command, "validate") == 0)
                return cli_validate(argc - 1, argv + 1);
        fprintf(stderr, "mosaic: unknown command '%s' (try 'mosaic --help')\n", command);
        return CLI_BAD_INPUT;
}
