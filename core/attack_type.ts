/**
 * Attack types (bottom layer, importable from every folder): machine names, display names, colours and EVE signature ids (see shared/PRODUCT.md).
 *
 * @module
 */

/** Every attack type `ids` can report. */
export const ATTACK_TYPES = [
  "sql_injection",
  "port_scan",
  "ddos",
  "syn_flood",
  "udp_flood",
  "exploit_probe",
  "icmp_flood",
  "brute_force",
  "evasion",
] as const;

/** Machine name of an attack type (config keys, EVE tags, database). */
export type AttackType = typeof ATTACK_TYPES[number];

/** Static facts about one attack type. */
export interface AttackInfo {
  /** Name shown to people, e.g. `SYN Flood`. */
  display: string;
  /** Dashboard colour. */
  color: string;
  /** EVE `alert.signature_id`; stable across releases. */
  signatureId: number;
  /** EVE `alert.category` (Suricata classification text). */
  category: string;
}

/** tab20 colours; types without a seed colour get one deterministically from their name. */
const TAB20 = [
  "#1f77b4",
  "#aec7e8",
  "#ff7f0e",
  "#ffbb78",
  "#2ca02c",
  "#98df8a",
  "#d62728",
  "#ff9896",
  "#9467bd",
  "#c5b0d5",
  "#8c564b",
  "#c49c94",
  "#e377c2",
  "#f7b6d2",
  "#7f7f7f",
  "#c7c7c7",
  "#bcbd22",
  "#dbdb8d",
  "#17becf",
  "#9edae5",
];

/** Deterministic tab20 colour for a label (FNV-1a of the text). */
export function tab20Color(label: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return TAB20[(h >>> 0) % TAB20.length];
}

/** Facts per attack type. */
export const ATTACKS: Readonly<Record<AttackType, AttackInfo>> = {
  syn_flood: { display: "SYN Flood", color: "#82b1ff", signatureId: 9000001, category: "Attempted Denial of Service" },
  ddos: { display: "DDoS", color: "#00eaff", signatureId: 9000002, category: "Attempted Denial of Service" },
  port_scan: {
    display: "Port Scan",
    color: "#bb86fc",
    signatureId: 9000003,
    category: "Detection of a Network Scan",
  },
  udp_flood: { display: "UDP Flood", color: "#ffa000", signatureId: 9000004, category: "Attempted Denial of Service" },
  exploit_probe: {
    display: "Exploit Probe",
    color: tab20Color("exploit_probe"),
    signatureId: 9000005,
    category: "Attempted Administrator Privilege Gain",
  },
  sql_injection: {
    display: "SQL Injection",
    color: "#ff5370",
    signatureId: 9000006,
    category: "Web Application Attack",
  },
  icmp_flood: {
    display: "ICMP Flood",
    color: tab20Color("icmp_flood"),
    signatureId: 9000007,
    category: "Attempted Denial of Service",
  },
  brute_force: {
    display: "Brute Force",
    color: tab20Color("brute_force"),
    signatureId: 9000008,
    category: "Attempted User Privilege Gain",
  },
  evasion: {
    display: "IDS Evasion",
    color: tab20Color("evasion"),
    signatureId: 9000009,
    category: "Misc Attack",
  },
};

/** True when `value` is the machine name of an attack type. */
export function isAttackType(value: unknown): value is AttackType {
  return typeof value === "string" && Object.hasOwn(ATTACKS, value);
}
