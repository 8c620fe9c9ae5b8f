// Numbers, energies, durations and times in the page's language; dates and
// times in the station's time zone (site.timezone, from GET /web/session;
// unset: the browser's).
import { lang, t } from './i18n.js';

let zone;
export function setZone(z) { zone = z || undefined; }
/* The browser's own locale when it is of the page's language (en-GB, fr-CH…),
 * else en-GB or fr-FR: the page's language decides, the browser the region. */
export function locale() {
  const l = lang();
  return (navigator.languages ?? [navigator.language]).find((x) => x && x.toLowerCase().split('-')[0] === l) ?? (l === 'fr' ? 'fr-FR' : 'en-GB');
}

const nf = (digits) => new Intl.NumberFormat(lang(), { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const kw = (w) => `${nf(w >= 10000 ? 1 : 2).format((w ?? 0) / 1000)} kW`;
export const kwh = (wh) => `${nf(2).format((wh ?? 0) / 1000)} kWh`;
export const amps = (a) => `${nf(1).format(a ?? 0)} A`;
export const volts = (v) => `${nf(0).format(v ?? 0)} V`;

export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return hh ? `${hh} h ${String(mm).padStart(2, '0')} min` : `${mm} min ${String(ss).padStart(2, '0')} s`;
}

export function dateTime(iso) {
  if (!iso) return t('running');
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'short', timeZone: zone }).format(new Date(iso));
}

/* "December 2026" of an ISO time, in the station's zone. */
export function monthOf(iso) {
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long', timeZone: zone }).format(new Date(iso));
}

/* A value of a status member, by the unit its name ends with. */
export function byUnit(name, v) {
  if (typeof v !== 'number') return v === null || v === undefined ? '—' : String(v);
  if (name.endsWith('_wh')) return kwh(v);
  if (name.endsWith('_w')) return kw(v);
  if (name.endsWith('_kva')) return `${nf(1).format(v)} kVA`;
  if (name.endsWith('_a')) return amps(v);
  if (name.endsWith('_v')) return volts(v);
  if (name.endsWith('_pct')) return `${nf(0).format(v)} %`;
  if (name.endsWith('_s')) return duration(v * 1000);
  return nf(Number.isInteger(v) ? 0 : 2).format(v);
}

/* Hours and minutes of a time (ms) in the page's language. */
export function clock(ms) {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', timeZone: zone }).format(new Date(ms));
}

/* The calendar day (YYYY-MM-DD) of an ISO time at the station. */
export function dayKey(iso) {
  const p = parts(Date.parse(iso));
  return `${p.year}-${p.month}-${p.day}`;
}

function parts(ms) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
}

/* The station's midnight starting day YYYY-MM-DD, as an ISO instant (UTC). */
export function zoneMidnight(key) {
  const [y, m, d] = key.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d);
  const offset = (ms) => {
    const p = parts(ms);
    return Date.UTC(+p.year, p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
  };
  const first = wall - offset(wall);
  return new Date(wall - offset(first)).toISOString();
}

/* How a date is typed in the page's locale: [the hint, e.g. "dd/mm/yyyy",
 * and the order of the fields, e.g. ['d', 'm', 'y']]. */
export function dateShape() {
  const sample = new Intl.DateTimeFormat(locale(), { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(2033, 10, 22));
  const fr = lang() === 'fr';
  const hint = sample.replace('22', fr ? 'jj' : 'dd').replace('11', 'mm').replace('2033', fr ? 'aaaa' : 'yyyy');
  const order = sample.split(/\D+/).map((x) => ({ 22: 'd', 11: 'm', 2033: 'y' })[x]);
  return [hint, order];
}

/* A typed date (in the locale's order, or YYYY-MM-DD) as YYYY-MM-DD; null
 * when it is not a date, '' when empty. */
export function parseDate(text) {
  const v = text.trim();
  if (!v) return '';
  let y, m, d;
  const iso = v.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
  if (iso) [, y, m, d] = iso.map(Number);
  else {
    const nums = v.split(/\D+/).filter(Boolean).map(Number);
    const [, order] = dateShape();
    if (nums.length !== 3) return null;
    const o = Object.fromEntries(order.map((k, i) => [k, nums[i]]));
    ({ y, m, d } = o);
    if (y < 100) y += 2000;
  }
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return dt.toISOString().slice(0, 10);
}

/* A YYYY-MM-DD day, short, in the page's language. */
export function dayLabel(key) {
  return new Date(`${key}T12:00:00Z`).toLocaleDateString(lang(), { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/* An amount of money in its currency (ISO 4217), in the page's language. */
export function money(v, currency) {
  try {
    return new Intl.NumberFormat(lang(), { style: 'currency', currency }).format(v ?? 0);
  } catch {
    return `${nf(2).format(v ?? 0)} ${currency}`;
  }
}

/* Sums per currency ({EUR: 12.5}) as text: "12,50 €", or "—" when empty. */
export function moneySums(sums) {
  const parts = Object.entries(sums).map(([c, v]) => money(v, c));
  return parts.length ? parts.join(' + ') : '—';
}
