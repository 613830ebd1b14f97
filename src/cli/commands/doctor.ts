import type { ConfigOverrides } from '../../config/index.js';
import { type CheckResult, runDoctor } from '../../doctor/index.js';
import { type Out, printJson } from '../output.js';

/** One line per check: `ok|warn|fail  <check>  <detail>  [fix: …]`. */
export function renderChecks(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.check.length));
  return results
    .map(
      (r) =>
        `${r.status.padEnd(4)}  ${r.check.padEnd(width)}  ${r.detail}${r.fix ? `  [fix: ${r.fix}]` : ''}\n`,
    )
    .join('');
}

/** `aiobscura doctor`: exit 1 when any check fails (warnings do not). */
export async function doctorCommand(
  overrides: ConfigOverrides,
  opts: { json: boolean; timeout?: number | undefined },
  out: Out,
): Promise<number> {
  const results = await runDoctor({ overrides, ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}) });
  const failed = results.some((r) => r.status === 'fail');
  if (opts.json) printJson(out, { ok: !failed, checks: results });
  else out.stdout(renderChecks(results));
  return failed ? 1 : 0;
}
