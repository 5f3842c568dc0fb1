"""Python Prophet (cmdstanpy backend) on Peyton Manning, for the Prophet benchmark: default fit, then predict on
the history plus 365 days with the default 1000 uncertainty samples.

Usage: python prophet_peer.py CSV REPEATS
Prints one JSON line: {"fit": [wall seconds per repeat], "predict": [...], "fitCpu": [CPU seconds, CmdStan's
child process included], "predictCpu": [...], "yhat": [last repeat's forecast], "version": ...}.
"""
import json
import logging
import resource
import sys
import time

import pandas as pd

logging.getLogger("cmdstanpy").disabled = True
logging.getLogger("prophet").setLevel(logging.WARNING)

import prophet  # noqa: E402
from prophet import Prophet  # noqa: E402


def cpu() -> float:
    """CPU seconds of this process and its finished children (CmdStan runs as a child)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main(path: str, repeats: int) -> None:
    df = pd.read_csv(path)
    fit, predict, fit_cpu, predict_cpu, yhat = [], [], [], [], []
    for _ in range(repeats):
        model = Prophet()
        start, start_cpu = time.perf_counter(), cpu()
        model.fit(df)
        fit.append(time.perf_counter() - start)
        fit_cpu.append(cpu() - start_cpu)
        future = model.make_future_dataframe(periods=365)
        start, start_cpu = time.perf_counter(), cpu()
        forecast = model.predict(future)
        predict.append(time.perf_counter() - start)
        predict_cpu.append(cpu() - start_cpu)
        yhat = forecast["yhat"].tolist()
    print(json.dumps({"fit": fit, "predict": predict, "fitCpu": fit_cpu, "predictCpu": predict_cpu, "yhat": yhat,
                      "version": prophet.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
