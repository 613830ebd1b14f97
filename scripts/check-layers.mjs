#!/usr/bin/env node
/**
 * The layering of STYLE.md's house rules 1–2, checked on the resolved import graph of `src/` (run by
 * `npm run lint`; `node scripts/check-layers.mjs [root]`).
 *
 * - A unit (a folder of `src/`) imports only the units it sits after in LAYERS, and only through their
 *   `index.ts`; a top-level file of `src/` (SHARED) may be imported by any unit and imports nothing from `src/`.
 * - Nothing in `src/` imports `bench/`, `reliability/` or `test/`.
 * - `parsers/` is pure: of packages and Node built-ins it imports only those in PURE (no fs, no network).
 * - No import cycle between modules of `src/` (type-only imports included: a cycle of types is still a knot).
 * - A folder of `src/` that is not in LAYERS fails: a new unit gets its place in the table and in
 *   docs/ARCHITECTURE.md before it gets code.
 *
 * Why a script and not biome's `noRestrictedImports`: biome matches the specifier as written, so `../types.js`
 * means a sibling file in `parsers/claude/` and another folder in `parsers/`; every rule would be written once per
 * folder and per directory depth, and no pattern can see a cycle. Here every static, dynamic and `import('…')`
 * type import is resolved to its file first (TypeScript's own parser, already a dev dependency).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The pipeline: each stage may import the stages to its left. */
export const PIPELINE = ['config', 'sources', 'reader', 'parsers', 'store', 'ingest', 'collector', 'sync'];

const upTo = (stage) => PIPELINE.slice(0, PIPELINE.indexOf(stage) + 1);

/** What each unit may import; units beside the pipeline sit after the last stage they need. */
export const LAYERS = {
  ...Object.fromEntries(PIPELINE.map((stage, i) => [stage, PIPELINE.slice(0, i)])),
  /** Installs the daemon as a launchd/systemd service: writes files through config/, knows nothing else. */
  service: upTo('config'),
  /** Read-side views (usage, search, export, rendering helpers): reads the store, never ingests or publishes. */
  report: upTo('store'),
  /** Checks every stage, including the sync lock and the server: after sync, before cli. */
  doctor: upTo('sync'),
  cli: [...PIPELINE, 'service', 'report', 'doctor'],
};

/** Top-level files of `src/`: imported by anyone, importing nothing from `src/` (like changesets' errors). */
export const SHARED = ['log.ts', 'errors.ts', 'units.ts'];

/** Units that do no I/O, with the only packages and built-ins they may import. */
export const PURE = { parsers: ['node:crypto'] };

const SOURCE_EXT = /\.(?:ts|mts|cts|tsx)$/;

function listSources(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (SOURCE_EXT.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Every module specifier of a file with its line, whether it is type-only, and whether it is dynamic. */
export function importsOf(fileName, text) {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  const add = (literal, typeOnly) => {
    const line = sf.getLineAndCharacterOfPosition(literal.getStart(sf)).line + 1;
    found.push({ specifier: literal.text, line, typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0], false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources), or null. */
function resolve(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? null;
}

/** `{ kind: 'unit', name }` for `src/<name>/…`, `{ kind: 'shared', name }` for `src/<file>`, else outside. */
function placeOf(srcDir, file) {
  const rel = path.relative(srcDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { kind: 'outside' };
  const parts = rel.split(path.sep);
  return parts.length === 1 ? { kind: 'shared', name: parts[0] } : { kind: 'unit', name: parts[0] };
}

function allowedText(unit) {
  const allowed = LAYERS[unit];
  return allowed.length ? allowed.map((u) => `${u}/`).join(', ') : 'nothing else in src/';
}

/** The problem with one import, or null. */
function judge(srcDir, from, to) {
  const a = placeOf(srcDir, from);
  const b = placeOf(srcDir, to);
  if (b.kind === 'outside')
    return 'src/ never imports bench/, reliability/ or test/ (they import src/, not back)';
  if (a.kind === 'shared') {
    return `${a.name} is a shared top-level module of src/ and imports nothing from src/ (${SHARED.join(', ')})`;
  }
  if (b.kind === 'shared') {
    return SHARED.includes(b.name) ? null : `src/${b.name} is not a shared module (${SHARED.join(', ')})`;
  }
  if (a.name === b.name) return null;
  if (!LAYERS[b.name]) return null; // reported once for the folder itself
  if (!LAYERS[a.name].includes(b.name)) {
    return `${a.name}/ may import only ${allowedText(a.name)}: ${b.name}/ does not sit before it (docs/ARCHITECTURE.md)`;
  }
  const index = path.join(srcDir, b.name, 'index.ts');
  if (to !== index) {
    const spec = path.relative(path.dirname(from), index).replace(/\.ts$/, '.js');
    return `bypasses src/${b.name}/index.ts: import from '${spec.startsWith('.') ? spec : `./${spec}`}' (export the name there if it is missing)`;
  }
  return null;
}

/** The problem with importing a package or a built-in, or null. */
function judgePackage(srcDir, from, specifier) {
  const a = placeOf(srcDir, from);
  const pure = a.kind === 'unit' ? PURE[a.name] : undefined;
  if (!pure || pure.includes(specifier)) return null;
  return `${a.name}/ is pure (no I/O) and imports only ${pure.join(', ')} from outside src/`;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const strong = (v) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) found.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strong(v);
  return found;
}

/**
 * Checks the tree under `root` (its `src/`). Returns the problems as `path:line: message` lines (paths relative
 * to root) and what was checked.
 */
export function checkLayers(root) {
  const srcDir = path.join(path.resolve(root), 'src');
  const problems = [];
  const rel = (f) => path.relative(path.resolve(root), f).split(path.sep).join('/');
  for (const entry of fs.readdirSync(srcDir, { withFileTypes: true })) {
    if (entry.isDirectory() && !LAYERS[entry.name]) {
      problems.push(
        `src/${entry.name}/: not in the layer table (LAYERS in scripts/check-layers.mjs): place it where it sits, and in docs/ARCHITECTURE.md`,
      );
    }
  }
  const files = listSources(srcDir).sort();
  const graph = new Map();
  let imports = 0;
  for (const file of files) {
    const edges = new Set();
    graph.set(file, edges);
    for (const imp of importsOf(file, fs.readFileSync(file, 'utf8'))) {
      if (!imp.specifier.startsWith('.')) {
        const problem = judgePackage(srcDir, file, imp.specifier);
        if (problem) problems.push(`${rel(file)}:${imp.line}: imports '${imp.specifier}': ${problem}`);
        continue;
      }
      imports++;
      const to = resolve(file, imp.specifier);
      if (!to) {
        problems.push(`${rel(file)}:${imp.line}: '${imp.specifier}' does not resolve to a file`);
        continue;
      }
      edges.add(to);
      const problem = judge(srcDir, file, to);
      if (problem) problems.push(`${rel(file)}:${imp.line}: imports ${rel(to)}: ${problem}`);
    }
  }
  for (const scc of cycles(graph)) problems.push(`import cycle among ${scc.map(rel).join(', ')}: break it`);
  return { problems, files: files.length, imports };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { problems, files, imports } = checkLayers(root);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(
      `check-layers: ${problems.length} problem(s) in ${files} modules (STYLE.md house rules 1–2)`,
    );
    process.exitCode = 1;
  } else {
    console.log(`check-layers: ${files} modules, ${imports} relative imports: layering holds, no cycles`);
  }
}
