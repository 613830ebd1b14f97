export { type Change, isUnchanged } from './change.js';
export { type FileOutcome, type IngestDeps, ingestFile } from './ingest-file.js';
