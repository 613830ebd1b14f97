import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectorFileSchema } from '../../src/config/collector.js';
import { resolveConfig } from '../../src/config/index.js';
import { COLLECTOR_KEYS, diffConfig } from '../../src/sync/reload.js';

function configWith(collector: string) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-reload-'));
  const file = path.join(home, 'config.toml');
  fs.writeFileSync(file, `[collector]\n${collector}\n`);
  return resolveConfig({ configPath: file }, { HOME: home });
}

describe('diffConfig', () => {
  it('knows every [collector] key, so a SIGHUP never silently ignores one', () => {
    const listed = COLLECTOR_KEYS.map(([key]) => key).sort();
    expect(listed).toEqual(Object.keys(collectorFileSchema.shape).sort());
  });

  it('compares lists by value and reports a changed list once', () => {
    const a = configWith('redact_patterns = ["ACME-[0-9]+"]\nexclude_projects = ["/tmp/x"]');
    const same = configWith('redact_patterns = ["ACME-[0-9]+"]\nexclude_projects = ["/tmp/x"]');
    const other = configWith('redact_patterns = ["ACME-[0-9]+", "ZZ"]\nexclude_projects = ["/tmp/x"]');
    expect(diffConfig(a, same).filter((c) => c.key.startsWith('collector.'))).toEqual([]);
    expect(diffConfig(a, other).map((c) => c.key)).toContain('collector.redact_patterns');
    expect(diffConfig(a, other).filter((c) => c.key.startsWith('collector.'))).toHaveLength(1);
  });

  it('shows a changed api_key only by its 12-character prefix', () => {
    const a = configWith('api_key = "cs_live_aaaaaaaaaaaaaaaaSECRETONE"');
    const b = configWith('api_key = "cs_live_bbbbbbbbbbbbbbbbSECRETTWO"');
    const change = diffConfig(a, b).find((c) => c.key === 'collector.api_key');
    expect(change).toMatchObject({ from: 'cs_live_aaaa…', to: 'cs_live_bbbb…' });
    expect(JSON.stringify(diffConfig(a, b))).not.toContain('SECRET');
  });
});
