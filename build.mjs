// Bundles the CLI for start-up speed: one file instead of ~170 ES modules (zod alone is 95) cuts the
// start-up of every `aiobscura` run, which dominates a re-sync of an unchanged tree. The collector is its
// own entry, loaded only when enabled. `tsc` (run before this) type-checks and emits the test build.
import fs from 'node:fs';
import { build } from 'esbuild';

fs.rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['src/cli/main.ts', 'src/collector/index.ts'],
  outbase: 'src',
  outdir: 'dist/bundle',
  entryNames: '[dir]/[name]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // The native addon resolves its .node file relative to its own package: it stays in node_modules.
  // The price data stays there too, so upgrading the package is all it takes to get newer prices, and the
  // version `usage` names is the one that runs (src/report/pricing.ts).
  external: ['better-sqlite3', '@pydantic/genai-prices'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __aiobscuraRequire } from 'node:module'; const require = __aiobscuraRequire(import.meta.url);" },
  logLevel: 'warning',
});
