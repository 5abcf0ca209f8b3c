/* Lets a host C++ compiler parse the kernel sources (g++ -fsyntax-only) on machines without
 * CUDA: the CUDA keywords and builtins the kernels use, declared as plain C++. It checks
 * syntax, names and types only — not device semantics, which only a GPU run can prove. */
#include <math.h>
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(n)
#define __CUDA_ARCH__ 900 /* parse the sm_80+ paths too */
struct nl_dim3 { unsigned x, y, z; };
extern nl_dim3 threadIdx, blockIdx, blockDim, gridDim;
void __syncthreads();
int __syncthreads_or(int predicate);
float __shfl_xor_sync(unsigned mask, float v, int lane);
float atomicAdd(float *p, float v);
float __int_as_float(int);
