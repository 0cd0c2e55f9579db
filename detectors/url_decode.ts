/**
 * Percent/HTML decoding helpers now live in the app layer (`app/url_decode.ts`), beside the HTTP
 * parser; this re-export keeps detector imports short.
 *
 * @module
 */
export * from "../app/url_decode.ts";
