/**
 * Test helper: validates EVE records against the project's own schema (alerts/eve_schema.json, always) and
 * against Suricata's EVE schema (shared/eve/suricata-eve-schema.json beside the repository) where it is present.
 * Without ../shared the Suricata cross-check is skipped with one printed reason; under CI=true it is required
 * and a missing schema fails every validation.
 *
 * @module
 */
import { isCI } from "../testing/prereq.ts";
import { JsonSchema } from "../testing/json_schema.ts";

/** The project's own schema of the records `ids` writes. */
export const OWN_EVE_SCHEMA_URL: URL = new URL("./eve_schema.json", import.meta.url);
/** Location of Suricata's EVE schema: `shared/eve/` beside the repository. */
export const EVE_SCHEMA_URL: URL = new URL("../../shared/eve/suricata-eve-schema.json", import.meta.url);

let own: JsonSchema | undefined;
let suricata: JsonSchema | null | undefined;

/** Suricata's schema, or null (with one printed reason) when ../shared is absent outside CI. */
export function suricataSchema(): JsonSchema | null {
  if (suricata !== undefined) return suricata;
  let text: string;
  try {
    text = Deno.readTextFileSync(EVE_SCHEMA_URL);
  } catch (e) {
    const why = `Suricata's EVE schema is not beside the repository (${(e as Error).message})`;
    if (isCI()) throw new Error(`Cannot validate EVE against Suricata's schema: ${why} (CI=true requires it)`);
    console.log(
      `skip: EVE cross-check against Suricata's schema: ${why}; records are still checked against alerts/eve_schema.json`,
    );
    return suricata = null;
  }
  return suricata = new JsonSchema(JSON.parse(text));
}

/**
 * Validates one EVE record: against alerts/eve_schema.json, then against Suricata's schema when present.
 *
 * @returns every error as `PATH: message`, prefixed `suricata ` for Suricata's schema (empty when valid)
 */
export function validateEve(record: unknown): string[] {
  own ??= JsonSchema.fromFile(OWN_EVE_SCHEMA_URL);
  const errors = own.validate(record);
  const s = suricataSchema();
  if (s) errors.push(...s.validate(record).map((e) => `suricata ${e}`));
  return errors;
}
