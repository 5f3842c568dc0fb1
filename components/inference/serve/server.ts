/**
 * The serve mode's HTTP server (fastify): routes for upstream's `/predict`, the Open Inference Protocol, health,
 * readiness, metrics and reload, over one model holder and one batcher. Routes only parse, submit and format;
 * every failure becomes a status code and a JSON body `{"error": "...", "field": "..."}`, never a crash.
 *
 * Why fastify: measured on the /predict body without a model, 4–6× hono-on-node-server's requests per second
 * (bench/results/serve-framework.md); on Node it parses JSON bodies with a size limit (413) and content-type
 * checks built in, runs on Node's own http server with no Request/Response translation, and its hooks give the
 * metrics one place to count every answer, fastify's own 400/413/415 included. Hono's strengths (Web-standard
 * handlers for many runtimes) buy nothing in a Node-only container and cost an adapter layer per request.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../../../shared/log.js';
import { messageOf } from '../../../shared/errors.js';
import { Batcher } from './batcher.js';
import type { ServeConfig } from './config.js';
import { BadRequestError, NotFoundError, NotReadyError, ServeError, type Outcome } from './errors.js';
import type { ModelHolder, ModelSlot } from './holder.js';
import type { ForecastAnswer, ForecastRequest } from './model.js';
import { ServeMetrics } from './metrics.js';
import { parsePredict, predictResponse } from './predict.js';
import { inferResponse, modelMetadata, parseInfer } from './v2.js';

export interface ServerParts {
  app: FastifyInstance;
  batcher: Batcher;
  metrics: ServeMetrics;
}

const OUTCOME_BY_STATUS: Record<number, Outcome> = { 400: 'bad_request', 404: 'not_found', 413: 'too_large', 415: 'bad_request', 429: 'overloaded', 503: 'not_ready', 504: 'deadline' };

export function createServer(config: ServeConfig, holder: ModelHolder, modelName: string, log: Logger): ServerParts {
  const app = Fastify({ logger: false, bodyLimit: config.bodyLimit, return503OnClosing: true });
  const batcher = new Batcher(config, { batch: (size) => metrics.batchSize.observe(size) });
  const metrics = new ServeMetrics({ queued: () => batcher.queued, running: () => batcher.running });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    const outcome = reply.statusCode < 400 ? 'ok' : (OUTCOME_BY_STATUS[reply.statusCode] ?? 'error');
    metrics.observe(route, outcome, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: unknown, _request, reply) => {
    if (error instanceof ServeError) {
      if ('retryAfterSeconds' in error) reply.header('Retry-After', String(error.retryAfterSeconds));
      return reply.code(error.status).send({ error: error.message, ...(error instanceof BadRequestError ? { field: error.field } : {}) });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // fastify's own: malformed JSON, empty body, body over the limit, unsupported content type.
      const message = status === 413 ? `The request body is larger than the limit of ${config.bodyLimit} bytes (body-limit).` : `Malformed request body: ${messageOf(error)}`;
      return reply.code(status).send({ error: message, field: 'body' });
    }
    log.warn(`request failed: ${messageOf(error)}`);
    return reply.code(500).send({ error: `Internal error: ${messageOf(error)}` });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `No route ${request.method} ${request.url}.` }));

  const ready = () => holder.current !== undefined;
  const status = () => ({ model_ready: ready(), model_name: modelName, model_version: holder.current?.version ?? null, run_id: holder.current?.runId ?? null });

  app.get('/healthz', async () => ({ status: 'ok', service: 'flts-inference', ...status(), queue_length: batcher.queued }));
  app.get('/ready', async (_request, reply) => (ready() ? { status: 'ready', ...status() } : reply.code(503).send({ status: 'not_ready' })));
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.post('/reload', async (_request, reply) => {
    try {
      const result = await holder.reload(true);
      return { status: result.status, model_version: result.version, run_id: result.runId ?? null };
    } catch (error) {
      // The model that was serving (if any) still is; 502: the model source failed us.
      return reply.code(502).send({ status: 'failed', error: messageOf(error), ...status() });
    }
  });

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) => (ready() ? { ready: true } : reply.code(503).send({ ready: false })));
  app.get('/v2', async () => ({ name: 'flts-ts', version: '0.1.0', extensions: [] }));
  app.get<{ Params: { name: string } }>('/v2/models/:name', async (request) => modelMetadata(slotNamed(request.params.name), modelName));
  app.get<{ Params: { name: string } }>('/v2/models/:name/ready', async (request, reply) => {
    if (request.params.name !== modelName) throw unknownModel(request.params.name);
    return ready() ? { name: modelName, ready: true } : reply.code(503).send({ name: modelName, ready: false });
  });

  /** Parse against the model the request will run on, submit, format; the lease is returned when the forecast is done. */
  async function forecastWith<C>(parse: (slot: ModelSlot) => { request: ForecastRequest; context: C }, respond: (slot: ModelSlot, answer: ForecastAnswer, context: C) => unknown) {
    const lease = holder.acquire();
    if (!lease) throw new NotReadyError();
    let submitted = false;
    try {
      const { request, context } = parse(lease.slot);
      const pending = batcher.submit(lease.slot.model, request, lease.release);
      submitted = true;
      return respond(lease.slot, await pending, context);
    } finally {
      if (!submitted) lease.release();
    }
  }

  app.post('/predict', async (request: FastifyRequest<{ Querystring: Record<string, unknown> }>) =>
    forecastWith(
      (slot) => parsePredict(request.body, request.query, slot, config.maxInferenceLength),
      (slot, answer, context) => predictResponse(slot, modelName, answer, context),
    ),
  );
  app.post<{ Params: { name: string } }>('/v2/models/:name/infer', async (request: FastifyRequest<{ Params: { name: string } }>, _reply: FastifyReply) => {
    slotNamed(request.params.name);
    return forecastWith(
      (slot) => {
        const { request: forecastRequest, id } = parseInfer(request.body, slot, config.maxInferenceLength);
        return { request: forecastRequest, context: id };
      },
      (slot, answer, id) => inferResponse(slot, modelName, answer, id),
    );
  });

  function slotNamed(name: string): ModelSlot {
    if (name !== modelName) throw unknownModel(name);
    const slot = holder.current;
    if (!slot) throw new NotReadyError();
    return slot;
  }
  function unknownModel(name: string): NotFoundError {
    return new NotFoundError(`No model named "${name}"; this server serves "${modelName}".`);
  }

  return { app, batcher, metrics };
}
