/* A tiny persistent thread pool for the GEMM split.
 *
 * Workers are started lazily and kept: training calls GEMM thousands of times
 * a second on small matrices, so creating threads per call (tens of
 * microseconds) would eat the gain. After a job a worker spins briefly (the
 * next GEMM usually follows within microseconds), then sleeps on a condition
 * variable so an idle extension host burns no CPU. Every started worker
 * acknowledges every job, which keeps the generation protocol simple. */
#include "sgemm.h"

#if defined(_WIN32)

static int g_threads = 1;
void nl_pool_run(nl_task_fn fn, void *ctx, int n) { for (int t = 0; t < n; t++) fn(ctx, t, n); }
int nl_pool_threads(void) { return g_threads; }
void nl_pool_set_threads(int n) { (void)n; g_threads = 1; }

#else

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define NL_MAX_THREADS 64
#define NL_SPIN_NS 200000L /* how long an idle worker spins before sleeping */

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax(void) { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax(void) { __asm__ __volatile__("yield"); }
#else
static inline void cpu_relax(void) {}
#endif

static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;     /* guards sleeping */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static int g_threads = 1;  /* configured, including the caller */
static int g_workers = 0;  /* started */
static atomic_uint g_gen;
static atomic_int g_remaining;
static nl_task_fn g_fn;
static void *g_ctx;
static int g_n;

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Generation each worker was started at (set before it exists, so a job
 * posted before the thread first runs is not missed). */
static unsigned g_start_gen[NL_MAX_THREADS];

static void *worker_main(void *arg) {
  const int tid = (int)(intptr_t)arg;
  unsigned seen = g_start_gen[tid];
  for (;;) {
    unsigned g;
    long t0 = 0;
    int spins = 0;
    while ((g = atomic_load_explicit(&g_gen, memory_order_acquire)) == seen) {
      cpu_relax();
      if ((++spins & 63) == 0) {
        long t = now_ns();
        if (!t0) t0 = t;
        else if (t - t0 > NL_SPIN_NS) {
          pthread_mutex_lock(&mu);
          while (atomic_load_explicit(&g_gen, memory_order_acquire) == seen) pthread_cond_wait(&cv, &mu);
          pthread_mutex_unlock(&mu);
          t0 = 0;
        }
      }
    }
    seen = g;
    if (tid < g_n) g_fn(g_ctx, tid, g_n);
    atomic_fetch_sub_explicit(&g_remaining, 1, memory_order_acq_rel);
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
    g_start_gen[g_workers + 1] = atomic_load_explicit(&g_gen, memory_order_relaxed);
    int rc = pthread_create(&th, &attr, worker_main, (void *)(intptr_t)(g_workers + 1));
    pthread_attr_destroy(&attr);
    if (rc != 0) break;
    g_workers++;
  }
}

void nl_pool_run(nl_task_fn fn, void *ctx, int n) {
  if (n <= 1 || pthread_mutex_trylock(&run_mu) != 0) {
    for (int t = 0; t < n; t++) fn(ctx, t, n);
    return;
  }
  ensure_workers(n - 1);
  const int helpers = g_workers < n - 1 ? g_workers : n - 1;
  /* Threads we could not start: the caller runs their share. */
  g_fn = fn;
  g_ctx = ctx;
  g_n = helpers + 1;
  atomic_store_explicit(&g_remaining, g_workers, memory_order_relaxed);
  pthread_mutex_lock(&mu);
  atomic_fetch_add_explicit(&g_gen, 1, memory_order_release);
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);

  fn(ctx, 0, g_n);
  for (int t = g_n; t < n; t++) fn(ctx, t, n); /* unreachable unless thread creation failed */

  int spins = 0;
  while (atomic_load_explicit(&g_remaining, memory_order_acquire) > 0) {
    if (++spins < 4096) cpu_relax();
    else sched_yield();
  }
  pthread_mutex_unlock(&run_mu);
}

int nl_pool_threads(void) { return g_threads; }

void nl_pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > NL_MAX_THREADS) n = NL_MAX_THREADS;
  g_threads = n;
}

#endif
