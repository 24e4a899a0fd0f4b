// zlib, as Debian's zlib1g-dev installs it; used to read gzipped IDX files.
#include <zlib.h>
