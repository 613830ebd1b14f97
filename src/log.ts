/**
 * The daemon's one way to print a log line. `text` keeps the historical shapes (`info: message`,
 * `warning: <file>: <reason>`), `json` makes every line one JSON object `{ts, level, msg, ...fields}` so a
 * journal or a log shipper can parse it without guessing.
 */

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly format: LogFormat;
  /**
   * `text` (without its newline) replaces the default `<level>: <msg>` rendering in the text format, for the
   * lines whose text shape predates this module; the JSON format always uses `msg` and `fields`.
   */
  log(level: LogLevel, msg: string, fields?: LogFields, text?: string): void;
}

export function createLogger(
  format: LogFormat,
  write: (line: string) => void,
  clock: () => Date = () => new Date(),
): Logger {
  return {
    format,
    log(level, msg, fields = {}, text) {
      write(format === 'json' ? jsonLine(clock(), level, msg, fields) : `${text ?? `${level}: ${msg}`}\n`);
    },
  };
}

/** `{ts, level, msg, ...fields}`; a field cannot replace the three fixed keys, so readers always find them. */
export function jsonLine(ts: Date, level: LogLevel, msg: string, fields: LogFields = {}): string {
  const rest = Object.fromEntries(
    Object.entries(fields).filter(([k, v]) => k !== 'ts' && k !== 'level' && k !== 'msg' && v !== undefined),
  );
  return `${JSON.stringify({ ts: ts.toISOString(), level, msg, ...rest })}\n`;
}

export function parseLogFormat(value: string | undefined): LogFormat {
  return value === 'json' ? 'json' : 'text';
}
