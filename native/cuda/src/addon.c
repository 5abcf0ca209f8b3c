/* neural_lens_cuda: a plain N-API addon that drives an NVIDIA GPU through the CUDA driver
 * API and NVRTC, both dlopen()ed at run time. It builds with only a C compiler and Node's
 * headers; on a machine without a driver it loads and status() says why CUDA is unavailable.
 *
 * Device pointers cross into JS as Numbers (exact below 2^53; checked). Everything runs on
 * one non-blocking stream; downloads synchronize it. Kernel arguments are marshalled from a
 * signature string: 'p' pointer, 'i' int32, 'f' float32, 'l' int64. */
#define NAPI_VERSION 8
#include <node_api.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cuda_api.h"

static CudaDriver cu;
static Nvrtc nv;
static int tried = 0, ready = 0;
static char reason[512] = "";
static char devName[256] = "";
static char nvrtcLib[256] = "";
static int ccMajor = 0, ccMinor = 0, smCount = 0, driverVersion = 0, nvMajor = 0, nvMinor = 0, asyncAlloc = 0;
static size_t totalMem = 0;
static CUcontext ctx;
static CUstream stream;

#define MAX_MODULES 256
#define MAX_FUNCS 4096
#define MAX_GRAPHS 256
static CUmodule modules[MAX_MODULES];
static unsigned long long moduleKeys[MAX_MODULES]; /* hash of source, name and options */
static int nModules = 0;
static CUfunction funcs[MAX_FUNCS];
static int funcModule[MAX_FUNCS];
static char funcNames[MAX_FUNCS][64];
static int nFuncs = 0;
static CUgraphExec graphs[MAX_GRAPHS];

/* Device memory of one JS environment (the main thread or a worker_thread), as an
 * open-addressing set of pointers: freed when that environment is torn down, because a
 * terminated worker (a finished training run) never runs its tensors' finalizers. */
typedef struct { CUdeviceptr *slots; size_t cap, used, live; } env_allocs;
#define SLOT_TOMB ((CUdeviceptr)1)
static size_t slotOf(CUdeviceptr p, size_t cap) { return (size_t)(((unsigned long long)p >> 4) * 0x9E3779B97F4A7C15ULL >> 20) & (cap - 1); }
static void allocsInsert(env_allocs *s, CUdeviceptr p) {
  size_t i = slotOf(p, s->cap);
  while (s->slots[i] > SLOT_TOMB) i = (i + 1) & (s->cap - 1);
  if (s->slots[i] == 0) s->used++;
  s->slots[i] = p;
  s->live++;
}
static int allocsAdd(env_allocs *s, CUdeviceptr p) {
  if ((s->used + 1) * 2 > s->cap) { /* rehash: drop tombstones, keep the load under a quarter */
    size_t cap = 64;
    while (cap < (s->live + 1) * 4) cap *= 2;
    CUdeviceptr *old = s->slots, *fresh = calloc(cap, sizeof *fresh);
    size_t oldCap = s->cap;
    if (!fresh) return 0;
    s->slots = fresh; s->cap = cap; s->used = 0; s->live = 0;
    for (size_t i = 0; i < oldCap; i++) if (old[i] > SLOT_TOMB) allocsInsert(s, old[i]);
    free(old);
  }
  allocsInsert(s, p);
  return 1;
}
static void allocsRemove(env_allocs *s, CUdeviceptr p) {
  if (!s->cap) return;
  for (size_t i = slotOf(p, s->cap); s->slots[i] != 0; i = (i + 1) & (s->cap - 1))
    if (s->slots[i] == p) { s->slots[i] = SLOT_TOMB; s->live--; return; }
}

static const char *cuErr(CUresult r) {
  const char *s = NULL;
  if (cu.GetErrorString && cu.GetErrorString(r, &s) == 0 && s) return s;
  return "unknown CUDA error";
}

#define LOAD(lib, tbl, field, sym, required)                                   \
  do {                                                                         \
    *(void **)(&tbl.field) = dlsym(lib, sym);                                  \
    if (!tbl.field && required) {                                              \
      snprintf(reason, sizeof reason, "CUDA not available: %s missing from the library", sym); \
      return 0;                                                                \
    }                                                                          \
  } while (0)

static int loadDriver(void) {
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    char first[300];
    const char *e = dlerror();
    snprintf(first, sizeof first, "%s", e ? e : "dlopen failed");
    h = dlopen("libcuda.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      snprintf(reason, sizeof reason, "CUDA not available: libcuda.so.1 not found (no NVIDIA driver): %s", first);
      return 0;
    }
  }
  LOAD(h, cu, Init, "cuInit", 1);
  LOAD(h, cu, DriverGetVersion, "cuDriverGetVersion", 1);
  LOAD(h, cu, DeviceGetCount, "cuDeviceGetCount", 1);
  LOAD(h, cu, DeviceGet, "cuDeviceGet", 1);
  LOAD(h, cu, DeviceGetName, "cuDeviceGetName", 1);
  LOAD(h, cu, DeviceGetAttribute, "cuDeviceGetAttribute", 1);
  LOAD(h, cu, DeviceTotalMem, "cuDeviceTotalMem_v2", 1);
  LOAD(h, cu, DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", 1);
  LOAD(h, cu, CtxSetCurrent, "cuCtxSetCurrent", 1);
  LOAD(h, cu, CtxSynchronize, "cuCtxSynchronize", 1);
  LOAD(h, cu, GetErrorString, "cuGetErrorString", 1);
  LOAD(h, cu, MemAlloc, "cuMemAlloc_v2", 1);
  LOAD(h, cu, MemFree, "cuMemFree_v2", 1);
  LOAD(h, cu, MemAllocAsync, "cuMemAllocAsync", 0);
  LOAD(h, cu, MemFreeAsync, "cuMemFreeAsync", 0);
  LOAD(h, cu, MemGetInfo, "cuMemGetInfo_v2", 1);
  LOAD(h, cu, MemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", 1);
  LOAD(h, cu, MemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", 1);
  LOAD(h, cu, MemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2", 1);
  LOAD(h, cu, MemsetD32Async, "cuMemsetD32Async", 1);
  LOAD(h, cu, StreamCreate, "cuStreamCreate", 1);
  LOAD(h, cu, StreamSynchronize, "cuStreamSynchronize", 1);
  LOAD(h, cu, ModuleLoadData, "cuModuleLoadData", 1);
  LOAD(h, cu, ModuleGetFunction, "cuModuleGetFunction", 1);
  LOAD(h, cu, FuncSetAttribute, "cuFuncSetAttribute", 0);
  LOAD(h, cu, LaunchKernel, "cuLaunchKernel", 1);
  LOAD(h, cu, StreamBeginCapture, "cuStreamBeginCapture_v2", 0);
  LOAD(h, cu, StreamEndCapture, "cuStreamEndCapture", 0);
  LOAD(h, cu, GraphInstantiate, "cuGraphInstantiateWithFlags", 0);
  LOAD(h, cu, GraphLaunch, "cuGraphLaunch", 0);
  LOAD(h, cu, GraphExecDestroy, "cuGraphExecDestroy", 0);
  LOAD(h, cu, GraphDestroy, "cuGraphDestroy", 0);
  return 1;
}

static int loadNvrtc(void) {
  /* NEURAL_LENS_NVRTC may name the library file (e.g. inside a pip wheel's nvidia/…/lib). */
  const char *names[] = {getenv("NEURAL_LENS_NVRTC"), "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"};
  void *h = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++) {
    if (!names[i] || !*names[i]) continue;
    h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (h) snprintf(nvrtcLib, sizeof nvrtcLib, "%s", names[i]);
  }
  if (!h) {
    snprintf(reason, sizeof reason,
             "CUDA not available: NVRTC not found (tried $NEURAL_LENS_NVRTC, libnvrtc.so.13, .12, .11.2, libnvrtc.so)");
    return 0;
  }
  LOAD(h, nv, Version, "nvrtcVersion", 1);
  LOAD(h, nv, GetErrorString, "nvrtcGetErrorString", 1);
  LOAD(h, nv, CreateProgram, "nvrtcCreateProgram", 1);
  LOAD(h, nv, CompileProgram, "nvrtcCompileProgram", 1);
  LOAD(h, nv, GetPTXSize, "nvrtcGetPTXSize", 1);
  LOAD(h, nv, GetPTX, "nvrtcGetPTX", 1);
  LOAD(h, nv, GetProgramLogSize, "nvrtcGetProgramLogSize", 1);
  LOAD(h, nv, GetProgramLog, "nvrtcGetProgramLog", 1);
  LOAD(h, nv, DestroyProgram, "nvrtcDestroyProgram", 1);
  nv.Version(&nvMajor, &nvMinor);
  return 1;
}

/* Loads everything once; afterwards `ready` says whether the GPU can be used. */
static int init(void) {
  if (tried) return ready;
  tried = 1;
  if (!loadDriver()) return 0;
  CUresult r = cu.Init(0);
  if (r != 0) { snprintf(reason, sizeof reason, "CUDA not available: cuInit failed (%s)", cuErr(r)); return 0; }
  cu.DriverGetVersion(&driverVersion);
  int count = 0;
  r = cu.DeviceGetCount(&count);
  if (r != 0 || count == 0) {
    snprintf(reason, sizeof reason, "CUDA not available: no device (%s)", r ? cuErr(r) : "cuDeviceGetCount returned 0");
    return 0;
  }
  CUdevice dev;
  if ((r = cu.DeviceGet(&dev, 0)) != 0) { snprintf(reason, sizeof reason, "CUDA not available: cuDeviceGet: %s", cuErr(r)); return 0; }
  cu.DeviceGetName(devName, sizeof devName - 1, dev);
  cu.DeviceGetAttribute(&ccMajor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
  cu.DeviceGetAttribute(&ccMinor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
  cu.DeviceGetAttribute(&smCount, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
  int pools = 0;
  cu.DeviceGetAttribute(&pools, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, dev);
  asyncAlloc = pools && cu.MemAllocAsync && cu.MemFreeAsync && !getenv("NEURAL_LENS_CUDA_SYNC_ALLOC");
  cu.DeviceTotalMem(&totalMem, dev);
  if ((r = cu.DevicePrimaryCtxRetain(&ctx, dev)) != 0) { snprintf(reason, sizeof reason, "CUDA not available: no context (%s)", cuErr(r)); return 0; }
  cu.CtxSetCurrent(ctx);
  if ((r = cu.StreamCreate(&stream, CU_STREAM_NON_BLOCKING)) != 0) { snprintf(reason, sizeof reason, "CUDA not available: cuStreamCreate: %s", cuErr(r)); return 0; }
  if (!loadNvrtc()) return 0;
  ready = 1;
  reason[0] = 0;
  return 1;
}

/* ---- N-API helpers ---- */
static napi_value undef(napi_env env) { napi_value u; napi_get_undefined(env, &u); return u; }
static napi_value throwMsg(napi_env env, const char *what, const char *detail) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
  napi_throw_error(env, NULL, buf);
  return NULL;
}
static napi_value cuFail(napi_env env, const char *what, CUresult r) { return throwMsg(env, what, cuErr(r)); }
static int needReady(napi_env env) {
  if (init()) { cu.CtxSetCurrent(ctx); return 1; }
  throwMsg(env, reason, NULL);
  return 0;
}
static double argNum(napi_env env, napi_value v) { double d = 0; napi_get_value_double(env, v, &d); return d; }
static napi_value num(napi_env env, double d) { napi_value v; napi_create_double(env, d, &v); return v; }
static void setStr(napi_env env, napi_value o, const char *k, const char *s) { napi_value v; napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v); napi_set_named_property(env, o, k, v); }
static void setNum(napi_env env, napi_value o, const char *k, double d) { napi_set_named_property(env, o, k, num(env, d)); }
static void setBool(napi_env env, napi_value o, const char *k, int b) { napi_value v; napi_get_boolean(env, b, &v); napi_set_named_property(env, o, k, v); }

#define ARGS(n) size_t argc = n; napi_value argv[n]; napi_get_cb_info(env, info, &argc, argv, NULL, NULL)

static int bufferOf(napi_env env, napi_value v, void **data, size_t *bytes) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) return 0;
  napi_typedarray_type t; size_t len; napi_value ab; size_t off;
  napi_get_typedarray_info(env, v, &t, &len, data, &ab, &off);
  size_t el = 1;
  switch (t) {
    case napi_int16_array: case napi_uint16_array: el = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: el = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: el = 8; break;
    default: el = 1;
  }
  *bytes = len * el;
  return 1;
}

/* ---- exported functions ---- */

/* status() → { available, reason, device?, computeCapability?, ... } (never throws) */
static napi_value Status(napi_env env, napi_callback_info info) {
  (void)info;
  int ok = init();
  napi_value o; napi_create_object(env, &o);
  setBool(env, o, "available", ok);
  setStr(env, o, "reason", ok ? "" : reason);
  if (driverVersion) setNum(env, o, "driverVersion", driverVersion);
  if (devName[0]) {
    setStr(env, o, "device", devName);
    setNum(env, o, "ccMajor", ccMajor);
    setNum(env, o, "ccMinor", ccMinor);
    setNum(env, o, "smCount", smCount);
    setNum(env, o, "totalMem", (double)totalMem);
  }
  if (nvMajor) { setNum(env, o, "nvrtcMajor", nvMajor); setNum(env, o, "nvrtcMinor", nvMinor); setStr(env, o, "nvrtcLib", nvrtcLib); }
  setBool(env, o, "asyncAlloc", asyncAlloc);
  setBool(env, o, "graphs", cu.GraphLaunch && cu.StreamBeginCapture && cu.GraphInstantiate ? 1 : 0);
  return o;
}

/* compile(source, name, options[]) → module id. Options are NVRTC's (e.g. -DTF32=1);
 * the architecture flag for device 0 is added here. */
static napi_value Compile(napi_env env, napi_callback_info info) {
  ARGS(3);
  if (!needReady(env)) return NULL;
  size_t len = 0;
  napi_get_value_string_utf8(env, argv[0], NULL, 0, &len);
  char *src = malloc(len + 1);
  napi_get_value_string_utf8(env, argv[0], src, len + 1, &len);
  char name[128] = "kernels.cu";
  napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len);
  uint32_t nopt = 0;
  napi_get_array_length(env, argv[2], &nopt);
  if (nopt > 30) nopt = 30;
  const char *opts[32];
  char optBuf[32][256];
  int n = 0;
  char arch[64];
  snprintf(arch, sizeof arch, "-arch=compute_%d%d", ccMajor, ccMinor);
  opts[n++] = arch;
  opts[n++] = "--std=c++17";
  for (uint32_t i = 0; i < nopt; i++) {
    napi_value e; napi_get_element(env, argv[2], i, &e);
    size_t l; napi_get_value_string_utf8(env, e, optBuf[i], sizeof optBuf[i], &l);
    opts[n++] = optBuf[i];
  }
  /* The same source compiled again (each worker's runtime, each training run) reuses the
   * module: no NVRTC time, and the module and function tables do not grow. */
  unsigned long long key = 1469598103934665603ULL;
  for (const char *c = src; *c; c++) key = (key ^ (unsigned char)*c) * 1099511628211ULL;
  for (int i = 0; i < n; i++) for (const char *c = opts[i]; *c; c++) key = (key ^ (unsigned char)*c) * 1099511628211ULL;
  for (const char *c = name; *c; c++) key = (key ^ (unsigned char)*c) * 1099511628211ULL;
  for (int i = 0; i < nModules; i++) if (moduleKeys[i] == key) { free(src); return num(env, i); }
  nvrtcProgram prog;
  nvrtcResult nr = nv.CreateProgram(&prog, src, name, 0, NULL, NULL);
  free(src);
  if (nr != 0) return throwMsg(env, "nvrtcCreateProgram", nv.GetErrorString(nr));
  nr = nv.CompileProgram(prog, n, opts);
  if (nr != 0) {
    size_t ls = 0; nv.GetProgramLogSize(prog, &ls);
    char *log = malloc(ls + 1); log[0] = 0; nv.GetProgramLog(prog, log); log[ls] = 0;
    char *msg = malloc(ls + 1024);
    snprintf(msg, ls + 1024, "NVRTC could not compile %s: %s\n%.*s", name, nv.GetErrorString(nr), (int)(ls > 4000 ? 4000 : ls), log);
    napi_throw_error(env, NULL, msg);
    free(msg); free(log); nv.DestroyProgram(&prog);
    return NULL;
  }
  size_t ps = 0; nv.GetPTXSize(prog, &ps);
  char *ptx = malloc(ps + 1); nv.GetPTX(prog, ptx); ptx[ps] = 0;
  nv.DestroyProgram(&prog);
  if (nModules >= MAX_MODULES) { free(ptx); return throwMsg(env, "compile", "too many modules"); }
  CUmodule m;
  CUresult r = cu.ModuleLoadData(&m, ptx);
  free(ptx);
  if (r == 222 /* CUDA_ERROR_UNSUPPORTED_PTX_VERSION */) {
    /* NVRTC 13 writes PTX ISA 9.0, which only drivers of CUDA 13 and later load. */
    char w[300];
    snprintf(w, sizeof w, "cuModuleLoadData (PTX from NVRTC %d.%d; the driver supports CUDA %d.%d: use an NVRTC no newer than the driver, via NEURAL_LENS_NVRTC)",
             nvMajor, nvMinor, driverVersion / 1000, (driverVersion % 1000) / 10);
    return cuFail(env, w, r);
  }
  if (r != 0) return cuFail(env, "cuModuleLoadData (PTX from NVRTC)", r);
  modules[nModules] = m;
  moduleKeys[nModules] = key;
  return num(env, nModules++);
}

/* getFunction(moduleId, name) → function id */
static napi_value GetFunction(napi_env env, napi_callback_info info) {
  ARGS(2);
  if (!needReady(env)) return NULL;
  int m = (int)argNum(env, argv[0]);
  char name[256]; size_t l;
  napi_get_value_string_utf8(env, argv[1], name, sizeof name, &l);
  if (m < 0 || m >= nModules) return throwMsg(env, "getFunction", "bad module id");
  for (int i = 0; i < nFuncs; i++) if (funcModule[i] == m && !strcmp(funcNames[i], name)) return num(env, i);
  if (nFuncs >= MAX_FUNCS) return throwMsg(env, "getFunction", "too many functions");
  CUfunction f;
  CUresult r = cu.ModuleGetFunction(&f, modules[m], name);
  if (r != 0) { char w[300]; snprintf(w, sizeof w, "cuModuleGetFunction(%s)", name); return cuFail(env, w, r); }
  funcs[nFuncs] = f;
  funcModule[nFuncs] = m;
  snprintf(funcNames[nFuncs], sizeof funcNames[nFuncs], "%s", name);
  return num(env, nFuncs++);
}

/* alloc(bytes) → device pointer (Number). Stream-ordered pool when the device has one. */
static napi_value Alloc(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (!needReady(env)) return NULL;
  size_t bytes = (size_t)argNum(env, argv[0]);
  if (bytes == 0) bytes = 4;
  CUdeviceptr p = 0;
  CUresult r = asyncAlloc ? cu.MemAllocAsync(&p, bytes, stream) : cu.MemAlloc(&p, bytes);
  if (r != 0) {
    char w[128]; snprintf(w, sizeof w, "cuMemAlloc(%zu bytes)", bytes);
    return cuFail(env, w, r);
  }
  if (p >= (1ULL << 53)) return throwMsg(env, "alloc", "device pointer above 2^53");
  env_allocs *mine = NULL;
  napi_get_instance_data(env, (void **)&mine);
  if (mine && !allocsAdd(mine, p)) {
    if (asyncAlloc) cu.MemFreeAsync(p, stream); else cu.MemFree(p);
    return throwMsg(env, "alloc", "out of host memory for the allocation table");
  }
  int64_t adj; napi_adjust_external_memory(env, (int64_t)bytes, &adj);
  return num(env, (double)p);
}

/* free(ptr, bytes) */
static napi_value Free(napi_env env, napi_callback_info info) {
  ARGS(2);
  if (!ready) return undef(env);
  cu.CtxSetCurrent(ctx);
  CUdeviceptr p = (CUdeviceptr)argNum(env, argv[0]);
  env_allocs *mine = NULL;
  napi_get_instance_data(env, (void **)&mine);
  if (mine) allocsRemove(mine, p);
  if (asyncAlloc) cu.MemFreeAsync(p, stream); else cu.MemFree(p);
  int64_t adj; napi_adjust_external_memory(env, -(int64_t)argNum(env, argv[1]), &adj);
  return undef(env);
}

/* upload(ptr, typedArray): host → device. Pageable source: returns once it is staged. */
static napi_value Upload(napi_env env, napi_callback_info info) {
  ARGS(2);
  if (!needReady(env)) return NULL;
  void *data; size_t bytes;
  if (!bufferOf(env, argv[1], &data, &bytes)) return throwMsg(env, "upload", "expected a typed array");
  if (bytes == 0) return undef(env);
  CUresult r = cu.MemcpyHtoDAsync((CUdeviceptr)argNum(env, argv[0]), data, bytes, stream);
  if (r == 0) r = cu.StreamSynchronize(stream); /* the JS array may be reused right after */
  if (r != 0) return cuFail(env, "upload (cuMemcpyHtoD)", r);
  return undef(env);
}

/* download(typedArray, ptr): device → host, waits for all work queued before it. */
static napi_value Download(napi_env env, napi_callback_info info) {
  ARGS(2);
  if (!needReady(env)) return NULL;
  void *data; size_t bytes;
  if (!bufferOf(env, argv[0], &data, &bytes)) return throwMsg(env, "download", "expected a typed array");
  if (bytes == 0) return undef(env);
  CUresult r = cu.MemcpyDtoHAsync(data, (CUdeviceptr)argNum(env, argv[1]), bytes, stream);
  if (r == 0) r = cu.StreamSynchronize(stream);
  if (r != 0) return cuFail(env, "download (cuMemcpyDtoH; an earlier kernel may have failed)", r);
  return undef(env);
}

/* copy(dst, src, bytes) device → device */
static napi_value Copy(napi_env env, napi_callback_info info) {
  ARGS(3);
  if (!needReady(env)) return NULL;
  size_t bytes = (size_t)argNum(env, argv[2]);
  if (!bytes) return undef(env);
  CUresult r = cu.MemcpyDtoDAsync((CUdeviceptr)argNum(env, argv[0]), (CUdeviceptr)argNum(env, argv[1]), bytes, stream);
  if (r != 0) return cuFail(env, "cuMemcpyDtoD", r);
  return undef(env);
}

/* fill32(ptr, bitsAsUint32, count) */
static napi_value Fill32(napi_env env, napi_callback_info info) {
  ARGS(3);
  if (!needReady(env)) return NULL;
  uint32_t bits = 0; napi_get_value_uint32(env, argv[1], &bits);
  size_t count = (size_t)argNum(env, argv[2]);
  if (!count) return undef(env);
  CUresult r = cu.MemsetD32Async((CUdeviceptr)argNum(env, argv[0]), bits, count, stream);
  if (r != 0) return cuFail(env, "cuMemsetD32", r);
  return undef(env);
}

/* launch(fnId, gx, gy, gz, bx, by, bz, sharedBytes, signature, args[]) */
static napi_value Launch(napi_env env, napi_callback_info info) {
  ARGS(10);
  if (!needReady(env)) return NULL;
  int f = (int)argNum(env, argv[0]);
  if (f < 0 || f >= nFuncs) return throwMsg(env, "launch", "bad function id");
  unsigned g[3], b[3];
  for (int i = 0; i < 3; i++) { g[i] = (unsigned)argNum(env, argv[1 + i]); b[i] = (unsigned)argNum(env, argv[4 + i]); }
  unsigned shmem = (unsigned)argNum(env, argv[7]);
  char sig[40]; size_t n = 0;
  napi_get_value_string_utf8(env, argv[8], sig, sizeof sig, &n);
  union { unsigned long long p; int i; float f; long long l; } vals[40];
  void *params[40];
  for (size_t i = 0; i < n; i++) {
    napi_value e; napi_get_element(env, argv[9], (uint32_t)i, &e);
    double d = argNum(env, e);
    switch (sig[i]) {
      case 'p': vals[i].p = (unsigned long long)d; break;
      case 'i': vals[i].i = (int)d; break;
      case 'f': vals[i].f = (float)d; break;
      case 'l': vals[i].l = (long long)d; break;
      default: return throwMsg(env, "launch", "bad signature character");
    }
    params[i] = &vals[i];
  }
  if (g[0] == 0 || g[1] == 0 || g[2] == 0) return undef(env);
  CUresult r = cu.LaunchKernel(funcs[f], g[0], g[1], g[2], b[0], b[1], b[2], shmem, stream, params, NULL);
  if (r != 0) return cuFail(env, "cuLaunchKernel", r);
  if (getenv("NEURAL_LENS_CUDA_SYNC")) {  /* debugging: report a failing kernel where it ran */
    r = cu.StreamSynchronize(stream);
    if (r != 0) return cuFail(env, "kernel failed (NEURAL_LENS_CUDA_SYNC)", r);
  }
  return undef(env);
}

static napi_value Sync(napi_env env, napi_callback_info info) {
  (void)info;
  if (!needReady(env)) return NULL;
  CUresult r = cu.StreamSynchronize(stream);
  if (r != 0) return cuFail(env, "cuStreamSynchronize", r);
  return undef(env);
}

static napi_value MemInfo(napi_env env, napi_callback_info info) {
  (void)info;
  if (!needReady(env)) return NULL;
  size_t fr = 0, tot = 0;
  cu.MemGetInfo(&fr, &tot);
  napi_value o; napi_create_object(env, &o);
  setNum(env, o, "free", (double)fr); setNum(env, o, "total", (double)tot);
  return o;
}

/* CUDA Graphs: graphBegin() starts capturing the stream; graphEnd() → graph id; then
 * graphLaunch(id) replays every launch and copy captured in between. */
static napi_value GraphBegin(napi_env env, napi_callback_info info) {
  (void)info;
  if (!needReady(env)) return NULL;
  if (!cu.StreamBeginCapture) return throwMsg(env, "graphBegin", "this driver has no stream capture");
  CUresult r = cu.StreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
  if (r != 0) return cuFail(env, "cuStreamBeginCapture", r);
  return undef(env);
}

static napi_value GraphEnd(napi_env env, napi_callback_info info) {
  (void)info;
  if (!needReady(env)) return NULL;
  CUgraph gr = NULL;
  CUresult r = cu.StreamEndCapture(stream, &gr);
  if (r != 0) return cuFail(env, "cuStreamEndCapture", r);
  int slot = -1;
  for (int i = 0; i < MAX_GRAPHS; i++) if (!graphs[i]) { slot = i; break; }
  if (slot < 0) { cu.GraphDestroy(gr); return throwMsg(env, "graphEnd", "too many graphs"); }
  r = cu.GraphInstantiate(&graphs[slot], gr, 0);
  cu.GraphDestroy(gr);
  if (r != 0) { graphs[slot] = NULL; return cuFail(env, "cuGraphInstantiate", r); }
  return num(env, slot);
}

static napi_value GraphLaunch(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (!needReady(env)) return NULL;
  int s = (int)argNum(env, argv[0]);
  if (s < 0 || s >= MAX_GRAPHS || !graphs[s]) return throwMsg(env, "graphLaunch", "bad graph id");
  CUresult r = cu.GraphLaunch(graphs[s], stream);
  if (r != 0) return cuFail(env, "cuGraphLaunch", r);
  return undef(env);
}

static napi_value GraphDestroy(napi_env env, napi_callback_info info) {
  ARGS(1);
  int s = (int)argNum(env, argv[0]);
  if (ready && s >= 0 && s < MAX_GRAPHS && graphs[s]) { cu.GraphExecDestroy(graphs[s]); graphs[s] = NULL; }
  return undef(env);
}

/* The environment is going away (worker terminated, or the process exits): free what it holds. */
static void freeEnvAllocs(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  env_allocs *s = (env_allocs *)data;
  if (ready && s->live) {
    cu.CtxSetCurrent(ctx);
    for (size_t i = 0; i < s->cap; i++)
      if (s->slots[i] > SLOT_TOMB) { if (asyncAlloc) cu.MemFreeAsync(s->slots[i], stream); else cu.MemFree(s->slots[i]); }
    if (asyncAlloc) cu.StreamSynchronize(stream);
  }
  free(s->slots);
  free(s);
}

static napi_value InitModule(napi_env env, napi_value exports) {
  env_allocs *mine = calloc(1, sizeof *mine);
  if (mine) napi_set_instance_data(env, mine, freeEnvAllocs, NULL);
  napi_property_descriptor d[] = {
    {"status", NULL, Status, NULL, NULL, NULL, napi_default, NULL},
    {"compile", NULL, Compile, NULL, NULL, NULL, napi_default, NULL},
    {"getFunction", NULL, GetFunction, NULL, NULL, NULL, napi_default, NULL},
    {"alloc", NULL, Alloc, NULL, NULL, NULL, napi_default, NULL},
    {"free", NULL, Free, NULL, NULL, NULL, napi_default, NULL},
    {"upload", NULL, Upload, NULL, NULL, NULL, napi_default, NULL},
    {"download", NULL, Download, NULL, NULL, NULL, napi_default, NULL},
    {"copy", NULL, Copy, NULL, NULL, NULL, napi_default, NULL},
    {"fill32", NULL, Fill32, NULL, NULL, NULL, napi_default, NULL},
    {"launch", NULL, Launch, NULL, NULL, NULL, napi_default, NULL},
    {"sync", NULL, Sync, NULL, NULL, NULL, napi_default, NULL},
    {"memInfo", NULL, MemInfo, NULL, NULL, NULL, napi_default, NULL},
    {"graphBegin", NULL, GraphBegin, NULL, NULL, NULL, napi_default, NULL},
    {"graphEnd", NULL, GraphEnd, NULL, NULL, NULL, napi_default, NULL},
    {"graphLaunch", NULL, GraphLaunch, NULL, NULL, NULL, napi_default, NULL},
    {"graphDestroy", NULL, GraphDestroy, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, InitModule)
