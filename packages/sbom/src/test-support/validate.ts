import { Spec, Validation } from '@cyclonedx/cyclonedx-library';

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

/** The CycloneDX library's own strict JSON-schema validation; null when valid, else the errors. */
export async function cycloneDxErrors(json: string): Promise<unknown> {
  return validator.validate(json);
}
