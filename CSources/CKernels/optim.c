/*
 * optim.c — optimizer updates (SGD, Momentum, Adam, AdamW) over one parameter's
 * contiguous values, gradient and state.
 *
 * A parameter of at least SN_OPTIM_GRAIN floats is cut into one contiguous
 * range per thread (at most nthreads), so a large layer's update does not
 * leave the other cores idle.
 *
 * Each element's update is separately rounded arithmetic (multiply, then
 * add: the `#pragma` below keeps the AVX2 clone from fusing them), so
 * results do not depend on the thread count, the instruction set or the
 * range boundaries.
 */
#include "ckernels.h"

#ifdef _OPENMP
int omp_get_thread_num(void);
int omp_get_num_threads(void);
#endif

#pragma clang fp contract(off)

// Below this many floats a parameter is updated on the calling thread:
// waking the other thread (~2-5 µs) costs more than half the loop.
#define SN_OPTIM_GRAIN 32768

#if defined(__x86_64__) && defined(__clang__)
#define SN_OPTIM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SN_OPTIM_CLONES
#endif

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

static SN_OPTIM_CLONES void sgd_range(float *restrict p, const float *restrict g, long lo, long hi, float lr) {
    const float mlr = -lr;
    long i = lo;
    for (; i + 8 <= hi; i += 8) {
        v8 pv = *(v8u *)(p + i), gv = *(const v8u *)(g + i);
        *(v8u *)(p + i) = pv + mlr * gv;
    }
    for (; i < hi; i++) p[i] = p[i] + mlr * g[i];
}

static SN_OPTIM_CLONES void momentum_range(float *restrict p, const float *restrict g, float *restrict v,
                                           long lo, long hi, float lr, float mu) {
    const float mlr = -lr;
    long i = lo;
    for (; i + 8 <= hi; i += 8) {
        v8 vel = *(v8u *)(v + i) * mu + mlr * *(const v8u *)(g + i);
        *(v8u *)(v + i) = vel;
        *(v8u *)(p + i) = *(v8u *)(p + i) + vel;
    }
    for (; i < hi; i++) {
        float vel = v[i] * mu + mlr * g[i];
        v[i] = vel;
        p[i] = p[i] + vel;
    }
}

// Thread t of T: [lo, hi) of n, boundaries on multiples of 16 floats.
static inline void split(long n, int t, int T, long *lo, long *hi) {
    long units = (n + 15) / 16;
    long u0 = units * t / T, u1 = units * (t + 1) / T;
    *lo = u0 * 16 < n ? u0 * 16 : n;
    *hi = u1 * 16 < n ? u1 * 16 : n;
}

static inline int optim_threads(int nthreads, long n) {
#ifdef _OPENMP
    return n >= SN_OPTIM_GRAIN && nthreads > 1 ? nthreads : 1;
#else
    (void)nthreads; (void)n;
    return 1;
#endif
}

void sn_sgd_step(int nthreads, float *p, const float *g, long n, float lr) {
    int nth = optim_threads(nthreads, n);
    if (nth <= 1) { sgd_range(p, g, 0, n, lr); return; }
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
    {
        long lo, hi;
        split(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
        sgd_range(p, g, lo, hi, lr);
    }
#endif
}

void sn_momentum_step(int nthreads, float *p, const float *g, float *v, long n, float lr, float momentum) {
    int nth = optim_threads(nthreads, n);
    if (nth <= 1) { momentum_range(p, g, v, 0, n, lr, momentum); return; }
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
    {
        long lo, hi;
        split(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
        momentum_range(p, g, v, lo, hi, lr, momentum);
    }
#endif
}

// Adam is AdamW without decay (p·1 is p: the same bits).
void sn_adam_step(int nthreads, float *p, const float *g, float *m, float *v, long n,
                  float lr_t, float beta1, float beta2, float eps) {
    sn_adamw_step(nthreads, p, g, m, v, n, lr_t, beta1, beta2, eps, 0.0f);
}

// AdamW: the decoupled decay p·(1 − decay) first (decay = lr·λ, not
// bias-corrected, as Loshchilov & Hutter and torch.optim.AdamW), then Adam.
static SN_OPTIM_CLONES void adamw_range(float *restrict p, const float *restrict g, float *restrict m,
                                        float *restrict v, long lo, long hi,
                                        float lr_t, float beta1, float beta2, float eps, float decay) {
    const float a1 = 1.0f - beta1, a2 = 1.0f - beta2, mlr = -lr_t, keep = 1.0f - decay;
    long i = lo;
    for (; i + 8 <= hi; i += 8) {
        v8 gv = *(const v8u *)(g + i);
        v8 mv = *(v8u *)(m + i);
        mv = mv + a1 * (gv - mv);
        v8 vv = *(v8u *)(v + i);
        vv = vv + a2 * (gv * gv - vv);
        *(v8u *)(m + i) = mv;
        *(v8u *)(v + i) = vv;
        v8 pv = *(v8u *)(p + i) * keep;
        *(v8u *)(p + i) = pv + mlr * (mv / (__builtin_elementwise_sqrt(vv) + eps));
    }
    for (; i < hi; i++) {
        float mi = m[i] + a1 * (g[i] - m[i]);
        float vi = v[i] + a2 * (g[i] * g[i] - v[i]);
        m[i] = mi;
        v[i] = vi;
        float pi = p[i] * keep;
        p[i] = pi + mlr * (mi / (__builtin_sqrtf(vi) + eps));
    }
}

void sn_adamw_step(int nthreads, float *p, const float *g, float *m, float *v, long n,
                   float lr_t, float beta1, float beta2, float eps, float decay) {
    int nth = optim_threads(nthreads, n);
    if (nth <= 1) { adamw_range(p, g, m, v, 0, n, lr_t, beta1, beta2, eps, decay); return; }
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
    {
        long lo, hi;
        split(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
        adamw_range(p, g, m, v, lo, hi, lr_t, beta1, beta2, eps, decay);
    }
#endif
}
