/**
 * Validates and coerces input parameters against the component's own spec: defaults applied, required ones
 * checked, unknown ones rejected by name, every problem reported at once. Never trusts the types the backend
 * sends (reference/kfp-contract.md §1.2, §6.3).
 */
import { InvalidParameterError, type ParameterIssue } from '../errors.js';
import { isObject, kindOf, type ExecutorInput, type LegacyParameterValue } from './executor-input.js';
import type { ComponentSpec, InputParameterSpec, JsonValue, ParameterValues, Parameters } from './spec.js';

/** Keys the KFP compiler adds to `parameterValues` for f-string placeholders; not ours to validate. */
const COMPILER_KEY_PREFIX = 'pipelinechannel--';

const TYPE_NAMES: Record<InputParameterSpec['type'], string> = {
  STRING: 'a string',
  NUMBER_INTEGER: 'an integer',
  NUMBER_DOUBLE: 'a number',
  BOOLEAN: 'a boolean',
  LIST: 'a list',
  STRUCT: 'an object',
};

/** The validated parameters for `spec` from `input`; throws InvalidParameterError listing every problem. */
export function resolveParameters<S extends ComponentSpec>(spec: S, input: ExecutorInput): Parameters<S> {
  const declared = spec.inputs.parameters;
  const issues: ParameterIssue[] = [];
  const values: Record<string, unknown> = {};

  for (const name of Object.keys(input.parameterValues)) {
    if (name in declared || name.startsWith(COMPILER_KEY_PREFIX)) continue;
    issues.push({
      path: name,
      message: `Unknown parameter "${name}"; ${spec.name} accepts: ${Object.keys(declared).sort().join(', ')}.`,
    });
  }

  for (const [name, parameter] of Object.entries(declared)) {
    let raw: JsonValue | undefined = input.parameterValues[name];
    if (raw === undefined && input.legacyParameters[name] !== undefined) {
      raw = decodeLegacy(input.legacyParameters[name]!, parameter);
    }
    if (raw === undefined || raw === null) {
      if (parameter.default !== undefined) values[name] = structuredClone(parameter.default);
      else if (parameter.optional) values[name] = undefined;
      else issues.push({ path: name, message: `Parameter "${name}" is required (${TYPE_NAMES[parameter.type]}): ${parameter.description}` });
      continue;
    }
    const coerced = coerceParameter(name, parameter, raw);
    if (coerced.ok) values[name] = coerced.value;
    else issues.push(coerced.issue);
  }

  if (issues.length > 0) throw new InvalidParameterError(issues);
  return values as Parameters<S>;
}

export type Coerced = { ok: true; value: JsonValue } | { ok: false; issue: ParameterIssue };

/** One parameter value checked against its declared type and range. */
export function coerceParameter(name: string, parameter: InputParameterSpec, raw: JsonValue): Coerced {
  const wrongType = (): Coerced => ({
    ok: false,
    issue: { path: name, message: `Parameter "${name}" must be ${TYPE_NAMES[parameter.type]}; got ${kindOf(raw)}.` },
  });
  switch (parameter.type) {
    case 'STRING': {
      if (typeof raw !== 'string') return wrongType();
      if (parameter.enum && !parameter.enum.includes(raw)) {
        return {
          ok: false,
          issue: {
            path: name,
            message: `Parameter "${name}" must be one of ${parameter.enum.map((v) => JSON.stringify(v)).join(', ')}; got ${JSON.stringify(raw)}.`,
          },
        };
      }
      return { ok: true, value: raw };
    }
    case 'NUMBER_INTEGER':
      if (typeof raw !== 'number' || !Number.isInteger(raw) || !Number.isSafeInteger(raw)) return wrongType();
      return checkRange(name, parameter, raw);
    case 'NUMBER_DOUBLE':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return wrongType();
      return checkRange(name, parameter, raw);
    case 'BOOLEAN':
      // MLMD stores booleans as 0/1, and some producers pass them on as numbers.
      if (raw === 0 || raw === 1) return { ok: true, value: raw === 1 };
      return typeof raw === 'boolean' ? { ok: true, value: raw } : wrongType();
    case 'LIST':
      return Array.isArray(raw) ? { ok: true, value: raw } : wrongType();
    case 'STRUCT':
      return isObject(raw) ? { ok: true, value: raw } : wrongType();
  }
}

function checkRange(name: string, parameter: InputParameterSpec, value: number): Coerced {
  const bounds: string[] = [];
  if (parameter.greaterThan !== undefined) bounds.push(`> ${parameter.greaterThan}`);
  if (parameter.min !== undefined) bounds.push(`>= ${parameter.min}`);
  if (parameter.max !== undefined) bounds.push(`<= ${parameter.max}`);
  const ok =
    (parameter.greaterThan === undefined || value > parameter.greaterThan) &&
    (parameter.min === undefined || value >= parameter.min) &&
    (parameter.max === undefined || value <= parameter.max);
  if (ok) return { ok: true, value };
  return { ok: false, issue: { path: name, message: `Parameter "${name}" must be ${bounds.join(' and ')}; got ${value}.` } };
}

/** Decodes Vertex's deprecated `inputs.parameters` value: int64 as a string, LIST/STRUCT as JSON text. */
function decodeLegacy(value: LegacyParameterValue, parameter: InputParameterSpec): JsonValue | undefined {
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.stringValue === undefined) return undefined;
  if (parameter.type === 'STRING') return value.stringValue;
  try {
    return JSON.parse(value.stringValue) as JsonValue;
  } catch {
    return value.stringValue;
  }
}

/**
 * Checks plain values (a library caller's, not an ExecutorInput's) against a parameter table: the same types and
 * bounds the component enforces, reported under the parameter names.
 */
export function checkParameterValues<T extends Record<string, InputParameterSpec>>(table: T, values: Partial<ParameterValues<T>>): ParameterIssue[] {
  const issues: ParameterIssue[] = [];
  for (const [name, parameter] of Object.entries(table)) {
    const value = (values as Record<string, unknown>)[name];
    if (value === undefined && (parameter.default !== undefined || parameter.optional)) continue;
    if (value === undefined) {
      issues.push({ path: name, message: `Parameter "${name}" is required (${TYPE_NAMES[parameter.type]}).` });
      continue;
    }
    const checked = coerceParameter(name, parameter, value as JsonValue);
    if (!checked.ok) issues.push(checked.issue);
  }
  return issues;
}

export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** `snake_case` parameter `name` as the library's camelCase field name. */
export function camelCase<S extends string>(name: S): CamelCase<S> {
  return name.replace(/_(.)/g, (_, letter: string) => letter.toUpperCase()) as CamelCase<S>;
}

/** The snake_case component parameters `names` of `values` as the library's camelCase option fields: the one mapping. */
export function camelOptions<V extends Record<string, unknown>, const K extends keyof V & string>(values: V, names: readonly K[]): { [P in K as CamelCase<P>]: V[P] } {
  return Object.fromEntries(names.map((name) => [camelCase(name), values[name]])) as { [P in K as CamelCase<P>]: V[P] };
}

/** Every parameter's default, as the component would resolve an ExecutorInput that sets none. */
export function parameterDefaults<T extends Record<string, InputParameterSpec>>(table: T): ParameterValues<T> {
  return Object.fromEntries(Object.entries(table).map(([name, parameter]) => [name, structuredClone(parameter.default)])) as ParameterValues<T>;
}
