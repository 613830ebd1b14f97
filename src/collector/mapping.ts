/** The collector's event mapping in one import: wire ids, hashes, sanitizing/shrinking, mapping, validation. */
export {
  DEFAULT_MAX_EVENT_BYTES,
  isoUtc,
  messageEvents,
  sessionEndEvent,
  sessionStartEvent,
  tokenUsage,
} from './events.js';
export { derivedToolUseId, eventHash, HASH_PART, HASH_VERSION, SESSION_IDENTITY } from './hash.js';
export { errorType, rawLine, toolParameters, withoutOpaque } from './record-fields.js';
export {
  eventBytes,
  sanitizeEvent,
  sanitizeString,
  sanitizeValue,
  shrinkEvent,
  truncateString,
} from './sanitize.js';
export { AUTHOR_ROLES, EVENT_TYPES, REQUIRED_FIELDS, validateBatch, validateEvent } from './validate.js';
export { isUsableWireId, wireSessionId } from './wire.js';
