# Builds the Neural Lens CPU kernels as a plain N-API addon (no node-addon-api).
# No -march flags: the kernels pick AVX-512 / AVX2+FMA / portable C at run time
# (per-function target attributes), so one build runs on any x86-64 machine.
{
  "targets": [
    {
      "target_name": "neural_lens_native",
      "sources": [
        "src/addon.c",
        "src/sgemm.c",
        "src/sgemm_avx512.c",
        "src/sgemm_avx2.c",
        "src/sgemm_generic.c",
        "src/pool.c",
        "src/im2col.c",
        "src/fused.c",
        "src/conv_direct.c"
      ],
      "defines": [],
      "cflags": ["-O3", "-std=gnu11", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Wno-unused-function"],
      "cflags!": ["-O2", "-O0"],
      "libraries": ["-lpthread"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=gnu11"],
        "GCC_OPTIMIZATION_LEVEL": "3"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "Optimization": 2 }
      }
    }
  ]
}
