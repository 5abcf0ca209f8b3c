/* A tiny persistent thread pool for the GEMM split.
 *
 * Workers are started lazily and kept: training calls GEMM thousands of times
 * a second on small matrices, so creating threads per call (tens of
 * microseconds) would eat the gain. After a job a worker spins briefly (the
 * next GEMM usually follows within microseconds), then sleeps on a condition
 * variable so an idle extension host burns no CPU. Work is handed out in
 * chunks claimed with a CAS (see g_claim), so a worker that is asleep or
 * preempted never stalls the caller. */
#include "sgemm.h"

#if defined(_WIN32)

static int g_threads = 1;
void nl_pool_run(nl_chunk_fn fn, void *ctx, int nchunks, int nthreads) { (void)nthreads; for (int c = 0; c < nchunks; c++) fn(ctx, c); }
int nl_pool_threads(void) { return g_threads; }
void nl_pool_set_threads(int n) { (void)n; g_threads = 1; }

#else

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define NL_MAX_THREADS 64
#define NL_PAUSE_NS 10000L  /* an idle worker polls with pause this long, */
#define NL_SPIN_NS 200000L  /* then with sched_yield until this, then sleeps */

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax(void) { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax(void) { __asm__ __volatile__("yield"); }
#else
static inline void cpu_relax(void) {}
#endif

static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;     /* sleeping workers */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static int g_threads = 1; /* configured, including the caller */
static int g_workers = 0; /* started */
static atomic_uint g_wake; /* bumped per job; idle workers wait for a change */

/* The current job. `g_claim` packs (job id << 32 | next unclaimed chunk);
 * a chunk is run by whoever advances it with a CAS, so no thread ever waits
 * for a worker that has not woken up or was preempted: the caller takes
 * over every chunk nobody claimed. The job's parameters are published before
 * its claim word (release) and read after it (acquire); when a job ends the
 * caller closes its claim word before publishing the next job. */
static _Atomic unsigned long long g_claim;
static atomic_int g_done;
static _Atomic(nl_chunk_fn) g_fn;
static _Atomic(void *) g_ctx;
static atomic_int g_nchunks, g_nthreads;
static unsigned g_job;

#define CLOSED 0xFFFFFFFFull

static void run_chunks(int tid) {
  for (;;) {
    unsigned long long c = atomic_load_explicit(&g_claim, memory_order_acquire);
    const unsigned next = (unsigned)(c & 0xFFFFFFFFull);
    if (next == CLOSED) return;
    const int n = atomic_load_explicit(&g_nchunks, memory_order_relaxed);
    if (tid >= atomic_load_explicit(&g_nthreads, memory_order_relaxed) || (int)next >= n) return;
    nl_chunk_fn fn = atomic_load_explicit(&g_fn, memory_order_relaxed);
    void *ctx = atomic_load_explicit(&g_ctx, memory_order_relaxed);
    if (!atomic_compare_exchange_weak_explicit(&g_claim, &c, c + 1, memory_order_acq_rel, memory_order_acquire)) continue;
    fn(ctx, (int)next);
    atomic_fetch_add_explicit(&g_done, 1, memory_order_release);
  }
}

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *worker_main(void *arg) {
  const int tid = (int)(intptr_t)arg;
  unsigned seen = 0;
  for (;;) {
    unsigned w;
    long t0 = 0;
    int spins = 0;
    while ((w = atomic_load_explicit(&g_wake, memory_order_acquire)) == seen) {
      cpu_relax();
      if ((++spins & 63) == 0) {
        long t = now_ns();
        if (!t0) t0 = t;
        else if (t - t0 > NL_PAUSE_NS && t - t0 <= NL_SPIN_NS) {
          /* Still polling, but let whatever else wants this core run: on a
           * busy machine the caller's own JS may be waiting for it. */
          sched_yield();
        } else if (t - t0 > NL_SPIN_NS) {
          pthread_mutex_lock(&mu);
          while (atomic_load_explicit(&g_wake, memory_order_acquire) == seen) pthread_cond_wait(&cv, &mu);
          pthread_mutex_unlock(&mu);
          t0 = 0;
        }
      }
    }
    seen = w;
    run_chunks(tid);
  }
  return NULL;
}

static void ensure_workers(int want) {
  if (want > NL_MAX_THREADS - 1) want = NL_MAX_THREADS - 1;
  while (g_workers < want) {
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, worker_main, (void *)(intptr_t)(g_workers + 1));
    pthread_attr_destroy(&attr);
    if (rc != 0) break;
    g_workers++;
  }
}

void nl_pool_run(nl_chunk_fn fn, void *ctx, int nchunks, int nthreads) {
  if (nthreads <= 1 || nchunks <= 1 || pthread_mutex_trylock(&run_mu) != 0) {
    for (int c = 0; c < nchunks; c++) fn(ctx, c);
    return;
  }
  ensure_workers(nthreads - 1);
  atomic_store_explicit(&g_fn, fn, memory_order_relaxed);
  atomic_store_explicit(&g_ctx, ctx, memory_order_relaxed);
  atomic_store_explicit(&g_nchunks, nchunks, memory_order_relaxed);
  atomic_store_explicit(&g_nthreads, nthreads, memory_order_relaxed);
  atomic_store_explicit(&g_done, 0, memory_order_relaxed);
  g_job++;
  if ((g_job & 0xFFFFFFFFu) == 0) g_job = 1;
  atomic_store_explicit(&g_claim, (unsigned long long)g_job << 32, memory_order_release);
  pthread_mutex_lock(&mu);
  atomic_fetch_add_explicit(&g_wake, 1, memory_order_release);
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);

  run_chunks(0);
  int spins = 0;
  while (atomic_load_explicit(&g_done, memory_order_acquire) < nchunks) {
    if (++spins < 4096) cpu_relax();
    else sched_yield();
  }
  atomic_store_explicit(&g_claim, ((unsigned long long)g_job << 32) | CLOSED, memory_order_release);
  pthread_mutex_unlock(&run_mu);
}

int nl_pool_threads(void) { return g_threads; }

void nl_pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > NL_MAX_THREADS) n = NL_MAX_THREADS;
  g_threads = n;
}

#endif
