#include "analysis/requirements.h"

#include <stdlib.h>
#include <string.h>

static void describe(struct requirement_outcome *o)
{
        const struct requirement_config *r = o->requirement;
        if (!o->has_value) {
                snprintf(o->message, sizeof o->message, "%s has no samples", r->metric);
                return;
        }
        bool max_ok = !r->has_max || o->value <= r->max;
        bool min_ok = !r->has_min || o->value >= r->min;
        o->passed = max_ok && min_ok;
        if (!max_ok)
                snprintf(o->message, sizeof o->message, "%s = %.6g, above the maximum %.6g",
                         r->metric, o->value, r->max);
        else if (!min_ok)
                snprintf(o->message, sizeof o->message, "%s = %.6g, below the minimum %.6g",
                         r->metric, o->value, r->min);
        else
                snprintf(o->message, sizeof o->message, "%s = %.6g within limits", r->metric,
                         o->value);
}

struct requirement_outcome *requirements_check(const struct scenario *scenario,
                                               const struct results *results)
{
        size_t n = scenario->requirement_count;
        struct requirement_outcome *outcomes = calloc(n ? n : 1, sizeof *outcomes);
        if (!outcomes)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                struct requirement_outcome *o = &outcomes[i];
                o->requirement = &scenario->requirements[i];
                const struct result_value *v =
                    results_find(results, o->requirement->entity, o->requirement->name);
                o->has_value = v && result_as_double(v, &o->value);
                describe(o);
        }
        return outcomes;
}

size_t requirements_failed(const struct scenario *scenario,
                           const struct requirement_outcome *outcomes)
{
        size_t failed = 0;
        for (size_t i = 0; i < scenario->requirement_count; i++)
                failed += !outcomes[i].passed;
        return failed;
}

static void write_escaped(FILE *out, const char *text)
{
        for (const char *p = text; *p; p++) {
                switch (*p) {
                case '&':
                        fputs("&amp;", out);
                        break;
                case '<':
                        fputs("&lt;", out);
                        break;
                case '>':
                        fputs("&gt;", out);
                        break;
                case '"':
                        fputs("&quot;", out);
                        break;
                default:
                        fputc(*p, out);
                }
        }
}

void requirements_write_junit(FILE *out, const struct scenario *scenario,
                              const struct requirement_outcome *outcomes)
{
        size_t n = scenario->requirement_count;
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", out);
        fputs("  <testsuite name=\"", out);
        write_escaped(out, scenario->name);
        fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", n,
                requirements_failed(scenario, outcomes));
        for (size_t i = 0; i < n; i++) {
                const struct requirement_outcome *o = &outcomes[i];
                fputs("    <testcase classname=\"", out);
                write_escaped(out, scenario->name);
                fputs("\" name=\"", out);
                write_escaped(out, o->requirement->metric);
                if (o->passed) {
                        fputs("\"/>\n", out);
                        continue;
                }
                fputs("\">\n      <failure message=\"", out);
                write_escaped(out, o->message);
                fputs("\"/>\n    </testcase>\n", out);
        }
        fputs("  </testsuite>\n</testsuites>\n", out);
}
