"""The FLTS pipeline: preprocess -> train-gru || train-lstm || train-prophet -> eval -> inference.

Built from the generated component YAMLs with the real KFP SDK. `python pipelines/flts_pipeline.py [out.yaml]`
compiles it; the committed `pipelines/flts_pipeline.yaml` is checked to be current by the test suite. The
pipeline's parameter defaults are the components' own (read from their YAMLs, which are generated from the
TypeScript specs), so they are stated once. `site_chain` is the whole chain for one series; the multi-site
pipeline (pipelines/flts_multisite.py) runs it once per site.
"""
import pathlib
import sys

from kfp import compiler, components, dsl, kubernetes

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _load(name: str):
    return components.load_component_from_file(str(ROOT / 'components' / name / 'component.yaml'))


preprocess = _load('preprocess')
train_gru = _load('train-gru')
train_lstm = _load('train-lstm')
train_prophet = _load('train-prophet')
evaluate = _load('eval')
inference = _load('inference')


def default(component, name: str):
    """The default a component declares for its input parameter `name`."""
    return component.component_spec.inputs[name].default


# Requests and limits per component on a cluster: (cpu request, cpu limit, memory request, memory limit).
# The RNN trainers use every thread they get (TensorFlow's intra-op pool); the rest is single-threaded.
RESOURCES = {
    'preprocess': ('1', '2', '1G', '4G'),
    'train-gru': ('2', '4', '2G', '4G'),
    'train-lstm': ('2', '4', '2G', '4G'),
    'train-prophet': ('1', '2', '1G', '2G'),
    'eval': ('500m', '1', '512M', '1G'),
    'inference': ('1', '2', '1G', '2G'),
    'site-summary': ('250m', '1', '256M', '1G'),
}

# MinIO/S3 and MLflow settings, each from the key of the same name in the Kubernetes secret the
# `credentials_secret` parameter names (keys it lacks stay unset: local store, ./mlruns).
SECRET_KEYS = [
    'MINIO_ENDPOINT', 'MINIO_SECURE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
    'MLFLOW_TRACKING_URI', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'MLFLOW_TRACKING_TOKEN',
]

# Tasks that talk to MinIO/MLflow are retried: a service restarting must not fail a whole run. Eval is safe to
# retry (a repeated promotion reuses the winning run's registered version).
RETRY = dict(num_retries=3, backoff_duration='30s', backoff_factor=2.0, backoff_max_duration='5m')


def on_cluster(task, component: str, credentials_secret, retry: bool = True, accelerator: str = ''):
    """Resources, retries and credentials of one task; `accelerator` (e.g. nvidia.com/gpu) requests one device."""
    cpu, cpu_limit, memory, memory_limit = RESOURCES[component]
    task.set_cpu_request(cpu).set_cpu_limit(cpu_limit).set_memory_request(memory).set_memory_limit(memory_limit)
    if accelerator:
        task.set_accelerator_type(accelerator).set_accelerator_limit(1)
    if retry:
        task.set_retry(**RETRY)
        kubernetes.use_secret_as_env(task, secret_name=credentials_secret,
                                     secret_key_to_env={key: key for key in SECRET_KEYS}, optional=True)
    return task


def site_chain(*, data_uri, test_data_uri, identifier, target_column, input_length, horizon, epochs,
               mlflow_tracking_uri, claim_check_bucket, promotion_bucket, log_bucket, credentials_secret,
               accelerator: str = ''):
    """The chain for one series; returns the eval and inference tasks."""
    cluster = dict(credentials_secret=credentials_secret)
    prep = on_cluster(preprocess(
        data_uri=data_uri,
        test_data_uri=test_data_uri,
        identifier=identifier,
        target_column=target_column,
        claim_check_bucket=claim_check_bucket,
    ), 'preprocess', **cluster).set_display_name('Preprocess data')

    splits = dict(
        training_data=prep.outputs['training_data'],
        validation_data=prep.outputs['validation_data'],
        inference_data=prep.outputs['inference_data'],
    )
    shared = dict(
        input_length=input_length,
        horizon=horizon,
        identifier=identifier,
        config_hash=prep.outputs['config_hash'],
        mlflow_tracking_uri=mlflow_tracking_uri,
    )
    on_cluster(gru := train_gru(epochs=epochs, **splits, **shared), 'train-gru', accelerator=accelerator, **cluster)
    on_cluster(lstm := train_lstm(epochs=epochs, **splits, **shared), 'train-lstm', accelerator=accelerator, **cluster)
    on_cluster(prophet := train_prophet(**splits, **shared), 'train-prophet', **cluster)
    gru.set_display_name('Train GRU model')
    lstm.set_display_name('Train LSTM model')
    prophet.set_display_name('Train Prophet model')

    selection = on_cluster(evaluate(
        gru_model=gru.outputs['model'],
        lstm_model=lstm.outputs['model'],
        prophet_model=prophet.outputs['model'],
        identifier=identifier,
        config_hash=prep.outputs['config_hash'],
        mlflow_tracking_uri=mlflow_tracking_uri,
        promotion_bucket=promotion_bucket,
    ), 'eval', **cluster).set_display_name('Evaluate and promote the best model')

    forecast = on_cluster(inference(
        inference_data=prep.outputs['inference_data'],
        selected_model=selection.outputs['selected_model'],
        identifier=identifier,
        config_hash=prep.outputs['config_hash'],
        mlflow_tracking_uri=mlflow_tracking_uri,
        log_bucket=log_bucket,
    ), 'inference', **cluster).set_display_name('Run inference')
    return selection, forecast


@dsl.pipeline(
    name='flts-time-series-pipeline',
    description='Forecast a time series: preprocess, train GRU, LSTM and Prophet in parallel, '
    'promote the best on the held-out split, and run inference with it.',
)
def flts_pipeline(
    data_uri: str = 'minio://dataset/ElBorn.csv',
    test_data_uri: str = 'minio://dataset/ElBorn_test.csv',
    identifier: str = 'flts',
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
    site_chain(**locals())


if __name__ == '__main__':
    out = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / 'pipelines' / 'flts_pipeline.yaml')
    compiler.Compiler().compile(flts_pipeline, out)
    print(f'compiled {out}')
