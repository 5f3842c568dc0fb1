"""The multi-site FLTS pipeline: the whole chain once per site (dsl.ParallelFor), then one cross-site summary.

Each site is `{"data_uri", "test_data_uri", "identifier"}`; the per-site chain is flts_pipeline's `site_chain`,
and the summary (components/site-summary, run in the eval image) collects every site's promotion record and
predictions (dsl.Collected). `python pipelines/flts_multisite.py [out.yaml] [--accelerator nvidia.com/gpu]`
compiles it; the committed `pipelines/flts_multisite.yaml` (no accelerator) is checked to be current by the tests.
"""
import argparse
import json
import pathlib
import re
from typing import List

from kfp import compiler, components, dsl

from flts_pipeline import (ROOT, default, evaluate, inference, on_cluster, preprocess, site_chain, train_gru)

site_summary = components.load_component_from_file(str(ROOT / 'components' / 'site-summary' / 'component.yaml'))

# Sites whose chains run at once on a cluster: each holds up to ~11 CPUs requested while its trainers run.
PARALLELISM = 10

DEFAULT_SITES = [
    {'data_uri': 'minio://dataset/ElBorn.csv', 'test_data_uri': 'minio://dataset/ElBorn_test.csv', 'identifier': 'ElBorn'},
    {'data_uri': 'minio://dataset/LesCorts.csv', 'test_data_uri': 'minio://dataset/LesCorts_test.csv', 'identifier': 'LesCorts'},
]


def build(accelerator: str = ''):
    @dsl.pipeline(
        name='flts-multi-site-pipeline',
        description='Forecast many series in one run: for each site, preprocess, train GRU, LSTM and Prophet, '
        'promote the best and run inference; then summarise every site in one HTML and one JSON artifact.',
    )
    def flts_multisite_pipeline(
        sites: List[dict] = DEFAULT_SITES,
        target_column: str = default(preprocess, 'target_column'),
        input_length: int = default(train_gru, 'input_length'),
        horizon: int = default(train_gru, 'horizon'),
        epochs: int = default(train_gru, 'epochs'),
        mlflow_tracking_uri: str = '',
        claim_check_bucket: str = default(preprocess, 'claim_check_bucket'),
        promotion_bucket: str = default(evaluate, 'promotion_bucket'),
        log_bucket: str = default(inference, 'log_bucket'),
        credentials_secret: str = 'flts-credentials',
    ):
        with dsl.ParallelFor(sites, parallelism=PARALLELISM, name='sites') as site:
            selection, forecast = site_chain(
                data_uri=site.data_uri,
                test_data_uri=site.test_data_uri,
                identifier=site.identifier,
                target_column=target_column,
                input_length=input_length,
                horizon=horizon,
                epochs=epochs,
                mlflow_tracking_uri=mlflow_tracking_uri,
                claim_check_bucket=claim_check_bucket,
                promotion_bucket=promotion_bucket,
                log_bucket=log_bucket,
                credentials_secret=credentials_secret,
                accelerator=accelerator,
            )
        summary = site_summary(
            promotions=dsl.Collected(selection.outputs['promotion_metadata']),
            predictions=dsl.Collected(forecast.outputs['predictions']),
        ).set_display_name('Summarise every site')
        # It reads only its input artifacts: no service to retry, no credentials.
        on_cluster(summary, 'site-summary', credentials_secret, retry=False)

    return flts_multisite_pipeline


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', nargs='?', default=str(ROOT / 'pipelines' / 'flts_multisite.yaml'))
    parser.add_argument('--accelerator', default='', help='accelerator type for the GRU/LSTM trainers, e.g. nvidia.com/gpu (one each)')
    args = parser.parse_args()
    compiler.Compiler().compile(build(args.accelerator), args.out)
    # The header comment prints the `sites` default with its dicts' keys in an order that changes from run to run
    # (kfp reads them back from a protobuf Struct); written sorted, the committed file stays byte-identical.
    path = pathlib.Path(args.out)
    text = path.read_text()
    text = re.sub(r"^#    sites: list \[Default: .*\]$", lambda _: f'#    sites: list [Default: {json.dumps(DEFAULT_SITES, sort_keys=True)}]', text, count=1, flags=re.M)
    path.write_text(text)
    print(f'compiled {args.out}')
