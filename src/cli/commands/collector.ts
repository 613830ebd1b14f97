/**
 * `aiobscura collector …`: one module per command in `collector/`. Every action loads the collector module
 * lazily, so `sync` with the collector disabled never loads collector code through these files.
 */
export { completeCommand } from './collector/complete.js';
export { type FlushOptions, flushCommand } from './collector/flush.js';
export { previewCommand, rejectionsCommand, sessionsCommand, statsCommand } from './collector/inspect.js';
export { askOnTerminal, type RegisterOptions, registerCommand } from './collector/register.js';
export { type ResumeOptions, resumeCommand } from './collector/resume.js';
export { CommandError } from './collector/shared.js';
export { type StatusReport, statusCommand } from './collector/status.js';
