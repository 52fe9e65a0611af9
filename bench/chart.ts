/** Minimal SVG bar charts for benchmark results (no dependency; the output is a plain file to commit). */
import { writeFileSync } from 'node:fs';

export interface Bar {
  readonly label: string;
  readonly value: number;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Horizontal bar chart: one bar per entry, value printed at the bar's end. */
export function writeBarChart(path: string, title: string, unit: string, bars: readonly Bar[]): void {
  const rowH = 28;
  const labelW = 330;
  const plotW = 420;
  const top = 40;
  const height = top + bars.length * rowH + 20;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const rows = bars
    .map((b, i) => {
      const y = top + i * rowH;
      const w = Math.max(1, (b.value / max) * plotW);
      const text = `${b.value >= 100 ? Math.round(b.value).toLocaleString('en-US') : b.value.toFixed(2)} ${unit}`;
      return `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${escape(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="#4a7ebb"/>` +
        `<text x="${labelW + w + 6}" y="${y + 17}">${escape(text)}</text>`;
    })
    .join('\n');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 180}" height="${height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="24" font-size="16" font-weight="bold">${escape(title)}</text>
${rows}
</svg>
`;
  writeFileSync(path, svg);
}
