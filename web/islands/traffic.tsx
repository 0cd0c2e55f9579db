/**
 * Live traffic: rolling packet summaries (the newest 500), pausable and filterable.
 *
 * @module
 */
import { useRef, useState } from "preact/hooks";
import type { TrafficDto } from "../dto.ts";
import { type Lang, t } from "../i18n.ts";
import { clockMs, endpoint } from "./_format.ts";
import { useLive } from "./_live.ts";
import { BTN, INPUT } from "./_ui.tsx";

/** Props of {@link Traffic}. */
export interface TrafficProps {
  lang: Lang;
  /** Oldest first. */
  initial: TrafficDto[];
}

function lineText(l: TrafficDto): string {
  return `${l.proto.padEnd(5)} ${endpoint(l.src, l.srcPort, l.proto)} → ${
    endpoint(l.dst, l.dstPort, l.proto)
  }  len ${l.len}${l.info ? `  ${l.info}` : ""}`;
}

/** The live traffic island. */
export function Traffic(props: TrafficProps) {
  const { lang } = props;
  const live = useLive();
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState("");
  const frozen = useRef<TrafficDto[] | null>(null);
  let lines = live ? live.traffic : props.initial;
  if (paused) {
    frozen.current ??= lines.slice();
    lines = frozen.current;
  } else frozen.current = null;
  const f = filter.trim().toLowerCase();
  const shown = (f ? lines.filter((l) => lineText(l).toLowerCase().includes(f)) : lines).slice(-500).reverse();
  return (
    <div>
      <div class="mb-2 flex items-center gap-2">
        <button id="tr-pause" type="button" class={BTN} onClick={() => setPaused(!paused)}>
          {t(lang, paused ? "traffic.resume" : "traffic.pause")}
        </button>
        <input
          id="tr-filter"
          class={`${INPUT} w-72`}
          placeholder={t(lang, "traffic.filter")}
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />
        {paused && <span class="text-sm text-[#b45309] dark:text-[#ffa000]">{t(lang, "traffic.paused")}</span>}
        <span class="flex-1" />
        <span class="text-xs text-gray-500 dark:text-gray-400">{t(lang, "traffic.sampled")}</span>
      </div>
      <pre
        id="traffic-lines"
        class="h-[70vh] overflow-y-auto rounded bg-gray-50 p-2 font-mono text-xs leading-5 dark:bg-ink"
      >{shown.length === 0 ? t(lang, "traffic.empty") : shown.map((l) => `${clockMs(l.ts)}  ${lineText(l)}\n`).join("")}</pre>
    </div>
  );
}
