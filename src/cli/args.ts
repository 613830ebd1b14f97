/**
 * Parsers for option values, shared by every command so one kind of value is read one way everywhere. A bad
 * value throws commander's `InvalidArgumentError`, which makes it a usage error naming the option.
 */
import { InvalidArgumentError } from 'commander';
import { parseAgeMs, parseInstant, pollMsProblem, TimeSpecError } from '../config/index.js';

function sentence(s: string): string {
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError('Expected a positive whole number.');
  return n;
}

/** `--since`, `--until`: the ISO instant the value names (config/time-spec.ts has the grammar). */
export function instantArg(flag: string, opts: { utc?: boolean } = {}): (v: string) => string {
  return (v) => {
    try {
      return parseInstant(v, flag, opts).toISOString();
    } catch (err) {
      if (err instanceof TimeSpecError) throw new InvalidArgumentError(sentence(err.detail));
      throw err;
    }
  };
}

/**
 * `--max-age`: checked here with the same grammar, and kept as written (the command computes the age when
 * it runs).
 */
export function ageArg(flag: string): (v: string) => string {
  return (v) => {
    try {
      parseAgeMs(v, flag);
      return v;
    } catch (err) {
      if (err instanceof TimeSpecError) throw new InvalidArgumentError(sentence(err.detail));
      throw err;
    }
  };
}

/** `--poll`: the range and message of its config key `sync.poll_ms`. */
export function pollArg(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  const problem = pollMsProblem(n, v);
  if (problem) throw new InvalidArgumentError(sentence(`${problem}, as for sync.poll_ms`));
  return n;
}
