/**
 * Test helper: validates records against Suricata's EVE JSON schema
 * (shared/eve/suricata-eve-schema.json, beside the repository). Reuse it from any test that
 * produces EVE records.
 *
 * @module
 */
import { Ajv, type ValidateFunction } from "ajv";

/** Location of the EVE schema: `shared/eve/` beside the repository. */
export const EVE_SCHEMA_URL: URL = new URL("../../shared/eve/suricata-eve-schema.json", import.meta.url);

let validator: ValidateFunction | undefined;

function compile(): ValidateFunction {
  if (validator === undefined) {
    const schema = JSON.parse(Deno.readTextFileSync(EVE_SCHEMA_URL));
    // strict: false because the schema uses a non-standard `optional` keyword.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    validator = ajv.compile(schema);
  }
  return validator;
}

/**
 * Validates one EVE record against the schema.
 *
 * @returns every error as `PATH: message` (empty when the record is valid)
 */
export function validateEve(record: unknown): string[] {
  const validate = compile();
  if (validate(record)) return [];
  return (validate.errors ?? []).map((error) => {
    const extra = error.keyword === "additionalProperties"
      ? ` (${(error.params as { additionalProperty?: string }).additionalProperty})`
      : "";
    return `${error.instancePath || "/"}: ${error.message ?? error.keyword}${extra}`;
  });
}
