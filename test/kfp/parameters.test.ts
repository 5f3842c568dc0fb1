import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../shared/errors.js';
import { parseExecutorInput } from '../../shared/kfp/executor-input.js';
import { resolveParameters } from '../../shared/kfp/parameters.js';
import { defineComponent } from '../../shared/kfp/spec.js';

const spec = defineComponent({
  name: 'demo',
  description: 'A component with one parameter of each type.',
  inputs: {
    artifacts: {},
    parameters: {
      message: { type: 'STRING', description: 'Any text.' },
      mode: { type: 'STRING', description: 'A choice.', default: 'fast', enum: ['fast', 'slow'] },
      epochs: { type: 'NUMBER_INTEGER', description: 'Passes over the data.', default: 10, min: 1 },
      rate: { type: 'NUMBER_DOUBLE', description: 'Step size.', default: 0.01, greaterThan: 0 },
      verbose: { type: 'BOOLEAN', description: 'Chatty.', default: false },
      tags: { type: 'LIST', description: 'Labels.', default: [] },
      options: { type: 'STRUCT', description: 'Extra settings.', optional: true },
    },
  },
  outputs: { artifacts: {}, parameters: {} },
});

function resolve(parameterValues: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return resolveParameters(spec, parseExecutorInput(JSON.stringify({ inputs: { parameterValues, ...extra } })));
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InvalidParameterError, `expected InvalidParameterError, got ${String(error)}`);
    return error.issues.map((issue) => issue.message);
  }
  assert.fail('expected an InvalidParameterError');
}

describe('resolveParameters', () => {
  describe('with valid values', () => {
    it('applies the declared defaults and leaves optional ones undefined', () => {
      assert.deepEqual(resolve({ message: 'hi' }), {
        message: 'hi',
        mode: 'fast',
        epochs: 10,
        rate: 0.01,
        verbose: false,
        tags: [],
        options: undefined,
      });
    });

    it('treats null as absent, as kfp.local sends optional parameters without a default', () => {
      assert.equal(resolve({ message: 'hi', epochs: null, options: null }).epochs, 10);
    });

    it('accepts whole doubles for integers (Python local runs send 100.0)', () => {
      assert.equal(resolve({ message: 'hi', epochs: 100.0 }).epochs, 100);
    });

    it('accepts 0 and 1 for booleans, as MLMD stores them', () => {
      assert.equal(resolve({ message: 'hi', verbose: 1 }).verbose, true);
      assert.equal(resolve({ message: 'hi', verbose: 0 }).verbose, false);
    });

    it("ignores the compiler's pipelinechannel-- keys", () => {
      assert.equal(resolve({ message: 'hi', 'pipelinechannel--epochs': 3 }).epochs, 10);
    });

    it("decodes Vertex's deprecated inputs.parameters when parameterValues lacks the key", () => {
      const values = resolve(
        {},
        { parameters: { message: { stringValue: 'from legacy' }, epochs: { intValue: '7' }, options: { stringValue: '{"a":1}' } } },
      );
      assert.equal(values.message, 'from legacy');
      assert.equal(values.epochs, 7);
      assert.deepEqual(values.options, { a: 1 });
    });
  });

  describe('with bad values', () => {
    it('names a missing required parameter, its type and its meaning', () => {
      assert.deepEqual(issuesOf(() => resolve({})), ['Parameter "message" is required (a string): Any text.']);
    });

    it('rejects "abc" for an integer', () => {
      assert.deepEqual(issuesOf(() => resolve({ message: 'x', epochs: 'abc' })), ['Parameter "epochs" must be an integer; got the string "abc".']);
    });

    it('rejects 1.5 for an integer', () => {
      assert.deepEqual(issuesOf(() => resolve({ message: 'x', epochs: 1.5 })), ['Parameter "epochs" must be an integer; got number 1.5.']);
    });

    it('rejects a value outside the declared range', () => {
      assert.deepEqual(issuesOf(() => resolve({ message: 'x', epochs: 0, rate: 0 })), [
        'Parameter "epochs" must be >= 1; got 0.',
        'Parameter "rate" must be > 0; got 0.',
      ]);
    });

    it('lists the accepted values of an enum', () => {
      assert.deepEqual(issuesOf(() => resolve({ message: 'x', mode: 'medium' })), [
        'Parameter "mode" must be one of "fast", "slow"; got "medium".',
      ]);
    });

    it('rejects an unknown parameter and lists the accepted ones', () => {
      assert.deepEqual(issuesOf(() => resolve({ message: 'x', epoch: 3 })), [
        'Unknown parameter "epoch"; demo accepts: epochs, message, mode, options, rate, tags, verbose.',
      ]);
    });

    it('reports every problem at once', () => {
      const issues = issuesOf(() => resolve({ verbose: 'yes', tags: {}, options: [] }));
      assert.deepEqual(issues, [
        'Parameter "message" is required (a string): Any text.',
        'Parameter "verbose" must be a boolean; got the string "yes".',
        'Parameter "tags" must be a list; got an object.',
        'Parameter "options" must be an object; got a list.',
      ]);
    });
  });
});
