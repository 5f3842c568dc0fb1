/**
 * The local runner's progress view: one line per task as it starts, finishes, is served from the cache or fails,
 * with the time since the run began and how many tasks are done and running; the tasks' own output goes to their
 * `task.log`. `summary()` is the closing table: each component's count, cached count and task seconds.
 */
import type { TaskEvent } from './local-dag.js';

export interface ProgressView {
  onEvent(event: TaskEvent): void;
  summary(): string;
}

export function progressView(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`), now: () => number = () => performance.now()): ProgressView {
  const started = now();
  let running = 0;
  let done = 0;
  let cached = 0;
  const byComponent = new Map<string, { tasks: number; cached: number; seconds: number }>();
  const clock = () => `[${((now() - started) / 1000).toFixed(1).padStart(6)} s]`;
  const counts = () => `${done} done${cached > 0 ? ` (${cached} cached)` : ''}, ${running} running`;
  return {
    onEvent(event) {
      if (event.kind === 'start') {
        running++;
        write(`${clock()} ▶ ${event.task}  (${event.cpus} CPU${event.cpus === 1 ? '' : 's'}; log: ${event.log})`);
      } else if (event.kind === 'done') {
        const { result } = event;
        done++;
        if (result.cached) cached++;
        else running--;
        const entry = byComponent.get(result.component) ?? { tasks: 0, cached: 0, seconds: 0 };
        entry.tasks++;
        if (result.cached) entry.cached++;
        else entry.seconds += result.seconds;
        byComponent.set(result.component, entry);
        const how = result.cached ? `↺ ${result.task}  cached (made in ${result.seconds.toFixed(1)} s: ${result.taskRoot})` : `✔ ${result.task}  ${result.seconds.toFixed(1)} s`;
        write(`${clock()} ${how}  [${counts()}]`);
      } else {
        running--;
        write(`${clock()} ✖ ${event.task}  failed: ${event.error.message.split('\n')[0]}`);
      }
    },
    summary() {
      const rows = [...byComponent].map(([component, e]) => `  ${component.padEnd(14)} ${String(e.tasks).padStart(5)} ${String(e.cached).padStart(7)} ${e.seconds.toFixed(1).padStart(10)}`);
      return ['  component      tasks  cached  task-sec', ...rows].join('\n');
    },
  };
}
