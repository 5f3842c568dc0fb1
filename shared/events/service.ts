/**
 * The front door of an event-mode process: starts the EventService and its /healthz, /ready and /metrics
 * server, and on SIGTERM or SIGINT drains and exits 143 or 130 (128 + the signal, as a KFP step does) with one
 * stderr line saying whether the work in hand finished or was abandoned uncommitted (the group redelivers it);
 * what abandoned work had open is ended as in KFP mode (shared/shutdown.ts hooks: its MLflow run marked KILLED,
 * its staged outputs removed). A component's `main` calls `runEventService(...)` when `USE_KFP=0`.
 */
import { numberFromEnv } from '../env.js';
import { SIGNAL_EXIT_CODES, stopWith, type StopSignal } from '../shutdown.js';
import { EventService, type EventServiceOptions } from './consumer.js';
import { startHealthServer } from './http.js';

export interface RunOptions<T> extends EventServiceOptions<T> {
  /** Port of the operations endpoints; 0 picks a free one. From `FLTS_EVENTS_HTTP_PORT`. @default 9091 */
  httpPort?: number;
  /** Called instead of process.exit, for tests. @default process.exit */
  exit?: (code: number) => void;
}

/** The options an operator sets through the environment rather than the component through code. */
export type ServiceSettings = Partial<Pick<RunOptions<unknown>, 'httpPort' | 'drainTimeoutMs' | 'retry' | 'queue' | 'concurrency'>>;

/**
 * Event-mode settings read from the environment, each optional; spread them over a component's own options.
 * `FLTS_EVENTS_HTTP_PORT`, `FLTS_EVENTS_DRAIN_MS`, `FLTS_EVENTS_CONCURRENCY`, and upstream's `FAILURE_MAX_RETRIES`
 * and `QUEUE_MAXSIZE`.
 */
export function serviceSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  const settings: ServiceSettings = {};
  const int = (name: string, min: number, max: number) =>
    env[name]?.trim() ? numberFromEnv(env, name, { fallback: 0, min, max, integer: true }, (message) => new RangeError(`Environment variable ${message}`)) : undefined;
  const port = int('FLTS_EVENTS_HTTP_PORT', 0, 65_535);
  if (port !== undefined) settings.httpPort = port;
  const drain = int('FLTS_EVENTS_DRAIN_MS', 0, 3_600_000);
  if (drain !== undefined) settings.drainTimeoutMs = drain;
  const concurrency = int('FLTS_EVENTS_CONCURRENCY', 1, 1024);
  if (concurrency !== undefined) settings.concurrency = concurrency;
  const attempts = int('FAILURE_MAX_RETRIES', 1, 1000); // upstream's name
  if (attempts !== undefined) settings.retry = { attempts };
  const capacity = int('QUEUE_MAXSIZE', 1, 1_000_000); // upstream's name
  if (capacity !== undefined) settings.queue = { capacity };
  return settings;
}

/** Runs until SIGTERM/SIGINT, then drains and exits. Resolves once started (for logs and tests). */
export async function runEventService<T>(options: RunOptions<T>): Promise<EventService<T>> {
  const service = new EventService(options);
  const http = await startHealthServer({
    metrics: service.metrics,
    isReady: () => service.ready,
    describe: () => ({ service: options.service, topic: options.topic, group: options.groupId }),
    port: options.httpPort ?? 9091,
  });
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: StopSignal) => {
    const code = SIGNAL_EXIT_CODES[signal];
    // A second signal while draining exits at once, as in KFP mode.
    if (stopping) return exit(code);
    stopping = true;
    service.log.info('signal', { signal });
    void service
      .stop()
      .then(async (result) => {
        await http.close();
        await stopWith(signal);
        const how = result.drained
          ? 'drained (the work in hand finished and was committed)'
          : 'work abandoned uncommitted after FLTS_EVENTS_DRAIN_MS (the group redelivers it), its MLflow run marked KILLED and its outputs removed';
        process.stderr.write(`flts ${options.service}: Interrupted: received ${signal}; ${how}; exit ${code}.\n`);
        exit(code);
      })
      .catch((error: unknown) => {
        service.log.error('stop_failed', { error: String(error) });
        exit(code);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await service.start();
  service.log.info('http_listening', { port: http.port });
  return service;
}
