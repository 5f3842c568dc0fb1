/**
 * Numbers from environment variables, read one way everywhere: unset or blank gives the default; anything else
 * must be a number within the documented range, or the caller's error class says which variable is wrong.
 */

export interface NumberVariable {
  fallback: number;
  min: number;
  max: number;
  /** Unit for the message, e.g. "seconds". */
  unit?: string;
  /** Whole numbers only (a count). */
  integer?: boolean;
}

/** The value of `name` in `env` as a number (see the module comment); `error` builds what is thrown. */
export function numberFromEnv(env: NodeJS.ProcessEnv, name: string, range: NumberVariable, error: (message: string) => Error): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return range.fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < range.min || value > range.max || (range.integer && !Number.isInteger(value))) {
    throw error(`${name} must be ${range.integer ? 'an integer' : 'a number'}${range.unit ? ` of ${range.unit}` : ''} from ${range.min} to ${range.max}; got "${raw}".`);
  }
  return value;
}
