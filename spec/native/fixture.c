/* C fixture library for the spec suite and the benchmarks. Built by the Makefile into
 * dist/libfixture.so; specs find it through the FFI_FIXTURE environment variable.
 * Later issues grow it: every function here is called by a spec or a benchmark. */
#include <stdint.h>
#include <string.h>

int add(int a, int b) { return a + b; }
double addd(double a, double b) { return a + b; }
int64_t add64(int64_t a, int64_t b) { return a + b; }
void noop(void) {}
