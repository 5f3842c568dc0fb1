/**
 * The serve mode's settings: defaults, environment variables, flags winning over them, and every bad value
 * reported at once with the flag or variable it came from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServeConfig, serveHelp, SERVE_OPTIONS } from '../../components/inference/serve/config.js';

describe('serve configuration', () => {
  it('without flags or variables, every option has its documented default', () => {
    assert.deepEqual(parseServeConfig([], {}), Object.fromEntries(Object.entries(SERVE_OPTIONS).map(([key, spec]) => [key, spec.default])));
  });

  it('reads environment variables, and a flag wins over its variable', () => {
    const config = parseServeConfig(['--port', '9000', '--model', 'models:/m@prod'], { PORT: '7000', FLTS_SERVE_MAX_QUEUE: '12', MLFLOW_TRACKING_URI: 'http://mlflow:5000', FLTS_SERVE_MODEL: './elsewhere' });
    assert.ok(config !== 'help');
    assert.deepEqual([config.port, config.model, config.maxQueue, config.trackingUri], [9000, 'models:/m@prod', 12, 'http://mlflow:5000']);
  });

  it('reports every bad value at once, each with the flag or variable it came from', () => {
    assert.throws(() => parseServeConfig(['--max-batch-size', '0', '--deadline-ms', 'soon'], { FLTS_SERVE_MAX_QUEUE: '-1' }), {
      name: 'InvalidParameterError',
      message: '--max-batch-size must be an integer ≥ 1; got "0". FLTS_SERVE_MAX_QUEUE must be an integer ≥ 1; got "-1". --deadline-ms must be an integer ≥ 1; got "soon".',
    });
  });

  it('refuses an unknown flag and points to --help', () => {
    assert.throws(() => parseServeConfig(['--prot', '80'], {}), { name: 'InvalidParameterError', message: /^Unknown option '--prot'.* See `node dist\/inference\.js serve --help`\.$/ });
  });

  it('--help lists every flag with its variable and default', () => {
    assert.equal(parseServeConfig(['--help'], {}), 'help');
    const help = serveHelp();
    for (const spec of Object.values(SERVE_OPTIONS)) assert.ok(help.includes(`--${spec.flag} (${spec.env}, default ${JSON.stringify(spec.default)})`), spec.flag);
  });
});
