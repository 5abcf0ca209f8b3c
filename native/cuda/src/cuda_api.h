/* The few CUDA driver-API and NVRTC declarations this addon uses, written out by hand so it
 * builds with no CUDA toolkit or headers. Values and signatures follow the public CUDA
 * driver API (cuda.h) and NVRTC (nvrtc.h); the libraries themselves are dlopen()ed at run
 * time (see loader.c), so a machine without a driver only loses the CUDA backend. */
#ifndef NL_CUDA_API_H
#define NL_CUDA_API_H
#include <stddef.h>
#include <stdint.h>

typedef int CUresult;               /* 0 = CUDA_SUCCESS */
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;
typedef unsigned long long CUdeviceptr;

#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR 75
#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR 76
#define CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT 16
#define CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED 115
#define CU_STREAM_NON_BLOCKING 0x1
#define CU_STREAM_CAPTURE_MODE_THREAD_LOCAL 1
#define CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES 8

typedef CUresult (*PFN_cuInit)(unsigned int);
typedef CUresult (*PFN_cuDriverGetVersion)(int *);
typedef CUresult (*PFN_cuDeviceGetCount)(int *);
typedef CUresult (*PFN_cuDeviceGet)(CUdevice *, int);
typedef CUresult (*PFN_cuDeviceGetName)(char *, int, CUdevice);
typedef CUresult (*PFN_cuDeviceGetAttribute)(int *, int, CUdevice);
typedef CUresult (*PFN_cuDeviceTotalMem)(size_t *, CUdevice);
typedef CUresult (*PFN_cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
typedef CUresult (*PFN_cuCtxSetCurrent)(CUcontext);
typedef CUresult (*PFN_cuCtxSynchronize)(void);
typedef CUresult (*PFN_cuGetErrorString)(CUresult, const char **);
typedef CUresult (*PFN_cuMemAlloc)(CUdeviceptr *, size_t);
typedef CUresult (*PFN_cuMemFree)(CUdeviceptr);
typedef CUresult (*PFN_cuMemAllocAsync)(CUdeviceptr *, size_t, CUstream);
typedef CUresult (*PFN_cuMemFreeAsync)(CUdeviceptr, CUstream);
typedef CUresult (*PFN_cuMemGetInfo)(size_t *, size_t *);
typedef CUresult (*PFN_cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
typedef CUresult (*PFN_cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
typedef CUresult (*PFN_cuMemcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
typedef CUresult (*PFN_cuMemsetD32Async)(CUdeviceptr, unsigned int, size_t, CUstream);
typedef CUresult (*PFN_cuStreamCreate)(CUstream *, unsigned int);
typedef CUresult (*PFN_cuStreamSynchronize)(CUstream);
typedef CUresult (*PFN_cuModuleLoadData)(CUmodule *, const void *);
typedef CUresult (*PFN_cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
typedef CUresult (*PFN_cuFuncSetAttribute)(CUfunction, int, int);
typedef CUresult (*PFN_cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                                       unsigned, CUstream, void **, void **);
typedef CUresult (*PFN_cuStreamBeginCapture)(CUstream, int);
typedef CUresult (*PFN_cuStreamEndCapture)(CUstream, CUgraph *);
typedef CUresult (*PFN_cuGraphInstantiateWithFlags)(CUgraphExec *, CUgraph, unsigned long long);
typedef CUresult (*PFN_cuGraphLaunch)(CUgraphExec, CUstream);
typedef CUresult (*PFN_cuGraphExecDestroy)(CUgraphExec);
typedef CUresult (*PFN_cuGraphDestroy)(CUgraph);

typedef int nvrtcResult;            /* 0 = NVRTC_SUCCESS */
typedef struct _nvrtcProgram *nvrtcProgram;
typedef nvrtcResult (*PFN_nvrtcVersion)(int *, int *);
typedef const char *(*PFN_nvrtcGetErrorString)(nvrtcResult);
typedef nvrtcResult (*PFN_nvrtcCreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                                              const char *const *);
typedef nvrtcResult (*PFN_nvrtcCompileProgram)(nvrtcProgram, int, const char *const *);
typedef nvrtcResult (*PFN_nvrtcGetPTXSize)(nvrtcProgram, size_t *);
typedef nvrtcResult (*PFN_nvrtcGetPTX)(nvrtcProgram, char *);
typedef nvrtcResult (*PFN_nvrtcGetProgramLogSize)(nvrtcProgram, size_t *);
typedef nvrtcResult (*PFN_nvrtcGetProgramLog)(nvrtcProgram, char *);
typedef nvrtcResult (*PFN_nvrtcDestroyProgram)(nvrtcProgram *);

typedef struct {
  PFN_cuInit Init;
  PFN_cuDriverGetVersion DriverGetVersion;
  PFN_cuDeviceGetCount DeviceGetCount;
  PFN_cuDeviceGet DeviceGet;
  PFN_cuDeviceGetName DeviceGetName;
  PFN_cuDeviceGetAttribute DeviceGetAttribute;
  PFN_cuDeviceTotalMem DeviceTotalMem;
  PFN_cuDevicePrimaryCtxRetain DevicePrimaryCtxRetain;
  PFN_cuCtxSetCurrent CtxSetCurrent;
  PFN_cuCtxSynchronize CtxSynchronize;
  PFN_cuGetErrorString GetErrorString;
  PFN_cuMemAlloc MemAlloc;
  PFN_cuMemFree MemFree;
  PFN_cuMemAllocAsync MemAllocAsync;   /* optional (CUDA ≥ 11.2) */
  PFN_cuMemFreeAsync MemFreeAsync;     /* optional */
  PFN_cuMemGetInfo MemGetInfo;
  PFN_cuMemcpyHtoDAsync MemcpyHtoDAsync;
  PFN_cuMemcpyDtoHAsync MemcpyDtoHAsync;
  PFN_cuMemcpyDtoDAsync MemcpyDtoDAsync;
  PFN_cuMemsetD32Async MemsetD32Async;
  PFN_cuStreamCreate StreamCreate;
  PFN_cuStreamSynchronize StreamSynchronize;
  PFN_cuModuleLoadData ModuleLoadData;
  PFN_cuModuleGetFunction ModuleGetFunction;
  PFN_cuFuncSetAttribute FuncSetAttribute;
  PFN_cuLaunchKernel LaunchKernel;
  PFN_cuStreamBeginCapture StreamBeginCapture;          /* optional */
  PFN_cuStreamEndCapture StreamEndCapture;              /* optional */
  PFN_cuGraphInstantiateWithFlags GraphInstantiate;     /* optional */
  PFN_cuGraphLaunch GraphLaunch;                        /* optional */
  PFN_cuGraphExecDestroy GraphExecDestroy;              /* optional */
  PFN_cuGraphDestroy GraphDestroy;                      /* optional */
} CudaDriver;

typedef struct {
  PFN_nvrtcVersion Version;
  PFN_nvrtcGetErrorString GetErrorString;
  PFN_nvrtcCreateProgram CreateProgram;
  PFN_nvrtcCompileProgram CompileProgram;
  PFN_nvrtcGetPTXSize GetPTXSize;
  PFN_nvrtcGetPTX GetPTX;
  PFN_nvrtcGetProgramLogSize GetProgramLogSize;
  PFN_nvrtcGetProgramLog GetProgramLog;
  PFN_nvrtcDestroyProgram DestroyProgram;
} Nvrtc;

#endif
