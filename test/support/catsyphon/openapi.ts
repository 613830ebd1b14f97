/**
 * Loads the OpenAPI document served by the real CatSyphon backend (`../shared/catsyphon-openapi-collectors.json`
 * beside the repository), so request validation is derived from CatSyphon's own schemas rather than from ours.
 * `CATSYPHON_OPENAPI` overrides the location.
 */

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  title?: string;
}

interface OpenApiDoc {
  components: { schemas: Record<string, JsonSchema> };
}

export const OPENAPI_FILE = 'catsyphon-openapi-collectors.json';

/** Where the OpenAPI document is (`CATSYPHON_OPENAPI`, else `shared/` beside a folder above this one), or null. */
export function locateOpenApi(): string | null {
  const fromEnv = process.env.CATSYPHON_OPENAPI;
  if (fromEnv) return fromEnv;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const candidate of [
      path.join(dir, '..', 'shared', OPENAPI_FILE),
      path.join(dir, 'shared', OPENAPI_FILE),
    ]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function locate(): string {
  const found = locateOpenApi();
  if (found) return found;
  throw new Error(
    `CatSyphon test server: cannot find ${OPENAPI_FILE} (looked for ../shared/ above the repository)`,
  );
}

let doc: OpenApiDoc | undefined;

function load(): OpenApiDoc {
  doc ??= JSON.parse(fs.readFileSync(locate(), 'utf8')) as OpenApiDoc;
  return doc;
}

/** A named component schema (e.g. `CollectorEventsRequest`). */
export function componentSchema(name: string): JsonSchema {
  const s = load().components.schemas[name];
  if (!s) throw new Error(`CatSyphon OpenAPI: no component schema ${name}`);
  return s;
}

/** Follows a `#/components/schemas/X` reference; returns the model name too (models validate differently). */
export function deref(s: JsonSchema): { schema: JsonSchema; model: string | null } {
  if (!s.$ref) return { schema: s, model: null };
  const name = s.$ref.replace('#/components/schemas/', '');
  return { schema: componentSchema(name), model: name };
}
