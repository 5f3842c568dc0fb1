/**
 * The YAML of MLflow's files, through the `yaml` package: documents for `meta.yaml` and `MLmodel` with keys sorted
 * like PyYAML's `safe_dump(sort_keys=True)` and every string double-quoted, so that a value such as an experiment
 * id "123" reads back as text, never as a number; and a reader for the flat `key: value` meta.yaml files of the
 * FileStore, whichever of PyYAML or us wrote them.
 */
import { isMap, isScalar, parseDocument, stringify } from 'yaml';

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/** A YAML document for `value` (a map), ending with a newline. */
export function toYaml(value: Record<string, YamlValue>): string {
  return stringify(value, { sortMapEntries: true, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', indentSeq: false, lineWidth: 0 });
}

type FlatValue = string | number | boolean | null;

/**
 * The top-level scalar entries of a YAML map (nested maps and lists are left out); `{}` for anything else.
 * Plain scalars are typed as PyYAML (YAML 1.1) types them, not as YAML 1.2 does: PyYAML writes a string such as
 * `1e3` or `0o17` unquoted because to it they are not numbers, so they must come back as text.
 */
export function parseFlatYaml(text: string): Record<string, FlatValue> {
  // The failsafe schema keeps every scalar as written; the type comes from the rules below.
  const document = parseDocument(text, { schema: 'failsafe' });
  const result: Record<string, FlatValue> = {};
  if (!isMap(document.contents)) return result;
  for (const pair of document.contents.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    if (pair.value === null || pair.value === undefined) result[key] = null;
    else if (isScalar(pair.value)) result[key] = pair.value.type === 'PLAIN' ? pyyamlPlain(String(pair.value.value)) : String(pair.value.value);
  }
  return result;
}

const PYYAML_INT = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const PYYAML_FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?)$/;

/** PyYAML's implicit resolution of a plain scalar (decimal ints and floats, booleans, null, ±inf, nan). */
function pyyamlPlain(text: string): FlatValue {
  if (text === '' || text === '~' || /^(?:null|Null|NULL)$/.test(text)) return null;
  if (/^(?:true|True|TRUE|yes|Yes|YES|on|On|ON)$/.test(text)) return true;
  if (/^(?:false|False|FALSE|no|No|NO|off|Off|OFF)$/.test(text)) return false;
  if (PYYAML_INT.test(text)) return Number(text.replaceAll('_', ''));
  if (PYYAML_FLOAT.test(text)) return Number(text.replaceAll('_', ''));
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return NaN;
  return text;
}
