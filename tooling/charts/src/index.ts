// SVG line charts of per-epoch training curves, for the HTML reports of apps/mnist-trainer and
// apps/text-generator. Plain SVG 1.1 that browsers render inline; no dependencies.

/** Escapes text for SVG/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

export interface EpochSeries {
  name: string;
  /** One value per epoch, epoch 1 first. */
  values: number[];
}

export interface EpochChartOptions {
  /** Width and height in pixels (default 560 × 320). */
  width?: number;
  height?: number;
  /** A dashed horizontal line with its own legend entry (e.g. a baseline's score). */
  reference?: { name: string; value: number } | null;
}

/**
 * An SVG line chart of several series over epochs: axes with ticks, a point per epoch (its value
 * in a tooltip), a legend in the corner the curves leave free (bottom right when a curve rises,
 * top right otherwise) and an optional dashed reference line. The y range pads the data by 8%
 * and does not go below 0 for data that does not.
 */
export function epochChart(title: string, series: EpochSeries[], yLabel: string, options: EpochChartOptions = {}): string {
  const { width: W = 560, height: H = 320, reference = null } = options;
  const m = { l: 60, r: 20, t: 36, b: 44 };
  const all = [...series.flatMap((s) => s.values), ...(reference ? [reference.value] : [])].filter(Number.isFinite);
  const n = Math.max(...series.map((s) => s.values.length), 1);
  if (series.every((s) => s.values.length === 0) || all.length === 0) return `<svg width="${W}" height="${H}"><text x="20" y="40">${escapeXml(title)}: no data</text></svg>`;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.08;
  const nonNegative = lo >= 0;
  lo -= pad;
  hi += pad;
  if (nonNegative) lo = Math.max(lo, 0);
  const x = (i: number): number => m.l + (n === 1 ? 0.5 : i / (n - 1)) * (W - m.l - m.r);
  const y = (v: number): number => m.t + (1 - (v - lo) / (hi - lo)) * (H - m.t - m.b);
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`;
  out += `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`;
  for (let k = 0; k <= 5; k++) {
    const v = lo + ((hi - lo) * k) / 5;
    out += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`;
    out += `<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`;
  }
  const step = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i += step) out += `<text x="${x(i)}" y="${H - m.b + 16}" text-anchor="middle">${i + 1}</text>`;
  out += `<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">epoch</text>`;
  out += `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`;
  out += `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`;
  const legend: { name: string; color: string; dashed: boolean }[] = [];
  if (reference) {
    out += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(reference.value)}" y2="${y(reference.value)}" stroke="#777" stroke-dasharray="6 4" stroke-width="1.5"><title>${escapeXml(reference.name)}: ${reference.value.toFixed(3)}</title></line>`;
    legend.push({ name: reference.name, color: '#777', dashed: true });
  }
  series.forEach((s, si) => {
    const c = COLORS[si % COLORS.length]!;
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out += `<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`;
    s.values.forEach((v, i) => (out += `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${c}"><title>${escapeXml(s.name)} epoch ${i + 1}: ${v.toFixed(4)}</title></circle>`));
    legend.push({ name: s.name, color: c, dashed: false });
  });
  const rising = series.some((s) => s.values.length > 1 && s.values[s.values.length - 1]! > s.values[0]!);
  const legendTop = rising ? H - m.b - 10 - legend.length * 18 : m.t + 8;
  const lx = W - m.r - Math.min(190, 24 + 7 * Math.max(...legend.map((l) => l.name.length)));
  legend.forEach((l, i) => {
    const ly = legendTop + i * 18;
    out += l.dashed
      ? `<line x1="${lx}" x2="${lx + 12}" y1="${ly + 6}" y2="${ly + 6}" stroke="${l.color}" stroke-dasharray="3 2" stroke-width="2"/>`
      : `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${l.color}"/>`;
    out += `<text x="${lx + 18}" y="${ly + 10}">${escapeXml(l.name)}</text>`;
  });
  return out + '</svg>';
}
