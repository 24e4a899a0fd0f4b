// OpenBLAS's CBLAS interface (Debian libopenblas-dev: <cblas.h> also
// declares openblas_set_num_threads). Linked by the benchmarks only.
#include <cblas.h>
