/**
 * The counters and gauges an event service exports in Prometheus text format (served by http.ts): messages
 * processed, handler failures, dead letters by reason, in-process queue depth, consumer lag per partition
 * and handler latency. One registry per service, so that tests can run several in one process.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class EventMetrics {
  readonly registry = new Registry();
  /** Messages whose outputs are published and whose offset is committed. */
  readonly processed: Counter<'topic'>;
  /** Handler attempts that threw (each retry counts). */
  readonly failed: Counter<'topic'>;
  /** Messages sent to the dead-letter topic, by reason: poison, failed, expired. */
  readonly deadLettered: Counter<'topic' | 'reason'>;
  /** Redelivered messages skipped because the ledger or this process had already handled them. */
  readonly duplicates: Counter<'topic'>;
  readonly queueDepth: Gauge;
  /** 1 while the consumer has paused fetching because the queue reached its high watermark. */
  readonly paused: Gauge;
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly handleSeconds: Histogram<'topic'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    const registers = [this.registry];
    this.processed = new Counter({ name: 'flts_events_processed_total', help: 'Messages handled, published and committed.', labelNames: ['topic'], registers });
    this.failed = new Counter({ name: 'flts_events_failed_total', help: 'Handler attempts that failed (each retry counts).', labelNames: ['topic'], registers });
    this.deadLettered = new Counter({ name: 'flts_events_dlq_total', help: 'Messages sent to the DLQ, by reason.', labelNames: ['topic', 'reason'], registers });
    this.duplicates = new Counter({ name: 'flts_events_duplicates_total', help: 'Redelivered messages recognised as already handled.', labelNames: ['topic'], registers });
    this.queueDepth = new Gauge({ name: 'flts_events_queue_depth', help: 'Messages fetched and waiting in the in-process queue.', registers });
    this.paused = new Gauge({ name: 'flts_events_paused', help: '1 while fetching is paused at the high watermark.', registers });
    this.lag = new Gauge({ name: 'flts_events_consumer_lag', help: 'Messages behind the end of each assigned partition.', labelNames: ['topic', 'partition'], registers });
    this.handleSeconds = new Histogram({
      name: 'flts_events_handle_seconds',
      help: 'Time from taking a message off the queue to committing it.',
      labelNames: ['topic'],
      buckets: [0.005, 0.025, 0.1, 0.5, 2, 10, 60, 300],
      registers,
    });
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
