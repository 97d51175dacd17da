/**
 * Generates the Teams app icons in appPackage/:
 *
 *   color.png   192×192  white "Q" (a ring with a tail) on an opaque teal square (#0F6C74)
 *   outline.png  32×32   the same "Q" in pure white on a fully transparent background
 *
 * Everything is drawn mathematically, pixel by pixel, so the icons can be regenerated
 * offline and reviewed as code. Run:  npx tsx scripts/make-icons.ts
 *
 * Teams rules the icons must respect (checked by test/manifest.test.ts):
 *   - color.png is 192×192 and fully opaque;
 *   - outline.png is 32×32 and every pixel is either fully transparent or opaque white.
 *     So the outline is NOT anti-aliased: a pixel is white when at least half of it is
 *     covered by the glyph, transparent otherwise.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

type Rgb = readonly [number, number, number];
/** Shape in unit coordinates: (0,0) is the top-left corner of the icon, (1,1) the bottom-right. */
type Shape = (u: number, v: number) => boolean;

const TEAL: Rgb = [0x0f, 0x6c, 0x74];
const WHITE: Rgb = [0xff, 0xff, 0xff];

/** Distance from point p to the segment a–b. */
function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

interface QGeometry {
  cx: number; // ring centre
  cy: number;
  rOuter: number; // ring radii
  rInner: number;
  tail: { ax: number; ay: number; bx: number; by: number; halfWidth: number };
}

/** A "Q": an annulus plus a rounded diagonal stroke crossing its lower-right edge. */
function qShape(g: QGeometry): Shape {
  return (u, v) => {
    const r = Math.hypot(u - g.cx, v - g.cy);
    if (r <= g.rOuter && r >= g.rInner) return true;
    const { ax, ay, bx, by, halfWidth } = g.tail;
    return distToSegment(u, v, ax, ay, bx, by) <= halfWidth;
  };
}

/** Fraction of the pixel (x, y) covered by the shape, estimated with n×n samples. */
function coverage(shape: Shape, x: number, y: number, size: number, n: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (shape((x + (i + 0.5) / n) / size, (y + (j + 0.5) / n) / size)) hits++;
    }
  }
  return hits / (n * n);
}

/** Opaque icon: glyph colour blended over the background by coverage (anti-aliased). */
function renderColor(size: number, shape: Shape, bg: Rgb, fg: Rgb): PNG {
  const png = new PNG({ width: size, height: size, colorType: 6 });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = coverage(shape, x, y, size, 4);
      const i = (y * size + x) * 4;
      for (let k = 0; k < 3; k++) png.data[i + k] = Math.round(bg[k]! * (1 - c) + fg[k]! * c);
      png.data[i + 3] = 255;
    }
  }
  return png;
}

/** Outline icon: opaque white where the glyph covers ≥ 50 % of the pixel, else fully transparent. */
function renderOutline(size: number, shape: Shape): PNG {
  const png = new PNG({ width: size, height: size, colorType: 6 });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = coverage(shape, x, y, size, 8) >= 0.5;
      const i = (y * size + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = on ? 255 : 0;
      png.data[i + 3] = on ? 255 : 0;
    }
  }
  return png;
}

// Geometry of the Q, in unit coordinates. The colour icon leaves generous padding because
// Teams rounds the corners of the tile; the outline uses more of its tiny canvas.
const colorQ = qShape({
  cx: 0.48,
  cy: 0.47,
  rOuter: 0.3,
  rInner: 0.205,
  tail: { ax: 0.57, ay: 0.57, bx: 0.76, by: 0.77, halfWidth: 0.05 },
});
const outlineQ = qShape({
  cx: 0.47,
  cy: 0.46,
  rOuter: 0.37,
  rInner: 0.24,
  tail: { ax: 0.63, ay: 0.62, bx: 0.86, by: 0.86, halfWidth: 0.07 },
});

function save(png: PNG, relative: string): void {
  const path = fileURLToPath(new URL(relative, import.meta.url));
  writeFileSync(path, PNG.sync.write(png));
  console.log(`wrote ${path} (${png.width}×${png.height})`);
}

save(renderColor(192, colorQ, TEAL, WHITE), '../appPackage/color.png');
save(renderOutline(32, outlineQ), '../appPackage/outline.png');
