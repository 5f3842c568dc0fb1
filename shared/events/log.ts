/**
 * Structured JSON log lines for long-running event services, one object per line on stdout (errors on
 * stderr): `{"ts","level","service","event",…fields}`. Same `service`/`event` keys as upstream's services, so
 * one log query covers both during a migration; a batch component's human-readable lines stay in shared/log.ts.
 */

export type LogFields = Record<string, unknown>;
export type LogLevel = 'info' | 'warn' | 'error';

export class EventLog {
  readonly service: string;
  readonly #write: (level: LogLevel, line: string) => void;

  /** @param write where a finished line goes; by default stdout, or stderr for errors */
  constructor(service: string, write?: (level: LogLevel, line: string) => void) {
    this.service = service;
    this.#write = write ?? ((level, line) => (level === 'error' ? process.stderr : process.stdout).write(line));
  }

  info(event: string, fields: LogFields = {}): void {
    this.#log('info', event, fields);
  }

  warn(event: string, fields: LogFields = {}): void {
    this.#log('warn', event, fields);
  }

  error(event: string, fields: LogFields = {}): void {
    this.#log('error', event, fields);
  }

  #log(level: LogLevel, event: string, fields: LogFields): void {
    const line = { ts: new Date().toISOString(), level, service: this.service, event, ...fields };
    // Offsets are bigints, which JSON.stringify refuses.
    this.#write(level, `${JSON.stringify(line, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`);
  }
}
