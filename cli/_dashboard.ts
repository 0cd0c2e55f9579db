/**
 * Loads the dashboard (web/) on demand. The specifier is computed so that commands which serve no
 * dashboard never resolve its npm packages (a cold cache would otherwise fetch them at start-up);
 * `deno compile` embeds the module through the release include list.
 *
 * @module
 */

/** The dashboard's entry points. */
export type DashboardModule = typeof import("../web/session.ts");

/** Imports web/session.ts. */
export function loadDashboard(): Promise<DashboardModule> {
  return import(new URL("../web/session.ts", import.meta.url).href);
}
