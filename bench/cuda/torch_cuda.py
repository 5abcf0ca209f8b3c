#!/usr/bin/env python3
"""PyTorch CUDA side of bench/cuda/run.ts: training samples/s for the same models, the same
batch sizes, SGD(lr, momentum 0.9) on cross-entropy over synthetic data already on the GPU.
PyTorch defaults are kept (cuDNN may use TF32 for convolutions; matmul TF32 is off by
default); the settings in effect are printed. Prints one JSON object per line.

usage: torch_cuda.py --rows mlp:64,mlp:256,... --seconds S
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def build(name):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "lenet":
        return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    if name == "resnet18":
        def block(ci, co, s):
            body = nn.Sequential(nn.Conv2d(ci, co, 3, s, 1, bias=False), nn.BatchNorm2d(co), nn.ReLU(),
                                 nn.Conv2d(co, co, 3, 1, 1, bias=False), nn.BatchNorm2d(co))
            short = nn.Sequential(nn.Conv2d(ci, co, 1, s, bias=False), nn.BatchNorm2d(co)) if s != 1 or ci != co else nn.Identity()
            return body, short

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
                self.bodies, self.shorts = nn.ModuleList(), nn.ModuleList()
                c = 64
                for co, s in [(64, 1), (128, 2), (256, 2), (512, 2)]:
                    for k in range(2):
                        b, sh = block(c, co, s if k == 0 else 1)
                        self.bodies.append(b)
                        self.shorts.append(sh)
                        c = co
                self.fc = nn.Linear(512, 10)

            def forward(self, x):
                x = self.stem(x)
                for b, s in zip(self.bodies, self.shorts):
                    x = torch.relu(b(x) + s(x))
                return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1))
        return Net()
    raise ValueError(name)


SHAPES = {"mlp": (784,), "lenet": (1, 28, 28), "resnet18": (3, 32, 32)}


def rate(name, batch, seconds, lr):
    torch.manual_seed(0)
    dev = torch.device("cuda")
    model = build(name).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    nb = 16
    X = torch.rand(nb, batch, *SHAPES[name], device=dev)
    Y = torch.randint(0, 10, (nb, batch), device=dev)

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(X[i % nb]), Y[i % nb])
        loss.backward()
        opt.step()
        return loss

    for i in range(10):
        step(i)
    torch.cuda.synchronize()
    best = 0.0
    for _ in range(2):
        steps, t0 = 0, time.perf_counter()
        while True:
            step(steps)
            steps += 1
            if steps % 10 == 0:
                torch.cuda.synchronize()
                dt = time.perf_counter() - t0
                if dt >= seconds:
                    break
        best = max(best, steps * batch / dt)
    return {"model": name, "batch": batch, "samplesPerSec": best, "finalLoss": float(step(0).item())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="mlp:64,mlp:256,lenet:64,lenet:256,resnet18:64,resnet18:256")
    ap.add_argument("--seconds", type=float, default=1.5)
    ap.add_argument("--lr", type=float, default=0.01)
    a = ap.parse_args()
    print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name(0),
                      "cudnnTf32": torch.backends.cudnn.allow_tf32, "matmulTf32": torch.backends.cuda.matmul.allow_tf32}), flush=True)
    for row in a.rows.split(","):
        name, b = row.split(":")
        print(json.dumps(rate(name, int(b), a.seconds, a.lr)), flush=True)


if __name__ == "__main__":
    main()
