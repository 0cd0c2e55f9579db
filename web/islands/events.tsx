/**
 * Events panel: alerts live, colour-coded per attack type; filters (type, IP, severity, time),
 * full-text search, grouping of repeats, triage (acknowledge, escalate) with keyboard shortcuts,
 * CSV / EVE export of the current filter. Paged: never more than one page of rows in the DOM. With a
 * store, older alerts (earlier runs too) are loaded a page at a time with the current filter, and
 * triage marks are written to the store; without one the panel says so.
 *
 * @module
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { AlertDto, AlertPageDto } from "../dto.ts";
import { LIMITS } from "../dto.ts";
import { type AlertFilter, matchAlert } from "../filter.ts";
import { alertLabel, attackName, type Lang, t } from "../i18n.ts";
import { attackColor, fg, PALETTE, rowEdge, SEVERITY_COLOR } from "../theme.ts";
import { clockMs, dateTime } from "./_format.ts";
import { postJson, useLive } from "./_live.ts";
import { BTN, Dot, INPUT, TD, TH } from "./_ui.tsx";

/** Props of {@link Events}. */
export interface EventsProps {
  lang: Lang;
  /** Newest first (server render). */
  initial: AlertDto[];
  /** Initial filter (from the URL). */
  filter?: AlertFilter;
  /** The store's database file, or null when the sensor runs without one. */
  store?: string | null;
}

/** Rows loaded from the store per request. */
const STORE_PAGE = 200;

const PAGE = 50;

interface Row {
  a: AlertDto;
  count: number;
  /** Every alert the row stands for (one, or a group of repeats). */
  all: AlertDto[];
}

/** Time of an alert: with the date when it is not from today. */
function when(ms: number): string {
  const d = new Date(ms);
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return clockMs(ms);
  return dateTime(ms).slice(5);
}

function toQuery(f: AlertFilter): string {
  const p = new URLSearchParams();
  if (f.type) p.set("type", f.type);
  if (f.ip) p.set("ip", f.ip);
  if (f.severity) p.set("severity", String(f.severity));
  if (f.q) p.set("q", f.q);
  if (f.since !== undefined) p.set("since", String(f.since));
  if (f.until !== undefined) p.set("until", String(f.until));
  if (f.ack === false) p.set("ack", "0");
  if (f.starred) p.set("starred", "1");
  return p.toString();
}

function localInput(ms: number | undefined): string {
  if (ms === undefined) return "";
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** The events island. */
export function Events(props: EventsProps) {
  const { lang } = props;
  const live = useLive();
  const [filter, setFilter] = useState<AlertFilter>(props.filter ?? { ack: false });
  const [group, setGroup] = useState(false);
  const [page, setPage] = useState(0);
  // the selected row: its alert (or group), so that new alerts arriving on top do not move the selection onto
  // another alert under the operator's keys; its position stands in when that alert left the page
  const [sel, setSel] = useState(0);
  const [selKey, setSelKey] = useState<string | null>(null);
  // rows from the store older than the page's own, with the filter they were loaded for
  const [older, setOlder] = useState<AlertDto[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState("");
  const store = props.store ?? null;
  const searchRef = useRef<HTMLInputElement>(null);

  // newest first
  const source: AlertDto[] = live ? live.alerts : props.initial.slice().reverse();
  const version = live?.version ?? 0;
  // rows from the store that are not also in the page's memory
  const olderOnly = useMemo(() => {
    if (older.length === 0) return older;
    const liveKeys = new Set(source.map((a) => a.key));
    return older.filter((a) => !liveKeys.has(a.key));
  }, [source, version, older]);
  const computed: Row[] = useMemo(() => {
    const out: Row[] = [];
    const groups = new Map<string, Row>();
    const push = (a: AlertDto) => {
      if (!matchAlert(a, filter)) return;
      if (group) {
        const key = `${a.type}|${a.src}`;
        const g = groups.get(key);
        if (g) {
          g.count += 1 + a.suppressed;
          g.all.push(a);
          return;
        }
        const row = { a, count: 1 + a.suppressed, all: [a] };
        groups.set(key, row);
        out.push(row);
      } else if (out.length < LIMITS.tableRows) out.push({ a, count: 1 + a.suppressed, all: [a] });
    };
    for (let i = source.length - 1; i >= 0; i--) push(source[i]);
    // a stored row that is also in the page's memory shows once (the live one)
    for (const a of olderOnly) push(a);
    return group ? out.slice(0, LIMITS.tableRows) : out;
  }, [source, version, filter, group, olderOnly]);

  // in a flood (hundreds of new alerts per render) the table is redrawn at most once a second: each
  // redraw replaces every row, and the page must stay fluid (filters, triage and paging still apply at once)
  const cache = useRef({ at: 0, total: 0, rows: computed, deps: "" });
  const total = (live?.alerts.length ?? 0) + (live?.evictedAlerts ?? 0);
  const deps = JSON.stringify([filter, group, older.length]);
  const now = typeof performance === "undefined" ? 0 : performance.now();
  let rows = computed;
  if (live && deps === cache.current.deps && total - cache.current.total > 100 && now - cache.current.at < 1000) {
    rows = cache.current.rows;
  } else cache.current = { at: now, total, rows: computed, deps };
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const pageNo = Math.min(page, pages - 1);
  const visible = rows.slice(pageNo * PAGE, pageNo * PAGE + PAGE);
  const rowKey = (r: Row) => group ? `${r.a.type}|${r.a.src}` : r.a.key;
  const keyed = selKey === null ? -1 : visible.findIndex((r) => rowKey(r) === selKey);
  // where the selected alert was last seen: when it leaves the view (acknowledged, filtered out) the
  // selection takes the row now at that place, never the newest one by way of a stale position
  const lastAt = useRef(sel);
  if (keyed >= 0) lastAt.current = keyed;
  const selIndex = keyed >= 0 ? keyed : Math.min(selKey === null ? sel : lastAt.current, visible.length - 1);
  const selRow = visible[selIndex];
  useEffect(() => {
    // the selected alert left the view: the row that took its place is the selection from now on
    if (selKey !== null && keyed < 0 && selRow) {
      setSel(selIndex);
      setSelKey(rowKey(selRow));
    }
  });
  const select = (i: number, rows: Row[]) => {
    setSel(i);
    setSelKey(rows[i] ? rowKey(rows[i]) : null);
  };

  const triage = async (row: Row | undefined, change: { ack?: boolean; star?: boolean }) => {
    if (!row) return;
    setError("");
    try {
      const changed = new Map<number, AlertDto>();
      let notKept = false;
      for (const a of row.all) {
        if (a.rowId !== undefined) {
          // a row from the store: marked there (and in every page that has it live)
          const r = await postJson<AlertDto>(`/api/alerts/stored/${a.rowId}/triage`, change);
          changed.set(a.rowId, r);
        } else {
          const r = await postJson<{ persisted: boolean }>(`/api/alerts/${a.id}/triage`, change);
          if (store && !r.persisted) notKept = true;
        }
      }
      if (changed.size > 0) {
        setOlder((rows) => rows.map((a) => (a.rowId !== undefined && changed.get(a.rowId)) || a));
      }
      if (notKept) setError(t(lang, "events.notkept"));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const stateRef = useRef({ selRow, selIndex, visible, select });
  stateRef.current = { selRow, selIndex, visible, select };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT" ||
        target.tagName === "TEXTAREA");
      if (e.key === "Escape") {
        if (typing) (target as HTMLElement).blur();
        setFilter({ ack: false });
        return;
      }
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      const { selRow, selIndex, visible, select } = stateRef.current;
      switch (e.key) {
        case "j":
          select(Math.max(0, Math.min(selIndex + 1, visible.length - 1)), visible);
          break;
        case "k":
          select(Math.max(selIndex - 1, 0), visible);
          break;
        case "a":
          triage(selRow, { ack: !selRow?.a.ack });
          break;
        case "s":
          triage(selRow, { star: !selRow?.a.star });
          break;
        case "g":
          setGroup((g) => !g);
          break;
        case "/":
          e.preventDefault();
          searchRef.current?.focus();
          break;
        default:
          return;
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  // older alerts from the store with the current filter: the first page starts at the page's oldest
  // alert (a row that is both is shown once), the next ones at the cursor the store gave
  const request = useRef(0);
  const fetchOlder = async (from: string | undefined, append: boolean) => {
    const n = ++request.current;
    setLoading(true);
    try {
      const p = new URLSearchParams(toQuery(filter));
      if (from) p.set("cursor", from);
      p.set("limit", String(STORE_PAGE));
      const r = await fetch(`/api/alerts/older?${p}`, { credentials: "same-origin" });
      const data = await r.json() as AlertPageDto & { error?: string };
      if (n !== request.current) return; // a newer filter's request won
      if (!r.ok) throw new Error(data.error ?? `HTTP ${r.status}`);
      setOlder((rows) => (append ? [...rows, ...data.alerts] : data.alerts).slice(0, LIMITS.alertsInMemory));
      setCursor(data.next);
    } catch (e) {
      if (n === request.current) setError((e as Error).message);
    } finally {
      if (n === request.current) setLoading(false);
    }
  };
  const firstCursor = () => {
    const oldest = live?.alerts[0];
    return oldest ? String(Math.ceil(oldest.ts * 1000)) : undefined;
  };
  const filterKey = toQuery(filter);
  const ready = live !== null;
  useEffect(() => {
    if (!store || !ready) return;
    // typing in the search box: one request once it pauses
    const timer = setTimeout(() => fetchOlder(firstCursor(), false), 250);
    return () => clearTimeout(timer);
  }, [filterKey, ready]);
  const loadOlder = () => {
    if (cursor === null) return;
    fetchOlder(cursor ?? firstCursor(), cursor !== undefined);
  };

  const set = (patch: Partial<AlertFilter>) => {
    setFilter({ ...filter, ...patch });
    setPage(0);
    setSel(0);
    setSelKey(null);
  };
  const q = toQuery(filter);
  const skipped = live?.skippedAlerts ?? 0;

  return (
    <div>
      <div class="mb-2 flex flex-wrap items-center gap-2">
        <input
          ref={searchRef}
          id="ev-search"
          class={`${INPUT} w-56`}
          placeholder={t(lang, "events.search")}
          value={filter.q ?? ""}
          onInput={(e) => set({ q: (e.target as HTMLInputElement).value || undefined })}
        />
        <select
          id="ev-type"
          class={INPUT}
          value={filter.type ?? ""}
          onChange={(e) => set({ type: (e.target as HTMLSelectElement).value || undefined })}
        >
          <option value="">{t(lang, "events.type.all")}</option>
          {PALETTE.types.map((ty) => <option key={ty} value={ty}>{attackName(lang, ty)}</option>)}
        </select>
        <select
          id="ev-sev"
          class={INPUT}
          value={String(filter.severity ?? "")}
          onChange={(e) => set({ severity: Number((e.target as HTMLSelectElement).value) || undefined })}
        >
          <option value="">{t(lang, "events.sev.all")}</option>
          {[1, 2, 3].map((s) => <option key={s} value={String(s)}>{t(lang, `sev.${s}` as "sev.1")}</option>)}
        </select>
        <input
          id="ev-ip"
          class={`${INPUT} w-36`}
          placeholder={t(lang, "events.ip")}
          value={filter.ip ?? ""}
          onInput={(e) => set({ ip: (e.target as HTMLInputElement).value.trim() || undefined })}
        />
        <label class="text-xs text-gray-500 dark:text-gray-400">
          {t(lang, "events.since")}{" "}
          <input
            type="datetime-local"
            class={INPUT}
            value={localInput(filter.since)}
            onChange={(e) => {
              const v = (e.target as HTMLInputElement).value;
              set({ since: v ? new Date(v).getTime() : undefined });
            }}
          />
        </label>
        <label class="text-xs text-gray-500 dark:text-gray-400">
          {t(lang, "events.until")}{" "}
          <input
            type="datetime-local"
            class={INPUT}
            value={localInput(filter.until)}
            onChange={(e) => {
              const v = (e.target as HTMLInputElement).value;
              set({ until: v ? new Date(v).getTime() + 59_999 : undefined });
            }}
          />
        </label>
        <label class="flex items-center gap-1 text-sm">
          <input id="ev-group" type="checkbox" checked={group} onChange={() => setGroup(!group)} />
          {t(lang, "events.group")}
        </label>
        <label class="flex items-center gap-1 text-sm">
          <input
            id="ev-showack"
            type="checkbox"
            checked={filter.ack !== false}
            onChange={() => set({ ack: filter.ack === false ? undefined : false })}
          />
          {t(lang, "events.showAck")}
        </label>
        <label class="flex items-center gap-1 text-sm">
          <input type="checkbox" checked={!!filter.starred} onChange={() => set({ starred: !filter.starred })} />
          {t(lang, "events.starred")}
        </label>
        <span class="flex-1" />
        <a id="ev-csv" class={BTN} href={`/api/alerts/export.csv?${q}`} download="ids-alerts.csv">
          {t(lang, "events.exportCsv")}
        </a>
        <a id="ev-eve" class={BTN} href={`/api/alerts/export.eve?${q}`} download="ids-alerts.eve.json">
          {t(lang, "events.exportEve")}
        </a>
      </div>
      <p class="mb-2 text-xs text-gray-500 dark:text-gray-400">{t(lang, "events.keys")}</p>
      {skipped > 0 && (
        <p id="ev-skipped" class="mb-2 text-xs text-[#b45309] dark:text-[#ffa000]">
          {t(lang, "events.skipped", { n: skipped })}
        </p>
      )}
      {error && <p class="mb-2 text-sm text-red-600">{error}</p>}
      <div class="overflow-x-auto">
        <table id="events-table" class="w-full table-fixed text-sm">
          <thead>
            <tr class="border-b border-gray-200 dark:border-ink-3">
              <th class={`${TH} w-28`}>{t(lang, "events.time")}</th>
              <th class={`${TH} w-32`}>{t(lang, "events.src")}</th>
              <th class={`${TH} w-32`}>{t(lang, "events.dst")}</th>
              <th class={`${TH} w-14`}>{t(lang, "events.port")}</th>
              <th class={`${TH} w-20`}>{t(lang, "events.proto")}</th>
              <th class={`${TH} w-14`}>{t(lang, "events.flags")}</th>
              <th class={`${TH} w-56`}>{t(lang, "events.label")}</th>
              <th class={`${TH} w-24`}>{t(lang, "events.severity")}</th>
              <th class={`${TH} w-20`}>{t(lang, "events.action")}</th>
              {group && <th class={`${TH} w-16`}>{t(lang, "events.count")}</th>}
              <th class={TH}>{t(lang, "events.evidence")}</th>
              <th class={`${TH} w-24`}></th>
            </tr>
          </thead>
          <tbody>
            {visible.map((row, i) => {
              const a = row.a;
              const color = attackColor(a.type);
              const selected = i === selIndex;
              // where this run's alerts end and the store's older ones begin
              const divider = !group && a.rowId !== undefined &&
                (i === 0 ? pageNo === 0 : visible[i - 1].a.rowId === undefined);
              return [
                divider && (
                  <tr key={`d${i}`} class="ev-divider">
                    <td
                      colSpan={11}
                      class="border-b border-gray-200 bg-gray-50 px-2 py-1 text-xs font-semibold uppercase tracking-wide text-gray-500 dark:border-ink-3 dark:bg-ink-2 dark:text-gray-400"
                    >
                      {t(lang, "events.older.divider")}
                    </td>
                  </tr>
                ),
                <tr
                  // rows keyed by position: a new page of alerts patches the rows in place instead of
                  // rebuilding them (cheaper in a flood)
                  key={i}
                  data-id={a.id}
                  data-key={a.key}
                  data-stored={a.rowId !== undefined ? "1" : "0"}
                  data-type={a.type}
                  data-ack={a.ack ? "1" : "0"}
                  data-star={a.star ? "1" : "0"}
                  data-sel={selected ? "1" : "0"}
                  onClick={() => select(i, visible)}
                  class={`border-b border-gray-100 dark:border-ink-2 ${rowEdge(color)} ${
                    selected ? "bg-[#ede7f6] dark:bg-ink-3" : ""
                  } ${a.ack ? "opacity-50" : ""}`}
                >
                  <td class={`${TD} font-mono text-xs`} title={dateTime(a.ts)}>{when(a.ts)}</td>
                  <td class={`${TD} font-mono text-xs`}>
                    <a class="hover:underline" href={`/ip/${encodeURIComponent(a.src)}`}>{a.src}</a>
                  </td>
                  <td class={`${TD} font-mono text-xs`}>{a.dst}</td>
                  <td class={`${TD} font-mono text-xs`}>{a.dstPort > 0 ? a.dstPort : ""}</td>
                  <td class={TD}>{a.proto}</td>
                  <td class={`${TD} font-mono text-xs`}>{a.flags ?? ""}</td>
                  <td class={`${TD} font-medium ${fg(color)}`}>{alertLabel(lang, a)}</td>
                  <td class={TD}>
                    <Dot color={SEVERITY_COLOR[a.severity]} /> {t(lang, `sev.${a.severity}` as "sev.1")}
                  </td>
                  <td class={TD}>{t(lang, a.action === "blocked" ? "action.blocked" : "action.allowed")}</td>
                  {group && <td class={`${TD} text-right font-mono`}>{row.count}</td>}
                  <td class="truncate px-2 py-1 text-xs text-gray-600 dark:text-gray-300" title={a.reason}>
                    {a.reason}
                  </td>
                  <td class={TD}>
                    <button
                      type="button"
                      class={`${BTN} ev-ack`}
                      title={t(lang, a.ack ? "events.unack" : "events.ack")}
                      onClick={(e) => {
                        e.stopPropagation();
                        triage(row, { ack: !a.ack });
                      }}
                    >
                      {a.ack ? "↺" : "✓"}
                    </button>{" "}
                    <button
                      type="button"
                      class={`${BTN} ev-star ${a.star ? "text-[#ffa000]" : ""}`}
                      title={t(lang, a.star ? "events.unstar" : "events.star")}
                      onClick={(e) => {
                        e.stopPropagation();
                        triage(row, { star: !a.star });
                      }}
                    >
                      {a.star ? "★" : "☆"}
                    </button>
                  </td>
                </tr>,
              ];
            })}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && <p class="py-6 text-center text-gray-500">{t(lang, "events.empty")}</p>}
      <div class="mt-2 flex items-center gap-2 text-sm">
        <button type="button" class={BTN} disabled={pageNo === 0} onClick={() => setPage(pageNo - 1)}>‹</button>
        <span id="ev-page">{pageNo + 1} / {pages}</span>
        <button type="button" class={BTN} disabled={pageNo >= pages - 1} onClick={() => setPage(pageNo + 1)}>
          ›
        </button>
        <span id="ev-count" class="text-gray-500 dark:text-gray-400">
          {olderOnly.length > 0
            ? t(lang, "events.shownStore", { n: rows.length, m: source.length, k: olderOnly.length })
            : t(lang, "events.shown", { n: rows.length, m: source.length })}
        </span>
        <span class="flex-1" />
        {store
          ? (
            <span class="flex items-center gap-2">
              <span id="ev-older-count" class="text-gray-500 dark:text-gray-400">
                {cursor === null && olderOnly.length === 0
                  ? t(lang, "events.older.end")
                  : t(lang, "events.older.store", { n: olderOnly.length })}
              </span>
              <button
                id="ev-older"
                type="button"
                class={BTN}
                disabled={loading || cursor === null}
                title={store}
                onClick={loadOlder}
              >
                {t(lang, "events.older")}
              </button>
            </span>
          )
          : <span id="ev-nostore" class="text-xs text-gray-500 dark:text-gray-400">{t(lang, "events.nostore")}</span>}
      </div>
    </div>
  );
}
