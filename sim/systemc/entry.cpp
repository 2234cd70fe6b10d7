/*
 * sim_systemc entry: the sc_main that SystemC's sc_elab_and_sim calls, running a C body.
 *
 * In its own object file so that a program with its own sc_main (embedding mosaic in an
 * existing SystemC simulation) links the backend without this definition.
 */
#include <systemc>

#include <cstdlib>

#include "sim/systemc/sim_systemc.h"

namespace
{
int (*g_body)(void *arg);
void *g_body_arg;
} // namespace

int sc_main(int argc, char *argv[])
{
        (void)argc;
        (void)argv;
        return g_body(g_body_arg);
}

extern "C" int sim_systemc_run_main(int (*body)(void *arg), void *arg)
{
        static char program[] = "mosaic";
        char *argv[] = { program, nullptr };

        g_body = body;
        g_body_arg = arg;
        setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
        return sc_core::sc_elab_and_sim(1, argv);
}
