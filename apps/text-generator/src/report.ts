// The training report: perplexity curves per epoch, the samples of each epoch, and the learned
// embedding projected to 2-D by PCA (the curves are @tessera/charts', as in apps/mnist-trainer's report).

import { epochChart, escapeXml as esc } from '@tessera/charts';

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
<div class="row">${epochChart('Perplexity per epoch', pplSeries, 'perplexity', { reference: d.baseline })}</div>
<h2>Samples after each epoch</h2>
<p>${esc(d.sampleSettings)}</p>
<table>${samples}</table>
${d.embedding ? `<h2>The learned embedding</h2><p>${esc(d.embedding.caption)}</p><div class="row">${scatterChart('Embedding, first two principal components', d.embedding.points, ['PC 1', 'PC 2'])}</div>` : ''}
</body></html>
`;
}
