import fs from 'node:fs';
import path from 'node:path';

/** Values `collector register` writes into the `[collector]` section. */
export interface CollectorSectionValues {
  enabled: boolean;
  server_url: string;
  collector_id: string;
  api_key: string;
}

function tomlString(v: string): string {
  return JSON.stringify(v); // a JSON string is a valid TOML basic string
}

/**
 * Replaces only the `[collector]` section of a TOML text (or appends one), keeping every other line,
 * comment and key of the section that is not being set exactly as it was.
 */
export function replaceCollectorSection(text: string, values: CollectorSectionValues): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\s*\[collector\]\s*(#.*)?$/.test(l));
  const set = new Map<string, string>([
    ['enabled', String(values.enabled)],
    ['server_url', tomlString(values.server_url)],
    ['collector_id', tomlString(values.collector_id)],
    ['api_key', tomlString(values.api_key)],
  ]);
  if (start === -1) {
    const body = [...set].map(([k, v]) => `${k} = ${v}`);
    const prefix = text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
    return `${prefix}${prefix.length ? '\n' : ''}[collector]\n${body.join('\n')}\n`;
  }
  let end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  if (end === -1) end = lines.length;
  const section = lines.slice(start + 1, end).filter((l) => {
    const key = /^\s*([A-Za-z0-9_]+)\s*=/.exec(l)?.[1];
    return key === undefined || !set.has(key);
  });
  // Keep trailing blank lines after the new keys, so the next section stays separated.
  let trailing = 0;
  while (section.length > 0 && section[section.length - 1]!.trim() === '') {
    section.pop();
    trailing++;
  }
  const body = [...set].map(([k, v]) => `${k} = ${v}`);
  const out = [
    ...lines.slice(0, start + 1),
    ...body,
    ...section,
    ...Array(trailing).fill(''),
    ...lines.slice(end),
  ];
  return out.join('\n');
}

/** Fails early (before anything is registered) when the config file cannot be written. */
export function assertWritable(file: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.accessSync(dir, fs.constants.W_OK);
  if (fs.existsSync(file)) fs.accessSync(file, fs.constants.W_OK);
}

/** tmp + fsync + rename, mode 0600: a crash leaves the old file or the new one, never half of either. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}
