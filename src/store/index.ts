export { type Db, latestSchemaVersion, openDatabase, StoreError } from './db.js';
export { type Checkpoint, type FileIdentity, SourceFiles, type SourceFileRow } from './files.js';
export { type ChunkLine, type ChunkTotals, ChunkWriter } from './writer.js';
export * from './queries.js';
