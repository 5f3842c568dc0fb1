"""Reads an mlruns/ directory with MLflow itself and prints what it sees as JSON (for offline.test.ts).

Usage: read_mlruns.py <tracking uri> <experiment name> <run id> <registered model name>
"""
import json
import math
import os
import sys
import tempfile

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # MLflow >= 3.13 refuses the FileStore without it

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.models import Model  # noqa: E402

uri, experiment_name, run_id, model_name = sys.argv[1:5]
mlflow.set_tracking_uri(uri)
client = MlflowClient(uri)


def number(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def files(path=None):
    found = []
    for info in client.list_artifacts(run_id, path):
        found.extend(files(info.path) if info.is_dir else [[info.path, info.file_size]])
    return found


experiment = client.get_experiment_by_name(experiment_name)
runs = mlflow.search_runs([experiment.experiment_id], output_format="list")
run = client.get_run(run_id)
model = Model.load(f"runs:/{run_id}/model")
version = client.get_model_version_by_alias(model_name, "champion")
downloaded = mlflow.artifacts.download_artifacts(f"models:/{model_name}@champion", dst_path=tempfile.mkdtemp())
with open(os.path.join(downloaded, "model.json")) as handle:
    model_json = handle.read()

print(json.dumps({
    "experiment": {"id": experiment.experiment_id, "name": experiment.name, "stage": experiment.lifecycle_stage},
    "search_runs": [[r.info.run_id, r.info.run_name, r.info.status] for r in runs],
    "status": run.info.status,
    "has_end_time": run.info.end_time is not None,
    "params": run.data.params,
    "latest_metrics": {key: number(value) for key, value in run.data.metrics.items()},
    "history": {key: [[m.step, number(m.value)] for m in client.get_metric_history(run_id, key)] for key in sorted(run.data.metrics)},
    "tags": {key: value for key, value in run.data.tags.items() if key in ("mlflow.runName", "flts.config_hash")},
    "artifacts": files(),
    "model": {"flavors": model.flavors, "inputs": model.signature.inputs.to_dict() if model.signature else None},
    "registry": {"version": str(version.version), "aliases": version.aliases, "run_id": version.run_id},
    "model_json": model_json,
}, sort_keys=True))
