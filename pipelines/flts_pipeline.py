"""The FLTS pipeline: preprocess -> train-gru || train-lstm || train-prophet -> eval -> inference.

Built from the generated component YAMLs with the real KFP SDK. `python pipelines/flts_pipeline.py [out.yaml]`
compiles it; the committed `pipelines/flts_pipeline.yaml` is checked to be current by the test suite. The
pipeline's parameter defaults are the components' own (read from their YAMLs, which are generated from the
TypeScript specs), so they are stated once.
"""
import pathlib
import sys

from kfp import compiler, components, dsl

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _load(name: str):
    return components.load_component_from_file(str(ROOT / 'components' / name / 'component.yaml'))


preprocess = _load('preprocess')
train_gru = _load('train-gru')
train_lstm = _load('train-lstm')
train_prophet = _load('train-prophet')
evaluate = _load('eval')
inference = _load('inference')


def _default(component, name: str):
    """The default a component declares for its input parameter `name`."""
    return component.component_spec.inputs[name].default


@dsl.pipeline(
    name='flts-time-series-pipeline',
    description='Forecast a time series: preprocess, train GRU, LSTM and Prophet in parallel, '
    'promote the best on the held-out split, and run inference with it.',
)
def flts_pipeline(
    data_uri: str = 'minio://dataset/ElBorn.csv',
    test_data_uri: str = 'minio://dataset/ElBorn_test.csv',
    identifier: str = 'flts',
    target_column: str = _default(preprocess, 'target_column'),
    input_length: int = _default(train_gru, 'input_length'),
    horizon: int = _default(train_gru, 'horizon'),
    epochs: int = _default(train_gru, 'epochs'),
    mlflow_tracking_uri: str = '',
):
    prep = preprocess(
        data_uri=data_uri,
        test_data_uri=test_data_uri,
        identifier=identifier,
        target_column=target_column,
    ).set_display_name('Preprocess data')

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
    gru = train_gru(epochs=epochs, **splits, **shared).set_display_name('Train GRU model')
    lstm = train_lstm(epochs=epochs, **splits, **shared).set_display_name('Train LSTM model')
    prophet = train_prophet(**splits, **shared).set_display_name('Train Prophet model')

    selection = evaluate(
        gru_model=gru.outputs['model'],
        lstm_model=lstm.outputs['model'],
        prophet_model=prophet.outputs['model'],
        identifier=identifier,
        config_hash=prep.outputs['config_hash'],
        mlflow_tracking_uri=mlflow_tracking_uri,
    ).set_display_name('Evaluate and promote the best model')

    inference(
        inference_data=prep.outputs['inference_data'],
        selected_model=selection.outputs['selected_model'],
        identifier=identifier,
        config_hash=prep.outputs['config_hash'],
        mlflow_tracking_uri=mlflow_tracking_uri,
    ).set_display_name('Run inference')


if __name__ == '__main__':
    out = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / 'pipelines' / 'flts_pipeline.yaml')
    compiler.Compiler().compile(flts_pipeline, out)
    print(f'compiled {out}')
