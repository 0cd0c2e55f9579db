/**
 * The app layer: protocol detection by content and the parsers behind it (HTTP requests and
 * responses, plaintext logins). Detectors receive its findings through the optional
 * `onHttpRequest`, `onHttpResponse`, `onLogin`, `onAppProtocol` and `onAppEnd` methods of the
 * `Detector` interface; the pipeline wires them.
 *
 * ```ts
 * // in a detector
 * onLogin(ev: LoginEvent, ctx: AppContext, emit: Emit): void {
 *   if (ev.kind === "failure") count(ctx.client, ctx.proto, ctx.tsUs);
 * }
 * ```
 *
 * @module
 */
export { type AppContext, type AppCounters, AppLayer, type AppLayerOptions, type AppListener } from "./app_layer.ts";
export { APP_PROTOCOLS, type AppProtocol, detectClient, type Detected, detectServer } from "./detect.ts";
export { headerValue, type HttpHeader, type HttpRequest, HttpRequestParser, type OnRequest } from "./http_request.ts";
export { type HttpResponse, HttpResponseParser } from "./http_response.ts";
export { type LoginEvent, LoginTracker, MAX_LOGIN_LINES } from "./login.ts";
