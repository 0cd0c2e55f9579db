/**
 * Settings: thresholds, windows, trusted lists, IPS and Telegram; validated and applied through the
 * configuration file with the same problem texts as `ids config check`.
 *
 * @module
 */
import { useState } from "preact/hooks";
import { attackName, type Lang, t } from "../i18n.ts";
import { postJson } from "./_live.ts";
import { Banner, BTN, BTN_PRIMARY, Card, INPUT } from "./_ui.tsx";

/** Editable detector keys shown as threshold + window (+ enabled). */
export const DETECTOR_FIELDS: Record<string, string[]> = {
  syn_flood: ["threshold", "window_s"],
  ddos: ["threshold", "window_s"],
  port_scan: ["threshold", "window_s"],
  udp_flood: ["threshold", "window_s"],
  icmp_flood: ["threshold", "window_s"],
  brute_force: ["threshold", "window_s"],
  exploit_probe: ["window_s"],
  sql_injection: [],
};

/** Props of {@link Settings}. */
export interface SettingsProps {
  lang: Lang;
  /** The configuration in force (as JSON). */
  config: Record<string, unknown>;
  /** The configuration file, or null when none is in use (read-only). */
  configFile: string | null;
  /** Config key of the IPS switch when the IPS is part of this build (e.g. `ips.enabled`), else null. */
  ipsKey: string | null;
  /** Telegram test message available. */
  telegram: boolean;
}

type Values = Record<string, string | boolean>;

function initialValues(config: Record<string, unknown>, ipsKey: string | null): Values {
  const v: Values = {};
  for (const k of ["alert_interval_s", "block_seconds", "ml_confidence"]) v[k] = String(config[k] ?? "");
  for (const [det, fields] of Object.entries(DETECTOR_FIELDS)) {
    const d = (config[det] ?? {}) as Record<string, unknown>;
    v[`${det}.enabled`] = d.enabled !== false;
    for (const f of fields) v[`${det}.${f}`] = String(d[f] ?? "");
  }
  v.trusted_ips = ((config.trusted_ips ?? []) as string[]).join("\n");
  v.trusted_cidrs = ((config.trusted_cidrs ?? []) as string[]).join("\n");
  if (ipsKey) {
    const [a, b] = ipsKey.split(".");
    v.ips = ((config[a] ?? {}) as Record<string, unknown>)[b] === true;
  }
  return v;
}

/** A field's text as JSON: numbers when they read as numbers, else the text (the validator names it). */
function numberish(s: string): number | string {
  const n = Number(s);
  return s.trim() !== "" && Number.isFinite(n) ? n : s;
}

/** Builds the configuration patch from the form values. */
export function buildPatch(v: Values, ipsKey: string | null): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const k of ["alert_interval_s", "block_seconds", "ml_confidence"]) patch[k] = numberish(String(v[k]));
  for (const [det, fields] of Object.entries(DETECTOR_FIELDS)) {
    const d: Record<string, unknown> = { enabled: v[`${det}.enabled`] === true };
    for (const f of fields) d[f] = numberish(String(v[`${det}.${f}`]));
    patch[det] = d;
  }
  const lines = (s: string | boolean) => String(s).split("\n").map((x) => x.trim()).filter((x) => x !== "");
  patch.trusted_ips = lines(v.trusted_ips);
  patch.trusted_cidrs = lines(v.trusted_cidrs);
  if (ipsKey) {
    const [a, b] = ipsKey.split(".");
    patch[a] = { [b]: v.ips === true };
  }
  return patch;
}

/** The settings island. */
export function Settings(props: SettingsProps) {
  const { lang } = props;
  const [v, setV] = useState<Values>(() => initialValues(props.config, props.ipsKey));
  const [result, setResult] = useState<{ ok: boolean; header?: string; problems?: string[]; text?: string } | null>(
    null,
  );
  const [tg, setTg] = useState("");
  const ro = props.configFile === null;
  const field = (k: string, label: string, width = "w-28") => (
    <label class="flex items-center justify-between gap-3 text-sm">
      <span>{label}</span>
      <input
        name={k}
        class={`${INPUT} ${width}`}
        value={String(v[k])}
        disabled={ro}
        onInput={(e) => setV({ ...v, [k]: (e.target as HTMLInputElement).value })}
      />
    </label>
  );
  const apply = async (e: Event) => {
    e.preventDefault();
    setResult(null);
    try {
      const r = await postJson<{ file: string }>("/api/settings", buildPatch(v, props.ipsKey));
      setResult({ ok: true, text: t(lang, "settings.applied", { file: r.file }) });
    } catch (err) {
      const data = (err as { data?: { header?: string; problems?: string[] } }).data;
      setResult({ ok: false, header: data?.header ?? (err as Error).message, problems: data?.problems ?? [] });
    }
  };
  const telegramTest = async () => {
    setTg("…");
    try {
      const r = await postJson<{ message: string }>("/api/notify/test", {});
      setTg(r.message);
    } catch (err) {
      setTg((err as Error).message);
    }
  };
  return (
    <form id="settings-form" onSubmit={apply} class="space-y-4">
      {ro
        ? <Banner kind="info" id="settings-readonly">{t(lang, "settings.readonly")}</Banner>
        : (
          <p class="text-sm text-gray-500 dark:text-gray-400">
            {t(lang, "settings.file")}:{" "}
            <code id="settings-file" class="break-all font-mono text-gray-900 dark:text-gray-100">
              {props.configFile}
            </code>
          </p>
        )}
      {result && result.ok && <Banner kind="info" id="settings-ok">{result.text}</Banner>}
      {result && !result.ok && (
        <Banner kind="error" id="settings-errors">
          <div class="font-semibold">{t(lang, "settings.errors", { n: result.problems?.length ?? 0 })}</div>
          <pre class="mt-1 whitespace-pre-wrap font-mono text-xs">{`${result.header}\n${(result.problems ?? []).map((p) => `  ${p}`).join("\n")}`}</pre>
        </Banner>
      )}
      <div class="grid gap-4 lg:grid-cols-2">
        <Card title={t(lang, "settings.general")}>
          <div class="space-y-2">
            {field("alert_interval_s", t(lang, "settings.alert_interval_s"))}
            {field("block_seconds", t(lang, "settings.block_seconds"))}
            {field("ml_confidence", t(lang, "settings.ml_confidence"))}
          </div>
        </Card>
        <Card title={t(lang, "settings.ips")}>
          {props.ipsKey
            ? (
              <label class="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  name="ips"
                  checked={v.ips === true}
                  disabled={ro}
                  onChange={() => setV({ ...v, ips: !v.ips })}
                />
                IPS
              </label>
            )
            : <p class="text-sm text-gray-500 dark:text-gray-400">{t(lang, "settings.ips.na")}</p>}
          <h3 class="mb-2 mt-4 text-sm font-semibold uppercase tracking-wide text-gray-500">
            {t(lang, "settings.telegram")}
          </h3>
          {props.telegram
            ? (
              <div class="flex items-center gap-2">
                <button type="button" class={BTN} onClick={telegramTest}>{t(lang, "settings.telegram.test")}</button>
                <span class="text-sm">{tg}</span>
              </div>
            )
            : <p class="text-sm text-gray-500 dark:text-gray-400">{t(lang, "settings.telegram.na")}</p>}
        </Card>
        <Card title={t(lang, "settings.thresholds")} class="lg:col-span-2">
          <table class="w-full text-sm">
            <thead>
              <tr>
                <th class="px-2 text-left"></th>
                <th class="px-2 text-left text-xs text-gray-500">{t(lang, "settings.enabled")}</th>
                <th class="px-2 text-left text-xs text-gray-500">{t(lang, "settings.threshold")}</th>
                <th class="px-2 text-left text-xs text-gray-500">{t(lang, "settings.window")}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(DETECTOR_FIELDS).map(([det, fields]) => (
                <tr>
                  <td class="px-2 py-1">{attackName(lang, det)}</td>
                  <td class="px-2 py-1">
                    <input
                      type="checkbox"
                      name={`${det}.enabled`}
                      checked={v[`${det}.enabled`] === true}
                      disabled={ro}
                      onChange={() => setV({ ...v, [`${det}.enabled`]: !v[`${det}.enabled`] })}
                    />
                  </td>
                  {["threshold", "window_s"].map((f) => (
                    <td class="px-2 py-1">
                      {fields.includes(f) && (
                        <input
                          name={`${det}.${f}`}
                          class={`${INPUT} w-24`}
                          value={String(v[`${det}.${f}`])}
                          disabled={ro}
                          onInput={(e) => setV({ ...v, [`${det}.${f}`]: (e.target as HTMLInputElement).value })}
                        />
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        {(["trusted_ips", "trusted_cidrs"] as const).map((k) => (
          <Card title={t(lang, `settings.${k}`)}>
            <textarea
              name={k}
              rows={6}
              class={`${INPUT} w-full font-mono`}
              disabled={ro}
              value={String(v[k])}
              onInput={(e) => setV({ ...v, [k]: (e.target as HTMLTextAreaElement).value })}
            />
          </Card>
        ))}
      </div>
      {!ro && <button id="settings-apply" type="submit" class={BTN_PRIMARY}>{t(lang, "settings.apply")}</button>}
    </form>
  );
}
