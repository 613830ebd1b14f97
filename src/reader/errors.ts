/**
 * Errors raised by reader/. Expected outcomes (torn tail, too-short or vanished file) are returned as
 * values; only a source that cannot be read at all throws, so the caller can count the file as skipped.
 * `name` is set explicitly so checks survive bundling and cross-realm errors (as ky's type guards do).
 */
export class SourceDecodeError extends Error {
  override readonly name = 'SourceDecodeError';
  /** The file that could not be decoded. */
  readonly path: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot decode ${path}: ${reason} (file skipped; it is left untouched)`, options);
    this.path = path;
  }
}

export function isSourceDecodeError(err: unknown): err is SourceDecodeError {
  return err instanceof Error && err.name === 'SourceDecodeError';
}
