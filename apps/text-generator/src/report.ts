// The training report: perplexity curves per epoch, the samples of each epoch, and the learned
// embedding projected to 2-D by PCA. The line chart is drawn the way apps/mnist-trainer's report does.

export interface ReportData {
  title: string;
  facts: [string, string][];
  /** Per-epoch series: ppl, val_ppl (and loss, val_loss). */
  history: Record<string, number[]>;
  /** A horizontal reference line on the perplexity chart (the bigram baseline's validation perplexity). */
  baseline: { name: string; value: number } | null;
  /** Samples generated after each epoch. */
  samples: string[][];
  sampleSettings: string;
  /** Tokens placed by the first two principal components of their embedding rows. */
  embedding: { points: { label: string; x: number; y: number }[]; caption: string } | null;
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

/** An SVG line chart of several series over epochs, with axes, ticks, a legend and an optional dashed reference line. */
export function lineChart(title: string, series: { name: string; values: number[] }[], yLabel: string, reference: { name: string; value: number } | null = null): string {
  const W = 560;
  const H = 320;
  const m = { l: 60, r: 20, t: 36, b: 44 };
  const all = [...series.flatMap((s) => s.values), ...(reference ? [reference.value] : [])].filter(Number.isFinite);
  const n = Math.max(...series.map((s) => s.values.length), 1);
  if (series.every((s) => s.values.length === 0) || all.length === 0) return `<svg width="${W}" height="${H}"><text x="20" y="40">${esc(title)}: no data</text></svg>`;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.08;
  lo = Math.max(lo - pad, 0);
  hi += pad;
  const x = (i: number): number => m.l + (n === 1 ? 0.5 : i / (n - 1)) * (W - m.l - m.r);
  const y = (v: number): number => m.t + (1 - (v - lo) / (hi - lo)) * (H - m.t - m.b);
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`;
  out += `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`;
  for (let k = 0; k <= 5; k++) {
    const v = lo + ((hi - lo) * k) / 5;
    out += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`;
    out += `<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`;
  }
  const step = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i += step) out += `<text x="${x(i)}" y="${H - m.b + 16}" text-anchor="middle">${i + 1}</text>`;
  out += `<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">epoch</text>`;
  out += `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`;
  out += `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`;
  const legend: { name: string; color: string; dashed: boolean }[] = [];
  if (reference) {
    out += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(reference.value)}" y2="${y(reference.value)}" stroke="#777" stroke-dasharray="6 4" stroke-width="1.5"><title>${esc(reference.name)}: ${reference.value.toFixed(3)}</title></line>`;
    legend.push({ name: reference.name, color: '#777', dashed: true });
  }
  series.forEach((s, si) => {
    const c = COLORS[si % COLORS.length]!;
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out += `<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`;
    s.values.forEach((v, i) => (out += `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${c}"><title>${esc(s.name)} epoch ${i + 1}: ${v.toFixed(4)}</title></circle>`));
    legend.push({ name: s.name, color: c, dashed: false });
  });
  legend.forEach((l, i) => {
    const ly = m.t + 8 + i * 18;
    out += l.dashed
      ? `<line x1="${W - m.r - 190}" x2="${W - m.r - 178}" y1="${ly + 6}" y2="${ly + 6}" stroke="${l.color}" stroke-dasharray="3 2" stroke-width="2"/>`
      : `<rect x="${W - m.r - 190}" y="${ly}" width="12" height="12" fill="${l.color}"/>`;
    out += `<text x="${W - m.r - 172}" y="${ly + 10}">${esc(l.name)}</text>`;
  });
  return out + '</svg>';
}

/** An SVG scatter plot with a text label at every point (the tokens in the embedding's PCA plane). */
export function scatterChart(title: string, points: { label: string; x: number; y: number }[], axes: [string, string]): string {
  const W = 620;
  const H = 520;
  const m = { l: 50, r: 30, t: 36, b: 44 };
  if (points.length === 0) return `<svg width="${W}" height="${H}"><text x="20" y="40">${esc(title)}: no data</text></svg>`;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const span = (v: number[]): [number, number] => {
    const [a, b] = [Math.min(...v), Math.max(...v)];
    const pad = (b - a || 1) * 0.06;
    return [a - pad, b + pad];
  };
  const [x0, x1] = span(xs);
  const [y0, y1] = span(ys);
  const px = (v: number): number => m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (v: number): number => m.t + (1 - (v - y0) / (y1 - y0)) * (H - m.t - m.b);
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`;
  out += `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`;
  out += `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`;
  if (x0 < 0 && x1 > 0) out += `<line x1="${px(0)}" x2="${px(0)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`;
  if (y0 < 0 && y1 > 0) out += `<line x1="${m.l}" x2="${W - m.r}" y1="${py(0)}" y2="${py(0)}" stroke="#eee"/>`;
  out += `<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(axes[0])}</text>`;
  out += `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(axes[1])}</text>`;
  for (const p of points) {
    const special = /^<.*>$/.test(p.label);
    out += `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="2.5" fill="${special ? '#d62728' : '#1f77b4'}"/>`;
    out += `<text x="${(px(p.x) + 4).toFixed(1)}" y="${(py(p.y) - 4).toFixed(1)}" fill="${special ? '#d62728' : '#222'}">${esc(p.label)}</text>`;
  }
  return out + '</svg>';
}

export function renderReport(d: ReportData): string {
  const h = d.history;
  const pplSeries = [['ppl', 'train'], ['val_ppl', 'validation']].filter(([k]) => h[k!]).map(([k, name]) => ({ name: name!, values: h[k!]! }));
  const table = (rows: [string, string][]): string => `<table>${rows.map(([a, b]) => `<tr><th>${esc(a)}</th><td>${esc(b)}</td></tr>`).join('')}</table>`;
  const samples = d.samples
    .map((list, i) => `<tr><th>epoch ${i + 1}</th><td>${list.map((s) => (s === '' ? '<code>(empty)</code>' : `<code>${esc(s)}</code>`)).join(' · ')}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(d.title)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}h1{font-size:1.4em}.row{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}
table{border-collapse:collapse}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}th{color:#555;font-weight:normal;white-space:nowrap}
code{background:#f4f4f4;padding:0 3px}</style>
</head><body>
<h1>${esc(d.title)}</h1>
<div class="row">${table(d.facts)}</div>
<h2>Perplexity</h2>
<p>Per token: exp(mean cross-entropy in nats). Train: the epoch's mean batch loss (with dropout on); validation: every validation token, padding left out.</p>
<div class="row">${lineChart('Perplexity per epoch', pplSeries, 'perplexity', d.baseline)}</div>
<h2>Samples after each epoch</h2>
<p>${esc(d.sampleSettings)}</p>
<table>${samples}</table>
${d.embedding ? `<h2>The learned embedding</h2><p>${esc(d.embedding.caption)}</p><div class="row">${scatterChart('Embedding, first two principal components', d.embedding.points, ['PC 1', 'PC 2'])}</div>` : ''}
</body></html>
`;
}
