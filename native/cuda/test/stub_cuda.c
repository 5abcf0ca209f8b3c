/* A stand-in libcuda.so.1 for tests on machines without a GPU: "device memory" is host
 * memory and cuLaunchKernel runs a host version of a few kernels (binary_flat, fill_f32), so
 * the addon's loading, status, allocation, copies, argument marshalling and graph calls can
 * be exercised end to end. It proves the C glue only, never CUDA semantics. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long long CUdeviceptr;
typedef struct { char name[64]; } Func;
static int captured = 0;

int cuInit(unsigned f) { (void)f; return 0; }
int cuDriverGetVersion(int *v) { *v = getenv("STUB_CUDA_OLD_DRIVER") ? 12040 : 13000; return 0; }
int cuDeviceGetCount(int *n) { *n = getenv("STUB_CUDA_NO_DEVICE") ? 0 : 1; return 0; }
int cuDeviceGet(int *d, int o) { *d = o; return 0; }
int cuDeviceGetName(char *s, int n, int d) { (void)d; strncpy(s, "Stub GPU", n); return 0; }
int cuDeviceGetAttribute(int *v, int a, int d) {
  (void)d;
  *v = a == 75 ? 9 : a == 76 ? 0 : a == 16 ? 132 : a == 115 ? 1 : 0;
  return 0;
}
int cuDeviceTotalMem_v2(size_t *b, int d) { (void)d; *b = (size_t)80 << 30; return 0; }
int cuDevicePrimaryCtxRetain(void **c, int d) { (void)d; *c = (void *)1; return 0; }
int cuCtxSetCurrent(void *c) { (void)c; return 0; }
int cuCtxSynchronize(void) { return 0; }
int cuGetErrorString(int r, const char **s) { *s = r == 2 ? "out of memory (stub)" : "stub error"; return 0; }
/* Each block carries its size in front, so cuMemGetInfo can report the bytes still held
 * (tests check that a terminated worker's memory comes back). */
static size_t liveBytes = 0;
int cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
  if (n > ((size_t)1 << 34)) return 2;
  size_t *b = calloc(1, n + 16);
  if (!b) return 2;
  b[0] = n;
  __atomic_add_fetch(&liveBytes, n, __ATOMIC_SEQ_CST);
  *p = (CUdeviceptr)(uintptr_t)((char *)b + 16);
  return 0;
}
int cuMemFree_v2(CUdeviceptr p) {
  if (!p) return 0;
  size_t *b = (size_t *)((char *)(uintptr_t)p - 16);
  __atomic_sub_fetch(&liveBytes, b[0], __ATOMIC_SEQ_CST);
  free(b);
  return 0;
}
int cuMemAllocAsync(CUdeviceptr *p, size_t n, void *s) { (void)s; return cuMemAlloc_v2(p, n); }
int cuMemFreeAsync(CUdeviceptr p, void *s) { (void)s; return cuMemFree_v2(p); }
int cuMemGetInfo_v2(size_t *f, size_t *t) { *t = (size_t)80 << 30; *f = *t - __atomic_load_n(&liveBytes, __ATOMIC_SEQ_CST); return 0; }
int cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n, void *st) { (void)st; memcpy((void *)(uintptr_t)d, s, n); return 0; }
int cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, void *st) { (void)st; memcpy(d, (void *)(uintptr_t)s, n); return 0; }
int cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n, void *st) { (void)st; memmove((void *)(uintptr_t)d, (void *)(uintptr_t)s, n); return 0; }
int cuMemsetD32Async(CUdeviceptr d, unsigned v, size_t n, void *st) { (void)st; unsigned *p = (unsigned *)(uintptr_t)d; for (size_t i = 0; i < n; i++) p[i] = v; return 0; }
int cuStreamCreate(void **s, unsigned f) { (void)f; *s = (void *)2; return 0; }
int cuStreamSynchronize(void *s) { (void)s; return 0; }
/* STUB_CUDA_OLD_DRIVER: a CUDA 12.4 driver given NVRTC 13 PTX (CUDA_ERROR_UNSUPPORTED_PTX_VERSION) */
int cuModuleLoadData(void **m, const void *img) {
  if (getenv("STUB_CUDA_OLD_DRIVER")) return 222;
  if (strncmp((const char *)img, "//STUB PTX", 10)) return 200;
  *m = (void *)3;
  return 0;
}
int cuModuleGetFunction(void **f, void *m, const char *name) {
  (void)m;
  Func *fn = calloc(1, sizeof *fn);
  strncpy(fn->name, name, sizeof fn->name - 1);
  *f = fn;
  return 0;
}
int cuFuncSetAttribute(void *f, int a, int v) { (void)f; (void)a; (void)v; return 0; }
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned sh,
                   void *st, void **p, void **extra) {
  (void)gx; (void)gy; (void)gz; (void)bx; (void)by; (void)bz; (void)sh; (void)st; (void)extra;
  Func *fn = f;
  if (captured) return 0;
  if (!strcmp(fn->name, "binary_flat")) { /* (int op, const float *a, const float *b, float *out, long long n, int bScalar) */
    int op = *(int *)p[0]; float *a = *(float **)p[1], *b = *(float **)p[2], *o = *(float **)p[3];
    long long n = *(long long *)p[4]; int bs = *(int *)p[5];
    for (long long i = 0; i < n; i++) { float y = b[bs ? 0 : i]; o[i] = op == 0 ? a[i] + y : op == 2 ? a[i] * y : a[i] - y; }
    return 0;
  }
  if (!strcmp(fn->name, "fill_f32")) { /* (float *out, long long n, float v) */
    float *o = *(float **)p[0]; long long n = *(long long *)p[1]; float v = *(float *)p[2];
    for (long long i = 0; i < n; i++) o[i] = v;
    return 0;
  }
  return 98; /* not emulated */
}
int cuStreamBeginCapture_v2(void *s, int mode) { (void)s; (void)mode; captured = 1; return 0; }
int cuStreamEndCapture(void *s, void **g) { (void)s; captured = 0; *g = (void *)4; return 0; }
int cuGraphInstantiateWithFlags(void **e, void *g, unsigned long long f) { (void)g; (void)f; *e = (void *)5; return 0; }
int cuGraphLaunch(void *e, void *s) { (void)e; (void)s; return 0; }
int cuGraphExecDestroy(void *e) { (void)e; return 0; }
int cuGraphDestroy(void *g) { (void)g; return 0; }
