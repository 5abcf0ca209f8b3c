/* A stand-in NVRTC for tests without a GPU: "compiles" any source that has no "#error"
 * into a marker the stand-in driver accepts, and fails with a log otherwise. It also
 * checks that the addon asked for the device's architecture. */
#include <stdlib.h>
#include <string.h>

typedef struct { char *src; int ok; } Prog;
static const char *logText = "stub.cu(1): error: #error directive found";

int nvrtcVersion(int *a, int *b) { *a = 13; *b = 0; return 0; }
const char *nvrtcGetErrorString(int r) { return r == 6 ? "NVRTC_ERROR_COMPILATION" : "NVRTC_ERROR (stub)"; }
int nvrtcCreateProgram(Prog **p, const char *src, const char *name, int n, const char *const *h, const char *const *i) {
  (void)name; (void)n; (void)h; (void)i;
  *p = calloc(1, sizeof **p);
  (*p)->src = strdup(src);
  return 0;
}
int nvrtcCompileProgram(Prog *p, int n, const char *const *opts) {
  int arch = 0;
  for (int i = 0; i < n; i++) if (!strcmp(opts[i], "-arch=compute_90")) arch = 1;
  p->ok = arch && !strstr(p->src, "#error");
  return p->ok ? 0 : 6;
}
int nvrtcGetPTXSize(Prog *p, size_t *s) { (void)p; *s = 11; return 0; }
int nvrtcGetPTX(Prog *p, char *out) { (void)p; memcpy(out, "//STUB PTX", 11); return 0; }
int nvrtcGetProgramLogSize(Prog *p, size_t *s) { (void)p; *s = strlen(logText) + 1; return 0; }
int nvrtcGetProgramLog(Prog *p, char *out) { (void)p; strcpy(out, logText); return 0; }
int nvrtcDestroyProgram(Prog **p) { free((*p)->src); free(*p); *p = 0; return 0; }
