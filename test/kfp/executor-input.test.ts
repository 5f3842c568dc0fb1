import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExecutorInputError } from '../../shared/errors.js';
import { executorInputText, parseExecutorInput } from '../../shared/kfp/executor-input.js';

describe('executorInputText', () => {
  it('reads the value after --executor-input, as KFP passes {{$}}', () => {
    assert.equal(executorInputText(['--executor-input', '{"a":1}']), '{"a":1}');
  });

  it('reads --executor-input=<json>', () => {
    assert.equal(executorInputText(['--executor-input={"a":1}']), '{"a":1}');
  });

  it("accepts the SDK's own --executor_input spelling", () => {
    assert.equal(executorInputText(['--executor_input', '{}']), '{}');
  });

  it('reads the JSON from a file with --executor-input-file', () => {
    const path = join(tmpdir(), `flts-ei-${process.pid}.json`);
    writeFileSync(path, '{"outputs":{}}');
    assert.equal(executorInputText(['--executor-input-file', path]), '{"outputs":{}}');
  });

  it('says how to pass the input when the flag is missing', () => {
    assert.throws(() => executorInputText(['--other']), {
      name: 'ExecutorInputError',
      message: `Missing --executor-input: pass the ExecutorInput JSON as "--executor-input <json>" (KFP does this with '{{$}}') or "--executor-input-file <path>".`,
    });
  });

  it('rejects a flag without a value', () => {
    assert.throws(() => executorInputText(['--executor-input']), { message: '--executor-input was given without a value.' });
  });

  it('names the file it cannot read', () => {
    assert.throws(() => executorInputText(['--executor-input-file', '/nonexistent/ei.json']), (error: Error) => {
      assert.ok(error instanceof ExecutorInputError);
      assert.match(error.message, /^Cannot read --executor-input-file "\/nonexistent\/ei.json": ENOENT/);
      return true;
    });
  });
});

describe('parseExecutorInput', () => {
  it('shows the raw text when the JSON is malformed', () => {
    assert.throws(() => parseExecutorInput('{"inputs": {'), (error: Error) => {
      assert.ok(error instanceof ExecutorInputError);
      assert.match(error.message, /^The ExecutorInput is not valid JSON \(.+\); received: \{"inputs": \{$/);
      return true;
    });
  });

  it('rejects JSON that is not an object', () => {
    assert.throws(() => parseExecutorInput('[1]'), { message: 'The ExecutorInput must be a JSON object; received a list.' });
  });

  it('treats absent inputs and outputs maps as empty', () => {
    assert.deepEqual(parseExecutorInput('{}'), {
      parameterValues: {},
      legacyParameters: {},
      inputArtifacts: {},
      outputArtifacts: {},
      outputParameterFiles: {},
      outputFile: undefined,
    });
  });

  it('accepts the snake_case aliases proto-JSON parsers allow', () => {
    const input = parseExecutorInput(
      JSON.stringify({
        inputs: { parameter_values: { n: 1 } },
        outputs: {
          artifacts: { m: { artifacts: [{ uri: '/x', custom_path: '/y', type: { schema_title: 'system.Model' } }] } },
          parameters: { p: { output_file: '/tmp/p' } },
          output_file: '/tmp/out.json',
        },
      }),
    );
    assert.deepEqual(input.parameterValues, { n: 1 });
    assert.deepEqual(input.outputArtifacts['m'], [{ uri: '/x', customPath: '/y', schemaTitle: 'system.Model', metadata: {} }]);
    assert.deepEqual(input.outputParameterFiles, { p: '/tmp/p' });
    assert.equal(input.outputFile, '/tmp/out.json');
  });

  it('treats an artifact entry without a list (or with null) as not provided', () => {
    const input = parseExecutorInput('{"inputs":{"artifacts":{"a":{},"b":{"artifacts":null},"c":[],"d":null}}}');
    assert.deepEqual(input.inputArtifacts, { a: [], b: [], c: [], d: [] });
  });

  it('refuses an artifact entry that is a number, text or boolean, naming it', () => {
    assert.throws(() => parseExecutorInput('{"inputs":{"artifacts":{"gru_model":5}}}'), {
      name: 'ExecutorInputError',
      message: /^inputs\.artifacts\.gru_model must be an object with an "artifacts" list; received /,
    });
  });
});
