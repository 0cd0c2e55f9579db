/**
 * Dashboard texts in English and Spanish (the seed's UI is Spanish), shared by server and islands.
 *
 * @module
 */

/** Supported languages. */
export type Lang = "en" | "es";

/** Attack display names per language (English from core/attack_type.ts, Spanish from the seed). */
const ATTACK_NAMES: Record<Lang, Record<string, string>> = {
  en: {
    syn_flood: "SYN Flood",
    ddos: "DDoS",
    port_scan: "Port Scan",
    udp_flood: "UDP Flood",
    exploit_probe: "Exploit Probe",
    sql_injection: "SQL Injection",
    icmp_flood: "ICMP Flood",
    brute_force: "Brute Force",
    evasion: "Evasion",
    manual: "Manual block",
  },
  es: {
    syn_flood: "SYN Flood",
    ddos: "DDOS",
    port_scan: "Escaneo de Puertos",
    udp_flood: "UDP Flood",
    exploit_probe: "Exploit",
    sql_injection: "Inyección SQL",
    icmp_flood: "Inundación ICMP",
    brute_force: "Fuerza bruta",
    evasion: "Evasión",
    manual: "Bloqueo manual",
  },
};

const EN = {
  "app.title": "ids dashboard",
  "nav.overview": "Overview",
  "nav.traffic": "Live traffic",
  "nav.events": "Events",
  "nav.ips": "IPS",
  "nav.settings": "Settings",
  "theme.dark": "Dark",
  "theme.light": "Light",
  "status.mode.live": "live capture",
  "status.mode.replay": "replay",
  "status.mode.demo": "demo (bundled capture, looped)",
  "status.source": "Source",
  "status.uptime": "Uptime",
  "status.pps": "Packets/s",
  "status.drops": "Kernel drops",
  "status.drops.na": "n/a (replay)",
  "status.model": "Model",
  "status.model.none": "heuristics only (no ML model loaded)",
  "status.model.heuristics": "heuristics only ({reason})",
  "status.model.loading": "{name} (loading)",
  "status.model.lazy": "{name} (starts at the first detection)",
  "status.model.reason.worker": "model Worker failed ({error})",
  "status.model.reason.not_loaded": "model not loaded",
  "status.model.reason.closed": "closed",
  "status.model.counts": "{verdicts} verdicts · {without} without a verdict",
  "status.model.counts.one": "{verdicts} verdict · {without} without a verdict",
  "status.model.counts.title":
    "rows left without a verdict (the heuristic label stood): queue full {queueFull}, failed {failed}, unanswered {unanswered}",
  "status.store": "Store",
  "status.store.none": "none: alerts since start only (--data DIR keeps them)",
  "status.ips": "IPS",
  "status.ips.real": "real firewall",
  "status.ips.simulated": "SIMULATED — nothing is really blocked",
  "status.ips.off": "off (detection only)",
  "status.ips.absent": "not part of this build",
  "status.stream": "Stream",
  "status.stream.live": "live",
  "status.stream.connecting": "connecting…",
  "status.stream.lost": "reconnecting…",
  "counter.packets": "Packets",
  "counter.bytes": "Bytes",
  "counter.alerts": "Alerts",
  "counter.blocks": "Active blocks",
  "chart.perMinute": "Alerts per minute by type",
  "chart.pps": "Packets per second",
  "chart.topSources": "Top sources",
  "chart.protocols": "Protocol mix",
  "chart.empty": "No data yet",
  "traffic.pause": "Pause",
  "traffic.resume": "Resume",
  "traffic.filter": "Filter (IP, port, protocol)",
  "traffic.paused": "paused — new lines are kept out",
  "traffic.empty": "No packets yet",
  "traffic.sampled": "A sample of packets is shown (at most 50 per second).",
  "events.time": "Time",
  "events.src": "Source",
  "events.dst": "Destination",
  "events.port": "Port",
  "events.proto": "Protocol",
  "events.flags": "Flags",
  "events.label": "Label",
  "events.severity": "Severity",
  "events.action": "Action",
  "events.evidence": "Evidence",
  "events.count": "Count",
  "events.search": "Search (/)",
  "events.type.all": "All types",
  "events.sev.all": "All severities",
  "events.ip": "IP",
  "events.since": "Since",
  "events.until": "Until",
  "events.group": "Group repeats (g)",
  "events.showAck": "Show acknowledged",
  "events.starred": "Escalated only",
  "events.ack": "Acknowledge",
  "events.unack": "Un-acknowledge",
  "events.star": "Escalate",
  "events.unstar": "De-escalate",
  "events.exportCsv": "Export CSV",
  "events.exportEve": "Export EVE",
  "events.empty": "No alerts match",
  "events.shown": "{n} shown of {m} in memory",
  "events.shownStore": "{n} shown of {m} in memory and {k} from the store",
  "events.skipped":
    "{n} alerts arrived faster than the page shows them; all are kept by the sensor (export or reload).",
  "events.keys": "Keys: j/k move · a acknowledge · s escalate · g group · / search · Esc clear",
  "events.older": "Load older",
  "events.older.store": "{n} older from the store",
  "events.older.end": "no older alerts in the store",
  "events.older.divider": "Older alerts, from the store",
  "events.nostore":
    "No store: this sensor keeps no database, so only alerts since it started are shown and triage marks last until it stops (start it with --data DIR).",
  "events.notkept": "Marked here, but not yet written to the store: try again in a moment.",
  "sev.1": "High",
  "sev.2": "Medium",
  "sev.3": "Low",
  "action.allowed": "allowed",
  "action.blocked": "blocked",
  "label.heuristic": "Heuristic",
  "ips.time": "Time",
  "ips.ip": "Blocked IP",
  "ips.type": "Attack Type",
  "ips.severity": "Severity",
  "ips.action": "Action Applied",
  "ips.status": "Status",
  "ips.remaining": "Time Remaining",
  "ips.unblock": "Unblock",
  "ips.status.active": "Active",
  "ips.status.simulated": "Simulated block",
  "ips.status.expired": "Expired",
  "ips.status.unblocked": "Unblocked",
  "ips.status.failed": "Failed",
  "ips.manual": "Block by hand",
  "ips.manual.ip": "IP address",
  "ips.manual.seconds": "Seconds",
  "ips.manual.submit": "Block",
  "ips.empty": "No blocks yet",
  "ips.older": "Load older blocks",
  "ips.older.end": "no older blocks in the store",
  "ips.nostore": "No store: only blocks since the sensor started are shown (--data DIR keeps them).",
  "ips.simulatedBanner": "Simulated IPS: blocks are recorded and counted down, but no firewall rule is written.",
  "ips.offBanner": "The IPS is off: the sensor only detects. Blocks by hand are not available.",
  "ips.absent": "The IPS is not part of this build yet: no blocks can be made or shown.",
  "ip.title": "IP {ip}",
  "ip.reputation": "Reputation (AbuseIPDB)",
  "ip.reputation.absent": "Not available: no reputation provider is configured in this build.",
  "ip.alerts": "Alerts from this IP",
  "ip.blocks": "Blocks of this IP",
  "ip.none": "None",
  "ip.history": "Alerts and blocks over time",
  "ip.history.store": "from the store (every run)",
  "ip.history.memory": "this run only (no store)",
  "ip.history.blocks": "blocks",
  "ip.history.newest": "the newest {n} of {m} alerts",
  "settings.title": "Settings",
  "settings.readonly":
    "Read-only: this sensor has neither --config FILE nor a data directory to keep settings in (start it without --no-data, or with --config FILE).",
  "settings.file": "Settings file",
  "settings.thresholds": "Thresholds",
  "settings.threshold": "threshold",
  "settings.window": "window (s)",
  "settings.enabled": "enabled",
  "settings.general": "General",
  "settings.alert_interval_s": "Seconds between repeat alerts (per source and type)",
  "settings.block_seconds": "Block duration (s)",
  "settings.ml_confidence": "ML confidence (0–1)",
  "settings.trusted_ips": "Trusted IPs (one per line)",
  "settings.trusted_cidrs": "Trusted CIDRs (one per line)",
  "settings.ips": "IPS",
  "settings.ips.na": "The IPS switch is not available in this build.",
  "settings.telegram": "Telegram",
  "settings.telegram.test": "Send test message",
  "settings.telegram.na": "Telegram notifications are not available in this build.",
  "settings.apply": "Apply",
  "settings.applied": "Applied: written to {file} and in force.",
  "settings.errors": "Not applied — {n} problem(s):",
  "auth.title": "Access token needed",
  "auth.body":
    "Open the URL that ids printed at start-up (it holds the access token). The token is kept in the data directory in dashboard.token.",
  "notfound": "Not found",
} as const;

/** A text key. */
export type TextKey = keyof typeof EN;

const ES: Record<TextKey, string> = {
  "app.title": "Panel ids",
  "nav.overview": "Resumen",
  "nav.traffic": "Tráfico en vivo",
  "nav.events": "Eventos",
  "nav.ips": "IPS",
  "nav.settings": "Ajustes",
  "theme.dark": "Oscuro",
  "theme.light": "Claro",
  "status.mode.live": "captura en vivo",
  "status.mode.replay": "reproducción",
  "status.mode.demo": "demo (captura incluida, en bucle)",
  "status.source": "Origen",
  "status.uptime": "Tiempo activo",
  "status.pps": "Paquetes/s",
  "status.drops": "Descartes del kernel",
  "status.drops.na": "n/d (reproducción)",
  "status.model": "Modelo",
  "status.model.none": "solo heurística (sin modelo ML cargado)",
  "status.model.heuristics": "solo heurística ({reason})",
  "status.model.loading": "{name} (cargando)",
  "status.model.lazy": "{name} (arranca con la primera detección)",
  "status.model.reason.worker": "falló el Worker del modelo ({error})",
  "status.model.reason.not_loaded": "modelo no cargado",
  "status.model.reason.closed": "cerrado",
  "status.model.counts": "{verdicts} veredictos · {without} sin veredicto",
  "status.model.counts.one": "{verdicts} veredicto · {without} sin veredicto",
  "status.model.counts.title":
    "filas sin veredicto (quedó la etiqueta heurística): cola llena {queueFull}, fallidas {failed}, sin respuesta {unanswered}",
  "status.store": "Almacén",
  "status.store.none": "ninguno: solo alertas desde el arranque (--data DIR las guarda)",
  "status.ips": "IPS",
  "status.ips.real": "cortafuegos real",
  "status.ips.simulated": "SIMULADO — no se bloquea nada de verdad",
  "status.ips.off": "apagado (solo detección)",
  "status.ips.absent": "no incluido en esta versión",
  "status.stream": "Flujo",
  "status.stream.live": "en vivo",
  "status.stream.connecting": "conectando…",
  "status.stream.lost": "reconectando…",
  "counter.packets": "Paquetes",
  "counter.bytes": "Bytes",
  "counter.alerts": "Alertas",
  "counter.blocks": "Bloqueos activos",
  "chart.perMinute": "Alertas por minuto y tipo",
  "chart.pps": "Paquetes por segundo",
  "chart.topSources": "Principales orígenes",
  "chart.protocols": "Protocolos",
  "chart.empty": "Aún sin datos",
  "traffic.pause": "Pausar",
  "traffic.resume": "Reanudar",
  "traffic.filter": "Filtro (IP, puerto, protocolo)",
  "traffic.paused": "en pausa — las líneas nuevas no se muestran",
  "traffic.empty": "Aún no hay paquetes",
  "traffic.sampled": "Se muestra una muestra de paquetes (como máximo 50 por segundo).",
  "events.time": "Hora",
  "events.src": "Origen",
  "events.dst": "Destino",
  "events.port": "Puerto",
  "events.proto": "Protocolo",
  "events.flags": "Flags",
  "events.label": "Etiqueta",
  "events.severity": "Severidad",
  "events.action": "Acción",
  "events.evidence": "Evidencia",
  "events.count": "Veces",
  "events.search": "Buscar (/)",
  "events.type.all": "Todos los tipos",
  "events.sev.all": "Todas las severidades",
  "events.ip": "IP",
  "events.since": "Desde",
  "events.until": "Hasta",
  "events.group": "Agrupar repeticiones (g)",
  "events.showAck": "Mostrar reconocidas",
  "events.starred": "Solo escaladas",
  "events.ack": "Reconocer",
  "events.unack": "Quitar reconocimiento",
  "events.star": "Escalar",
  "events.unstar": "Desescalar",
  "events.exportCsv": "Exportar CSV",
  "events.exportEve": "Exportar EVE",
  "events.empty": "Ninguna alerta coincide",
  "events.shown": "{n} mostradas de {m} en memoria",
  "events.shownStore": "{n} mostradas de {m} en memoria y {k} del almacén",
  "events.skipped":
    "{n} alertas llegaron más rápido de lo que la página las muestra; el sensor las guarda todas (exporte o recargue).",
  "events.keys": "Teclas: j/k mover · a reconocer · s escalar · g agrupar · / buscar · Esc limpiar",
  "events.older": "Cargar anteriores",
  "events.older.store": "{n} anteriores del almacén",
  "events.older.end": "no hay alertas anteriores en el almacén",
  "events.older.divider": "Alertas anteriores, del almacén",
  "events.nostore":
    "Sin almacén: este sensor no guarda base de datos, así que solo se muestran las alertas desde su arranque y las marcas de triaje duran hasta que se detenga (arránquelo con --data DIR).",
  "events.notkept": "Marcada aquí, pero aún no escrita en el almacén: inténtelo de nuevo en un momento.",
  "sev.1": "Alta",
  "sev.2": "Media",
  "sev.3": "Baja",
  "action.allowed": "permitido",
  "action.blocked": "bloqueado",
  "label.heuristic": "Heurística",
  "ips.time": "Hora",
  "ips.ip": "IP bloqueada",
  "ips.type": "Tipo de ataque",
  "ips.severity": "Severidad",
  "ips.action": "Acción aplicada",
  "ips.status": "Estado",
  "ips.remaining": "Tiempo restante",
  "ips.unblock": "Desbloquear",
  "ips.status.active": "Activo",
  "ips.status.simulated": "Bloqueo simulado",
  "ips.status.expired": "Expirado",
  "ips.status.unblocked": "Desbloqueado",
  "ips.status.failed": "Fallido",
  "ips.manual": "Bloquear a mano",
  "ips.manual.ip": "Dirección IP",
  "ips.manual.seconds": "Segundos",
  "ips.manual.submit": "Bloquear",
  "ips.empty": "Aún no hay bloqueos",
  "ips.older": "Cargar bloqueos anteriores",
  "ips.older.end": "no hay bloqueos anteriores en el almacén",
  "ips.nostore": "Sin almacén: solo se muestran los bloqueos desde el arranque del sensor (--data DIR los guarda).",
  "ips.simulatedBanner":
    "IPS simulado: los bloqueos se registran y cuentan hacia atrás, pero no se escribe ninguna regla de cortafuegos.",
  "ips.offBanner": "El IPS está apagado: el sensor solo detecta. No se puede bloquear a mano.",
  "ips.absent": "El IPS aún no forma parte de esta versión: no se pueden crear ni mostrar bloqueos.",
  "ip.title": "IP {ip}",
  "ip.reputation": "Reputación (AbuseIPDB)",
  "ip.reputation.absent": "No disponible: esta versión no tiene un proveedor de reputación configurado.",
  "ip.alerts": "Alertas de esta IP",
  "ip.blocks": "Bloqueos de esta IP",
  "ip.none": "Ninguno",
  "ip.history": "Alertas y bloqueos en el tiempo",
  "ip.history.store": "del almacén (todas las ejecuciones)",
  "ip.history.memory": "solo esta ejecución (sin almacén)",
  "ip.history.blocks": "bloqueos",
  "ip.history.newest": "las {n} alertas más recientes de {m}",
  "settings.title": "Ajustes",
  "settings.readonly":
    "Solo lectura: este sensor no tiene ni --config FICHERO ni directorio de datos donde guardar los ajustes (arránquelo sin --no-data, o con --config FICHERO).",
  "settings.file": "Fichero de ajustes",
  "settings.thresholds": "Umbrales",
  "settings.threshold": "umbral",
  "settings.window": "ventana (s)",
  "settings.enabled": "activo",
  "settings.general": "General",
  "settings.alert_interval_s": "Segundos entre alertas repetidas (por origen y tipo)",
  "settings.block_seconds": "Duración del bloqueo (s)",
  "settings.ml_confidence": "Confianza ML (0–1)",
  "settings.trusted_ips": "IPs de confianza (una por línea)",
  "settings.trusted_cidrs": "CIDR de confianza (uno por línea)",
  "settings.ips": "IPS",
  "settings.ips.na": "El interruptor del IPS no está disponible en esta versión.",
  "settings.telegram": "Telegram",
  "settings.telegram.test": "Enviar mensaje de prueba",
  "settings.telegram.na": "Las notificaciones de Telegram no están disponibles en esta versión.",
  "settings.apply": "Aplicar",
  "settings.applied": "Aplicado: escrito en {file} y en vigor.",
  "settings.errors": "No aplicado — {n} problema(s):",
  "auth.title": "Se necesita el token de acceso",
  "auth.body":
    "Abra la URL que ids mostró al arrancar (contiene el token de acceso). El token se guarda en el directorio de datos, en dashboard.token.",
  "notfound": "No encontrado",
};

const TEXTS: Record<Lang, Record<TextKey, string>> = { en: EN, es: ES };

/** Translates `key`, replacing `{name}` placeholders from `vars`. */
export function t(lang: Lang, key: TextKey, vars: Record<string, string | number> = {}): string {
  const text: string = TEXTS[lang][key] ?? EN[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/**
 * The Overview's model row in `lang` from `StatusDto.model` (web/dto.ts), which the sensor writes in English:
 * null is heuristics only without a model; the fixed wording around the model's name (`NAME (loading)`, `NAME (starts
 * at the first detection)`) and of `heuristics only (<reason>)` is translated, and so is a reason the sensor words
 * itself (`model Worker failed (<error>)`, `model not loaded`, `closed`); the name and an error's own text stay as they
 * are. Plain text: the caller escapes it (JSX does).
 */
export function modelStatusText(lang: Lang, model: string | null): string {
  if (model === null) return t(lang, "status.model.none");
  const heuristics = /^heuristics only \((.*)\)$/s.exec(model);
  if (heuristics) return t(lang, "status.model.heuristics", { reason: modelReasonText(lang, heuristics[1]) });
  const loading = /^(.*) \(loading\)$/s.exec(model);
  if (loading) return t(lang, "status.model.loading", { name: loading[1] });
  const lazy = /^(.*) \(starts at the first detection\)$/s.exec(model);
  if (lazy) return t(lang, "status.model.lazy", { name: lazy[1] });
  return model;
}

/** Why a model does not classify, in `lang` when the sensor worded it (sensor/flow_model.ts, ml/classifier.ts). */
function modelReasonText(lang: Lang, reason: string): string {
  const worker = /^model Worker failed \((.*)\)$/s.exec(reason);
  if (worker) return t(lang, "status.model.reason.worker", { error: worker[1] });
  if (reason === "model not loaded") return t(lang, "status.model.reason.not_loaded");
  if (reason === "closed") return t(lang, "status.model.reason.closed");
  return reason;
}

/** Attack display name in `lang` (the machine name for unknown types). */
export function attackName(lang: Lang, type: string): string {
  return ATTACK_NAMES[lang][type] ?? type;
}

/** The label in `lang`: `SYN Flood (ML: 97.3%)` or `SYN Flood (Heuristic)` / `(Heurística)`. */
export function alertLabel(lang: Lang, a: { type: string; decidedBy: string; ml?: number }): string {
  const name = attackName(lang, a.type);
  if (a.decidedBy === "ml" && a.ml !== undefined) return `${name} (ML: ${(a.ml * 100).toFixed(1)}%)`;
  return `${name} (${t(lang, "label.heuristic")})`;
}

/** Picks a language from an Accept-Language header: Spanish when preferred over English. */
export function langFromHeader(header: string | undefined | null): Lang {
  if (!header) return "en";
  const prefs = header.split(",").map((part) => {
    const [tag, ...params] = part.trim().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
  }).sort((a, b) => b.q - a.q);
  for (const p of prefs) {
    if (p.tag.startsWith("es")) return "es";
    if (p.tag.startsWith("en")) return "en";
  }
  return "en";
}

/** Parses a language code; undefined when not supported. */
export function parseLang(value: string | undefined | null): Lang | undefined {
  return value === "en" || value === "es" ? value : undefined;
}
