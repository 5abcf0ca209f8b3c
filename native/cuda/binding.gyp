# The CUDA backend addon: plain C, no CUDA headers or libraries at build time (the driver
# and NVRTC are dlopen()ed when the addon is first used). Separate from ../binding.gyp.
{
  "targets": [
    {
      "target_name": "neural_lens_cuda",
      "sources": ["src/addon.c"],
      "cflags": ["-O2", "-std=gnu11", "-Wall"],
      "libraries": ["-ldl"]
    }
  ]
}
