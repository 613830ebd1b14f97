/** What the configuration says mapping must produce: sizes, which content is sent, and the redactor. */
import type { CollectorConfig } from '../config/index.js';
import { createRedactor } from './redact/index.js';
import type { MappingOptions } from './types.js';

export function mappingOptionsFor(
  config: Pick<
    CollectorConfig,
    'maxEventBytes' | 'sendRawData' | 'sendThinking' | 'sendToolResults' | 'redact' | 'redactPatterns'
  >,
): MappingOptions {
  return {
    maxEventBytes: config.maxEventBytes,
    sendRawData: config.sendRawData,
    sendThinking: config.sendThinking,
    sendToolResults: config.sendToolResults,
    // Custom patterns apply only with redaction on: `redact = false` is the one switch that sends text as stored.
    redact: config.redact ? createRedactor(config.redactPatterns) : null,
  };
}
