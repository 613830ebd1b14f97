export { LockHeldError, SyncLock } from './lock.js';
export { type PassEvents, type PassSummary, SyncPass } from './pass.js';
export { runSync, type SyncOptions } from './run.js';
