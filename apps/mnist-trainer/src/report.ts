// The training report: an HTML page with SVG loss/accuracy curves and a confusion matrix.

import { epochChart, escapeXml as esc } from '@tessera/charts';

export interface ReportData {
  title: string;
  facts: [string, string][];
  history: Record<string, number[]>;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  classNames: string[];
}

const SIZE = { width: 520, height: 300 };

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
<div class="row">${epochChart('Loss', lossSeries, 'loss', SIZE)}${epochChart('Accuracy', accSeries, 'accuracy', SIZE)}</div>
<h2>Test set</h2>
<div class="row">${confusionChart(d.confusion, d.classNames)}<div><h3>Per-class accuracy</h3>${table(perClass)}</div></div>
</body></html>
`;
}
