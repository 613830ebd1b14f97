/**
 * Request validation, derived from CatSyphon's OpenAPI component schemas and interpreted with pydantic v2's
 * lax (python-mode) rules, producing FastAPI's 422 items `{type, loc, msg, input, ctx?}`.
 *
 * On top of the schema: CatSyphon's per-type model validator on `CollectorEvent` (contract §5), and for the
 * legacy server (§12) a required `sequence >= 1` on events and `final_sequence` on complete.
 * What the schema accepts but ingestion refuses (author_role, varchar lengths) is `ingest.ts`'s job: those are
 * 500s, not 422s.
 */

import { type DatetimeResult, type PyDatetime, parseDatetime } from './datetime.js';
import { componentSchema, type JsonSchema } from './openapi.js';
import { isDict, type PyDict, PyFloat, PyInt, type PyValue } from './pyjson.js';
import { parsePydanticUuid } from './uuid.js';

export type Loc = (string | number)[];

export interface ValidationErrorItem {
  type: string;
  loc: Loc;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

const INVALID = Symbol('invalid');
type Out = unknown | typeof INVALID;

/** A validated datetime keeps its parse (for ordering and the hash) and the raw input (for storage). */
export interface DatetimeValue {
  readonly dt: PyDatetime;
  readonly raw: PyValue;
}

export interface Schemas {
  /** Replacement or additional schemas by component name (used for the legacy models). */
  overrides?: Record<string, JsonSchema>;
  /** Model validators run after a model's fields validated (pydantic `model_validator(mode="after")`). */
  after?: Record<string, (raw: PyDict, value: Record<string, unknown>) => string | null>;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function cpLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

class Validator {
  readonly errors: ValidationErrorItem[] = [];
  constructor(private readonly schemas: Schemas) {}

  private err(
    type: string,
    loc: Loc,
    msg: string,
    input: unknown,
    ctx?: Record<string, unknown>,
  ): typeof INVALID {
    const item: ValidationErrorItem = { type, loc, msg, input };
    if (ctx) item.ctx = ctx;
    this.errors.push(item);
    return INVALID;
  }

  private model(name: string): JsonSchema {
    return this.schemas.overrides?.[name] ?? componentSchema(name);
  }

  value(schemaIn: JsonSchema, v: unknown, loc: Loc): Out {
    if (schemaIn.$ref) {
      const name = schemaIn.$ref.replace('#/components/schemas/', '');
      return this.modelValue(name, v, loc);
    }
    const s = schemaIn;
    if (s.anyOf) {
      const nonNull = s.anyOf.filter((m) => m.type !== 'null');
      if (v === null && nonNull.length < s.anyOf.length) return null;
      return this.value(nonNull[0] ?? {}, v, loc);
    }
    switch (s.type) {
      case 'string':
        if (s.format === 'uuid') return this.uuid(v, loc);
        if (s.format === 'date-time') return this.datetime(v, loc);
        return this.string(s, v, loc);
      case 'integer':
        return this.integer(s, v, loc);
      case 'boolean':
        return this.boolean(v, loc);
      case 'object':
        return this.dict(s, v, loc);
      case 'array':
        return this.list(s, v, loc);
      default:
        return v; // no constraint (e.g. the `input` of ValidationError)
    }
  }

  modelValue(name: string, v: unknown, loc: Loc): Out {
    const s = this.model(name);
    if (!isDict(v)) {
      return this.err(
        'model_attributes_type',
        loc,
        'Input should be a valid dictionary or object to extract fields from',
        v,
      );
    }
    const before = this.errors.length;
    const out: Record<string, unknown> = {};
    const props = s.properties ?? {};
    const required = new Set(s.required ?? []);
    for (const [key, fieldSchema] of Object.entries(props)) {
      if (!Object.hasOwn(v, key)) {
        if (required.has(key)) this.err('missing', [...loc, key], 'Field required', v);
        continue;
      }
      const r = this.value(fieldSchema, v[key], [...loc, key]);
      if (r !== INVALID) out[key] = r;
    }
    if (s.additionalProperties === true) {
      for (const key of Object.keys(v)) if (!Object.hasOwn(props, key)) out[key] = v[key];
    }
    if (this.errors.length !== before) return INVALID;
    const after = this.schemas.after?.[name];
    if (after) {
      const msg = after(v, out);
      if (msg) return this.err('value_error', loc, `Value error, ${msg}`, v, { error: {} });
    }
    return out;
  }

  private string(s: JsonSchema, v: unknown, loc: Loc): Out {
    if (typeof v !== 'string') return this.err('string_type', loc, 'Input should be a valid string', v);
    if (s.minLength !== undefined && cpLength(v) < s.minLength) {
      return this.err(
        'string_too_short',
        loc,
        `String should have at least ${plural(s.minLength, 'character')}`,
        v,
        { min_length: s.minLength },
      );
    }
    if (s.maxLength !== undefined && v.length > s.maxLength && cpLength(v) > s.maxLength) {
      return this.err(
        'string_too_long',
        loc,
        `String should have at most ${plural(s.maxLength, 'character')}`,
        v,
        { max_length: s.maxLength },
      );
    }
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) {
      return this.err('string_pattern_mismatch', loc, `String should match pattern '${s.pattern}'`, v, {
        pattern: s.pattern,
      });
    }
    return v;
  }

  private integer(s: JsonSchema & { minimum?: number }, v: unknown, loc: Loc): Out {
    let n: number | bigint | null = null;
    if (typeof v === 'boolean') n = v ? 1 : 0;
    else if (typeof v === 'number') {
      if (!Number.isInteger(v)) {
        return this.err(
          'int_from_float',
          loc,
          'Input should be a valid integer, got a number with a fractional part',
          v,
        );
      }
      n = v;
    } else if (v instanceof PyInt) n = v.value;
    else if (v instanceof PyFloat) {
      if (!Number.isFinite(v.value))
        return this.err('finite_number', loc, 'Input should be a finite number', v);
      n = Number.isSafeInteger(v.value) ? v.value : BigInt(v.value);
    } else if (typeof v === 'string') {
      const m = /^\s*([-+]?\d+(?:_\d+)*)(?:\.0*)?\s*$/.exec(v);
      if (!m?.[1]) {
        return this.err(
          'int_parsing',
          loc,
          'Input should be a valid integer, unable to parse string as an integer',
          v,
        );
      }
      const big = BigInt(m[1].replaceAll('_', ''));
      n =
        big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    } else return this.err('int_type', loc, 'Input should be a valid integer', v);
    if (s.minimum !== undefined && n < s.minimum) {
      return this.err('greater_than_equal', loc, `Input should be greater than or equal to ${s.minimum}`, v, {
        ge: s.minimum,
      });
    }
    return typeof n === 'bigint' ? new PyInt(n) : n;
  }

  private boolean(v: unknown, loc: Loc): Out {
    if (typeof v === 'boolean') return v;
    const num = typeof v === 'number' ? v : v instanceof PyFloat ? v.value : null;
    if (num !== null) {
      if (num === 0 || num === 1) return num === 1;
      return this.err('bool_parsing', loc, 'Input should be a valid boolean, unable to interpret input', v);
    }
    if (typeof v === 'string') {
      const t = v.trim().toLowerCase();
      if (['1', 'on', 't', 'true', 'y', 'yes'].includes(t)) return true;
      if (['0', 'off', 'f', 'false', 'n', 'no'].includes(t)) return false;
      return this.err('bool_parsing', loc, 'Input should be a valid boolean, unable to interpret input', v);
    }
    if (v instanceof PyInt) {
      return this.err('bool_parsing', loc, 'Input should be a valid boolean, unable to interpret input', v);
    }
    return this.err('bool_type', loc, 'Input should be a valid boolean', v);
  }

  private dict(s: JsonSchema, v: unknown, loc: Loc): Out {
    if (!isDict(v)) return this.err('dict_type', loc, 'Input should be a valid dictionary', v);
    const ap = s.additionalProperties;
    if (ap === undefined || ap === true) return v;
    if (ap === false) return {};
    const before = this.errors.length;
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) {
      const r = this.value(ap, item, [...loc, k]);
      if (r !== INVALID) out[k] = r;
    }
    return this.errors.length === before ? out : INVALID;
  }

  private list(s: JsonSchema, v: unknown, loc: Loc): Out {
    if (!Array.isArray(v)) return this.err('list_type', loc, 'Input should be a valid list', v);
    if (s.maxItems !== undefined && v.length > s.maxItems) {
      return this.err(
        'too_long',
        loc,
        `List should have at most ${plural(s.maxItems, 'item')} after validation, not ${v.length}`,
        v,
        { field_type: 'List', max_length: s.maxItems, actual_length: v.length },
      );
    }
    const before = this.errors.length;
    const out: unknown[] = [];
    v.forEach((item, i) => {
      out.push(s.items ? this.value(s.items, item, [...loc, i]) : item);
    });
    if (this.errors.length !== before) return INVALID;
    if (s.minItems !== undefined && v.length < s.minItems) {
      return this.err(
        'too_short',
        loc,
        `List should have at least ${plural(s.minItems, 'item')} after validation, not ${v.length}`,
        v,
        { field_type: 'List', min_length: s.minItems, actual_length: v.length },
      );
    }
    return out;
  }

  private uuid(v: unknown, loc: Loc): Out {
    if (typeof v !== 'string')
      return this.err('uuid_type', loc, 'UUID input should be a string, bytes or UUID object', v);
    const r = parsePydanticUuid(v);
    if (!r.ok)
      return this.err('uuid_parsing', loc, `Input should be a valid UUID, ${r.error}`, v, { error: r.error });
    return r.value;
  }

  private datetime(v: unknown, loc: Loc): Out {
    const r: DatetimeResult = parseDatetime(v);
    if (r.ok) return { dt: r.value, raw: v as PyValue } satisfies DatetimeValue;
    if (r.type === 'datetime_type')
      return this.err('datetime_type', loc, 'Input should be a valid datetime', v);
    const lead =
      r.type === 'datetime_parsing'
        ? 'Input should be a valid datetime'
        : 'Input should be a valid datetime or date';
    return this.err(r.type, loc, `${lead}, ${r.error}`, v, { error: r.error });
  }
}

// ---------------------------------------------------------------------------------------------------------
// CatSyphon's rules on top of the schema

/** `CollectorEvent`'s model validator: per-type required `data` fields (an empty string counts as missing). */
export const PER_TYPE_REQUIRED: Record<string, readonly string[]> = {
  session_start: ['agent_type'],
  message: ['author_role', 'message_type'],
  tool_call: ['tool_name', 'tool_use_id'],
  tool_result: ['tool_use_id'],
  session_end: ['outcome'],
};

function perTypeRule(_raw: PyDict, event: Record<string, unknown>): string | null {
  const type = event.type as string;
  const data = (event.data ?? {}) as Record<string, unknown>;
  for (const field of PER_TYPE_REQUIRED[type] ?? []) {
    const v = data[field];
    if (v === undefined || v === null || v === '') return `${type} events require ${field} in data`;
  }
  return null;
}

function legacySchemas(): Record<string, JsonSchema> {
  const event = componentSchema('CollectorEvent');
  const { event_hash: _dropped, ...rest } = event.properties ?? {};
  const complete = componentSchema('CollectorSessionCompleteRequest');
  return {
    CollectorEvent: {
      ...event,
      properties: { sequence: { type: 'integer', minimum: 1 } as JsonSchema, ...rest },
      required: ['sequence', ...(event.required ?? [])],
    },
    CollectorSessionCompleteRequest: {
      ...complete,
      properties: { final_sequence: { type: 'integer' }, ...complete.properties },
      required: ['final_sequence', ...(complete.required ?? [])],
    },
  };
}

let legacy: Record<string, JsonSchema> | undefined;

function schemasFor(isLegacy: boolean): Schemas {
  if (!isLegacy) return { after: { CollectorEvent: perTypeRule } };
  legacy ??= legacySchemas();
  return { overrides: legacy, after: { CollectorEvent: perTypeRule } };
}

// ---------------------------------------------------------------------------------------------------------
// FastAPI request parameters

/** What FastAPI made of the request body. */
export type BodyInput =
  | { kind: 'missing' }
  | { kind: 'bytes'; text: string }
  | { kind: 'json'; value: PyValue };

export interface RequestSpec {
  headers?: { name: string; value: string | undefined }[];
  path?: { name: string; schema: JsonSchema; value: string }[];
  query?: { name: string; schema: JsonSchema; value: string | undefined; required: boolean }[];
  body?: { model: string; input: BodyInput };
  legacy?: boolean;
}

export type RequestResult =
  | {
      ok: true;
      body: Record<string, unknown> | undefined;
      path: Record<string, unknown>;
      query: Record<string, unknown>;
    }
  | { ok: false; errors: ValidationErrorItem[] };

/** Validates a request's parameters in FastAPI's order (path, query, header, body), collecting every error. */
export function validateRequest(spec: RequestSpec): RequestResult {
  const v = new Validator(schemasFor(spec.legacy ?? false));
  const path: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  for (const p of spec.path ?? []) {
    const r = v.value(p.schema, p.value, ['path', p.name]);
    if (r !== INVALID) path[p.name] = r;
  }
  for (const q of spec.query ?? []) {
    if (q.value === undefined) {
      if (q.required)
        v.errors.push({ type: 'missing', loc: ['query', q.name], msg: 'Field required', input: null });
      continue;
    }
    const r = v.value(q.schema, q.value, ['query', q.name]);
    if (r !== INVALID) query[q.name] = r;
  }
  for (const h of spec.headers ?? []) {
    if (h.value === undefined) {
      v.errors.push({ type: 'missing', loc: ['header', h.name], msg: 'Field required', input: null });
    }
  }
  let body: Record<string, unknown> | undefined;
  if (spec.body) {
    const input = spec.body.input;
    if (input.kind === 'missing') {
      v.errors.push({ type: 'missing', loc: ['body'], msg: 'Field required', input: null });
    } else {
      const raw = input.kind === 'bytes' ? input.text : input.value;
      const r = v.modelValue(spec.body.model, raw, ['body']);
      if (r !== INVALID) body = r as Record<string, unknown>;
    }
  }
  if (v.errors.length > 0) return { ok: false, errors: v.errors };
  return { ok: true, body, path, query };
}

/** Removes top-level null-valued keys (pydantic `model_dump(exclude_none=True)` on `data`). */
export function withoutTopLevelNulls(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}
