"""Python Prophet (cmdstanpy backend) on Peyton Manning, for the Prophet benchmark: default fit, then predict on
the history plus 365 days with the default 1000 uncertainty samples.

Usage: python prophet_peer.py CSV REPEATS
Prints one JSON line: {"fit": [seconds per repeat], "predict": [...], "yhat": [last repeat's forecast], "version": ...}.
"""
import json
import logging
import sys
import time

import pandas as pd

logging.getLogger("cmdstanpy").disabled = True
logging.getLogger("prophet").setLevel(logging.WARNING)

import prophet  # noqa: E402
from prophet import Prophet  # noqa: E402


def main(path: str, repeats: int) -> None:
    df = pd.read_csv(path)
    fit, predict, yhat = [], [], []
    for _ in range(repeats):
        model = Prophet()
        start = time.perf_counter()
        model.fit(df)
        fit.append(time.perf_counter() - start)
        future = model.make_future_dataframe(periods=365)
        start = time.perf_counter()
        forecast = model.predict(future)
        predict.append(time.perf_counter() - start)
        yhat = forecast["yhat"].tolist()
    print(json.dumps({"fit": fit, "predict": predict, "yhat": yhat, "version": prophet.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
