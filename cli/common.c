#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void cli_print_diag(const struct scenario_diag *diag)
{
        fprintf(stderr, "%s:%d:%d: error: %s: %s\n", diag->file, diag->line, diag->column,
                diag->path, diag->message);
}

int cli_load_scenario(const char *path, struct scenario *out)
{
        struct scenario_diag diag;
        memset(&diag, 0, sizeof diag);
        int err = scenario_load(path, out, &diag);
        if (err == 0)
                return CLI_OK;
        if (err == -ENOMEM) {
                fprintf(stderr, "mosaic: out of memory loading %s\n", path);
                return CLI_INTERNAL;
        }
        cli_print_diag(&diag);
        return CLI_BAD_INPUT;
}

bool cli_parse_u64(const char *text, uint64_t *value)
{
        if (!text || *text < '0' || *text > '9')
                return false;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(text, &end, 10);
        if (errno != 0 || *end != '\0')
                return false;
        *value = v;
        return true;
}

bool cli_parse_duration(const char *text, uint64_t *ps)
{
        static const struct {
                const char *suffix;
                double scale;
        } units[] = { { "ps", 1.0 }, { "ns", 1e3 }, { "us", 1e6 }, { "ms", 1e9 }, { "s", 1e12 } };
        if (!text || !((*text >= '0' && *text <= '9') || *text == '.'))
                return false;
        char *end;
        errno = 0;
        double v = strtod(text, &end);
        if (errno != 0 || end == text || !(v > 0.0))
                return false;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
                if (strcmp(end, units[i].suffix) != 0)
                        continue;
                double scaled = v * units[i].scale;
                if (scaled >= 18446744073709551615.0)
                        return false;
                *ps = (uint64_t)(scaled + 0.5);
                return *ps > 0;
        }
        return false;
}
