export {
  assertDatabaseWritable,
  type Db,
  DiskFullError,
  ioError,
  isDiskFull,
  latestSchemaVersion,
  openDatabase,
  StoreError,
} from './db.js';
export {
  type Checkpoint,
  type FileIdentity,
  type FileStatRow,
  type SourceFileRow,
  SourceFiles,
} from './files.js';
export * from './queries.js';
export { openReadOnlyConnection, type WriteProblem, writeProblem } from './read-only.js';
export {
  MATCH_END,
  MATCH_START,
  matchExpression,
  SEARCH_COLUMNS,
  type SearchColumn,
  type SearchHit,
  SearchQueryError,
  type SearchRequest,
  type SearchResult,
  searchMessages,
} from './search.js';
export {
  checkSearchIndex,
  type RebuildProgress,
  rebuildSearchIndex,
  type SearchIndexCheck,
  type SearchIndexSize,
  searchIndexSize,
  searchIndexState,
} from './search-index.js';
export { type DatabaseSize, databaseSize } from './size.js';
export {
  knownAssistants,
  type UsageFilter,
  type UsageResponseRow,
  type UsageSessionInfo,
  usageResponses,
  usageSessions,
} from './usage.js';
export { type ChunkLine, type ChunkTotals, ChunkWriter, type FileUpdate } from './writer.js';
