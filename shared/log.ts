/**
 * Progress and warning lines for the KFP log pane: `[component] message key=value …` on stdout, warnings on
 * stderr. Warnings are also collected so components can record them in artifact metadata.
 */

export type Fields = Record<string, string | number | boolean | undefined>;

export class Logger {
  readonly component: string;
  readonly warnings: string[] = [];

  constructor(component: string) {
    this.component = component;
  }

  info(message: string, fields: Fields = {}): void {
    if (process.env['FLTS_QUIET']) return;
    process.stdout.write(`[${this.component}] ${message}${formatFields(fields)}\n`);
  }

  warn(message: string, fields: Fields = {}): void {
    this.warnings.push(message);
    process.stderr.write(`[${this.component}] WARNING ${message}${formatFields(fields)}\n`);
  }
}

function formatFields(fields: Fields): string {
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? formatNumber(value) : String(value)}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? value.toPrecision(5) : value.toExponential(3);
}
