// Dependency-free SVG charts of benchmark results: a bar chart of the Tessera/peer ratios and line
// charts of the scaling sweeps. Plain SVG 1.1 that browsers, GitHub and image viewers all render.

import type { Row } from './harness.js';

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#64748b'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmtNumber(v: number): string {
  if (v >= 1000) return `${Math.round(v / 100) / 10}k`.replace('.0k', 'k');
  if (v >= 10) return String(Math.round(v));
  if (v >= 1) return String(Math.round(v * 10) / 10);
  return String(Number(v.toPrecision(2)));
}

/** Powers of ten (and 2×, 5× between them when the range is narrow) covering [lo, hi]. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) throw new Error(`logTicks: need 0 < lo <= hi, got ${lo}, ${hi}`);
  const ticks: number[] = [];
  const decades = Math.log10(hi / lo);
  const steps = decades <= 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of steps) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(Number(v.toPrecision(3)));
    }
  }
  return ticks;
}

/**
 * Horizontal bars, one a row with a peer number, on a log axis of "times better than TF.js" with a
 * line at 1×; a bar right of it is a Tessera win. Bars are coloured by Tessera contender.
 */
export function ratioChart(rows: Row[], title: string): string {
  const bars = rows.filter((r): r is Row & { ratio: number } => r.ratio !== null && Number.isFinite(r.ratio) && r.ratio > 0);
  if (bars.length === 0) throw new Error('ratioChart: no row has a ratio to plot');
  const contenders = [...new Set(bars.map((r) => r.contender))];
  const color = (c: string): string => PALETTE[contenders.indexOf(c) % PALETTE.length]!;
  const labels = bars.map((r) => `${r.benchmark} — ${r.contender} vs ${r.peerName}`);
  const labelW = Math.min(560, Math.max(...labels.map((l) => l.length)) * 6.2 + 12);
  const plotW = 420;
  const barH = 16;
  const gap = 5;
  const top = 56;
  const height = top + bars.length * (barH + gap) + 44;
  const width = labelW + plotW + 70;
  const lo = Math.min(0.5, ...bars.map((r) => r.ratio)) / 1.2;
  const hi = Math.max(2, ...bars.map((r) => r.ratio)) * 1.2;
  const x = (v: number): number => labelW + (Math.log(v / lo) / Math.log(hi / lo)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="600">${escapeXml(title)}</text>`);
  out.push(`<text x="10" y="38" fill="#555">Tessera's result ÷ TF.js's (times ÷ for ms and MB): right of the 1× line, Tessera is better. Log scale.</text>`);
  const axisY = top + bars.length * (barH + gap);
  for (const t of logTicks(lo, hi)) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${axisY}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${axisY + 14}" text-anchor="middle" fill="#555">${fmtNumber(t)}×</text>`);
  }
  bars.forEach((r, i) => {
    const y = top + i * (barH + gap);
    const x0 = x(Math.min(1, r.ratio));
    const x1 = x(Math.max(1, r.ratio));
    out.push(`<text x="${labelW - 8}" y="${y + barH - 4}" text-anchor="end">${escapeXml(labels[i]!)}</text>`);
    out.push(`<rect class="bar" x="${x0.toFixed(1)}" y="${y}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${barH}" fill="${color(r.contender)}" opacity="${r.ratio >= 1 ? 0.9 : 0.45}"/>`);
    out.push(`<text x="${(x1 + 4).toFixed(1)}" y="${y + barH - 4}">${r.ratio >= 10 ? r.ratio.toFixed(0) : r.ratio.toFixed(2)}×</text>`);
  });
  out.push(`<line x1="${x(1).toFixed(1)}" y1="${top - 8}" x2="${x(1).toFixed(1)}" y2="${axisY + 2}" stroke="#111" stroke-width="1.5"/>`);
  contenders.forEach((c, i) => {
    const lx = labelW + i * 110;
    out.push(`<rect x="${lx}" y="${height - 21}" width="12" height="12" fill="${color(c)}"/>`);
    out.push(`<text x="${lx + 16}" y="${height - 11}">Tessera ${escapeXml(c)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export interface Series {
  name: string;
  points: [number, number][];
}

export interface LineChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
}

/** Lines with markers, one a series, on linear or log axes, with a legend. */
export function lineChart(series: Series[], o: LineChartOptions): string {
  const pts = series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && (!o.logX || a > 0) && (!o.logY || b > 0));
  if (pts.length === 0) throw new Error(`lineChart '${o.title}': no points to plot`);
  const [width, height] = [720, 420];
  const m = { left: 70, right: 190, top: 56, bottom: 50 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const range = (vals: number[], log: boolean | undefined): [number, number] => {
    let lo = Math.min(...vals);
    const hi = Math.max(...vals);
    if (log) return lo === hi ? [lo / 2, hi * 2] : [lo / 1.15, hi * 1.15];
    lo = Math.min(0, lo);
    return lo === hi ? [lo, lo + 1] : [lo, hi * 1.08];
  };
  const [x0, x1] = range(pts.map((p) => p[0]), o.logX);
  const [y0, y1] = range(pts.map((p) => p[1]), o.logY);
  const sx = (v: number): number => m.left + (o.logX ? Math.log(v / x0) / Math.log(x1 / x0) : (v - x0) / (x1 - x0)) * pw;
  const sy = (v: number): number => m.top + ph - (o.logY ? Math.log(v / y0) / Math.log(y1 / y0) : (v - y0) / (y1 - y0)) * ph;
  const linTicks = (lo: number, hi: number): number[] => {
    const step = 10 ** Math.floor(Math.log10((hi - lo) / 5 || 1));
    const nice = [1, 2, 5, 10].map((k) => k * step).find((s) => (hi - lo) / s <= 8) ?? step * 10;
    const out: number[] = [];
    for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-9; v += nice) out.push(Number(v.toPrecision(6)));
    return out;
  };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="600">${escapeXml(o.title)}</text>`);
  if (o.subtitle) out.push(`<text x="10" y="38" fill="#555">${escapeXml(o.subtitle)}</text>`);
  for (const t of o.logX ? logTicks(x0, x1) : linTicks(x0, x1)) {
    out.push(`<line x1="${sx(t).toFixed(1)}" y1="${m.top}" x2="${sx(t).toFixed(1)}" y2="${m.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${sx(t).toFixed(1)}" y="${m.top + ph + 15}" text-anchor="middle" fill="#555">${fmtNumber(t)}</text>`);
  }
  for (const t of o.logY ? logTicks(y0, y1) : linTicks(y0, y1)) {
    out.push(`<line x1="${m.left}" y1="${sy(t).toFixed(1)}" x2="${m.left + pw}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${fmtNumber(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(o.xLabel)}${o.logX ? ' (log)' : ''}</text>`);
  out.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}${o.logY ? ' (log)' : ''}</text>`);
  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length]!;
    const p = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && (!o.logX || a > 0) && (!o.logY || b > 0));
    if (p.length > 1) out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${p.map(([a, b]) => `${sx(a).toFixed(1)},${sy(b).toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of p) out.push(`<circle cx="${sx(a).toFixed(1)}" cy="${sy(b).toFixed(1)}" r="3" fill="${c}"/>`);
    const ly = m.top + 8 + i * 18;
    out.push(`<line x1="${m.left + pw + 14}" y1="${ly}" x2="${m.left + pw + 34}" y2="${ly}" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${m.left + pw + 40}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
