/**
 * The header's live strip: stream state, packets/s, alerts, and the IPS mode when simulated.
 *
 * @module
 */
import type { StatusDto } from "../dto.ts";
import { type Lang, t } from "../i18n.ts";
import { num } from "./_format.ts";
import { bg } from "../theme.ts";
import { useLive } from "./_live.ts";

/** Props of {@link LiveStatus}. */
export interface LiveStatusProps {
  lang: Lang;
  ips: StatusDto["ips"] | null;
}

const STATE_COLOR = { connecting: "#9e9e9e", live: "#22c55e", lost: "#ff5370" };

/** The live status island. */
export function LiveStatus(props: LiveStatusProps) {
  const { lang } = props;
  const live = useLive();
  const state = live?.state ?? "connecting";
  const c = live?.counters;
  return (
    <div class="flex items-center gap-3 text-xs">
      <span id="stream-state" data-state={state} class="flex items-center gap-1">
        <span class={`inline-block h-2 w-2 rounded-full ${bg(STATE_COLOR[state])}`} />
        {t(lang, `status.stream.${state}` as "status.stream.live")}
      </span>
      <span class="font-mono">{num(c?.pps ?? 0)} pps</span>
      <span class="font-mono">{num(c?.alerts ?? 0)} ⚠</span>
      {props.ips === "simulated" && (
        <span class="rounded bg-[#ffa000] px-1.5 py-0.5 font-semibold text-black">IPS SIM</span>
      )}
    </div>
  );
}
