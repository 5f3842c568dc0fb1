"""The peer of bench/serve.ts: a PyTorch GRU forecaster of the same shape as ours (window, input width, hidden
size, depth, horizon), saved as an MLflow pyfunc model so that `mlflow models serve` can serve it — what a user
would otherwise deploy. The weights are random (serving cost does not depend on them).

    python bench/serve_peer.py <out dir> <window> <features> <hidden> <layers> <horizon>

The pyfunc takes one window per request as a DataFrame (`dataframe_split`, `window` rows × `features` named
columns f0…), checked against the model signature, and returns the `horizon` forecasts.
"""
import sys

import mlflow
import numpy as np
import pandas as pd
import torch
from mlflow.models import infer_signature


class GruNet(torch.nn.Module):
    def __init__(self, features, hidden, layers, horizon):
        super().__init__()
        self.gru = torch.nn.GRU(features, hidden, num_layers=layers, batch_first=True)
        self.head = torch.nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1, :])


class GruForecaster(mlflow.pyfunc.PythonModel):
    def __init__(self, net):
        self.net = net

    def predict(self, context, model_input, params=None):
        x = torch.from_numpy(model_input.to_numpy(dtype=np.float32)).unsqueeze(0)
        with torch.no_grad():
            y = self.net(x)
        return pd.DataFrame(y.numpy())


def main():
    out, window, features, hidden, layers, horizon = sys.argv[1], *map(int, sys.argv[2:7])
    torch.manual_seed(0)
    net = GruNet(features, hidden, layers, horizon).eval()
    example = pd.DataFrame(np.random.default_rng(0).random((window, features)), columns=[f"f{i}" for i in range(features)])
    model = GruForecaster(net)
    signature = infer_signature(example, model.predict(None, example))
    mlflow.pyfunc.save_model(out, python_model=model, signature=signature)


if __name__ == "__main__":
    main()
