/* SGEMM driver: runtime ISA choice, cache blocking, packing, thread split.
 *
 * Loop nest (Goto/BLIS order): jc over NC columns -> pc over KC depth (pack a
 * KC x NC block of B) -> ic over MC rows (pack an MC x KC block of A, scaled by
 * alpha) -> jr over NR -> ir over MR -> micro-kernel. The first KC block
 * applies the caller's beta, later ones accumulate (beta = 1). */
#include "sgemm.h"

#include <stdlib.h>
#include <string.h>
#if !defined(_WIN32)
#include <unistd.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#define NL_X86 1
#endif

int nl_cpu_has_avx512(void) {
#if NL_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

int nl_cpu_has_avx2(void) {
#if NL_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

static const nl_isa *g_isa;

const nl_isa *nl_isa_selected(void) {
  if (!g_isa) {
    if (nl_cpu_has_avx512()) g_isa = &nl_isa_avx512;
    else if (nl_cpu_has_avx2()) g_isa = &nl_isa_avx2;
    else g_isa = &nl_isa_generic;
  }
  return g_isa;
}

int nl_isa_select(const char *name) {
  if (!strcmp(name, "avx512")) { if (!nl_cpu_has_avx512()) return 0; g_isa = &nl_isa_avx512; return 1; }
  if (!strcmp(name, "avx2")) { if (!nl_cpu_has_avx2()) return 0; g_isa = &nl_isa_avx2; return 1; }
  if (!strcmp(name, "generic")) { g_isa = &nl_isa_generic; return 1; }
  if (!strcmp(name, "auto")) { g_isa = NULL; nl_isa_selected(); return 1; }
  return 0;
}

/* ---- per-thread packing buffers (each OS thread packs its own) ---- */

typedef struct { float *p; size_t cap; } buf_t;
typedef struct { buf_t a, b; } bufs_t;
static __thread bufs_t tl_bufs;
#define tl_a (tl_bufs.a)
#define tl_b (tl_bufs.b)

#if !defined(_WIN32)
#include <pthread.h>
/* Frees a thread's packing buffers when it exits (Node worker_threads come and go). */
static pthread_key_t g_buf_key;
static pthread_once_t g_buf_once = PTHREAD_ONCE_INIT;
static void free_bufs(void *v) {
  bufs_t *b = (bufs_t *)v;
  free(b->a.p);
  free(b->b.p);
  b->a.p = b->b.p = NULL;
  b->a.cap = b->b.cap = 0;
}
static void make_key(void) { pthread_key_create(&g_buf_key, free_bufs); }
static void register_bufs(void) {
  pthread_once(&g_buf_once, make_key);
  pthread_setspecific(g_buf_key, &tl_bufs);
}
#else
static void register_bufs(void) {}
#endif

static float *buf_get(buf_t *b, size_t nfloats) {
  if (nfloats > b->cap) {
    if (!tl_a.p && !tl_b.p) register_bufs();
    free(b->p);
    size_t bytes = (nfloats * sizeof(float) + 63) & ~(size_t)63;
    b->p = (float *)aligned_alloc(64, bytes);
    b->cap = b->p ? nfloats : 0;
  }
  return b->p;
}

/* ---- portable packers ---- */

void nl_pack_a(const nl_gemm_args *g, long i0, long mc, long p0, long kc, float *dst, int MR) {
  const float alpha = g->alpha;
  for (long ip = 0; ip < mc; ip += MR) {
    const int mr = (int)(mc - ip < MR ? mc - ip : MR);
    float *d = dst + ip * kc;
    if (!g->transA) {
      /* A(i, p) = A[i * lda + p]: rows are contiguous in p. */
      const float *rows[32];
      for (int r = 0; r < mr; r++) rows[r] = g->A + (i0 + ip + r) * g->lda + p0;
      for (long p = 0; p < kc; p++) {
        int r = 0;
        for (; r < mr; r++) d[p * MR + r] = alpha * rows[r][p];
        for (; r < MR; r++) d[p * MR + r] = 0.0f;
      }
    } else {
      /* A(i, p) = A[p * lda + i]: MR consecutive i per p. */
      for (long p = 0; p < kc; p++) {
        const float *s = g->A + (p0 + p) * g->lda + i0 + ip;
        int r = 0;
        for (; r < mr; r++) d[p * MR + r] = alpha * s[r];
        for (; r < MR; r++) d[p * MR + r] = 0.0f;
      }
    }
  }
}

void nl_pack_b_generic(const nl_gemm_args *g, long p0, long kc, long j0, long nc, float *dst, int NR) {
  for (long jp = 0; jp < nc; jp += NR) {
    const int nr = (int)(nc - jp < NR ? nc - jp : NR);
    float *d = dst + jp * kc;
    if (!g->transB) {
      for (long p = 0; p < kc; p++) {
        const float *s = g->B + (p0 + p) * g->ldb + j0 + jp;
        memcpy(d + p * NR, s, (size_t)nr * sizeof(float));
        if (nr < NR) memset(d + p * NR + nr, 0, (size_t)(NR - nr) * sizeof(float));
      }
    } else {
      /* B(p, j) = B[j * ldb + p] */
      for (int c = 0; c < nr; c++) {
        const float *s = g->B + (j0 + jp + c) * g->ldb + p0;
        for (long p = 0; p < kc; p++) d[p * NR + c] = s[p];
      }
      for (int c = nr; c < NR; c++)
        for (long p = 0; p < kc; p++) d[p * NR + c] = 0.0f;
    }
  }
}

/* ---- serial blocked GEMM on C[m0:m1, n0:n1] ---- */

static long ceil_div(long a, long b) { return (a + b - 1) / b; }
static long round_up(long a, long b) { return ceil_div(a, b) * b; }

/* Splits `total` into equal chunks no larger than `cap`, rounded up to `mult`
 * (avoids a thin last block, e.g. K = 784 -> 4 x 196 rather than 3 x 256 + 16). */
static long balanced_block(long total, long cap, long mult) {
  if (total <= cap) return total;
  long n = ceil_div(total, cap);
  return round_up(ceil_div(total, n), mult);
}

static void scale_c(const nl_gemm_args *g, long m0, long m1, long n0, long n1) {
  for (long i = m0; i < m1; i++) {
    float *c = g->C + i * g->ldc;
    if (g->beta == 0.0f) memset(c + n0, 0, (size_t)(n1 - n0) * sizeof(float));
    else if (g->beta != 1.0f) for (long j = n0; j < n1; j++) c[j] *= g->beta;
  }
}

/* Plain loops, used only if the packing buffers cannot be allocated. */
static void gemm_unpacked(const nl_gemm_args *g, long m0, long m1, long n0, long n1) {
  const long ars = g->transA ? 1 : g->lda, acs = g->transA ? g->lda : 1;
  const long brs = g->transB ? 1 : g->ldb, bcs = g->transB ? g->ldb : 1;
  for (long i = m0; i < m1; i++)
    for (long j = n0; j < n1; j++) {
      float s = 0.0f;
      for (long p = 0; p < g->K; p++) s += g->A[i * ars + p * acs] * g->B[p * brs + j * bcs];
      float *c = g->C + i * g->ldc + j;
      *c = g->alpha * s + (g->beta == 0.0f ? 0.0f : g->beta * *c);
    }
}

/* Half of this core's L2 in bytes (glibc reads it from cpuid; 1 MiB when unknown), within
 * 256 KiB..4 MiB. Computed once; threads racing here store the same value. */
static long b_block_bytes(void) {
  static long bytes;
  if (!bytes) {
    long l2 = 0;
#if defined(_SC_LEVEL2_CACHE_SIZE)
    l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
    if (l2 <= 0) l2 = 1L << 20;
    l2 /= 2;
    bytes = l2 < (256L << 10) ? 256L << 10 : l2 > (4L << 20) ? 4L << 20 : l2;
  }
  return bytes;
}

/* C[ic + ir .. + mr, jc + jr .. + nr] from the packed B panel at jr and A's micro-panel at ir
 * (packed, or in place when `ua`). */
static inline void micro_tile(const nl_gemm_args *g, const nl_isa *isa, int ua, const float *Ap, const float *Bp,
                              long ic, long ir, long mc, long jc, long jr, long nc, long pc, long kc, float beta) {
  const int mr = (int)(mc - ir < isa->MR ? mc - ir : isa->MR), nr = (int)(nc - jr < isa->NR ? nc - jr : isa->NR);
  float *c = g->C + (ic + ir) * g->ldc + jc + jr;
  if (ua) {
    const long ars = g->transA ? 1 : g->lda, acs = g->transA ? g->lda : 1;
    isa->kernelUA(kc, g->A + (ic + ir) * ars + pc * acs, ars, acs, Bp + jr * kc, c, g->ldc, beta, mr, nr);
  } else {
    isa->kernel(kc, Ap + ir * kc, Bp + jr * kc, c, g->ldc, beta, mr, nr);
  }
}

static void gemm_block(const nl_gemm_args *g, const nl_isa *isa, long m0, long m1, long n0, long n1) {
  if (m1 <= m0 || n1 <= n0) return;
  if (g->K == 0 || g->alpha == 0.0f) { scale_c(g, m0, m1, n0, n1); return; }
  const int MR = isa->MR, NR = isa->NR;
  long KC, ncap = isa->NC;
  if (isa->aInL1) {
    /* KC x NC, the packed B block that every A micro-panel streams (see the loop below), is
     * kept to half of L2: deep blocks where N is narrow (K = 784 whole for N <= 160), else K cut,
     * to no less than 256, before N is split (N = 256: 2 x 392; a split N re-reads A: MLP b64
     * training 0.99x) */
    const long budget = b_block_bytes(), row = (long)sizeof(float) * round_up(n1 - n0, NR);
    long kcap = isa->KC;
    if (row * balanced_block(g->K, kcap, 8) > budget) kcap = budget / row < 256 ? 256 : budget / row;
    KC = balanced_block(g->K, kcap, 8);
    const long fit = budget / ((long)sizeof(float) * KC) / NR * NR;
    if (fit < ncap) ncap = fit < NR ? NR : fit;
  } else {
    KC = balanced_block(g->K, isa->KC, 8);
  }
  const long MC = balanced_block(m1 - m0, isa->MC, MR);
  const long NC = balanced_block(n1 - n0, ncap, NR);
  float *Ap = buf_get(&tl_a, (size_t)(round_up(MC, MR) * KC));
  float *Bp = buf_get(&tl_b, (size_t)(round_up(NC, NR) * KC));
  if (!Ap || !Bp) { gemm_unpacked(g, m0, m1, n0, n1); return; } /* no memory for panels: slow but right */
  nl_packb_fn packB = isa->packB ? isa->packB : nl_pack_b_generic;
  nl_packa_fn packA = isa->packA ? isa->packA : nl_pack_a;

  /* One row panel and B not transposed: every B panel would be packed for a
   * single micro-kernel call, so read B in place (e.g. 6 x 36864 x 25 conv). */
  if (!g->transB && m1 - m0 <= 2 * MR && isa->kernelStrided) {
    for (long pc = 0; pc < g->K; pc += KC) {
      const long kc = g->K - pc < KC ? g->K - pc : KC;
      const float beta = pc == 0 ? g->beta : 1.0f;
      packA(g, m0, m1 - m0, pc, kc, Ap, MR);
      const float *brow = g->B + pc * g->ldb;
      for (long j = n0; j < n1; j += NR) {
        const int nr = (int)(n1 - j < NR ? n1 - j : NR);
        for (long ir = m0; ir < m1; ir += MR) {
          const int mr = (int)(m1 - ir < MR ? m1 - ir : MR);
          isa->kernelStrided(kc, Ap + (ir - m0) * kc, brow + j, g->ldb, g->C + ir * g->ldc + j, g->ldc, beta, mr, nr);
        }
      }
    }
    return;
  }

  /* alpha = 1: the kernel reads A where it is (see kernel_avx512_ua) instead of a packed copy */
  const int ua = isa->kernelUA && g->alpha == 1.0f;
  for (long jc = n0; jc < n1; jc += NC) {
    const long nc = n1 - jc < NC ? n1 - jc : NC;
    for (long pc = 0; pc < g->K; pc += KC) {
      const long kc = g->K - pc < KC ? g->K - pc : KC;
      const float beta = pc == 0 ? g->beta : 1.0f;
      packB(g, pc, kc, jc, nc, Bp, NR);
      for (long ic = m0; ic < m1; ic += MC) {
        const long mc = m1 - ic < MC ? m1 - ic : MC;
        if (!ua) packA(g, ic, mc, pc, kc, Ap, MR);
        if (isa->aInL1) {
          /* One A micro-panel (8 rows x kc) at a time against every B panel: it stays in L1
           * while the packed B block streams from L2 in order. The other way round, a B
           * micro-panel (32 x 256 floats, all of L1) was to stay in L1 while A streamed, and did
           * not fit: 1024^3 100.8 -> 104.6 GFLOP/s, a conv's 64 x 3136 x 576 86 -> 88-93, MLP
           * and LeNet training +0-2 % (alternating A/B). */
          for (long ir = 0; ir < mc; ir += MR)
            for (long jr = 0; jr < nc; jr += NR) micro_tile(g, isa, ua, Ap, Bp, ic, ir, mc, jc, jr, nc, pc, kc, beta);
        } else {
          /* A 6 x 16 AVX2 tile's B micro-panel (16 x 256 floats) fits L1 beside the streamed A */
          for (long jr = 0; jr < nc; jr += NR)
            for (long ir = 0; ir < mc; ir += MR) micro_tile(g, isa, ua, Ap, Bp, ic, ir, mc, jc, jr, nc, pc, kc, beta);
        }
      }
    }
  }
}

/* ---- thread split ----
 * C is cut along one dimension into chunks of whole micro-tiles, claimed by
 * the threads dynamically. Each chunk packs its own panels, so the operand
 * shared by all chunks is packed once per chunk: cut N when A (M x K) is the
 * smaller operand, else M. Chunks: one per thread, more when re-packing the
 * shared operand stays cheap, which balances better on a busy machine. */

/* bias + ReLU on C[m0:m1, n0:n1], right after the same thread computed it. */
static void epilogue(const nl_gemm_args *g, long m0, long m1, long n0, long n1) {
  if ((!g->bias && !g->relu) || m1 <= m0 || n1 <= n0) return;
  nl_bias_act_serial(g->C + m0 * g->ldc + n0, m1 - m0, n1 - n0, g->ldc, g->bias ? g->bias + n0 : NULL, g->relu);
}

typedef void (*block_fn)(const nl_gemm_args *g, const nl_isa *isa, long m0, long m1, long n0, long n1);

typedef struct {
  const nl_gemm_args *g;
  const nl_isa *isa;
  block_fn run;
  long unit_m, unit_n; /* granularity of the cut */
  int split_n;         /* 1: chunks are column ranges, 0: row ranges */
  long units;          /* units along the split dimension */
  int nchunks;
} split_ctx;

static void chunk_task(void *vctx, int c) {
  const split_ctx *s = (const split_ctx *)vctx;
  const long unit = s->split_n ? s->unit_n : s->unit_m;
  const long total = s->split_n ? s->g->N : s->g->M;
  long a = (s->units * c / s->nchunks) * unit, b = (s->units * (c + 1) / s->nchunks) * unit;
  if (b > total) b = total;
  if (s->split_n) { s->run(s->g, s->isa, 0, s->g->M, a, b); epilogue(s->g, 0, s->g->M, a, b); }
  else { s->run(s->g, s->isa, a, b, 0, s->g->N); epilogue(s->g, a, b, 0, s->g->N); }
}

static void dot_block(const nl_gemm_args *g, const nl_isa *isa, long m0, long m1, long n0, long n1) {
  (void)isa;
  if (m1 > m0 && n1 > n0) nl_gemm_nt_dot_avx512(g, m0, m1, n0, n1);
}

/* The dot-product kernel (A * B^T, both contiguous in k, no packing) against the packed path,
 * in cycles of one core (measured on Zen 4, 1 thread). Packed: whole 8 x 16 or 8 x 32 tiles of
 * FMAs (a narrow last panel takes the 16-wide kernel) plus ~1/2 cycle per packed element (B;
 * A too unless the kernel reads it in place). Dot: 4 x 4 blocks of FMAs plus ~100 k-steps'
 * worth per block to reduce its sums. Dot wins for few rows or a few long rows: 6 x 25 x 4096
 * (a conv filter gradient) 65 vs 20 GFLOP/s, 64 x 20 x 400 83 vs 57, 32 x 10 x 256 55 vs 35;
 * packed wins for 256 x 10 x 128 (a classifier layer) 63 vs 47 and 128 x 40 x 128 86 vs 54. */
static int use_dot(const nl_gemm_args *g, const nl_isa *isa) {
  if (isa != &nl_isa_avx512 || g->transA || !g->transB || g->K < 64 || g->alpha == 0.0f) return 0;
  const double M = (double)g->M, N = (double)g->N, K = (double)g->K;
  const long rem = g->N % isa->NR;
  const double n_eff = (double)(g->N - rem + (rem == 0 ? 0 : rem <= 16 ? 16 : isa->NR));
  const double packed = (double)round_up(g->M, isa->MR) * n_eff * K / 16.0 + 0.5 * K * (N + (g->alpha == 1.0f && isa->kernelUA ? 0.0 : M));
  const double dot = (double)round_up(g->M, 4) * (double)round_up(g->N, 4) * (K + 100.0) / 16.0;
  return dot < packed;
}

/* Below this many multiply-adds per thread a second thread costs more than it
 * saves (waking a worker takes microseconds). */
#define NL_MIN_MACS_PER_THREAD (48L * 1024L)

void nl_sgemm(const nl_gemm_args *g) {
  if (g->M <= 0 || g->N <= 0) return;
  const nl_isa *isa = nl_isa_selected();
  long nthreads = nl_pool_threads();
  const double macs = (double)g->M * (double)g->N * (double)(g->K > 0 ? g->K : 1);
  while (nthreads > 1 && macs / (double)nthreads < (double)NL_MIN_MACS_PER_THREAD) nthreads--;
  const int dot = use_dot(g, isa);
  split_ctx s = { g, isa, dot ? dot_block : gemm_block, dot ? 4 : isa->MR, dot ? 4 : isa->NR, g->M <= g->N, 0, 1 };
  s.units = s.split_n ? ceil_div(g->N, s.unit_n) : ceil_div(g->M, s.unit_m);
  if (nthreads > s.units) nthreads = s.units;
  if (nthreads <= 1) { s.run(g, isa, 0, g->M, 0, g->N); epilogue(g, 0, g->M, 0, g->N); return; }
  /* Re-packing the shared operand costs about one cycle per element against
   * 1/16 cycle per multiply-add: extra chunks cost ~16 / (split length) each. */
  const double split_len = (double)(s.split_n ? g->N : g->M);
  long nchunks = nthreads;
  while (nchunks * 2 <= s.units && nchunks < 4 * nthreads && 16.0 * (double)(2 * nchunks - 1) / split_len < 0.05) nchunks *= 2;
  s.nchunks = (int)nchunks;
  nl_pool_run(chunk_task, &s, (int)nchunks, (int)nthreads);
}
