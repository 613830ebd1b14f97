/**
 * JSON text of a parsed value at any nesting depth.
 *
 * `JSON.parse` accepts arbitrarily deep input (V8's parser is iterative), but `JSON.stringify` recurses and
 * throws `RangeError: Maximum call stack size exceeded` somewhere around a few thousand levels. A log line
 * holding a 10,000-deep array inside a tool input is valid JSON, so code that re-serialises parsed records
 * must not depend on the stack: {@link jsonText} uses `JSON.stringify` when it can and falls back to an
 * explicit-stack writer that produces the same text for JSON values (strings escaped by `JSON.stringify`
 * itself, one primitive at a time).
 */

type Frame =
  | { kind: 'array'; items: unknown[]; next: number }
  | { kind: 'object'; entries: [string, unknown][]; next: number };

/** `JSON.stringify(value)` for JSON-like values, without a depth limit; `'null'` where it would give undefined. */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (err) {
    if (!(err instanceof RangeError)) throw err; // a cycle or a BigInt is a caller bug, not depth
    return deepJsonText(value);
  }
}

function primitiveText(v: unknown): string {
  // JSON.stringify's own rules for scalars (NaN → null, strings escaped); undefined/functions → null as in arrays.
  return JSON.stringify(v) ?? 'null';
}

function open(v: unknown, parts: string[], stack: Frame[]): void {
  if (typeof v !== 'object' || v === null) {
    parts.push(primitiveText(v));
    return;
  }
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    parts.push(primitiveText(v));
    return;
  }
  if (Array.isArray(v)) {
    parts.push('[');
    stack.push({ kind: 'array', items: v, next: 0 });
  } else {
    parts.push('{');
    const entries = Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function');
    stack.push({ kind: 'object', entries, next: 0 });
  }
}

function deepJsonText(value: unknown): string {
  const parts: string[] = [];
  const stack: Frame[] = [];
  open(value, parts, stack);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.kind === 'array') {
      if (top.next >= top.items.length) {
        parts.push(']');
        stack.pop();
        continue;
      }
      if (top.next > 0) parts.push(',');
      const item = top.items[top.next++];
      open(item === undefined || typeof item === 'function' ? null : item, parts, stack);
    } else {
      if (top.next >= top.entries.length) {
        parts.push('}');
        stack.pop();
        continue;
      }
      if (top.next > 0) parts.push(',');
      const [k, v] = top.entries[top.next++]!;
      parts.push(`${JSON.stringify(k)}:`);
      open(v, parts, stack);
    }
  }
  return parts.join('');
}
