"""MLflow itself on run dataset inputs, printed as JSON (for datasets.test.ts).

Usage:
  read_inputs.py read <tracking uri> <run id>
      what MLflow's client reads: the run's dataset inputs and its experiment's tags
  read_inputs.py write <mlruns dir> <dataset json>
      what MLflow's own FileStore writes for one dataset input (its files under the experiment, parsed)
"""
import json
import os
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # MLflow >= 3.13 refuses the FileStore without it

import yaml  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Dataset, DatasetInput, InputTag  # noqa: E402


def read(uri, run_id):
    client = MlflowClient(uri)
    run = client.get_run(run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    inputs = [
        {
            "name": i.dataset.name,
            "digest": i.dataset.digest,
            "source_type": i.dataset.source_type,
            "source": i.dataset.source,
            "schema": i.dataset.schema,
            "profile": i.dataset.profile,
            "tags": {t.key: t.value for t in i.tags},
        }
        for i in run.inputs.dataset_inputs
    ]
    return {"experiment_tags": experiment.tags, "inputs": sorted(inputs, key=lambda i: i["name"])}


def write(root, dataset_json):
    spec = json.loads(dataset_json)
    client = MlflowClient(root)
    experiment_id = client.create_experiment("reference")
    run = client.create_run(experiment_id)
    dataset = Dataset(**spec["dataset"])
    client.log_inputs(run.info.run_id, datasets=[DatasetInput(dataset, [InputTag(k, v) for k, v in spec["tags"].items()])])
    files = {}
    base = os.path.join(root, experiment_id)
    for directory, _, names in os.walk(base):
        for name in names:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, base).replace(run.info.run_id, "<run>")
            if relative.startswith(("datasets", "<run>/inputs")):
                with open(path) as handle:
                    files[relative] = yaml.safe_load(handle)
    return {"run_id": run.info.run_id, "files": files}


mode = sys.argv[1]
print(json.dumps(read(*sys.argv[2:4]) if mode == "read" else write(*sys.argv[2:4]), sort_keys=True))
