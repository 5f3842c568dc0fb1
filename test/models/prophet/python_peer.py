"""Live peer for the TypeScript Prophet port: fits real Prophet (cmdstanpy) on the cases the TS test wrote,
and loads the TS models in Python Prophet.

Usage: python python_peer.py WORKDIR
  reads  WORKDIR/cases.json and WORKDIR/<case>.ours.json (models saved by the TS port)
  writes WORKDIR/<case>.python.json (models saved by Python Prophet) and WORKDIR/python.json (forecasts)
"""
import json
import logging
import sys
import time

import pandas as pd

logging.getLogger("cmdstanpy").disabled = True
logging.getLogger("prophet").setLevel(logging.WARNING)

from prophet import Prophet  # noqa: E402
from prophet.serialize import model_from_json, model_to_json  # noqa: E402


def frame(columns):
    df = pd.DataFrame(columns)
    df["ds"] = pd.to_datetime(df["ds"])
    return df


def build(case):
    options = dict(case["options"])
    if options.get("holidays"):
        holidays = pd.DataFrame(options["holidays"])
        holidays["ds"] = pd.to_datetime(holidays["ds"])
        options["holidays"] = holidays
    model = Prophet(**options)
    for seasonality in case["seasonalities"]:
        model.add_seasonality(**seasonality)
    for regressor in case["regressors"]:
        spec = dict(regressor)
        model.add_regressor(spec.pop("name"), **spec)
    return model


def main(workdir):
    with open(f"{workdir}/cases.json") as fh:
        cases = json.load(fh)
    out = {}
    for case in cases:
        name = case["name"]
        model = build(case)
        start = time.perf_counter()
        model.fit(frame(case["train"]))
        fit_seconds = time.perf_counter() - start
        future = frame(case["future"])
        forecast = model.predict(future)
        with open(f"{workdir}/{name}.python.json", "w") as fh:
            fh.write(model_to_json(model))
        with open(f"{workdir}/{name}.ours.json") as fh:
            ours = model_from_json(fh.read())
        ours.uncertainty_samples = 0  # only the point forecast is compared
        ours_forecast = ours.predict(future)
        result = {
            "columns": list(forecast.columns),
            "fit_seconds": fit_seconds,
            "lp": float(model.params["lp__"][0][0]) if "lp__" in model.params else None,
            "ours_yhat": ours_forecast["yhat"].tolist(),
            "ours_trend": ours_forecast["trend"].tolist(),
        }
        for column in ["yhat", "trend", "yhat_lower", "yhat_upper"]:
            if column in forecast:
                result[column] = forecast[column].tolist()
        out[name] = result
    with open(f"{workdir}/python.json", "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main(sys.argv[1])
