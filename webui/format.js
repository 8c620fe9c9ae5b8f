// Numbers, energies, durations and times in the page's language.
import { lang, t } from './i18n.js';

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
  return new Date(iso).toLocaleString(lang(), { dateStyle: 'short', timeStyle: 'short' });
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
  return new Date(ms).toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' });
}

/* The calendar day (YYYY-MM-DD) of an ISO time, where the page is. */
export function dayKey(iso) {
  return new Date(iso).toLocaleDateString('en-CA');
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
