/**
 * Server side of an island: renders the component and marks it with its name and props (a data
 * attribute, HTML-escaped) for the client bundle to hydrate.
 *
 * @module
 */
import { ISLANDS } from "../islands/mod.ts";

/** Renders island `name` with `props`. */
export function Island(props: { name: string; props: Record<string, unknown> }) {
  const C = ISLANDS[props.name];
  return (
    <div data-island={props.name} data-props={JSON.stringify(props.props)}>
      <C {...props.props} />
    </div>
  );
}
