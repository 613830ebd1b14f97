/**
 * The layering rule of `npm run lint` (scripts/check-layers.mjs) on small file trees, one broken rule each, and
 * on a copy of the real `src/` with the backward import this rule was written to catch put back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers, LAYERS } from '../../scripts/check-layers.mjs';
import { REPO_ROOT } from '../support/corpus.js';
import { spawnSync } from '../support/spawn.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/** A temp tree: an empty `index.ts` for every unit of the layer table, then `files` (path → source). */
function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-layers-'));
  roots.push(root);
  const all = {
    ...Object.fromEntries(Object.keys(LAYERS).map((u) => [`src/${u}/index.ts`, 'export {};\n'])),
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const problems = (files: Record<string, string>) => checkLayers(tree(files)).problems;

describe('check-layers', () => {
  it('accepts imports that point left through index.ts, within a folder at any depth, and of shared files', () => {
    expect(
      problems({
        'src/log.ts': 'export const log = 1;\n',
        'src/config/index.ts': "export { x } from './x.js';\n",
        'src/config/x.ts': 'export const x = 1;\n',
        'src/sources/index.ts':
          "import { x } from '../config/index.js';\nimport { log } from '../log.js';\nexport const y = x + log;\n",
        'src/parsers/types.ts': "export type { F } from '../sources/index.js';\n",
        'src/parsers/claude/a.ts':
          "import type { F } from '../types.js';\nimport { x } from '../../config/index.js';\n",
        'src/cli/main.ts':
          "const s = () => import('../sync/index.js');\nimport type { T } from '../doctor/index.js';\n",
      }),
    ).toEqual([]);
  });

  it('rejects an import of a later stage, static, re-exported, dynamic or as a type', () => {
    expect(
      problems({
        'src/sources/a.ts': [
          "import type { FileContext } from '../parsers/index.js';",
          "export { Db } from '../store/index.js';",
          "const c = () => import('../cli/index.js');",
          "type S = typeof import('../sync/index.js');",
        ].join('\n'),
      }),
    ).toEqual([
      'src/sources/a.ts:1: imports src/parsers/index.ts: sources/ may import only config/: parsers/ does not sit before it (docs/ARCHITECTURE.md)',
      'src/sources/a.ts:2: imports src/store/index.ts: sources/ may import only config/: store/ does not sit before it (docs/ARCHITECTURE.md)',
      'src/sources/a.ts:3: imports src/cli/index.ts: sources/ may import only config/: cli/ does not sit before it (docs/ARCHITECTURE.md)',
      'src/sources/a.ts:4: imports src/sync/index.ts: sources/ may import only config/: sync/ does not sit before it (docs/ARCHITECTURE.md)',
    ]);
  });

  it('places the units beside the pipeline: report and service are not imported by the pipeline; doctor only by cli', () => {
    expect(
      problems({
        'src/store/a.ts': "import { r } from '../report/index.js';\n",
        'src/sync/a.ts':
          "import { d } from '../doctor/index.js';\nimport { s } from '../service/index.js';\n",
        'src/report/a.ts':
          "import { i } from '../ingest/index.js';\nimport { db } from '../store/index.js';\n",
        'src/doctor/a.ts': "import { lock } from '../sync/index.js';\n",
      }).map((p) => p.replace(/: (\S+ may import only)[^:]*:/, ': $1 …:')),
    ).toEqual([
      'src/report/a.ts:1: imports src/ingest/index.ts: report/ may import only …: ingest/ does not sit before it (docs/ARCHITECTURE.md)',
      'src/store/a.ts:1: imports src/report/index.ts: store/ may import only …: report/ does not sit before it (docs/ARCHITECTURE.md)',
      'src/sync/a.ts:1: imports src/doctor/index.ts: sync/ may import only …: doctor/ does not sit before it (docs/ARCHITECTURE.md)',
      'src/sync/a.ts:2: imports src/service/index.ts: sync/ may import only …: service/ does not sit before it (docs/ARCHITECTURE.md)',
    ]);
  });

  it("rejects an import of another folder's internal file, with the import to write instead", () => {
    expect(
      problems({
        'src/store/db.ts': 'export const v = 1;\n',
        'src/doctor/checks/local.ts': "import { v } from '../../store/db.js';\n",
      }),
    ).toEqual([
      "src/doctor/checks/local.ts:1: imports src/store/db.ts: bypasses src/store/index.ts: import from '../../store/index.js' (export the name there if it is missing)",
    ]);
  });

  it('rejects src/ importing bench/, reliability/ or test/, and a shared file importing a unit', () => {
    expect(
      problems({
        'bench/run.ts': 'export const b = 1;\n',
        'src/config/a.ts': "import { b } from '../../bench/run.js';\n",
        'src/log.ts': "import { c } from './config/index.js';\n",
      }),
    ).toEqual([
      'src/config/a.ts:1: imports bench/run.ts: src/ never imports bench/, reliability/ or test/ (they import src/, not back)',
      'src/log.ts:1: imports src/config/index.ts: log.ts is a shared top-level module of src/ and imports nothing from src/ (log.ts, errors.ts, units.ts)',
    ]);
  });

  it('rejects I/O in parsers/, a cycle, an unresolvable import and a folder missing from the layer table', () => {
    expect(
      problems({
        'src/parsers/a.ts': "import fs from 'node:fs';\nimport { createHash } from 'node:crypto';\n",
        'src/store/a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
        'src/store/b.ts':
          "import { a } from './a.js';\nimport { z } from './missing.js';\nexport const b = 1;\n",
        'src/plugins/index.ts': 'export {};\n',
      }),
    ).toEqual([
      'src/plugins/: not in the layer table (LAYERS in scripts/check-layers.mjs): place it where it sits, and in docs/ARCHITECTURE.md',
      "src/parsers/a.ts:1: imports 'node:fs': parsers/ is pure (no I/O) and imports only node:crypto from outside src/",
      "src/store/b.ts:2: './missing.js' does not resolve to a file",
      'import cycle among src/store/a.ts, src/store/b.ts: break it',
    ]);
  });

  it('holds on this repository', () => {
    expect(checkLayers(REPO_ROOT).problems).toEqual([]);
  });

  it('fails as `npm run lint` runs it on a copy of src/ with the old backward import of sources/ put back', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-layers-'));
    roots.push(root);
    fs.cpSync(path.join(REPO_ROOT, 'src'), path.join(root, 'src'), { recursive: true });
    const discover = path.join(root, 'src', 'sources', 'discover.ts');
    const text = fs.readFileSync(discover, 'utf8');
    const line = "import type { DiscoveredFile, Discovery, DiscoveryProblem } from './file-context.js';";
    expect(text).toContain(line);
    fs.writeFileSync(
      discover,
      text.replace(line, `${line}\nimport type { FileContext } from '../parsers/types.js';`),
    );
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'check-layers.mjs'), root], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    // The import itself, and the knot it ties now that parsers/types.ts takes FileContext from sources/.
    const [backward, cycle, summary] = r.stderr.split('\n');
    expect(backward).toMatch(
      /^src\/sources\/discover\.ts:\d+: imports src\/parsers\/types\.ts: sources\/ may import only config\/: parsers\/ does not sit before it/,
    );
    expect(cycle).toBe(
      'import cycle among src/parsers/types.ts, src/sources/discover.ts, src/sources/index.ts: break it',
    );
    expect(summary).toMatch(/^check-layers: 2 problem\(s\) in \d+ modules/);
  });
});
