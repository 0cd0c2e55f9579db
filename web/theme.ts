/**
 * twind configuration shared by the server render and the browser islands (identical class names
 * on both sides), the seed's dark palette and a readable light one, and the attack colours.
 *
 * @module
 */
import { defineConfig } from "@twind/core";
import presetTailwind from "@twind/preset-tailwind";

/** Theme names. */
export type Theme = "dark" | "light";

/** The twind configuration (dark mode by the `dark` class on `<html>`). */
export const TWIND_CONFIG = defineConfig({
  presets: [presetTailwind()],
  darkMode: "class",
  hash: false,
  theme: {
    extend: {
      colors: {
        // the seed's Qt dark palette (Material dark surfaces) and accents
        ink: { DEFAULT: "#121212", 1: "#1e1e1e", 2: "#2a2a2a", 3: "#3a3a3a" },
        accent: { DEFAULT: "#bb86fc", cyan: "#00eaff", blue: "#82b1ff", red: "#ff5370", orange: "#ffa000" },
      },
      fontFamily: {
        sans: ["system-ui", "DejaVu Sans", "sans-serif"],
        mono: ["ui-monospace", "DejaVu Sans Mono", "monospace"],
      },
    },
  },
});

/**
 * Attack types and their colours. The server fills it from core/attack_type.ts and writes it into
 * the page (`data-palette` on `<body>`); the client bundle reads it from there, so the bundle does
 * not depend on the sensor's modules.
 */
export interface Palette {
  /** Every attack type, in a stable order (charts, filters). */
  types: string[];
  /** Colour per type (seed colours; tab20 for the new types). */
  colors: Record<string, string>;
}

/** The palette in use. */
export const PALETTE: Palette = { types: [], colors: {} };

/** Replaces the palette. */
export function setPalette(p: Palette): void {
  PALETTE.types = [...p.types];
  PALETTE.colors = { ...p.colors };
}

/** Colour of an attack type. */
export function attackColor(type: string): string {
  return PALETTE.colors[type] ?? "#9e9e9e";
}

/** Severity colours: 1 high, 2 medium, 3 low. */
export const SEVERITY_COLOR: Record<number, string> = { 1: "#ff5370", 2: "#ffa000", 3: "#82b1ff" };

/** Block status colours (the seed marks unblocked rows blue). */
export const STATUS_COLOR: Record<string, string> = {
  active: "#ff5370",
  simulated: "#ffa000",
  expired: "#9e9e9e",
  unblocked: "#82b1ff",
  failed: "#ff5370",
};

/** Text colour as a twind class (no style attributes: the CSP allows no inline style). */
export function fg(color: string): string {
  return `text-[${color}]`;
}

/** Background colour as a twind class. */
export function bg(color: string): string {
  return `bg-[${color}]`;
}

/** Width in percent as a twind class (one decimal). */
export function widthPct(fraction: number): string {
  return `w-[${(Math.max(0, Math.min(1, fraction)) * 100).toFixed(1)}%]`;
}

/** A 3 px coloured bar on the left edge of a table row. */
export function rowEdge(color: string): string {
  return `shadow-[inset_3px_0_0_${color}]`;
}
