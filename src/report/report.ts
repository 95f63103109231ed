/**
 * The training report: one self-contained HTML file (inline SVG and CSS, no
 * script, nothing from the network) that `ner train` writes as
 * DIR/report.html and `ner report DIR` regenerates:
 *
 *   - training loss per epoch, and dev precision / recall / F1 per epoch
 *   - dev F1 per entity type at the kept epoch, as bars
 *   - the learned CRF transition scores (with start and end) as a heat map
 *   - the options, data, backend and timings of the run
 *
 * Pure functions from the metadata and CRF weights to text, so tests can
 * check the document without a browser.
 */
import type { CrfWeights } from '../model/crfTypes';
import type { ModelMetadata } from '../model/metadata';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

interface Series {
  name: string;
  colour: string;
  values: Array<number | undefined>;
}

/** A line chart of series over epochs 1..n, with axes, ticks and a legend. */
export function lineChart(title: string, series: Series[], options: { min?: number; max?: number } = {}): string {
  const W = 560;
  const H = 240;
  const left = 48;
  const bottom = 28;
  const top = 24;
  const right = 12;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  let lo = options.min ?? Math.min(...all, Infinity);
  let hi = options.max ?? Math.max(...all, -Infinity);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi === lo) hi = lo + 1;
  const x = (i: number) => left + (n === 1 ? (W - left - right) / 2 : (i * (W - left - right)) / (n - 1));
  const y = (v: number) => top + ((hi - v) * (H - top - bottom)) / (hi - lo);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escape(title)}">`;
  svg += `<text x="${left}" y="16" class="title">${escape(title)}</text>`;
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    svg += `<line x1="${left}" x2="${W - right}" y1="${fmt(y(v), 1)}" y2="${fmt(y(v), 1)}" class="grid"/><text x="${left - 6}" y="${fmt(y(v) + 4, 1)}" class="tick" text-anchor="end">${fmt(v, hi - lo < 10 ? 2 : 0)}</text>`;
  }
  const step = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i += step) svg += `<text x="${fmt(x(i), 1)}" y="${H - 8}" class="tick" text-anchor="middle">${i + 1}</text>`;
  series.forEach((s, k) => {
    const points = s.values.map((v, i) => (v === undefined || !Number.isFinite(v) ? undefined : `${fmt(x(i), 1)},${fmt(y(v), 1)}`)).filter((p) => p !== undefined);
    if (points.length > 0) svg += `<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${points.join(' ')}"><title>${escape(s.name)}</title></polyline>`;
    // The legend on the title line, right-aligned, so it never covers a curve.
    const lx = W - right - 90 * (series.length - k);
    svg += `<rect x="${lx}" y="7" width="10" height="10" fill="${s.colour}"/><text x="${lx + 14}" y="16" class="tick">${escape(s.name)}</text>`;
  });
  return `${svg}</svg>`;
}

/** Horizontal bars, one per label, values in [0, 100]. */
export function barChart(title: string, bars: Array<{ label: string; value: number }>): string {
  const W = 560;
  const row = 24;
  const left = 120;
  const H = 30 + row * Math.max(1, bars.length);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escape(title)}">`;
  svg += `<text x="0" y="16" class="title">${escape(title)}</text>`;
  bars.forEach((b, i) => {
    const width = (Math.max(0, Math.min(100, b.value)) * (W - left - 60)) / 100;
    const yy = 26 + i * row;
    svg += `<text x="${left - 8}" y="${yy + 15}" class="tick" text-anchor="end">${escape(b.label)}</text>`;
    svg += `<rect x="${left}" y="${yy + 3}" width="${fmt(width, 1)}" height="${row - 8}" fill="#4e79a7"><title>${escape(`${b.label}: ${fmt(b.value)}`)}</title></rect>`;
    svg += `<text x="${fmt(left + width + 6, 1)}" y="${yy + 15}" class="tick">${fmt(b.value)}</text>`;
  });
  return `${svg}</svg>`;
}

/** The transition scores from each tag (rows; START first) to each tag (columns; END last), blue negative, red positive. */
export function transitionHeatmap(tags: readonly string[], weights: CrfWeights): string {
  const k = weights.numTags;
  const cell = Math.max(14, Math.min(28, Math.floor(420 / (k + 1))));
  const left = 80;
  const top = 80;
  const rows = ['START', ...tags];
  const cols = [...tags, 'END'];
  const value = (r: number, c: number): number | undefined => {
    if (r === 0) return c < k ? weights.start[c] : undefined;
    if (c === k) return weights.end[r - 1];
    return weights.transitions[(r - 1) * k + c];
  };
  const finite = [...weights.start, ...weights.end, ...weights.transitions].filter(Number.isFinite);
  const scale = Math.max(1e-6, ...finite.map(Math.abs));
  const colour = (v: number) => {
    const t = Math.min(1, Math.abs(v) / scale);
    const fade = Math.round(255 * (1 - t));
    return v >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
  };
  const W = left + cell * cols.length + 10;
  const H = top + cell * rows.length + 10;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="CRF transition scores">`;
  cols.forEach((c, j) => {
    const xx = left + j * cell + cell / 2;
    svg += `<text transform="translate(${fmt(xx, 1)},${top - 6}) rotate(-60)" class="tick">${escape(c)}</text>`;
  });
  rows.forEach((r, i) => {
    const yy = top + i * cell;
    svg += `<text x="${left - 6}" y="${fmt(yy + cell * 0.7, 1)}" class="tick" text-anchor="end">${escape(r)}</text>`;
    cols.forEach((c, j) => {
      const v = value(i, j);
      if (v === undefined) return;
      svg += `<rect x="${left + j * cell}" y="${yy}" width="${cell - 1}" height="${cell - 1}" fill="${colour(v)}"><title>${escape(`${r} → ${c}: ${fmt(v, 3)}`)}</title></rect>`;
    });
  });
  return `${svg}</svg>`;
}

/** The whole report for a model's metadata and CRF weights. */
export function renderReport(meta: ModelMetadata, weights: CrfWeights): string {
  const t = meta.training;
  const tags = meta.tags.tags;
  const sections: string[] = [];
  if (t !== undefined) {
    const epochs = t.epochs;
    sections.push(`<h2>Learning curves</h2>`);
    sections.push(lineChart('training loss per epoch', [{ name: 'loss', colour: '#e15759', values: epochs.map((e) => e.loss) }]));
    if (epochs.some((e) => e.dev !== undefined)) {
      sections.push(
        lineChart(
          'dev precision, recall, F1 per epoch',
          [
            { name: 'precision', colour: '#4e79a7', values: epochs.map((e) => e.dev?.precision) },
            { name: 'recall', colour: '#59a14f', values: epochs.map((e) => e.dev?.recall) },
            { name: 'F1', colour: '#f28e2b', values: epochs.map((e) => e.dev?.f1) },
          ],
          {},
        ),
      );
    }
    const byType = t.bestDev?.byType;
    if (byType !== undefined) {
      sections.push(`<h2>Dev F1 per type, epoch ${t.bestEpoch}</h2>`);
      sections.push(barChart(`dev F1 by entity type (overall ${fmt(t.bestDev!.f1)})`, Object.entries(byType).map(([label, s]) => ({ label, value: s.f1 }))));
    }
  }
  sections.push(`<h2>Transition scores</h2><p>Learned CRF scores from the tag of each row to the tag of each column (red positive, blue negative; hover for the value).</p>`);
  sections.push(transitionHeatmap(tags, weights));
  if (t !== undefined) {
    const rows: Array<[string, string]> = [
      ['training data', `${t.data.train} (${t.data.sentences} sentences, ${t.data.tokens} tokens)`],
      ['dev data', t.data.dev ?? 'none'],
      ['backend', t.backend],
      ['epochs', `${t.epochs.length}${t.stoppedEarly ? ' (stopped early)' : ''}; kept epoch ${t.bestEpoch}`],
      ['best dev F1', t.bestDev === undefined ? 'no dev data' : fmt(t.bestDev.f1)],
      ['training time', `${fmt(t.seconds, 1)} s; ${fmt(t.epochs.reduce((a, e) => a + e.tokensPerSecond, 0) / Math.max(1, t.epochs.length), 0)} tokens/s on average`],
      ...Object.entries(t.options).map(([k, v]) => [`option ${k}`, String(v)] as [string, string]),
    ];
    sections.push(`<h2>Run</h2><table>${rows.map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</table>`);
    sections.push(
      `<h2>Epochs</h2><table><tr><th>epoch</th><th>loss</th><th>tokens/s</th><th>seconds</th><th>learning rate</th><th>dev P</th><th>dev R</th><th>dev F1</th></tr>${t.epochs
        .map(
          (e) =>
            `<tr${e.epoch === t.bestEpoch ? ' class="best"' : ''}><td>${e.epoch}</td><td>${fmt(e.loss, 4)}</td><td>${fmt(e.tokensPerSecond, 0)}</td><td>${fmt(e.seconds, 1)}</td><td>${e.learningRate ?? ''}</td><td>${e.dev ? fmt(e.dev.precision) : ''}</td><td>${e.dev ? fmt(e.dev.recall) : ''}</td><td>${e.dev ? fmt(e.dev.f1) : ''}</td></tr>`,
        )
        .join('')}</table>`,
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ner training report</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
svg { display: block; margin: 1rem 0; } .title { font-weight: 600; font-size: 13px; } .tick { font-size: 11px; fill: #444; } .grid { stroke: #eee; }
table { border-collapse: collapse; font-size: 13px; } th, td { text-align: left; padding: 2px 10px 2px 0; border-bottom: 1px solid #eee; } tr.best { background: #fff3cd; }
</style></head><body>
<h1>Training report</h1>
<p>${escape(`${meta.format} v${meta.formatVersion}, ner ${meta.nerVersion}, tfjs ${meta.tfjsVersion}, ${meta.savedAt === undefined ? 'not saved yet' : `saved ${meta.savedAt}`}; scheme ${meta.scheme}${meta.modelScheme && meta.modelScheme !== meta.scheme ? ` (learned as ${meta.modelScheme})` : ''}; ${tags.length} tags.`)}</p>
${sections.join('\n')}
</body></html>
`;
}
