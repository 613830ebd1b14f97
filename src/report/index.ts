export {
  BLOCK_MS,
  BlockCutter,
  type BlockSpan,
  burnRate,
  floorToUtcHour,
  gapBetween,
  isActive,
} from './blocks.js';
export { CostAccumulator, type CostResult } from './cost.js';
export {
  dayKey,
  dayStart,
  formatMinute,
  isCalendarDay,
  monthKey,
  perQuarterHour,
  weekKey,
  type Zone,
  zoneName,
} from './periods.js';
export {
  type LibraryUsage,
  libraryUsage,
  PriceBook,
  type PricedResponse,
  type PriceSource,
  priceSource,
  type ResolvedModel,
} from './pricing.js';
export { RECORDED_COLUMNS, TOKEN_COLUMNS, type TokenColumn, type TokenCounts } from './tokens.js';
export { USAGE_REPORTS, type UsageReportKind, type UsageRow } from './usage-group.js';
export { buildUsageReport, type UsageReport, type UsageReportOptions } from './usage-report.js';
