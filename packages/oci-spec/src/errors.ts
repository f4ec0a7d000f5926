/** Stable codes of {@link OciSpecError}: bad digest, bad platform, malformed document, no platform image. */
export type OciSpecErrorCode =
  | 'INVALID_DIGEST'
  | 'INVALID_PLATFORM'
  | 'INVALID_DOCUMENT'
  | 'NO_MATCHING_PLATFORM';

/** The one error class of `@isar/oci-spec`; `code` is stable across releases. */
export class OciSpecError extends Error {
  override readonly name = 'OciSpecError';
  readonly code: OciSpecErrorCode;

  constructor(code: OciSpecErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
