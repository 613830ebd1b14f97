/**
 * `--log-format json`: every line the daemon logs is one JSON object `{ts, level, msg, ...fields}`; the text
 * format stays the default and keeps its shapes. The compiled CLI, real files, the test server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { exited, fakeHome, type Home, runAsync, start, waitFor } from '../support/cli.js';
import { SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');
const shared = needs('corpus', 'catsyphon-openapi');

let server: RunningCatsyphonServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * A real Claude session and a corrupt `.zst` Codex copy: the pass skips the latter with a warning naming the
 * file (`warning: <file>: <reason>`).
 */
function homeWithBrokenLine(): { home: Home; file: string; claudeFile: string } {
  const home = fakeHome();
  const dir = path.join(home.claudeProjects, '-w');
  fs.mkdirSync(dir);
  const claudeFile = path.join(dir, path.basename(SPLIT_CLAUDE));
  fs.copyFileSync(SPLIT_CLAUDE, claudeFile);
  const day = path.join(home.codexSessions, '2026', '01', '01');
  fs.mkdirSync(day, { recursive: true });
  const file = path.join(day, 'rollout-broken.jsonl.zst');
  fs.writeFileSync(file, 'not a zstd stream\n');
  return { home, file, claudeFile };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function expectRecordShape(r: Record<string, unknown>) {
  expect(Object.keys(r).slice(0, 3)).toEqual(['ts', 'level', 'msg']);
  expect(new Date(r.ts as string).toISOString()).toBe(r.ts);
  expect(['info', 'warn', 'error']).toContain(r.level);
  expect(typeof r.msg).toBe('string');
}

corpus.describe('read warnings', () => {
  it('text (the default) keeps `warning: <file>: <reason>`', async () => {
    const { home, file } = homeWithBrokenLine();
    const r = await runAsync(home, ['sync']);
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.startsWith(`warning: ${file}: `)).toBe(true);
  });

  it('json makes each one a record with the file as a field', async () => {
    const { home, file } = homeWithBrokenLine();
    const r = await runAsync(home, ['--log-format', 'json', 'sync']);
    expect(r.code).toBe(0);
    const records = jsonLines(r.stderr);
    expect(records.length).toBeGreaterThan(0);
    for (const rec of records) {
      expectRecordShape(rec);
      expect(rec).toMatchObject({ level: 'warn', file });
    }
    // The summary on stdout is the command's answer, not a log line: unchanged.
    expect(r.stdout).toContain('Synced ');
  });
});

describe('the publisher and the top-level error', () => {
  shared.it('a 401 pause is a warn record naming the fix, without the key', async () => {
    server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
    const creds = server.admin.registerCollector();
    const { home } = homeWithBrokenLine();
    const wrongKey = `${creds.apiKey.slice(0, -4)}AAAA`;
    const r = await runAsync(home, ['--log-format', 'json', 'sync'], {
      AIOBSCURA_COLLECTOR_ENABLED: 'true',
      AIOBSCURA_COLLECTOR_SERVER_URL: server.url,
      AIOBSCURA_COLLECTOR_COLLECTOR_ID: creds.collectorId,
      AIOBSCURA_COLLECTOR_API_KEY: wrongKey,
    });
    expect(r.code).toBe(0);
    const records = jsonLines(r.stderr);
    for (const rec of records) expectRecordShape(rec);
    const pause = records.find((rec) => /401|unauthori[sz]ed|Invalid API key/i.test(rec.msg as string));
    expect(pause).toBeDefined();
    expect(r.stderr).not.toContain(wrongKey);
  });

  it('an invalid config ends the command with an error record', async () => {
    const home = fakeHome();
    const configFile = path.join(home.root, 'config', 'aiobscura', 'config.toml');
    fs.mkdirSync(path.dirname(configFile), { recursive: true });
    fs.writeFileSync(configFile, '[collector]\nbatch_size = 500\n');
    const text = await runAsync(home, ['sync']);
    expect(text.code).toBe(78);
    expect(text.stderr.startsWith(`aiobscura: invalid config ${configFile}`)).toBe(true);
    const json = await runAsync(home, ['--log-format', 'json', 'sync']);
    expect(json.code).toBe(78);
    const [rec, ...rest] = jsonLines(json.stderr);
    expect(rest).toEqual([]);
    expectRecordShape(rec!);
    expect(rec).toMatchObject({ level: 'error', error: 'ConfigError' });
    expect(rec!.msg).toContain('collector.batch_size');
  });
});

corpus.describe('sync --watch', () => {
  it('prints each pass as an info record on stdout', async () => {
    const { home, file, claudeFile } = homeWithBrokenLine();
    const daemon = start(home, ['--log-format', 'json', 'sync', '--watch', '--poll', '60000']);
    let stdout = '';
    let stderr = '';
    daemon.stdout!.on('data', (d) => {
      stdout += d;
    });
    daemon.stderr!.on('data', (d) => {
      stderr += d;
    });
    await waitFor(() => stdout.includes('\n'));
    fs.copyFileSync(SPLIT_CLAUDE, `${claudeFile.slice(0, -'.jsonl'.length)}-copy.jsonl`);
    await waitFor(() => jsonLines(stdout).length >= 2);
    daemon.kill('SIGTERM');
    expect((await exited(daemon)).code).toBe(0);
    const passes = jsonLines(stdout);
    for (const p of passes) {
      expectRecordShape(p);
      expect(p).toMatchObject({ level: 'info', event: 'pass' });
    }
    expect(passes[0]).toMatchObject({ read: 1 });
    expect((passes[0]!.messages as number) > 0).toBe(true);
    const warnings = jsonLines(stderr);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    for (const w of warnings) expect(w).toMatchObject({ level: 'warn', file });
  });
});
