/** This process's children, read from /proc (Linux), for tests and benchmarks that watch what it starts. */
import { readdirSync, readFileSync } from 'node:fs';

/** The pids of this process's living children. */
export function childPids(): number[] {
  return readdirSync('/proc/self/task').flatMap((task) => procText(`/proc/self/task/${task}/children`).split(' ').filter(Boolean).map(Number));
}

/** A /proc file's text, or '' when it is gone (a process that just ended). */
export function procText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
