/** Stable codes of {@link InvalidReferenceError}; one per rule of the reference grammar. */
export type InvalidReferenceCode =
  | 'REFERENCE_EMPTY'
  | 'REFERENCE_INVALID_FORMAT'
  | 'REFERENCE_INVALID_DOMAIN'
  | 'REFERENCE_INVALID_PATH'
  | 'REFERENCE_UPPERCASE'
  | 'REFERENCE_INVALID_TAG'
  | 'REFERENCE_INVALID_DIGEST'
  | 'REFERENCE_NAME_TOO_LONG';

/** The part of the reference a rejection is about. */
export type ReferencePart = 'reference' | 'domain' | 'path' | 'tag' | 'digest' | 'name';

/**
 * A string that is not a valid image reference. The message names the input and the offending part;
 * `code` is stable across releases. (Named so as not to shadow JavaScript's global `ReferenceError`.)
 */
export class InvalidReferenceError extends Error {
  override readonly name = 'InvalidReferenceError';
  readonly code: InvalidReferenceCode;
  /** The whole string that was being parsed. */
  readonly input: string;
  readonly part: ReferencePart;

  constructor(
    code: InvalidReferenceCode,
    input: string,
    part: ReferencePart,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`invalid image reference "${input}": ${reason}`, options);
    this.code = code;
    this.input = input;
    this.part = part;
  }
}
