/**
 * The front door of an event-mode process: starts the EventService and its /healthz, /ready and /metrics
 * server, and on SIGTERM or SIGINT drains and exits: 0 when the current message finished (or there was
 * none), 1 when it had to be abandoned uncommitted (the group redelivers it). A component's `main` calls
 * `runEventService(...)` when `USE_KFP=0`.
 */
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
  const int = (name: string) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`Environment variable ${name} must be a non-negative integer; got ${JSON.stringify(raw)}.`);
    return value;
  };
  const port = int('FLTS_EVENTS_HTTP_PORT');
  if (port !== undefined) settings.httpPort = port;
  const drain = int('FLTS_EVENTS_DRAIN_MS');
  if (drain !== undefined) settings.drainTimeoutMs = drain;
  const concurrency = int('FLTS_EVENTS_CONCURRENCY');
  if (concurrency !== undefined) settings.concurrency = Math.max(1, concurrency);
  const attempts = int('FAILURE_MAX_RETRIES'); // upstream's name
  if (attempts !== undefined) settings.retry = { attempts: Math.max(1, attempts) };
  const capacity = int('QUEUE_MAXSIZE'); // upstream's name
  if (capacity !== undefined) settings.queue = { capacity: Math.max(1, capacity) };
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
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    service.log.info('signal', { signal });
    void service
      .stop()
      .then(async (result) => {
        await http.close();
        exit(result.drained ? 0 : 1);
      })
      .catch((error: unknown) => {
        service.log.error('stop_failed', { error: String(error) });
        exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await service.start();
  service.log.info('http_listening', { port: http.port });
  return service;
}
