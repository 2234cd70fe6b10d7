#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cli_validate(int argc, char **argv)
{
        if (argc != 2 || argv[1][0] == '-') {
                fputs("usage: mosaic validate FILE\n", stderr);
                return CLI_BAD_INPUT;
        }
        struct scenario scenario;
        int status = cli_load_scenario(argv[1], &scenario);
        if (status != CLI_OK)
                return status;
        size_t tasks = 0;
        for (size_t i = 0; i < scenario.os_count; i++)
                tasks += scenario.oses[i].task_count;
        static const char *const policies[] = { "static", "arinc653", "fixed_priority", "rtds",
                                                "credit" };
        char design[64];
        if (scenario.hypervisor)
                snprintf(design, sizeof design, "%zu VMs under the %s hypervisor policy",
                         scenario.os_count, policies[scenario.hypervisor->policy]);
        else
                snprintf(design, sizeof design, "%zu OSes (AMP)", scenario.os_count);
        printf("%s: ok (scenario '%s' on platform '%s': %zu cores, %s, %zu tasks, %zu "
               "requirements)\n",
               argv[1], scenario.name, scenario.platform.name, scenario.platform.core_count, design,
               tasks, scenario.requirement_count);
        scenario_free(&scenario);
        return CLI_OK;
}
