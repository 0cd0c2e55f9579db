/**
 * IPS panel: the seed's 7 columns, a live countdown that turns to Expired at zero, Unblock (the row
 * turns Unblocked and stays for audit), block by hand, and the IPS mode shown plainly.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import type { BlockDto, BlockPageDto, StatusDto } from "../dto.ts";
import { alertLabel, attackName, type Lang, t } from "../i18n.ts";
import { attackColor, fg, rowEdge, SEVERITY_COLOR, STATUS_COLOR } from "../theme.ts";
import { clockOrDate, dateTime, duration } from "./_format.ts";
import { postJson, useLive } from "./_live.ts";
import { Banner, BTN, BTN_PRIMARY, Dot, INPUT, TD, TH } from "./_ui.tsx";

/** Props of {@link Ips}. */
export interface IpsProps {
  lang: Lang;
  /** IPS mode, or null when the IPS is not part of this build. */
  mode: StatusDto["ips"] | null;
  /** Newest first. */
  initial: BlockDto[];
  /** Server clock at render (ms), so the first client render matches. */
  now: number;
  /** Default block duration (s). */
  blockSeconds: number;
  /** The store's database file (older blocks, earlier runs), or null without one. */
  store?: string | null;
}

/** Status shown for a row at `now`: an active or simulated block whose time ran out is Expired. */
export function effectiveStatus(b: BlockDto, now: number): BlockDto["status"] {
  if ((b.status === "active" || b.status === "simulated") && b.expiresAt > 0 && b.expiresAt <= now) return "expired";
  return b.status;
}

/** The IPS island. */
export function Ips(props: IpsProps) {
  const { lang } = props;
  const live = useLive();
  const [tick, setTick] = useState(0);
  const [ip, setIp] = useState("");
  const [secs, setSecs] = useState(String(props.blockSeconds));
  const [msg, setMsg] = useState<{ kind: "error" | "info"; text: string } | null>(null);
  useEffect(() => {
    const id = setInterval(() => setTick((x) => x + 1), 1000);
    return () => clearInterval(id);
  }, []);
  const [older, setOlder] = useState<BlockDto[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const now = live ? live.now() : props.now;
  // newest block first; a row keeps its place when its status changes; a stored row that is also
  // live shows once (the live one)
  const current = live ? [...live.blocks.values()] : props.initial.slice();
  const liveIds = new Set(current.map((b) => b.id));
  const rows = [...current, ...older.filter((b) => !liveIds.has(b.id))].sort((a, b) => b.ts - a.ts);
  void tick;

  const loadOlder = async (from: string | undefined) => {
    try {
      const r = await fetch(`/api/blocks/older?limit=200${from ? `&cursor=${encodeURIComponent(from)}` : ""}`, {
        credentials: "same-origin",
      });
      const data = await r.json() as BlockPageDto & { error?: string };
      if (!r.ok) throw new Error(data.error ?? `HTTP ${r.status}`);
      setOlder((rows) => {
        const have = new Set(rows.map((b) => b.id));
        return [...rows, ...data.blocks.filter((b) => !have.has(b.id))].slice(0, 5000);
      });
      setCursor(data.next);
    } catch (e) {
      setMsg({ kind: "error", text: (e as Error).message });
    }
  };
  // with a store, the audit trail of earlier runs is there from the start
  useEffect(() => {
    if (props.store) loadOlder(undefined);
  }, []);

  const unblock = async (b: BlockDto) => {
    setMsg(null);
    try {
      await postJson("/api/blocks/unblock", { ip: b.ip });
    } catch (e) {
      setMsg({ kind: "error", text: (e as Error).message });
    }
  };
  const block = async (e: Event) => {
    e.preventDefault();
    setMsg(null);
    try {
      await postJson("/api/blocks", { ip: ip.trim(), seconds: Number(secs) });
      setIp("");
    } catch (err) {
      setMsg({ kind: "error", text: (err as Error).message });
    }
  };

  return (
    <div>
      {props.mode === null && <Banner kind="info" id="ips-absent">{t(lang, "ips.absent")}</Banner>}
      {props.mode === "simulated" && <Banner kind="warn" id="ips-simulated">{t(lang, "ips.simulatedBanner")}</Banner>}
      {props.mode === "off" && <Banner kind="info">{t(lang, "ips.offBanner")}</Banner>}
      {props.mode !== null && props.mode !== "off" && (
        <form class="mb-3 flex flex-wrap items-end gap-2" onSubmit={block}>
          <span class="text-sm font-semibold">{t(lang, "ips.manual")}</span>
          <input
            id="ips-ip"
            class={`${INPUT} w-48`}
            placeholder={t(lang, "ips.manual.ip")}
            value={ip}
            required
            onInput={(e) =>
              setIp((e.target as HTMLInputElement).value)}
          />
          <input
            id="ips-secs"
            class={`${INPUT} w-24`}
            type="number"
            min="1"
            max="86400"
            title={t(lang, "ips.manual.seconds")}
            value={secs}
            onInput={(e) =>
              setSecs((e.target as HTMLInputElement).value)}
          />
          <button id="ips-block" type="submit" class={BTN_PRIMARY}>{t(lang, "ips.manual.submit")}</button>
        </form>
      )}
      {msg && <Banner kind={msg.kind === "error" ? "error" : "info"} id="ips-msg">{msg.text}</Banner>}
      <div class="overflow-x-auto">
        <table id="ips-table" class="w-full text-sm">
          <thead>
            <tr class="border-b border-gray-200 dark:border-ink-3">
              <th class={TH}>{t(lang, "ips.time")}</th>
              <th class={TH}>{t(lang, "ips.ip")}</th>
              <th class={TH}>{t(lang, "ips.type")}</th>
              <th class={TH}>{t(lang, "ips.severity")}</th>
              <th class={TH}>{t(lang, "ips.action")}</th>
              <th class={TH}>{t(lang, "ips.status")}</th>
              <th class={TH}>{t(lang, "ips.remaining")}</th>
              <th class={TH}></th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, 1000).map((b) => {
              const status = effectiveStatus(b, now);
              const remaining = b.expiresAt > 0 ? Math.max(0, Math.ceil((b.expiresAt - now) / 1000)) : -1;
              const counting = status === "active" || status === "simulated";
              return (
                <tr
                  key={b.id}
                  data-ip={b.ip}
                  data-stored={liveIds.has(b.id) ? "0" : "1"}
                  data-status={status}
                  class={`border-b border-gray-100 dark:border-ink-2 ${rowEdge(STATUS_COLOR[status])} ${
                    status === "unblocked" ? "bg-[#82b1ff1f]" : ""
                  }`}
                >
                  <td class={`${TD} font-mono text-xs`} title={dateTime(b.ts)}>{clockOrDate(b.ts)}</td>
                  <td class={`${TD} font-mono`}>
                    <a class="hover:underline" href={`/ip/${encodeURIComponent(b.ip)}`}>{b.ip}</a>
                  </td>
                  <td class={`${TD} ${fg(attackColor(b.type))}`}>
                    {b.type === "manual" ? attackName(lang, "manual") : alertLabel(lang, {
                      type: b.type,
                      decidedBy: b.ml === undefined ? "heuristic" : "ml",
                      ml: b.ml,
                    })}
                  </td>
                  <td class={TD}>
                    {b.severity === null ? "—" : [
                      <Dot key="d" color={SEVERITY_COLOR[b.severity]} />,
                      " ",
                      t(lang, `sev.${b.severity}` as "sev.1"),
                    ]}
                  </td>
                  <td class={TD}>{b.action}</td>
                  <td class={`${TD} ips-status font-medium ${fg(STATUS_COLOR[status])}`} title={b.error}>
                    {t(lang, `ips.status.${status}` as "ips.status.active")}
                  </td>
                  <td class={`${TD} ips-remaining font-mono`}>
                    {counting ? (remaining < 0 ? "∞" : duration(remaining)) : "—"}
                  </td>
                  <td class={TD}>
                    {counting && (
                      <button type="button" class={`${BTN} ips-unblock`} onClick={() => unblock(b)}>
                        {t(lang, "ips.unblock")}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && <p class="py-6 text-center text-gray-500">{t(lang, "ips.empty")}</p>}
      {!props.store && props.mode !== null && (
        <p id="ips-nostore" class="mt-2 text-right text-xs text-gray-500 dark:text-gray-400">
          {t(lang, "ips.nostore")}
        </p>
      )}
      {props.store && (
        <div class="mt-2 flex items-center justify-end gap-2 text-sm">
          {cursor === null && <span class="text-gray-500 dark:text-gray-400">{t(lang, "ips.older.end")}</span>}
          <button
            id="ips-older"
            type="button"
            class={BTN}
            disabled={cursor === null}
            title={props.store}
            onClick={() => loadOlder(cursor ?? undefined)}
          >
            {t(lang, "ips.older")}
          </button>
        </div>
      )}
    </div>
  );
}
