/**
 * The serve mode's settings: one table of options, each with its command-line flag, its environment variable,
 * its meaning and its default; parsed from both (a flag wins over the variable) and validated at start-up, every
 * problem reported at once. The table is also the documentation (`node dist/inference.js serve --help`).
 */
import { parseArgs } from 'node:util';
import { InvalidParameterError, type ParameterIssue } from '../../../shared/errors.js';

interface OptionSpec {
  flag: string;
  env: string;
  description: string;
  kind: 'string' | 'integer';
  default: string | number;
  /** Smallest accepted integer. */
  min?: number;
}

/** Every serve option. Sizes in bytes, times in milliseconds. */
export const SERVE_OPTIONS = {
  port: { flag: 'port', env: 'PORT', kind: 'integer', default: 8080, min: 0, description: 'TCP port to listen on (8080 is what KServe routes to; 0 = any free port).' },
  host: { flag: 'host', env: 'FLTS_SERVE_HOST', kind: 'string', default: '0.0.0.0', description: 'Address to listen on.' },
  model: {
    flag: 'model',
    env: 'FLTS_SERVE_MODEL',
    kind: 'string',
    default: 'models:/flts-forecaster@champion',
    description:
      'The model: models:/<name>@<alias> (followed as the alias moves), models:/<name>/<version>, runs:/<run id>/<path>, an artifact URI (mlflow-artifacts:/…, s3://…), or a local model directory (path or file:// URI).',
  },
  modelName: {
    flag: 'model-name',
    env: 'FLTS_SERVE_MODEL_NAME',
    kind: 'string',
    default: '',
    description: 'Name of the model in the Open Inference Protocol paths (/v2/models/<name>). Empty: the registered model name, else the directory name.',
  },
  trackingUri: {
    flag: 'tracking-uri',
    env: 'MLFLOW_TRACKING_URI',
    kind: 'string',
    default: '',
    description: 'MLflow tracking server (http(s)://…) or offline mlruns/ directory that holds the registry. Empty: ./mlruns.',
  },
  pollIntervalMs: {
    flag: 'poll-interval-ms',
    env: 'FLTS_SERVE_POLL_INTERVAL_MS',
    kind: 'integer',
    default: 30_000,
    min: 0,
    description: 'How often the registry alias is checked for a new version (0 = never; POST /reload still works).',
  },
  maxBatchSize: { flag: 'max-batch-size', env: 'FLTS_SERVE_MAX_BATCH_SIZE', kind: 'integer', default: 64, min: 1, description: 'Most requests forecast in one forward pass.' },
  batchWaitMs: {
    flag: 'batch-wait-ms',
    env: 'FLTS_SERVE_BATCH_WAIT_MS',
    kind: 'integer',
    default: 0,
    min: 0,
    description:
      'Longest a request waits for others to join its batch when the model is idle. 0 (the default) forecasts at once: with max-concurrency 1, requests arriving while a batch runs join the next one anyway, so waiting only adds latency; raise it with max-concurrency > 1.',
  },
  maxConcurrency: { flag: 'max-concurrency', env: 'FLTS_SERVE_MAX_CONCURRENCY', kind: 'integer', default: 1, min: 1, description: 'Batches forecast at the same time.' },
  maxQueue: {
    flag: 'max-queue',
    env: 'FLTS_SERVE_MAX_QUEUE',
    kind: 'integer',
    default: 256,
    min: 1,
    description: 'Requests that may wait for a batch; beyond it a request gets 429 with Retry-After.',
  },
  deadlineMs: {
    flag: 'deadline-ms',
    env: 'FLTS_SERVE_DEADLINE_MS',
    kind: 'integer',
    default: 5_000,
    min: 1,
    description: 'Time a request may take from arrival to answer; past it the answer is 504.',
  },
  bodyLimit: { flag: 'body-limit', env: 'FLTS_SERVE_BODY_LIMIT', kind: 'integer', default: 1_048_576, min: 1, description: 'Largest request body in bytes; larger ones get 413.' },
  maxInferenceLength: {
    flag: 'max-inference-length',
    env: 'FLTS_SERVE_MAX_INFERENCE_LENGTH',
    kind: 'integer',
    default: 1_000,
    min: 1,
    description: 'Most steps one request may forecast (inference_length); more gets 400.',
  },
  backend: {
    flag: 'backend',
    env: 'TFJS_BACKEND',
    kind: 'string',
    default: 'auto',
    description: 'TensorFlow.js backend for GRU/LSTM models: auto, node-gpu, node, wasm or cpu.',
  },
  downloadDir: {
    flag: 'download-dir',
    env: 'FLTS_SERVE_DOWNLOAD_DIR',
    kind: 'string',
    default: '',
    description: 'Where registry models are downloaded (one fresh folder per version, removed when it is retired). Empty: the system temp directory.',
  },
} as const satisfies Record<string, OptionSpec>;

export type ServeConfig = {
  [K in keyof typeof SERVE_OPTIONS]: (typeof SERVE_OPTIONS)[K]['kind'] extends 'integer' ? number : string;
};

/** The settings from `argv` (after `serve`) and `env`; throws InvalidParameterError listing every bad value. */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeConfig | 'help' {
  const entries = Object.entries(SERVE_OPTIONS) as [keyof ServeConfig, OptionSpec][];
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { ...Object.fromEntries(entries.map(([, spec]) => [spec.flag, { type: 'string' as const }])), help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new InvalidParameterError(`${(error as Error).message.split('\n')[0]} See \`node dist/inference.js serve --help\`.`);
  }
  if (values['help']) return 'help';
  const issues: ParameterIssue[] = [];
  const config: Record<string, string | number> = {};
  for (const [key, spec] of entries) {
    const fromFlag = values[spec.flag] as string | undefined;
    const raw = fromFlag ?? env[spec.env];
    const source = fromFlag !== undefined ? `--${spec.flag}` : spec.env;
    if (raw === undefined || (raw === '' && spec.kind === 'integer')) {
      config[key] = spec.default;
      continue;
    }
    if (spec.kind === 'string') {
      config[key] = raw.trim();
      continue;
    }
    const number = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(number) || number < (spec.min ?? 0)) {
      issues.push({ path: source, message: `${source} must be an integer ≥ ${spec.min ?? 0}; got ${JSON.stringify(raw)}.` });
      continue;
    }
    config[key] = number;
  }
  if (issues.length > 0) throw new InvalidParameterError(issues);
  if (config['model'] === '') config['model'] = SERVE_OPTIONS.model.default;
  return config as ServeConfig;
}

/** The options as help text: flag, variable, default, meaning. */
export function serveHelp(): string {
  const lines = ['Usage: node dist/inference.js serve [--flag value …]', '', 'Each flag can also be set by its environment variable; a flag wins.', ''];
  for (const spec of Object.values(SERVE_OPTIONS) as OptionSpec[]) {
    lines.push(`  --${spec.flag} (${spec.env}, default ${JSON.stringify(spec.default)})`, `      ${spec.description}`);
  }
  return `${lines.join('\n')}\n`;
}
