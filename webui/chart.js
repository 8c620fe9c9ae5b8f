// The page's charts, drawn by uPlot (webui/vendor/uplot/, upstream's own
// distributed file, its version in docs/web.md; a classic script loaded by
// index.html before the modules, so `uPlot` is a global): a line over time
// (a charge point's power, the site's load against its limit) and bars (the
// energy per day and per month of the history). A chart is made once and fed
// new points with update(): uPlot redraws its canvas, the page keeps its DOM.
// A canvas says nothing to a screen reader: the plot is role="img", labelled
// by a title and a description in words (*Highest 11.0 kW, latest 7.4 kW.*).
// The figure carries what was drawn (data-points, data-limit) for the tests.
import { h } from './dom.js';

const HEIGHT = 110;
const LINE = '#0b5cad'; // --primary
const LIMIT = '#b3261e'; // --danger
const AXIS = { stroke: '#4f5862', grid: { stroke: '#e3e7eb', width: 1 }, ticks: { stroke: '#d3d9df', width: 1 }, font: '11px system-ui, sans-serif', size: 34 };
let ids = 0;

/* The figure around a plot: title and description (hidden, for screen
 * readers; the plot itself is aria-hidden), the plot, resized with its box. */
function frame(test, opts, data) {
  const id = `chart-${++ids}`;
  const title = h('span', { id: `${id}-t`, class: 'sr chart-title' });
  const desc = h('span', { id: `${id}-d`, class: 'sr chart-desc' });
  const plot = h('div', { class: 'plot', role: 'img', 'aria-labelledby': `${id}-t ${id}-d` });
  const el = h('figure', { class: 'chart', 'data-chart': test }, title, desc, plot);
  const u = new window.uPlot({ width: 300, height: HEIGHT, legend: { show: false }, cursor: { show: false }, ...opts }, data, plot);
  u.root.setAttribute('aria-hidden', 'true');
  const fit = () => { const w = Math.floor(plot.clientWidth); if (w > 0 && w !== u.width) u.setSize({ width: w, height: HEIGHT }); };
  new ResizeObserver(fit).observe(plot);
  return { el, u, title, desc, fit };
}

/* A line over time. update(points, {from, to, gap, title, desc, limit,
 * value}) with points [{t (ms), v}] sorted by t: a gap of more than `gap` ms
 * between two points breaks the line (no samples there); limit: a value
 * drawn as a dashed line across (the site's limit); value(v): the axis's
 * text of a value (kW, A); the time axis reads the station's clock (clock);
 * floor: the least top of the value axis. */
export function lineChart(test, { value, clock, floor = 1 }) {
  const c = frame(test, {
    ms: 1,
    // from 0, and at least up to `floor` (1 kW, 10 A): a flat line at 0 still has a readable scale
    scales: { y: { range: (u, lo, hi) => [0, Math.max(floor, hi ?? 0) * 1.05] } },
    axes: [{ ...AXIS, values: (u, splits) => splits.map((v) => clock(v)), space: 70 },
      { ...AXIS, values: (u, splits) => splits.map((v) => value(v)), size: 60 }],
    series: [{}, { stroke: LINE, width: 2, spanGaps: false, points: { show: (u, si, i0, i1) => i1 - i0 < 3, size: 5, fill: LINE } },
      { stroke: LIMIT, width: 2, dash: [6, 4], points: { show: false } }],
  }, [[], [], []]);
  c.update = (points, { from, to, gap, title, desc, limit }) => {
    const xs = [], ys = [], ls = [];
    let last = null;
    for (const p of points) {
      if (p.t < from || p.t > to) continue;
      if (last !== null && p.t - last > gap) { xs.push(last + 1); ys.push(null); ls.push(limit ?? null); }
      xs.push(p.t); ys.push(Math.max(0, p.v)); ls.push(limit ?? null);
      last = p.t;
    }
    // the span's two ends, so the time axis is the whole span even with few points
    xs.unshift(from); ys.unshift(null); ls.unshift(limit ?? null);
    xs.push(to); ys.push(null); ls.push(limit ?? null);
    c.u.setData([xs, ys, ls]);
    c.title.textContent = title;
    c.desc.textContent = desc;
    c.el.dataset.points = String(ys.filter((v) => v !== null).length);
    if (limit) c.el.dataset.limit = String(limit); else delete c.el.dataset.limit;
    c.fit();
    return c;
  };
  return c;
}

/* Bars: [{label, v, text}] oldest first; title, desc; value(v): the axis's
 * text of a value; floor: the least top of the value axis. */
export function barChart(test, bars, { title, desc, value, floor = 1 }) {
  const labels = bars.map((b) => b.label);
  const c = frame(test, {
    scales: { x: { time: false, range: (u, lo, hi) => [lo - 0.5, hi + 0.5] }, y: { range: (u, lo, hi) => [0, Math.max(floor, hi ?? 0) * 1.05] } },
    axes: [{ ...AXIS, values: (u, splits) => splits.map((i) => labels[i] ?? ''), space: 60, grid: { show: false } },
      { ...AXIS, values: (u, splits) => splits.map((v) => value(v)), size: 70 }],
    series: [{}, { fill: LINE, stroke: LINE, width: 0, paths: window.uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false } }],
  }, [bars.map((b, i) => i), bars.map((b) => Math.max(0, b.v))]);
  c.title.textContent = title;
  c.desc.textContent = desc;
  c.el.dataset.points = String(bars.length);
  return c;
}
