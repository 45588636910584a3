# The PyTorch peer of the rnn suite (src/rnn/torch.ts starts it, one process per thread
# count): the same workload (nn.RNN or nn.LSTM, batch first, + nn.Linear head, summed
# cross-entropy over the batch mean, plain SGD) from the weights and data the suite
# writes, answering one JSON command per stdin line with one JSON line on stdout.
#   {"load": path, "threads": n} -> {"losses": [step 1, step 2], "torch": version}
#   {"run": k}                   -> {"ms": wall ms per step, "cpuMs": CPU ms per step}
# Shapes: B batch, T time, I input, H hidden, C classes.

import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read(path):
    with open(path + ".json") as f:
        meta = json.load(f)
    raw = open(path + ".bin", "rb").read()
    arrays = {}
    for name, (offset, count, dtype) in meta["arrays"].items():
        arrays[name] = np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
    return meta, arrays


class Trainer:
    def __init__(self, meta, a):
        B, T, I, H, C = (meta[k] for k in "BTIHC")
        self.kind, self.B, self.C = meta["kind"], B, C
        layer = torch.nn.LSTM if meta["cell"] == "lstm" else torch.nn.RNN
        self.rnn = layer(I, H, batch_first=True)
        self.head = torch.nn.Linear(H, C)
        t = lambda name, *shape: torch.from_numpy(a[name].copy()).reshape(*shape)
        with torch.no_grad():
            self.rnn.weight_ih_l0.copy_(t("weightIh", -1, I))
            self.rnn.weight_hh_l0.copy_(t("weightHh", -1, H))
            self.rnn.bias_ih_l0.copy_(t("biasIh", -1))
            self.rnn.bias_hh_l0.copy_(t("biasHh", -1))
            self.head.weight.copy_(t("weightOut", C, H))
            self.head.bias.copy_(t("biasOut", C))
        self.x = t("x", B, T, I)
        self.y = torch.from_numpy(a["y"].astype(np.int64))
        params = list(self.rnn.parameters()) + list(self.head.parameters())
        self.opt = torch.optim.SGD(params, lr=meta["lr"])

    def step(self):
        self.opt.zero_grad()
        out, _ = self.rnn(self.x)
        if self.kind == "lm":
            logits = self.head(out).reshape(-1, self.C)
        else:
            logits = self.head(out[:, -1])
        loss = F.cross_entropy(logits, self.y, reduction="sum") / self.B
        loss.backward()
        self.opt.step()
        return loss.item()


def main():
    trainer = None
    for line in iter(sys.stdin.readline, ""):
        cmd = json.loads(line)
        if "load" in cmd:
            torch.set_num_threads(cmd["threads"])
            meta, arrays = read(cmd["load"])
            trainer = Trainer(meta, arrays)
            reply = {"losses": [trainer.step(), trainer.step()], "torch": torch.__version__, "threads": torch.get_num_threads()}
        elif "run" in cmd:
            k = cmd["run"]
            cpu0, t0 = time.process_time(), time.perf_counter()
            for _ in range(k):
                trainer.step()
            reply = {"ms": (time.perf_counter() - t0) * 1e3 / k, "cpuMs": (time.process_time() - cpu0) * 1e3 / k}
        else:
            reply = {"error": f"unknown command {line.strip()}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
