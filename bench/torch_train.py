#!/usr/bin/python3
"""PyTorch CPU side of `npm run bench` (run with /usr/bin/python3: Debian's
python3-torch; install libopenblas0-openmp or torch's BLAS is slow).

Reads JSON requests on stdin, one per line, and answers each with one JSON
line on stdout (so the bench can alternate engine and PyTorch rounds while
paying for `import torch` once). A request:

  {"data": {"x": PATH, "y": PATH, "n": N},   # float32 N x 784, int32 N labels
   "export": DIR or null,                     # write DIR/<model>.onnx (seeded initial weights)
   "train": [{"model": "mlp"|"lenet", "batch": B, "threads": T}],
   "gemm": [{"n": 512, "threads": T}],
   "seconds": S, "rounds": R, "lr": 0.01, "momentum": 0.9}

Training: SGD with momentum on cross-entropy over the data in order (no
shuffle), batches of B; after a warm-up, R rounds of about S seconds each; the
best round's samples/s is reported (the machine is shared, so the best round
is the least disturbed one). The engine side of the bench does the same.
"""
import json
import os
import sys
import time


def build(name, torch):
    nn = torch.nn
    if name == "mlp":
        return nn.Sequential(
            nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    raise ValueError(f"unknown model {name}")


def input_shape(name):
    return (1, 28, 28) if name == "lenet" else (784,)


def export(name, model, path, torch):
    model.eval()
    dummy = torch.zeros(2, *input_shape(name))
    torch.onnx.export(model, dummy, path, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
    model.train()


def train_rate(cfg, X, Y, req, torch):
    torch.set_num_threads(cfg["threads"])
    torch.manual_seed(0)
    model = build(cfg["model"], torch)
    opt = torch.optim.SGD(model.parameters(), lr=req.get("lr", 0.01), momentum=req.get("momentum", 0.9))
    loss_fn = torch.nn.CrossEntropyLoss()
    b = cfg["batch"]
    X = X.view(-1, *input_shape(cfg["model"]))
    n = (X.shape[0] // b) * b
    pos = [0]

    def step():
        i = pos[0]
        xb, yb = X[i:i + b], Y[i:i + b]
        pos[0] = (i + b) % n
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    for _ in range(20):
        step()
    best = 0.0
    for _ in range(req.get("rounds", 3)):
        steps = 0
        t0 = time.perf_counter()
        while True:
            step()
            steps += 1
            dt = time.perf_counter() - t0
            if dt >= req.get("seconds", 1.0):
                break
        best = max(best, steps * b / dt)
    return {**cfg, "samplesPerSec": best, "finalLoss": float(step().item())}


def gemm_rate(cfg, torch):
    torch.set_num_threads(cfg["threads"])
    n = cfg["n"]
    a = torch.rand(n, n)
    b = torch.rand(n, n)
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)
    best = 0.0
    reps = max(1, int(2e9 / (2 * n ** 3)))
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b, out=c)
        dt = time.perf_counter() - t0
        best = max(best, 2 * n ** 3 * reps / dt / 1e9)
    return {**cfg, "gflops": best}


def loaded_blas():
    """The BLAS library torch's process has mapped (Debian's torch uses the system libblas.so.3)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {"/".join(line.split()[-1].split("/")[-2:]) for line in f if "openblas" in line.lower()}
        return ", ".join(sorted(libs)) or "none found"
    except OSError:
        return "unknown"


def handle(req, cache, np, torch):
    out = {"torch": torch.__version__, "threadsDefault": torch.get_num_threads(), "blas": loaded_blas(),
           "train": [], "gemm": []}
    data = req.get("data")
    if data:
        key = (data["x"], data["y"], data["n"])
        if cache.get("key") != key:
            X = torch.from_numpy(np.fromfile(data["x"], dtype=np.float32).reshape(data["n"], 784).copy())
            Y = torch.from_numpy(np.fromfile(data["y"], dtype=np.int32).astype(np.int64))
            cache.update(key=key, X=X, Y=Y)
    if req.get("export"):
        for name in ("mlp", "lenet"):
            torch.manual_seed(0)
            export(name, build(name, torch), os.path.join(req["export"], f"{name}.onnx"), torch)
    for g in req.get("gemm", []):
        out["gemm"].append(gemm_rate(g, torch))
    for t in req.get("train", []):
        out["train"].append(train_rate(t, cache["X"], cache["Y"], req, torch))
    return out


def main():
    import numpy as np
    import torch

    cache = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = handle(json.loads(line), cache, np, torch)
        except Exception as e:  # report, keep serving
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
