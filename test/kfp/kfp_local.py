"""kfp.local's own ExecutorInput construction and ExecutorOutput parsing, for the conformance tests.

  construct <component.yaml> <task_root> <arguments.json>  -> {"executorInput": {...}, "command": [...]}
  outputs   <component.yaml> <executor_input.json>         -> {"parameters": {...}, "artifacts": {...}}

`arguments.json` maps parameter names to values and artifact names to {"uri", "metadata", "schemaTitle"}.
The command is what kfp.local's DockerRunner would execute, placeholders resolved by kfp's own code.
"""
import json
import sys

from google.protobuf import json_format
from kfp import components, dsl
from kfp.local import executor_input_utils, executor_output_utils, placeholder_utils
from kfp.pipeline_spec import pipeline_spec_pb2

ARTIFACT_CLASSES = {
    'system.Artifact': dsl.Artifact,
    'system.Dataset': dsl.Dataset,
    'system.Model': dsl.Model,
    'system.Metrics': dsl.Metrics,
    'system.HTML': dsl.HTML,
    'system.Markdown': dsl.Markdown,
}


def _component(path):
    loaded = components.load_component_from_file(path)
    spec = loaded.pipeline_spec
    name = next(iter(spec.components))
    executor = spec.deployment_spec['executors'][f'exec-{name[len("comp-"):]}']
    return spec.components[name], executor['container']


def construct(path, task_root, arguments_path):
    component_spec, container = _component(path)
    with open(arguments_path) as f:
        arguments = json.load(f)
    for key, value in list(arguments.items()):
        if isinstance(value, dict) and 'uri' in value:
            cls = ARTIFACT_CLASSES[value.get('schemaTitle', 'system.Artifact')]
            arguments[key] = cls(name=key, uri=value['uri'], metadata=value.get('metadata', {}))
    executor_input = executor_input_utils.construct_executor_input(
        component_spec=component_spec, arguments=arguments, task_root=task_root, block_input_artifact=False)
    executor_input_dict = executor_input_utils.executor_input_to_dict(executor_input, component_spec)
    command = placeholder_utils.replace_placeholders(
        full_command=list(container['command']) + list(container['args']),
        executor_input_dict=executor_input_dict,
        pipeline_resource_name='flts-conformance',
        task_resource_name='task',
        pipeline_root=task_root,
        unique_pipeline_id=placeholder_utils.make_random_id(),
    )
    print(json.dumps({'executorInput': executor_input_dict, 'command': command}))


def outputs(path, executor_input_path):
    component_spec, _ = _component(path)
    executor_input = pipeline_spec_pb2.ExecutorInput()
    with open(executor_input_path) as f:
        json_format.Parse(f.read(), executor_input)
    result = executor_output_utils.get_outputs_for_task(executor_input=executor_input, component_spec=component_spec)
    parameters, artifacts = {}, {}
    for key, value in result.items():
        if isinstance(value, dsl.Artifact):
            artifacts[key] = {'name': value.name, 'uri': value.uri, 'metadata': value.metadata,
                              'schemaTitle': value.schema_title}
        else:
            parameters[key] = value
    print(json.dumps({'parameters': parameters, 'artifacts': artifacts}))


if __name__ == '__main__':
    verb, *args = sys.argv[1:]
    {'construct': construct, 'outputs': outputs}[verb](*args)
