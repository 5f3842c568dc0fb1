/**
 * Python's `json.dumps(value, sort_keys=True, separators=(",", ":"))` in TypeScript, byte for byte, so that a
 * config hashes the same here as in the Python FLTS system (reference/upstream-flts.md §2.3). JavaScript has one
 * number type, Python two: a value meant as a Python float is wrapped in `PyFloat` so it prints as `0.33`,
 * `2.0` or `1e-05`, never as JavaScript's `2` or `1e-5`.
 */
import { createHash } from 'node:crypto';

/** A number that Python would hold as a float. */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export type PyValue = null | boolean | number | string | PyFloat | PyValue[] | { [key: string]: PyValue };

/** The canonical JSON text: sorted keys at every depth, no spaces, ASCII only, Python's number formatting. */
export function canonicalJson(value: PyValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pythonInt(value);
  if (typeof value === 'string') return pythonString(value);
  if (value instanceof PyFloat) return pythonFloat(value.value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Python sorts str keys by code point; for the BMP that is UTF-16 code-unit order, which sort() uses.
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${pythonString(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
}

/** sha256 hex of the canonical JSON, as upstream's `hashlib.sha256(canonical.encode()).hexdigest()`. */
export function configHash(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function pythonInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${value} is not an integer; wrap floats in PyFloat.`);
  return String(value);
}

/**
 * Python's float repr: the shortest digits that round-trip (as JavaScript's), written in fixed notation
 * when the decimal exponent is in [-4, 16) and always with a fractional part; otherwise `d.ddde±XX`.
 * json.dumps writes non-finite floats as NaN / Infinity / -Infinity.
 */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const whole = digits.padEnd(exponent + 1, '0');
    const intPart = whole.slice(0, exponent + 1);
    const fraction = whole.slice(exponent + 1);
    return `${sign}${intPart}.${fraction || '0'}`;
  }
  const fraction = digits.slice(1);
  const expSign = exponent < 0 ? '-' : '+';
  return `${sign}${digits[0]}${fraction ? `.${fraction}` : ''}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** A JSON string literal as Python writes it with ensure_ascii=True. */
function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i]!;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    // Control characters and everything outside ASCII as \uXXXX (UTF-16 units, so astral chars become pairs).
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}
