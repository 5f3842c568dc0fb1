"""PyTorch CPU peer of bench/rnn-speed.ts: the same network (stacked GRU/LSTM, dense head on the last state), the same
windows (read from the series file the TypeScript side wrote), the same training step (Adam, MSE, clip_grad_norm 1,
shuffled batches), timed per epoch.

Usage: python rnn_speed_peer.py SERIES_F32 ROWS FEATURES CELL INPUT_LENGTH HORIZON HIDDEN LAYERS BATCH EPOCHS
SERIES_F32 is row-major float32 (≥ ROWS, FEATURES), of which the first ROWS rows are read; feature 0 is the target. Window i reads rows i … i+L−1 and
forecasts feature 0 at rows i+L … i+L+H−1 (what shared/series/windows.ts gives for contiguous rows).
Prints one JSON line: {"epoch_s": [...], "epoch_cpu_s": [...], "loss": [...], "torch": version, "threads": n}.
"""
import json
import sys
import time

import numpy as np
import torch


class Forecaster(torch.nn.Module):
    def __init__(self, cell: str, features: int, hidden: int, layers: int, horizon: int):
        super().__init__()
        rnn = torch.nn.GRU if cell == "gru" else torch.nn.LSTM
        self.rnn = rnn(features, hidden, layers, batch_first=True)
        self.head = torch.nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def main(path, rows, features, cell, length, horizon, hidden, layers, batch, epochs):
    series = np.fromfile(path, dtype=np.float32, count=rows * features).reshape(rows, features)
    count = rows - length - horizon + 1
    index = np.arange(count)[:, None]
    x = torch.from_numpy(series[index + np.arange(length)[None, :]])  # (count, L, F)
    y = torch.from_numpy(series[index + length + np.arange(horizon)[None, :], 0])  # (count, H)
    torch.manual_seed(42)
    model = Forecaster(cell, features, hidden, layers, horizon)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    epoch_s, epoch_cpu_s, losses = [], [], []
    for _ in range(epochs):
        start, start_cpu = time.perf_counter(), time.process_time()
        order = torch.randperm(count)
        total = 0.0
        for first in range(0, count, batch):
            chosen = order[first:first + batch]
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x[chosen]), y[chosen])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item()
        epoch_s.append(time.perf_counter() - start)
        epoch_cpu_s.append(time.process_time() - start_cpu)
        losses.append(total / ((count + batch - 1) // batch))
    print(json.dumps({"epoch_s": epoch_s, "epoch_cpu_s": epoch_cpu_s, "loss": losses, "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "windows": count}))


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], int(a[1]), int(a[2]), a[3], int(a[4]), int(a[5]), int(a[6]), int(a[7]), int(a[8]), int(a[9]))
