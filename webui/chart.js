// Small SVG charts drawn by the page itself: a line of power over time (the
// dashboard) and bars of energy per day (the history). No charting library:
// none is packaged in Debian (no libjs-uplot) and the page embeds only its own
// files. The SVG scales to its box (a phone's width or a desktop's); every
// text is HTML around it, so it stays readable at any size; the SVG itself is
// role="img" with a title and a description that says what it shows in words.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 300, H = 80;
let ids = 0;

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

function svg(title, desc, ...shapes) {
  const id = `chart-${++ids}`;
  return s('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, focusable: 'false' },
    s('title', { id: `${id}-t` }, title), s('desc', { id: `${id}-d` }, desc),
    s('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5, class: 'axis' }), ...shapes);
}

/* points: [{t (ms), v}] sorted by t; from/to: the time span shown; a gap of
 * more than `gap` ms between two points breaks the line (no samples there).
 * Texts: title and desc (for screen readers), max (the top of the scale),
 * start and end (under the time axis); limit: a value drawn as a dashed
 * line across (the site's limit). */
export function lineChart(points, { from, to, gap, title, desc, max, start, end, limit }) {
  const top = Math.max(1, limit ?? 0, ...points.map((p) => p.v));
  const x = (t) => (((t - from) / Math.max(1, to - from)) * W).toFixed(1);
  const y = (v) => (H - 2 - (Math.max(0, v) / top) * (H - 6)).toFixed(1);
  let d = '';
  let last = null;
  for (const p of points) {
    if (p.t < from || p.t > to) continue;
    // a segment's first point is also a dot (a zero-length stroke with round caps): a lone reading shows
    d += last === null || p.t - last > gap ? `M${x(p.t)} ${y(p.v)} l0 0 ` : `L${x(p.t)} ${y(p.v)} `;
    last = p.t;
  }
  return h('figure', { class: 'chart' },
    h('span', { class: 'chart-max', 'aria-hidden': 'true' }, max),
    svg(title, desc, s('path', { d: d.trim() || null, class: 'line', 'vector-effect': 'non-scaling-stroke', 'data-points': points.length }),
      limit ? s('line', { x1: 0, x2: W, y1: y(limit), y2: y(limit), class: 'limit', 'vector-effect': 'non-scaling-stroke' }) : null),
    h('figcaption', { 'aria-hidden': 'true' }, h('span', {}, start), h('span', {}, end)));
}

/* bars: [{label, v, text}] oldest first; texts: title, desc, max, first, last. */
export function barChart(bars, { title, desc, max, first, last }) {
  const top = Math.max(1, ...bars.map((b) => b.v));
  const bw = W / Math.max(7, bars.length); // a week wide at least: one day is not one huge bar
  const rects = bars.map((b, i) => {
    const hh = (Math.max(0, b.v) / top) * (H - 6);
    return s('rect', { x: (i * bw + bw * 0.15).toFixed(1), width: (bw * 0.7).toFixed(1), y: (H - 1 - hh).toFixed(1), height: hh.toFixed(1), class: 'bar' }, s('title', {}, `${b.label}: ${b.text}`));
  });
  return h('figure', { class: 'chart' },
    h('span', { class: 'chart-max', 'aria-hidden': 'true' }, max),
    svg(title, desc, ...rects),
    h('figcaption', { 'aria-hidden': 'true' }, h('span', {}, first), h('span', {}, last)));
}
