/*
 * qgemm_kernel_generic.c — the int8 product in plain C, any CPU: a 4-row ×
 * 16-channel tile of int32 sums per packed panel (the compiler vectorizes
 * the 16-wide inner loop where it can).
 */
#include "qgemm_internal.h"

#define MR 4

void sn_qgemm_block_generic(int m0, int m1, int p0, int p1, int N, int K, const uint8_t *A,
                            int lda, const int8_t *panels, const sn_qgemm_output *out) {
    const int G = sn_qgemm_groups(K);
    for (int p = p0; p < p1; p++) {
        const int8_t *panel = panels + (size_t)p * G * 64;
        const int nc = N - 16 * p < 16 ? N - 16 * p : 16;
        for (int i0 = m0; i0 < m1; i0 += MR) {
            const int mr = m1 - i0 < MR ? m1 - i0 : MR;
            int32_t acc[MR][16] = {{0}};
            for (int g = 0; g < G; g++) {
                const int8_t *w = panel + (size_t)g * 64;
                for (int i = 0; i < mr; i++) {
                    uint32_t a4 = sn_qgemm_a4(A + (size_t)(i0 + i) * lda, g, K);
                    int32_t a0 = a4 & 255, a1 = (a4 >> 8) & 255, a2 = (a4 >> 16) & 255, a3 = a4 >> 24;
                    for (int c = 0; c < 16; c++)
                        acc[i][c] += a0 * w[4 * c] + a1 * w[4 * c + 1] + a2 * w[4 * c + 2] + a3 * w[4 * c + 3];
                }
            }
            if (out->pool4) sn_qgemm_store_max4(acc, i0 / 4, 16 * p, nc, out);  // mr is 4: M and i0 are multiples of 4
            else for (int i = 0; i < mr; i++) sn_qgemm_store_row(acc[i], i0 + i, 16 * p, nc, out);
        }
    }
}
