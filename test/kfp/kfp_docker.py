"""Runs a compiled pipeline under the real kfp.local.DockerRunner (over podman's Docker-compatible socket, named by
DOCKER_HOST) and reports, as JSON on the last stdout line, every task's outputs as kfp itself parsed them.

  run <pipeline.yaml> <pipeline_root> <arguments.json> [--no-retries]
      -> {"ok": true|false, "error": "...", "tasks": [{"task_root", "parameters", "artifacts"}...]}
  probe <image> [n] -> {"ok": true|false, "error": "...", "seconds": [...]}: whether a container of <image> starts
                     here (`node --version`), n times, and how long each took (start, run, exit code, removal)

FLTS_IMAGE_TAG, when set, replaces the tag of every image the pipeline names (images built under another tag by
tools/images/build.sh, as FLTS_IMAGE_TAG=… there).

Two things around kfp.local, neither of which changes what it does with a task:
- The exit-code trap: kfp.local starts containers with auto_remove=True; podman 4.3 removes a finished container
  before docker-py's wait() reaches it, wait() gets 404 and kfp.local counts that as exit code 0, so a failed
  task is reported as SUCCESS. `run_docker_container` is kfp.local's own function with the container kept until
  its exit code is read, then removed.
- `get_outputs_for_task`, kfp's parser of a task's ExecutorOutput, is wrapped to record what it returned.
"""
import json
import os
import sys
import time
import traceback

import docker
import yaml
from kfp import components, dsl, local
from kfp.local import docker_task_handler, executor_output_utils

TASKS = []


def _image(image):
    tag = os.environ.get('FLTS_IMAGE_TAG')
    return f"{image.rsplit(':', 1)[0]}:{tag}" if tag else docker_task_handler.add_latest_tag_if_not_present(image=image)


def run_docker_container(client, image, command, volumes, **container_run_args):
    image = _image(image)
    container_run_args.pop('auto_remove', None)
    container = client.containers.run(image=image, command=command, detach=True, stdout=True, stderr=True,
                                      volumes=volumes, auto_remove=False, **container_run_args)
    try:
        for line in container.logs(stream=True):
            print(line.decode(), end='')
        return container.wait()['StatusCode']
    finally:
        try:
            container.remove(force=True)
        except docker.errors.NotFound:
            pass


_parse_outputs = executor_output_utils.get_outputs_for_task


def get_outputs_for_task(executor_input, component_spec):
    outputs = _parse_outputs(executor_input=executor_input, component_spec=component_spec)
    parameters, artifacts = {}, {}
    for key, value in outputs.items():
        if isinstance(value, dsl.Artifact):
            artifacts[key] = {'uri': value.uri, 'metadata': value.metadata, 'schemaTitle': value.schema_title}
        else:
            parameters[key] = value
    TASKS.append({'task_root': os.path.dirname(executor_input.outputs.output_file),
                  'parameters': parameters, 'artifacts': artifacts})
    return outputs


def _without_retries(pipeline_path, pipeline_root):
    """A copy of the compiled pipeline without retry policies, in the pipeline root.

    kfp.local honours them (3 retries from a 30 s backoff: 3.5 minutes of waiting); a check that a failing task
    fails the run needs no retries of a task that fails on its data every time.
    """
    with open(pipeline_path) as f:
        documents = list(yaml.safe_load_all(f))
    ir = documents[0]
    for component in [ir['root'], *ir.get('components', {}).values()]:
        for task in component.get('dag', {}).get('tasks', {}).values():
            task.pop('retryPolicy', None)
    path = os.path.join(pipeline_root, 'pipeline-without-retries.yaml')
    with open(path, 'w') as f:
        yaml.safe_dump_all(documents, f)
    return path


def run(pipeline_path, pipeline_root, arguments_path, *flags):
    docker_task_handler.run_docker_container = run_docker_container
    executor_output_utils.get_outputs_for_task = get_outputs_for_task
    with open(arguments_path) as f:
        arguments = json.load(f)
    # No network for the tasks: nothing they need is outside the mounted pipeline root, and podman's default
    # bridge would need iptables (netavark) here.
    local.init(runner=local.DockerRunner(network_mode='none'), pipeline_root=pipeline_root)
    if '--no-retries' in flags:
        pipeline_path = _without_retries(pipeline_path, pipeline_root)
    pipeline = components.load_component_from_file(pipeline_path)
    result = {'ok': True, 'error': '', 'tasks': TASKS}
    try:
        pipeline(**arguments)
    except Exception as error:  # the task that failed, as kfp.local names it
        traceback.print_exc()
        result.update(ok=False, error=str(error))
    print(json.dumps(result, default=str))


def probe(image, n='1'):
    client = docker.from_env()
    seconds = []
    try:
        for _ in range(int(n)):
            began = time.perf_counter()
            code = run_docker_container(client, image, ['node', '--version'], {}, network_mode='none')
            seconds.append(round(time.perf_counter() - began, 3))
            if code != 0:
                print(json.dumps({'ok': False, 'error': f'node --version exited {code}', 'seconds': seconds}))
                return
        print(json.dumps({'ok': True, 'error': '', 'seconds': seconds}))
    except Exception as error:
        print(json.dumps({'ok': False, 'error': str(error), 'seconds': seconds}))
    finally:
        client.close()


if __name__ == '__main__':
    verb, *args = sys.argv[1:]
    {'run': run, 'probe': probe}[verb](*args)
