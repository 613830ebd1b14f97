export { type Db, DiskFullError, isDiskFull, latestSchemaVersion, openDatabase, StoreError } from './db.js';
export {
  type Checkpoint,
  type FileIdentity,
  type FileStatRow,
  type SourceFileRow,
  SourceFiles,
} from './files.js';
export * from './queries.js';
export { type DatabaseSize, databaseSize } from './size.js';
export { type ChunkLine, type ChunkTotals, ChunkWriter } from './writer.js';
