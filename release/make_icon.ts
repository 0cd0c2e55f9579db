/**
 * Writes `release/ids.ico`, the Windows icon of `ids.exe`: a shield in the dashboard's palette at
 * 16, 32 and 48 px, as 32-bit BMP images inside an ICO container. Run: `deno run -W release/make_icon.ts`.
 *
 * @module
 */

/** RGBA pixel at (x, y) for an icon of `size` px: a cyan shield with a dark eye on transparent. */
function pixel(x: number, y: number, size: number): [number, number, number, number] {
  const u = (x + 0.5) / size, v = (y + 0.5) / size; // 0..1
  const half = Math.abs(u - 0.5);
  // Shield: flat top from v=0.08, straight sides to v=0.55, then narrowing to a point at v=0.95.
  const inShield = v > 0.08 && v < 0.95 &&
    (v < 0.55 ? half < 0.40 : half < 0.40 * (0.95 - v) / 0.40);
  if (!inShield) return [0, 0, 0, 0];
  const d = Math.hypot(u - 0.5, (v - 0.45) * 1.6);
  if (d < 0.10) return [18, 18, 30, 255]; // pupil
  if (d < 0.22) return [255, 255, 255, 255]; // eye
  const edge = v < 0.55 ? 0.40 - half : 0.40 * (0.95 - v) / 0.40 - half;
  if (edge < 0.06 || v < 0.14) return [0, 160, 190, 255]; // rim
  return [0, 234, 255, 255]; // #00eaff
}

/** One BMP image (BITMAPINFOHEADER, bottom-up BGRA, AND mask) as the ICO format stores it. */
function bmp(size: number): Uint8Array {
  const maskRow = Math.ceil(size / 32) * 4;
  const out = new Uint8Array(40 + size * size * 4 + maskRow * size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 40, true);
  dv.setInt32(4, size, true);
  dv.setInt32(8, size * 2, true); // colour + mask
  dv.setUint16(12, 1, true);
  dv.setUint16(14, 32, true);
  dv.setUint32(20, size * size * 4 + maskRow * size, true);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y, size);
      const o = 40 + ((size - 1 - y) * size + x) * 4;
      out[o] = b, out[o + 1] = g, out[o + 2] = r, out[o + 3] = a;
    }
  }
  return out; // the AND mask stays zero: alpha decides
}

/** The whole ICO file with the given sizes. */
export function makeIcon(sizes: readonly number[] = [16, 32, 48]): Uint8Array {
  const images = sizes.map(bmp);
  const header = 6 + 16 * sizes.length;
  const total = header + images.reduce((n, i) => n + i.length, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint16(2, 1, true); // type: icon
  dv.setUint16(4, sizes.length, true);
  let offset = header;
  sizes.forEach((size, i) => {
    const e = 6 + 16 * i;
    out[e] = size, out[e + 1] = size;
    dv.setUint16(e + 4, 1, true);
    dv.setUint16(e + 6, 32, true);
    dv.setUint32(e + 8, images[i].length, true);
    dv.setUint32(e + 12, offset, true);
    out.set(images[i], offset);
    offset += images[i].length;
  });
  return out;
}

if (import.meta.main) {
  await Deno.writeFile(new URL("./ids.ico", import.meta.url), makeIcon());
  console.log("wrote release/ids.ico");
}
