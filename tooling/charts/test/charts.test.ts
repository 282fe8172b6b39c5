import { describe, expect, it } from 'vitest';
import { epochChart, escapeXml } from '../src/index.js';

/** The numbers of an attribute over the elements of a tag, in order. */
function attrs(svg: string, tag: string, attr: string): number[] {
  return [...svg.matchAll(new RegExp(`<${tag} [^>]*?${attr}="([-\\d.]+)"`, 'g'))].map((m) => Number(m[1]));
}

describe('epochChart', () => {
  it('draws a point per epoch of each series, with its value in a tooltip, and a legend entry per series', () => {
    const svg = epochChart('Loss', [{ name: 'loss', values: [1, 0.5, 0.25] }, { name: 'val_loss', values: [1.2, 0.7, 0.6] }], 'loss');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg).toContain('<title>val_loss epoch 3: 0.6000</title>');
    expect(svg).toContain('>loss</text>');
    expect(svg).toContain('>val_loss</text>');
    // Falling curves leave the top right corner free: the legend starts there.
    expect(Math.min(...attrs(svg, 'rect', 'y').filter((v) => v > 36))).toBeLessThan(80);
  });

  it('puts the legend at the bottom for rising curves, and keeps the y axis at or above 0 for non-negative data', () => {
    const svg = epochChart('Accuracy', [{ name: 'accuracy', values: [0.01, 0.5, 0.99] }], 'accuracy', { width: 520, height: 300 });
    expect(svg).toContain('width="520" height="300"');
    const legendY = attrs(svg, 'rect', 'y').filter((v) => v !== 36);
    expect(legendY[0]).toBeGreaterThan(200);
    const ticks = [...svg.matchAll(/text-anchor="end">([-\d.e+]+)</g)].map((m) => Number(m[1]));
    expect(Math.min(...ticks)).toBe(0);
    const negative = epochChart('Margin', [{ name: 'm', values: [-1, 1] }], 'm');
    expect(Math.min(...[...negative.matchAll(/text-anchor="end">([-\d.e+]+)</g)].map((m) => Number(m[1])))).toBeLessThan(-1);
  });

  it('draws a dashed reference line inside the range, with a legend entry', () => {
    const svg = epochChart('Perplexity', [{ name: 'val_ppl', values: [300, 200, 150] }], 'perplexity', { reference: { name: 'bigram', value: 162.3 } });
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain('<title>bigram: 162.300</title>');
    expect(svg).toContain('>bigram</text>');
    // 162.3 sits between the curve's 150 and 200, so between their points' heights.
    const lineY = Number(/<line [^>]*y1="([\d.]+)"[^>]*stroke-dasharray="6 4"/.exec(svg)![1]);
    const pointY = attrs(svg, 'circle', 'cy');
    expect(lineY).toBeGreaterThan(pointY[1]!);
    expect(lineY).toBeLessThan(pointY[2]!);
  });

  it('says "no data" for empty series, and escapes names', () => {
    expect(epochChart('x', [{ name: 'a', values: [] }], 'y')).toContain('x: no data');
    expect(epochChart('a<b', [{ name: 'p&q', values: [1] }], '"y"')).toContain('a&lt;b');
    expect(escapeXml('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});
