/** One line of `aiobscura doctor`: what was checked, what was found, and what to do about it. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  check: string;
  detail: string;
  /** Only when there is something to do. */
  fix?: string;
}

export const ok = (check: string, detail: string): CheckResult => ({ status: 'ok', check, detail });
export const warn = (check: string, detail: string, fix?: string): CheckResult =>
  fix ? { status: 'warn', check, detail, fix } : { status: 'warn', check, detail };
export const fail = (check: string, detail: string, fix?: string): CheckResult =>
  fix ? { status: 'fail', check, detail, fix } : { status: 'fail', check, detail };
