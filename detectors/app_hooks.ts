/**
 * Wires the app layer to detectors: one {@link AppListener} that calls the optional app hooks
 * (`onAppProtocol`, `onHttpRequest`, `onHttpResponse`, `onLogin`, `onAppEnd`) of every detector
 * that has them. The pipeline and the detector test harnesses use it.
 *
 * @module
 */
import type { AppContext, AppListener } from "../app/app_layer.ts";
import type { HttpRequest } from "../app/http_request.ts";
import type { HttpResponse } from "../app/http_response.ts";
import type { LoginEvent } from "../app/login.ts";
import type { Detector, Emit } from "./detector.ts";

/**
 * Calls the app hooks of every detector that has them; `emit` is read at each call (the
 * pipeline's emit can change) and {@link setDetectors} follows a configuration reload.
 */
export class DetectorAppListener implements AppListener {
  #emit: () => Emit;
  #proto: Detector[] = [];
  #req: Detector[] = [];
  #res: Detector[] = [];
  #login: Detector[] = [];
  #end: Detector[] = [];

  constructor(detectors: readonly Detector[], emit: () => Emit) {
    this.#emit = emit;
    this.setDetectors(detectors);
  }

  /** Replaces the detector set. */
  setDetectors(detectors: readonly Detector[]): void {
    const having = (k: keyof Detector) => detectors.filter((d) => d[k] !== undefined);
    this.#proto = having("onAppProtocol");
    this.#req = having("onHttpRequest");
    this.#res = having("onHttpResponse");
    this.#login = having("onLogin");
    this.#end = having("onAppEnd");
  }

  /** @internal */
  onProtocol(ctx: AppContext): void {
    const ds = this.#proto;
    for (let i = 0; i < ds.length; i++) ds[i].onAppProtocol!(ctx, this.#emit());
  }

  /** @internal */
  onHttpRequest(r: HttpRequest, ctx: AppContext): boolean {
    let want = false;
    const ds = this.#req;
    for (let i = 0; i < ds.length; i++) if (ds[i].onHttpRequest!(r, ctx, this.#emit()) === true) want = true;
    return want;
  }

  /** @internal */
  onHttpResponse(r: HttpResponse, ctx: AppContext): void {
    const ds = this.#res;
    for (let i = 0; i < ds.length; i++) ds[i].onHttpResponse!(r, ctx, this.#emit());
  }

  /** @internal */
  onLogin(ev: LoginEvent, ctx: AppContext): void {
    const ds = this.#login;
    for (let i = 0; i < ds.length; i++) ds[i].onLogin!(ev, ctx, this.#emit());
  }

  /** @internal */
  onEnd(ctx: AppContext): void {
    const ds = this.#end;
    for (let i = 0; i < ds.length; i++) ds[i].onAppEnd!(ctx, this.#emit());
  }
}

/** The listener for a fixed detector set. */
export function appListener(detectors: readonly Detector[], emit: () => Emit): DetectorAppListener {
  return new DetectorAppListener(detectors, emit);
}
