/** reader/: bytes → complete lines with exact offsets, JSON decoding of a line, file fingerprints. */
export { isSourceDecodeError, SourceDecodeError } from './errors.js';
export type { Fingerprint, SourceFingerprint } from './fingerprint.js';
export {
  FINGERPRINT_BYTES,
  FINGERPRINT_HEX_CHARS,
  fingerprintPath,
  fingerprintSource,
  hashPrefix,
} from './fingerprint.js';
export { renderGeminiJson } from './gemini-json-source.js';
export type { DecodedLine } from './json-line.js';
export { decodeLine, MAX_RECOVERY_ATTEMPTS } from './json-line.js';
export { jsonText } from './json-text.js';
export type { LinePosition, RawLine, ReadEnd, ReadLinesOptions } from './lines.js';
export { DEFAULT_BUFFER_SIZE, FILE_START, positionAfter, readLines } from './lines.js';
export type { OpenCodeFilesSession } from './opencode-files.js';
export {
  openCodeFilesOf,
  openCodeFilesPath,
  openCodeFilesStats,
  renderOpenCodeFiles,
} from './opencode-files.js';
export type { SourceStats } from './opencode-source.js';
export {
  openCodeSessionOf,
  openCodeSessionPath,
  openCodeStats,
  renderOpenCodeSession,
  sourceExists,
} from './opencode-source.js';
export type { ByteSource } from './source.js';
export { bufferSource, isZstdPath, openFileSource, openSource, openZstdSource } from './source.js';
