/**
 * How an image runs, chosen at start: as a KFP step (the default: read the ExecutorInput, run once, exit), as a
 * Kafka service (`USE_KFP=0`, upstream's switch, or the `kafka` subcommand), or, for inference, as an HTTP
 * predictor (the `serve` subcommand). The doors parse and deliver; they hold no forecasting logic.
 */
import { failureLine } from '../shared/kfp/run.js';
import { FltsError } from '../shared/errors.js';

export type Mode = 'kfp' | 'kafka' | 'serve';

export function modeOf(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Mode {
  if (argv[0] === 'kafka') return 'kafka';
  if (argv[0] === 'serve') return 'serve';
  if (env['USE_KFP'] !== undefined && ['0', 'false', 'no'].includes(env['USE_KFP'].trim().toLowerCase())) return 'kafka';
  return 'kfp';
}

/** Opens the door `modeOf` picks; a long-running door that fails to start prints one line and exits 2 or 1. */
export function frontDoor(component: string, doors: { kfp: () => void; kafka: () => Promise<unknown>; serve?: () => Promise<unknown> }): void {
  const mode = modeOf();
  if (mode === 'kfp') return doors.kfp();
  const open = mode === 'serve' ? doors.serve : doors.kafka;
  if (!open) {
    process.stderr.write(`flts ${component}: the ${mode} mode is not offered by this image; it runs as a KFP step or a Kafka service.\n`);
    process.exitCode = 2;
    return;
  }
  open().catch((error: unknown) => {
    process.stderr.write(`${failureLine(component, error)}\n`);
    process.exit(error instanceof FltsError ? error.exitCode : 1);
  });
}
