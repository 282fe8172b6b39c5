// The training report: an HTML page with SVG loss/accuracy curves and a confusion matrix.

export interface ReportData {
  title: string;
  facts: [string, string][];
  history: Record<string, number[]>;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  classNames: string[];
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

/** An SVG line chart of several series over epochs, with axes, ticks and a legend. */
export function lineChart(title: string, series: { name: string; values: number[] }[], yLabel: string): string {
  const W = 520;
  const H = 300;
  const m = { l: 60, r: 20, t: 36, b: 44 };
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const n = Math.max(...series.map((s) => s.values.length), 1);
  if (all.length === 0) return `<svg width="${W}" height="${H}"><text x="20" y="40">${esc(title)}: no data</text></svg>`;
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
  // Legend in the corner the curves leave free: bottom right for rising curves, top right otherwise.
  const rising = series.some((s) => s.values.length > 1 && s.values[s.values.length - 1]! > s.values[0]!);
  const legendTop = rising ? H - m.b - 10 - series.length * 18 : m.t + 8;
  const x = (i: number): number => m.l + (n === 1 ? 0.5 : i / (n - 1)) * (W - m.l - m.r);
  const y = (v: number): number => m.t + (1 - (v - lo) / (hi - lo)) * (H - m.t - m.b);
  const ticks = 5;
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`;
  out += `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`;
  for (let k = 0; k <= ticks; k++) {
    const v = lo + ((hi - lo) * k) / ticks;
    out += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`;
    out += `<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`;
  }
  const step = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i += step) out += `<text x="${x(i)}" y="${H - m.b + 16}" text-anchor="middle">${i + 1}</text>`;
  out += `<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">epoch</text>`;
  out += `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`;
  out += `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`;
  series.forEach((s, si) => {
    const c = COLORS[si % COLORS.length]!;
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out += `<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`;
    s.values.forEach((v, i) => (out += `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${c}"><title>${esc(s.name)} epoch ${i + 1}: ${v.toFixed(4)}</title></circle>`));
    out += `<rect x="${W - m.r - 130}" y="${legendTop + si * 18}" width="12" height="12" fill="${c}"/><text x="${W - m.r - 112}" y="${legendTop + 10 + si * 18}">${esc(s.name)}</text>`;
  });
  return out + '</svg>';
}

/** An SVG heat map of a confusion matrix, counts in the cells, rows = true class. */
export function confusionChart(confusion: number[][], names: string[]): string {
  const k = names.length;
  const cell = 40;
  const m = { l: 70, t: 60 };
  const W = m.l + k * cell + 20;
  const H = m.t + k * cell + 20;
  const rowMax = confusion.map((r) => Math.max(...r, 1));
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`;
  out += `<text x="${m.l + (k * cell) / 2}" y="16" text-anchor="middle" font-size="14" font-weight="bold">predicted</text>`;
  out += `<text transform="translate(16 ${m.t + (k * cell) / 2}) rotate(-90)" text-anchor="middle" font-size="14" font-weight="bold">true</text>`;
  for (let j = 0; j < k; j++) out += `<text x="${m.l + j * cell + cell / 2}" y="${m.t - 8}" text-anchor="middle">${esc(names[j]!)}</text>`;
  for (let i = 0; i < k; i++) {
    out += `<text x="${m.l - 8}" y="${m.t + i * cell + cell / 2 + 4}" text-anchor="end">${esc(names[i]!)}</text>`;
    for (let j = 0; j < k; j++) {
      const v = confusion[i]![j]!;
      const t = v / rowMax[i]!;
      const fill = i === j ? `rgba(31,119,180,${0.15 + 0.85 * t})` : v > 0 ? `rgba(214,39,40,${Math.min(1, 0.15 + 3 * t)})` : '#fafafa';
      out += `<rect x="${m.l + j * cell}" y="${m.t + i * cell}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff"/>`;
      if (v > 0) out += `<text x="${m.l + j * cell + cell / 2}" y="${m.t + i * cell + cell / 2 + 4}" text-anchor="middle" fill="${t > 0.5 ? '#fff' : '#000'}">${v}</text>`;
    }
  }
  return out + '</svg>';
}

export function renderReport(d: ReportData): string {
  const h = d.history;
  const lossSeries = ['loss', 'val_loss'].filter((k) => h[k]).map((k) => ({ name: k, values: h[k]! }));
  const accKeys = Object.keys(h).filter((k) => /acc/.test(k));
  const accSeries = accKeys.map((k) => ({ name: k, values: h[k]! }));
  const perClass = d.confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return [d.classNames[i]!, total ? ((100 * row[i]!) / total).toFixed(2) + '%' : '-'] as [string, string];
  });
  const table = (rows: [string, string][]): string => `<table>${rows.map(([a, b]) => `<tr><th>${esc(a)}</th><td>${esc(b)}</td></tr>`).join('')}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(d.title)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}h1{font-size:1.4em}.row{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}
table{border-collapse:collapse}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}th{color:#555;font-weight:normal}</style>
</head><body>
<h1>${esc(d.title)}</h1>
<div class="row">${table(d.facts)}</div>
<h2>Training curves</h2>
<div class="row">${lineChart('Loss', lossSeries, 'loss')}${lineChart('Accuracy', accSeries, 'accuracy')}</div>
<h2>Test set</h2>
<div class="row">${confusionChart(d.confusion, d.classNames)}<div><h3>Per-class accuracy</h3>${table(perClass)}</div></div>
</body></html>
`;
}
