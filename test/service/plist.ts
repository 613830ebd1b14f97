/**
 * A small, strict reader for the XML property lists launchd reads (plutil is not available off macOS): the
 * prolog, then `<plist>` holding one value of dict/array/string/key/integer/true/false. Anything else
 * (unbalanced tags, a raw `<` or `&` in text, an unknown entity, a key without a value) throws, so a test
 * that parses the rendered plist fails on any escaping mistake.
 */

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function text(raw: string): string {
  if (/[<>]/.test(raw)) throw new Error(`raw markup character in text: ${JSON.stringify(raw)}`);
  return raw.replace(/&([^;]*);?/g, (m, name: string) => {
    if (!m.endsWith(';') || !(name in ENTITIES)) throw new Error(`bad entity ${JSON.stringify(m)}`);
    return ENTITIES[name]!;
  });
}

export function parsePlist(xml: string): PlistValue {
  let i = 0;
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i]!)) i++;
  };
  const expect = (s: string) => {
    if (!xml.startsWith(s, i))
      throw new Error(`expected ${JSON.stringify(s)} at ${i}: ${JSON.stringify(xml.slice(i, i + 30))}`);
    i += s.length;
  };
  const tag = (): string => {
    skipSpace();
    const m = /^<([a-z/][a-z]*\/?)>/.exec(xml.slice(i));
    if (!m) throw new Error(`expected a tag at ${i}: ${JSON.stringify(xml.slice(i, i + 30))}`);
    i += m[0].length;
    return m[1]!;
  };
  const textUntil = (close: string): string => {
    const end = xml.indexOf(close, i);
    if (end === -1) throw new Error(`missing ${close}`);
    const t = text(xml.slice(i, end));
    i = end + close.length;
    return t;
  };
  const value = (open: string): PlistValue => {
    switch (open) {
      case 'string':
        return textUntil('</string>');
      case 'integer': {
        const t = textUntil('</integer>');
        if (!/^-?\d+$/.test(t)) throw new Error(`bad integer ${t}`);
        return Number(t);
      }
      case 'true/':
        return true;
      case 'false/':
        return false;
      case 'array': {
        const out: PlistValue[] = [];
        for (let t = tag(); t !== '/array'; t = tag()) out.push(value(t));
        return out;
      }
      case 'dict': {
        const out: { [key: string]: PlistValue } = {};
        for (let t = tag(); t !== '/dict'; t = tag()) {
          if (t !== 'key') throw new Error(`expected <key> in dict, got <${t}>`);
          const k = textUntil('</key>');
          if (k in out) throw new Error(`duplicate key ${k}`);
          const v = tag();
          if (v.startsWith('/')) throw new Error(`key ${k} has no value`);
          out[k] = value(v);
        }
        return out;
      }
      default:
        throw new Error(`unexpected <${open}>`);
    }
  };
  expect('<?xml version="1.0" encoding="UTF-8"?>');
  skipSpace();
  expect(
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
  );
  skipSpace();
  expect('<plist version="1.0">');
  const root = value(tag());
  if (tag() !== '/plist') throw new Error('expected </plist>');
  skipSpace();
  if (i !== xml.length) throw new Error(`trailing content at ${i}`);
  return root;
}
