/**
 * A budget of CPUs that the local runner's tasks take from and give back: a task waits until enough are free.
 * Waiters are served by priority (lower first; the runner passes site index, then pipeline order, so that
 * earlier sites finish first), and a smaller request behind one that does not fit yet may go first.
 */
import { FltsError } from '../shared/errors.js';

interface Waiter {
  cpus: number;
  priority: readonly number[];
  grant: () => void;
}

export class CpuPool {
  readonly capacity: number;
  #free: number;
  #waiters: Waiter[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new FltsError(`A CPU budget must be a positive integer; got ${capacity}.`);
    this.capacity = capacity;
    this.#free = capacity;
  }

  /** Waits for `cpus` (at most the capacity) and returns the function that gives them back. */
  async acquire(cpus: number, priority: readonly number[] = []): Promise<() => void> {
    const want = Math.min(Math.max(1, cpus), this.capacity);
    await new Promise<void>((grant) => {
      this.#waiters.push({ cpus: want, priority, grant });
      this.#waiters.sort((a, b) => compare(a.priority, b.priority));
      this.#dispatch();
    });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#free += want;
      this.#dispatch();
    };
  }

  #dispatch(): void {
    for (let i = 0; i < this.#waiters.length && this.#free > 0; ) {
      const waiter = this.#waiters[i]!;
      if (waiter.cpus <= this.#free) {
        this.#free -= waiter.cpus;
        this.#waiters.splice(i, 1);
        waiter.grant();
      } else {
        i++;
      }
    }
  }
}

/** Lexicographic order of two priority vectors (a shorter prefix first). */
function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
