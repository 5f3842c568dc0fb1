/**
 * The little YAML MLflow's files need: an emitter for `meta.yaml` and `MLmodel` documents (nested maps, lists,
 * scalars; keys sorted like PyYAML's `safe_dump(sort_keys=True)`), and a reader for the flat `key: value`
 * meta.yaml files of the FileStore. Strings are always double-quoted (JSON escapes are valid YAML), so a value
 * such as an experiment id "123" reads back as text, never as a number.
 */

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/** A YAML document for `value` (a map), ending with a newline. */
export function toYaml(value: Record<string, YamlValue>): string {
  return `${emitMap(value, 0).join('\n')}\n`;
}

function emitMap(map: Record<string, YamlValue>, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const key of Object.keys(map).sort()) {
    const value = map[key]!;
    const name = /^[A-Za-z_][\w.-]*$/.test(key) ? key : JSON.stringify(key);
    if (isMap(value) && Object.keys(value).length > 0) lines.push(`${pad}${name}:`, ...emitMap(value, indent + 2));
    else if (Array.isArray(value) && value.length > 0) lines.push(`${pad}${name}:`, ...emitList(value, indent));
    else lines.push(`${pad}${name}: ${scalar(value)}`);
  }
  return lines;
}

function emitList(list: YamlValue[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const item of list) {
    if (isMap(item) && Object.keys(item).length > 0) {
      const [first, ...rest] = emitMap(item, indent + 2);
      lines.push(`${pad}- ${first!.trimStart()}`, ...rest);
    } else lines.push(`${pad}- ${scalar(item)}`);
  }
  return lines;
}

function scalar(value: YamlValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object') return '{}';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

function isMap(value: YamlValue): value is { [key: string]: YamlValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a flat YAML map (`key: scalar` lines) as written by PyYAML or by `toYaml`: plain, single- and
 * double-quoted scalars, `null`/`~`, booleans and numbers. Nested entries are skipped.
 */
export function parseFlatYaml(text: string): Record<string, string | number | boolean | null> {
  const result: Record<string, string | number | boolean | null> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][\w.-]*|"(?:[^"\\]|\\.)*"):(?:\s+(.*))?$/.exec(line.trimEnd());
    if (!match) continue;
    const key = match[1]!.startsWith('"') ? (JSON.parse(match[1]!) as string) : match[1]!;
    result[key] = readScalar(match[2] ?? '');
  }
  return result;
}

function readScalar(raw: string): string | number | boolean | null {
  const text = raw.trim();
  if (text === '' || text === 'null' || text === '~') return null;
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  if (text === 'true' || text === 'True') return true;
  if (text === 'false' || text === 'False') return false;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}
