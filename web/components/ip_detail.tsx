/**
 * IP detail (server-rendered): reputation or its plain absence, the IP's alerts and blocks over time
 * as a chart (from the store when there is one, else this run's memory), and its alerts and blocks.
 *
 * @module
 */
import type { AlertDto, BlockDto, IpHistoryDto } from "../dto.ts";
import { IpChart } from "./ip_chart.tsx";
import { alertLabel, attackName, type Lang, t } from "../i18n.ts";
import { dateTime, endpoint } from "../islands/_format.ts";
import { Banner, Card, TD, TH } from "../islands/_ui.tsx";
import { attackColor, fg, STATUS_COLOR } from "../theme.ts";

/** Props of {@link IpDetail}. */
export interface IpDetailProps {
  lang: Lang;
  ip: string;
  /** Newest first. */
  alerts: AlertDto[];
  blocks: BlockDto[];
  provider: "abuseipdb" | "simulated" | null;
  /** Lookup result, an error text, or null when there is no provider. */
  reputation: Record<string, unknown> | string | null;
  /** Alerts per time bucket and blocks over time. */
  history: IpHistoryDto;
  /** Server clock (ms). */
  now: number;
}

/** The IP detail page body. */
export function IpDetail(props: IpDetailProps) {
  const { lang, reputation } = props;
  return (
    <div class="space-y-4">
      <Card title={t(lang, "ip.reputation")} id="ip-reputation">
        {props.provider === null
          ? <p class="text-sm text-gray-500 dark:text-gray-400">{t(lang, "ip.reputation.absent")}</p>
          : typeof reputation === "string"
          ? <Banner kind="error">{reputation}</Banner>
          : (
            <div>
              {props.provider === "simulated" && <Banner kind="warn">simulated</Banner>}
              <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                {Object.entries(reputation ?? {}).map(([k, v]) => [
                  <dt key={`k-${k}`} class="text-gray-500 dark:text-gray-400">{k}</dt>,
                  <dd key={`v-${k}`} class="font-mono">{String(v)}</dd>,
                ])}
              </dl>
            </div>
          )}
      </Card>
      <Card title={t(lang, "ip.history")} id="ip-history">
        {props.history.total === 0 && props.history.blocks.length === 0
          ? <p class="text-sm text-gray-500">{t(lang, "ip.none")}</p>
          : <IpChart lang={lang} history={props.history} now={props.now} />}
      </Card>
      <Card title={`${t(lang, "ip.alerts")} (${props.history.total || props.alerts.length})`}>
        {props.alerts.length === 0
          ? <p class="text-sm text-gray-500">{t(lang, "ip.none")}</p>
          : (
            <table id="ip-alerts" class="mt-2 w-full text-sm">
              <thead>
                <tr>
                  <th class={`${TH} w-40`}>{t(lang, "events.time")}</th>
                  <th class={TH}>{t(lang, "events.label")}</th>
                  <th class={TH}>{t(lang, "events.src")}</th>
                  <th class={TH}>{t(lang, "events.dst")}</th>
                  <th class={TH}>{t(lang, "events.evidence")}</th>
                </tr>
              </thead>
              <tbody>
                {props.alerts.slice(0, 200).map((a) => (
                  <tr class="border-b border-gray-100 dark:border-ink-2">
                    <td class={`${TD} font-mono text-xs`}>{dateTime(a.ts)}</td>
                    <td class={`${TD} ${fg(attackColor(a.type))}`}>{alertLabel(lang, a)}</td>
                    <td class={`${TD} font-mono text-xs`}>{endpoint(a.src, a.srcPort, a.proto)}</td>
                    <td class={`${TD} font-mono text-xs`}>{endpoint(a.dst, a.dstPort, a.proto)}</td>
                    <td class="px-2 py-1 text-xs">{a.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </Card>
      <Card title={t(lang, "ip.blocks")}>
        {props.blocks.length === 0
          ? <p class="text-sm text-gray-500">{t(lang, "ip.none")}</p>
          : (
            <table id="ip-blocks" class="w-full text-sm">
              <tbody>
                {props.blocks.map((b) => (
                  <tr class="border-b border-gray-100 dark:border-ink-2">
                    <td class={`${TD} font-mono text-xs`}>{dateTime(b.ts)}</td>
                    <td class={TD}>{attackName(lang, b.type)}</td>
                    <td class={TD}>{b.action}</td>
                    <td class={`${TD} ${fg(STATUS_COLOR[b.status])}`}>
                      {t(lang, `ips.status.${b.status}` as "ips.status.active")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </Card>
    </div>
  );
}
