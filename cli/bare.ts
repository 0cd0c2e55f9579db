/**
 * What `ids` alone runs, in a module of its own so that `main.ts` resolves the command line without
 * loading `ids run`'s modules.
 *
 * @module
 */

/**
 * What `ids` with no arguments at all runs (a double-click on Windows): the default interface with the
 * dashboard on, opened in the browser.
 */
export const BARE_RUN_ARGS: readonly string[] = ["--listen", "127.0.0.1:8470", "--open"];
