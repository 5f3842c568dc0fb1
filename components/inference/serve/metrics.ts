/**
 * The serve mode's Prometheus metrics (prom-client, on a registry of its own), served as text at `/metrics`:
 *   flts_serve_requests_total{route, outcome}          requests by route and outcome (ok, bad_request, overloaded, …)
 *   flts_serve_request_duration_seconds{route}          latency histogram, arrival to answer
 *   flts_serve_queue_depth                              requests waiting for a batch
 *   flts_serve_batches_running                          batches being forecast
 *   flts_serve_batch_size                               histogram of requests per forward pass
 *   flts_serve_model_info{name, version, run_id, type}  1 for the model serving now
 *   flts_serve_model_version                            the registry version serving now (numeric; -1 outside the registry)
 *   flts_serve_model_loads_total{outcome}               loads and swaps, and failed ones
 * plus prom-client's default process metrics (CPU seconds, resident memory, event-loop lag, heap).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Outcome } from './errors.js';

export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'outcome'>;
  readonly duration: Histogram<'route'>;
  readonly batchSize: Histogram;
  readonly modelInfo: Gauge<'name' | 'version' | 'run_id' | 'type'>;
  readonly modelVersion: Gauge;
  readonly loads: Counter<'outcome'>;

  constructor(state: { queued(): number; running(): number }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'flts_serve_requests_total', help: 'Requests by route and outcome.', labelNames: ['route', 'outcome'], registers });
    this.duration = new Histogram({
      name: 'flts_serve_request_duration_seconds',
      help: 'Time from arrival to answer.',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.batchSize = new Histogram({ name: 'flts_serve_batch_size', help: 'Requests per forward pass.', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers });
    new Gauge({ name: 'flts_serve_queue_depth', help: 'Requests waiting for a batch.', registers, collect() { this.set(state.queued()); } });
    new Gauge({ name: 'flts_serve_batches_running', help: 'Batches being forecast now.', registers, collect() { this.set(state.running()); } });
    this.modelInfo = new Gauge({ name: 'flts_serve_model_info', help: 'The model serving now (value 1).', labelNames: ['name', 'version', 'run_id', 'type'], registers });
    this.modelVersion = new Gauge({ name: 'flts_serve_model_version', help: 'Registry version of the model serving now; -1 for a model from outside the registry.', registers });
    this.loads = new Counter({ name: 'flts_serve_model_loads_total', help: 'Model loads by outcome (loaded, failed).', labelNames: ['outcome'], registers });
  }

  observe(route: string, outcome: Outcome, seconds: number): void {
    this.requests.inc({ route, outcome });
    this.duration.observe({ route }, seconds);
  }

  modelServing(name: string, version: string, runId: string | undefined, type: string): void {
    this.modelInfo.reset();
    this.modelInfo.set({ name, version, run_id: runId ?? '', type }, 1);
    this.modelVersion.set(/^\d+$/.test(version) ? Number(version) : -1);
  }
}
