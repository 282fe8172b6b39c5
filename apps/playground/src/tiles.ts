// Small images laid out as tiles in one canvas, painted where the pixels are: the first layer's
// weights and the test images the model got wrong are painted in the worker (OffscreenCanvas) and
// reach the page as an ImageBitmap / a PNG, so that the page only shows them; the drawing pad's
// 28×28 preview is painted in the page.

/** The tiles' shown size in CSS pixels. */
export const TILE_PX = 42;

export interface TileLayout {
  /** Each tile's size in values. */
  width: number;
  height: number;
  /** Tiles to a row. */
  columns: number;
  /** Each value as a zoom×zoom block (nearest neighbour). */
  zoom?: number;
  /** Blank (transparent) pixels between tiles. */
  gap?: number;
  /** true: weights, blue below 0 and red above, each tile scaled by its largest magnitude; false: grey levels in [0, 255], ink white on black as in MNIST. */
  signed: boolean;
}

type Canvas = HTMLCanvasElement | OffscreenCanvas;
type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * Paints tiles of width×height values into one canvas, sized to fit them. One canvas for many
 * tiles: a canvas per tile (64 weights + 48 wrong answers) made the page create, paint and
 * composite 112 canvases as training ended, and blocked input for 100 ms and more.
 */
export function paintTiles(canvas: Canvas, tiles: ArrayLike<number>[], layout: TileLayout): void {
  const { width, height, signed } = layout;
  const zoom = layout.zoom ?? 1;
  const gap = layout.gap ?? 0;
  const area = width * height;
  // The tiles at a pixel a value, one above the other (a pixel is one little-endian RGBA word)…
  const strip = new ImageData(Math.max(1, width), Math.max(1, height * tiles.length));
  const pixels = new Uint32Array(strip.data.buffer);
  const rgba = (r: number, g: number, b: number): number => (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
  for (let t = 0; t < tiles.length; t++) {
    const values = tiles[t]!;
    let scale = 0;
    if (signed) for (let i = 0; i < area; i++) scale = Math.max(scale, Math.abs(values[i]!));
    scale ||= 1;
    for (let i = 0; i < area; i++) {
      const v = values[i]!;
      if (signed) {
        const c = (255.5 - 255 * Math.min(1, Math.abs(v) / scale)) | 0;
        pixels[t * area + i] = rgba(v > 0 ? 255 : c, c, v < 0 ? 255 : c);
      } else {
        pixels[t * area + i] = rgba(v, v, v);
      }
    }
  }
  // …then laid out in rows and enlarged by the canvas (nearest neighbour), not pixel by pixel in JS.
  const columns = Math.max(1, Math.min(layout.columns, tiles.length));
  const rows = Math.ceil(tiles.length / columns);
  canvas.width = Math.max(1, columns * (width * zoom + gap) - gap);
  canvas.height = Math.max(1, rows * (height * zoom + gap) - gap);
  const ctx = canvas.getContext('2d') as Context2D;
  if (zoom === 1 && columns === 1) return ctx.putImageData(strip, 0, 0);
  const source = new OffscreenCanvas(strip.width, strip.height);
  source.getContext('2d')!.putImageData(strip, 0, 0);
  ctx.imageSmoothingEnabled = false;
  for (let t = 0; t < tiles.length; t++) {
    const left = (t % columns) * (width * zoom + gap);
    const top = Math.floor(t / columns) * (height * zoom + gap);
    ctx.drawImage(source, 0, t * height, width, height, left, top, width * zoom, height * zoom);
  }
}
