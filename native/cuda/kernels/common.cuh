// Shared by every kernel file (concatenated first by extension/engine/cuda/runtime.ts before
// NVRTC compiles the lot). No CUDA headers: NVRTC provides the builtins used here.
#define NL_EXTERN extern "C" __global__
#define NL_MAX_RANK 6
#define NL_INF __int_as_float(0x7f800000)
#define NL_NAN __int_as_float(0x7fffffff)

__device__ __forceinline__ float nl_warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float nl_warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
// Block-wide sum over blockDim.x (a multiple of 32, at most 1024); every thread gets it.
__device__ float nl_block_sum(float v) {
  __shared__ float part[32];
  __syncthreads();  // part[] may still be read by a previous call
  int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
  v = nl_warp_sum(v);
  if (lane == 0) part[w] = v;
  __syncthreads();
  v = lane < nw ? part[lane] : 0.f;
  return nl_warp_sum(v);
}
__device__ float nl_block_max(float v) {
  __shared__ float part[32];
  __syncthreads();
  int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
  v = nl_warp_max(v);
  if (lane == 0) part[w] = v;
  __syncthreads();
  v = lane < nw ? part[lane] : -NL_INF;
  return nl_warp_max(v);
}
// Grid-stride loop over n elements.
#define NL_FOR(i, n) for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)
