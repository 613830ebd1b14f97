export { LockHeldError, readPid, SyncLock } from './lock.js';
export { type PassEvents, type PassSummary, SyncPass } from './pass.js';
export { type PublishReport, runSync, type SyncOptions, type SyncResult } from './run.js';
