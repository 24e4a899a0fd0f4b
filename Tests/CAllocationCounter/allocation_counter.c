// Wraps glibc's allocator in the test executable to count the allocations
// of one thread (the one running a test), whatever other tests do at once.
//
// Why not ordo-one/malloc-interposer (which package-benchmark uses): it is a
// shared library to preload or link, counts every thread of the process
// (Swift Testing runs suites in parallel) and would sit under the
// AddressSanitizer build of the same tests. Defining malloc in the
// executable overrides it for every library (libomp included), and
// forwarding to glibc's exported __libc_* entries needs no dlsym.
//
// Only the calling thread is counted: OpenMP worker threads are not. The
// allocations this guards against (libomp's `parallel for` bookkeeping, a
// Swift array or closure context in a step) are made on the calling thread.
#include "allocation_counter.h"

#include <errno.h>  // also defines __GLIBC__, tested below
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SN_UNDER_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SN_UNDER_SANITIZER 1
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(SN_UNDER_SANITIZER)

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *pointer, size_t size);
void *__libc_memalign(size_t alignment, size_t size);
void __libc_free(void *pointer);

static _Thread_local int counting;
static _Thread_local long count;

int sn_allocation_counting_available(void) { return 1; }
void sn_allocation_count_begin(void) { count = 0; counting = 1; }
long sn_allocation_count_end(void) { counting = 0; return count; }

static inline void note(void) { if (counting) count++; }

void *malloc(size_t size) { note(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { note(); return __libc_calloc(n, size); }
void *realloc(void *pointer, size_t size) { note(); return __libc_realloc(pointer, size); }
void free(void *pointer) { __libc_free(pointer); }

void *memalign(size_t alignment, size_t size) { note(); return __libc_memalign(alignment, size); }

void *aligned_alloc(size_t alignment, size_t size) { note(); return __libc_memalign(alignment, size); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    note();
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *out = pointer;
    return 0;
}
#else
int sn_allocation_counting_available(void) { return 0; }
void sn_allocation_count_begin(void) {}
long sn_allocation_count_end(void) { return 0; }
#endif
