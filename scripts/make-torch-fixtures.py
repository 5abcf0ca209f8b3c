#!/usr/bin/python3
"""Regenerates test/fixtures/torch/: PyTorch reference training trajectories
that the engine's tests replay (PyTorch is needed only here, never in tests).

    /usr/bin/python3 scripts/make-torch-fixtures.py     # Debian python3-torch

For each model (a small MLP and LeNet-5), seeded: export to ONNX (opset 13,
dynamic batch axis; torch's own exporter, the python `onnx` package is not
needed), save one fixed batch of 16 inputs and labels as .npy, then train 10
steps on that batch with each optimizer from the same initial weights,
recording the cross-entropy loss before each update and summaries of the final
weights. See test/fixtures/torch/README.md for the format.
"""
import copy
import hashlib
import json
import os
import sys

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "torch")
STEPS = 10
BATCH = 16
SEED = 0

OPTIMIZERS = {
    "sgd": {"name": "sgd", "lr": 0.1},
    "sgd_momentum": {"name": "sgd", "lr": 0.1, "momentum": 0.9, "weightDecay": 1e-4},
    "sgd_nesterov": {"name": "sgd", "lr": 0.1, "momentum": 0.9, "weightDecay": 1e-4, "nesterov": True},
    "adam": {"name": "adam", "lr": 0.01},
    # Adam with L2 (coupled) decay vs AdamW (decoupled): same lr, so the two
    # trajectories differ only by where the decay enters.
    "adam_l2": {"name": "adam", "lr": 0.01, "weightDecay": 0.01},
    "adamw": {"name": "adamw", "lr": 0.01, "weightDecay": 0.01},
}


def make_optimizer(cfg, params):
    if cfg["name"] == "sgd":
        return torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg.get("momentum", 0),
                               weight_decay=cfg.get("weightDecay", 0), nesterov=cfg.get("nesterov", False))
    if cfg["name"] == "adam":
        return torch.optim.Adam(params, lr=cfg["lr"], weight_decay=cfg.get("weightDecay", 0))
    if cfg["name"] == "adamw":
        return torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=cfg.get("weightDecay", 0.01))
    raise ValueError(cfg["name"])


def mlp():
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


MODELS = {
    "mlp": {"build": mlp, "input": (64,), "description": "Linear(64,32)-ReLU-Linear(32,16)-ReLU-Linear(16,10)"},
    "lenet": {"build": lenet, "input": (1, 28, 28),
              "description": "Conv(1,6,5)-ReLU-MaxPool2-Conv(6,16,5)-ReLU-MaxPool2-Flatten-"
                             "Linear(256,120)-ReLU-Linear(120,84)-ReLU-Linear(84,10)"},
}


def summary(t):
    a = t.detach().numpy().astype(np.float64).ravel()
    return {
        "shape": list(t.shape),
        "sum": float(a.sum()),
        "absSum": float(np.abs(a).sum()),
        "sqSum": float((a * a).sum()),
        "first": [float(v) for v in a[:4]],
        "last": [float(v) for v in a[-4:]],
    }


def export(model, input_shape, path):
    model.eval()
    dummy = torch.zeros(2, *input_shape)
    torch.onnx.export(model, dummy, path, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=13, do_constant_folding=False)
    model.train()
    data = open(path, "rb").read()
    # The tests look weights up by these names: make sure the exporter kept them.
    for name, _ in model.named_parameters():
        if name.encode() not in data:
            sys.exit(f"{path}: initializer {name!r} not found; the exporter renamed parameters")
    return hashlib.sha256(data).hexdigest()


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)
    out = {
        "generator": "scripts/make-torch-fixtures.py",
        "torch": torch.__version__,
        "steps": STEPS,
        "batch": BATCH,
        "loss": "cross-entropy (mean over the batch), on the logits",
        "optimizers": OPTIMIZERS,
        "models": {},
    }
    for mi, (name, spec) in enumerate(MODELS.items()):
        torch.manual_seed(SEED + mi)
        model = spec["build"]()
        onnx_sha = export(model, spec["input"], os.path.join(OUT, f"{name}.onnx"))
        gen = torch.Generator().manual_seed(100 + mi)
        if name == "lenet":
            x = torch.rand(BATCH, *spec["input"], generator=gen)  # image-like, in [0, 1)
        else:
            x = torch.randn(BATCH, *spec["input"], generator=gen)
        y = torch.randint(0, 10, (BATCH,), generator=gen)
        np.save(os.path.join(OUT, f"{name}_x.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(OUT, f"{name}_y.npy"), y.numpy().astype(np.int64))

        runs = {}
        for oname, ocfg in OPTIMIZERS.items():
            m = copy.deepcopy(model)
            opt = make_optimizer(ocfg, m.parameters())
            losses = []
            for _ in range(STEPS):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(m(x), y)
                losses.append(float(loss.item()))
                loss.backward()
                opt.step()
            with torch.no_grad():
                after = float(nn.functional.cross_entropy(m(x), y).item())
            runs[oname] = {
                "losses": losses,
                "lossAfter": after,
                "final": {pn: summary(p) for pn, p in m.named_parameters()},
            }
        out["models"][name] = {
            "description": spec["description"],
            "onnx": f"{name}.onnx",
            "onnxSha256": onnx_sha,
            "input": {"x": f"{name}_x.npy", "y": f"{name}_y.npy", "shape": [BATCH, *spec["input"]]},
            "initial": {pn: summary(p) for pn, p in model.named_parameters()},
            "runs": runs,
        }
    with open(os.path.join(OUT, "trajectories.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
