// Catch2's runner for catch2_adapter_tests, through lockstep/catch2.hpp so that its console
// width (which keeps long replay tokens on one line) applies. Compiled without optimisation:
// Catch2's implementation is most of the build time of the suite, and none of its run time.
#define CATCH_CONFIG_MAIN
#include <lockstep/catch2.hpp>
