/**
 * Text of pi content: a string, or an array of `{type:"text", text}` and `{type:"image", data, mimeType}`
 * blocks (user prompts, tool results, custom messages). Images become a placeholder; their base64 data is
 * never copied into a message.
 */
import { field, str } from './util.js';

export const IMAGE = '[image]';

function blockText(block: unknown): string | null {
  const type = str(field(block, 'type'));
  if (type === 'image') return IMAGE;
  if (type === 'text') return str(field(block, 'text'));
  return null;
}

/** The text of a content value, blocks joined by newlines, or null when it holds nothing readable. */
export function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const parts = content.map(blockText).filter((t): t is string => t !== null && t.length > 0);
  return parts.length > 0 ? parts.join('\n') : null;
}
