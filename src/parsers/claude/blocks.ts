/**
 * Rendering of content blocks into text. Binary payloads never reach the message text: an image becomes a
 * short placeholder, so one pasted screenshot cannot turn a prompt into a megabyte of base64.
 */
import { isObj, safeJson, str } from './util.js';

/** Decoded size of base64 text without decoding it. */
function base64Bytes(data: string): number {
  const trimmed = data.replace(/\s+/g, '');
  const padding = trimmed.endsWith('==') ? 2 : trimmed.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((trimmed.length * 3) / 4) - padding);
}

/** `[image <media_type> <n> bytes]`, or `[image url <url>]` for URL sources that carry no bytes. */
export function imagePlaceholder(block: unknown): string {
  const source = isObj(block) ? block.source : undefined;
  if (!isObj(source)) return '[image unknown 0 bytes]';
  const url = str(source.url);
  if (source.type === 'url' && url !== null) return `[image url ${url}]`;
  const mediaType = str(source.media_type) ?? 'unknown';
  const size = typeof source.data === 'string' ? base64Bytes(source.data) : 0;
  return `[image ${mediaType} ${size} bytes]`;
}

/** Text of a text block; a bare string inside a content array is read as text too (seen in a fixture). */
export function textOf(block: unknown): string | null {
  if (typeof block === 'string') return block;
  if (isObj(block) && block.type === 'text' && typeof block.text === 'string') return block.text;
  return null;
}

export function blockType(block: unknown): string | null {
  if (typeof block === 'string') return 'text';
  return isObj(block) ? str(block.type) : null;
}

function resultPart(part: unknown): string {
  const text = textOf(part);
  if (text !== null) return text;
  if (blockType(part) === 'image') return imagePlaceholder(part);
  return safeJson(part);
}

/**
 * `tool_result.content` as one string: text blocks joined with `\n`, images as placeholders, anything else
 * (tool_reference blocks, objects) JSON-encoded so nothing is silently dropped.
 */
export function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === undefined || content === null) return '';
  if (Array.isArray(content)) return content.map(resultPart).join('\n');
  return safeJson(content);
}

/** Tool input as JSON text; a non-object input is wrapped so consumers can always expect an object. */
export function toolInputJson(input: unknown): string {
  if (isObj(input)) return safeJson(input);
  return safeJson({ input: input === undefined ? null : input });
}
