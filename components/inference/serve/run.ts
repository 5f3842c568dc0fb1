/**
 * `node dist/inference.js serve [flags]`: starts the HTTP server at once (so /healthz answers and /ready says
 * 503), loads the model named by --model (retrying until it loads), then follows its registry alias. SIGTERM and
 * SIGINT (shared/shutdown.ts) print one line, stop accepting requests, let the ones in flight finish within
 * FLTS_SHUTDOWN_GRACE, and exit 143 or 130.
 */
import { FltsError, messageOf } from '../../../shared/errors.js';
import { Logger } from '../../../shared/log.js';
import { exitOnSignals, onShutdown, stopRequested } from '../../../shared/shutdown.js';
import { parseServeConfig, serveHelp, type ServeConfig } from './config.js';
import { ModelHolder } from './holder.js';
import { createServer } from './server.js';
import { modelSource } from './source.js';

/** Runs the server until a signal stops it; returns the exit code for a start-up failure. */
export async function serve(argv: readonly string[]): Promise<number> {
  const log = new Logger('serve');
  let config: ServeConfig;
  try {
    const parsed = parseServeConfig(argv);
    if (parsed === 'help') {
      process.stdout.write(serveHelp());
      return 0;
    }
    config = parsed;
    exitOnSignals({
      line: (signal, code) => `flts inference serve: Interrupted: received ${signal}; stopped accepting requests and let those in flight finish, exit ${code}.`,
    });
  } catch (error) {
    process.stderr.write(`flts inference serve: ${(error as Error).name}: ${messageOf(error)}\n`);
    return error instanceof FltsError ? error.exitCode : 1;
  }
  // One bad request or a failed background load must never take the server down; log and keep serving.
  process.on('unhandledRejection', (reason) => log.warn(`unhandled rejection: ${messageOf(reason)}`));
  process.on('uncaughtException', (error) => log.warn(`uncaught exception: ${messageOf(error)}`));

  const source = modelSource(config.model, { trackingUri: config.trackingUri, downloadDir: config.downloadDir, name: config.modelName, log });
  let metrics: ReturnType<typeof createServer>['metrics'] | undefined;
  const holder = new ModelHolder(source, {
    log,
    backend: config.backend,
    events: {
      loaded: (slot) => {
        metrics?.loads.inc({ outcome: 'loaded' });
        metrics?.modelServing(source.name, slot.version, slot.runId, slot.model.description.modelType);
      },
      failed: () => metrics?.loads.inc({ outcome: 'failed' }),
    },
  });
  const server = createServer(config, holder, source.name, log);
  metrics = server.metrics;
  const address = await server.app.listen({ port: config.port, host: config.host });
  log.info('listening', { address, model: config.model, name: source.name });

  onShutdown(async () => {
    await server.app.close();
    holder.close();
  });
  await loadFirstModel(holder, config, () => stopRequested() !== undefined);
  holder.poll(config.pollIntervalMs);
  return 0;
}

/** Loads until it works: the registry may not be up yet, or the alias not set; waits 1 s, doubling to 30 s. */
async function loadFirstModel(holder: ModelHolder, config: ServeConfig, stopped: () => boolean): Promise<void> {
  for (let wait = 1000; !stopped(); wait = Math.min(wait * 2, 30_000)) {
    try {
      await holder.reload();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, config.pollIntervalMs > 0 ? Math.min(wait, config.pollIntervalMs) : wait));
    }
  }
}
