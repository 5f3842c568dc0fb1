/**
 * The YAML of MLflow's files, through the `yaml` package: documents for `meta.yaml` and `MLmodel` with keys sorted
 * like PyYAML's `safe_dump(sort_keys=True)` and every string double-quoted, so that a value such as an experiment
 * id "123" reads back as text, never as a number; and a reader for the flat `key: value` meta.yaml files of the
 * FileStore, whichever of PyYAML or us wrote them.
 */
import { parse, stringify } from 'yaml';

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/** A YAML document for `value` (a map), ending with a newline. */
export function toYaml(value: Record<string, YamlValue>): string {
  return stringify(value, { sortMapEntries: true, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', indentSeq: false, lineWidth: 0 });
}

/** The top-level scalar entries of a YAML map (nested maps and lists are left out); `{}` for an empty document. */
export function parseFlatYaml(text: string): Record<string, string | number | boolean | null> {
  const document: unknown = parse(text);
  const result: Record<string, string | number | boolean | null> = {};
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return result;
  for (const [key, value] of Object.entries(document)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) result[key] = value as string | number | boolean | null;
  }
  return result;
}
