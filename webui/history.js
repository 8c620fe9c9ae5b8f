// History: sessions filtered by date, user, badge and connector; totals per
// user and per month; the API's own CSV export; per session the OCMF signed
// records and the station's public key when the metering module provides them.
// Bar charts of the energy per day and per month (by when each session started).
import { api, apiOptional } from './api.js';
import { h, clear, field } from './dom.js';
import { t } from './i18n.js';
import { kwh, duration, dateTime, dayKey, dayLabel, money, moneySums, monthOf, zoneMidnight, dateShape, parseDate } from './format.js';
import { barChart } from './chart.js';

export async function mount(root, ctx) {
  const [usersRes, status, site] = await Promise.all([api('GET', '/users'), api('GET', '/status'), apiOptional('/site').catch(() => null)]);
  // a leader's history can show the whole installation (docs/site.md)
  const leader = site?.role === 'leader';
  const whole = h('input', { type: 'checkbox', id: 'f-site', name: 'site', checked: leader, 'data-test': 'whole-site' });
  // dates typed in the page's language (a date picker follows the browser's, not the page's)
  const [shape] = dateShape();
  const dateInput = (name) => h('input', { type: 'text', name, inputmode: 'numeric', autocomplete: 'off', placeholder: shape, maxlength: 10 });
  const since = dateInput('since');
  const until = dateInput('until');
  const user = h('select', { name: 'user' }, h('option', { value: '' }, t('all')), usersRes.users.map((u) => h('option', { value: u.name }, u.name)));
  const badge = h('input', { type: 'text', name: 'badge', autocomplete: 'off', spellcheck: 'false' });
  const conn = h('select', { name: 'connector' }, h('option', { value: '' }, t('all')), status.connectors.map((c) => h('option', { value: c.id }, t('point', { n: c.id }))));
  const csv = h('a', { class: 'button', download: 'sessions.csv', 'data-test': 'csv' }, t('export_csv'));
  const form = h('form', { class: 'filters card', 'aria-label': t('filters') },
    field('f-since', t('from'), since, shape), field('f-until', t('to'), until, shape), field('f-user', t('user'), user),
    field('f-badge', t('badge'), badge), field('f-conn', t('point_label'), conn),
    leader ? h('label', { for: 'f-site', class: 'check' }, whole, ' ', t('whole_site')) : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('apply')), csv));
  const totals = h('div', { class: 'totals' });
  const list = h('div', { class: 'scroll' });
  const detail = h('div');
  root.append(h('h1', {}, t('nav_history')), form, totals, list, detail);

  /* A wrong date is marked and explained next to its field; null then. */
  function dateOf(input) {
    const v = parseDate(input.value);
    const err = document.getElementById(`${input.id}-err`);
    err?.remove();
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', `${input.id}-hint`);
    if (v !== null) return v;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${input.id}-hint ${input.id}-err`);
    input.parentElement.append(h('p', { id: `${input.id}-err`, class: 'error field-error' }, t('bad_date', { shape })));
    return null;
  }

  /* Days are the station's: from its midnight to the midnight after "to". */
  function query(format) {
    const q = new URLSearchParams();
    const from = dateOf(since), to = dateOf(until);
    if (from === null || to === null) return null;
    if (from) q.set('since', zoneMidnight(from));
    if (to) {
      const d = new Date(`${to}T12:00:00Z`);
      d.setUTCDate(d.getUTCDate() + 1); // "to" includes that day
      q.set('until', zoneMidnight(d.toISOString().slice(0, 10)));
    }
    if (user.value) q.set('user', user.value);
    if (badge.value.trim()) q.set('badge', badge.value.trim());
    if (conn.value) q.set('connector', conn.value);
    if (format) q.set('format', format);
    return q.toString();
  }

  async function load() {
    const q = query();
    if (q === null) { (since.getAttribute('aria-invalid') ? since : until).focus(); return false; }
    if (leader && whole.checked) {
      // the installation's sessions, filtered here as /sessions filters the station's own
      const p = new URLSearchParams(q);
      const from = p.get('since'), to = p.get('until');
      const data = await api('GET', '/site/sessions?limit=100000');
      csv.href = '/api/v1/site/sessions?format=csv&limit=100000';
      render(data.sessions.filter((s) => (!from || s.start >= from) && (!to || s.start < to) &&
        (!user.value || s.user === user.value) &&
        (!badge.value.trim() || s.badge.toUpperCase().includes(badge.value.trim().toUpperCase().replace(/[^0-9A-F]/g, ''))) &&
        (!conn.value || s.connector === Number(conn.value))), true);
      return true;
    }
    const data = await api('GET', `/sessions?${q}`);
    csv.href = `/api/v1/sessions?${query('csv')}`;
    render(data.sessions);
    return true;
  }

  function render(sessions, installation = false) {
    clear(list);
    clear(totals);
    if (!sessions.length) {
      list.append(h('p', { class: 'muted', 'data-test': 'no-sessions', tabindex: '-1' }, t('no_sessions')));
      return;
    }
    // energy and, when the sessions have a price, cost (per currency) per guest and per month
    const priced = sessions.some((s) => s.cost !== null && s.cost !== undefined);
    const byUser = new Map(), byMonth = new Map();
    const add = (map, k, s) => {
      const v = map.get(k) ?? { wh: 0, off: 0, cost: {} };
      v.wh += s.energy_wh;
      v.off += s.energy_offpeak_wh ?? 0;
      if (s.currency) v.cost[s.currency] = (v.cost[s.currency] ?? 0) + s.cost;
      map.set(k, v);
    };
    for (const s of sessions) {
      add(byUser, s.user || s.badge || t('free_session'), s);
      add(byMonth, monthOf(s.start), s);
    }
    // the energy taken in off-peak hours (priced at tariff.price_kwh_offpeak), when a price is set
    const offpeak = priced && sessions.some((s) => s.energy_offpeak_wh > 0);
    const table = (title, map, test) => h('section', { class: 'card' }, h('h2', {}, priced ? t(`${test}_cost`) : title), h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': priced ? t(`${test}_cost`) : title }, h('table', { 'data-test': test },
      h('tbody', {}, [...map].map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'num' }, kwh(v.wh)),
        offpeak ? h('td', { class: 'num', 'data-test': 'offpeak' }, t('offpeak_part', { e: kwh(v.off) })) : null,
        priced ? h('td', { class: 'num', 'data-test': 'cost' }, moneySums(v.cost)) : null))))));
    const months = [...byMonth].reverse().slice(-24).map(([k, v]) => ({ label: k, v: v.wh, text: kwh(v.wh) }));
    const monthTable = table(t('per_month'), byMonth, 'per-month');
    const best = months.reduce((a, b) => (b.v > a.v ? b : a), months[0]);
    monthTable.insertBefore(barChart('month', months, {
      title: t('chart_month'),
      desc: t('chart_month_desc', { n: months.length, best: best.label, max: kwh(best.v) }),
      value: kwh, floor: 100,
    }).el, monthTable.children[1]);
    monthTable.dataset.test = 'per-month-card';
    totals.append(dayChart(sessions), table(t('per_user'), byUser, 'per-user'), monthTable);
    // on a phone each row is a card (CSS), each cell labelled by its column (data-label)
    const cols = [t('start_col'), t('duration'), t('point_label'), t('user'), t('badge'), t('energy'), t('offpeak'), t('cost'), t('reason')];
    if (installation) cols.unshift(t('station_col'));
    const at = installation ? 1 : 0;
    const cell = (i, attrs, v) => h('td', { ...attrs, 'data-label': cols[i + at] }, v);
    list.append(h('table', { class: 'sessions', 'data-test': 'sessions', tabindex: '-1' },
      h('caption', { class: 'sr' }, t('nav_history')),
      h('thead', {}, h('tr', {}, cols.map((x) => h('th', { scope: 'col' }, x)), h('th', { scope: 'col' }, h('span', { class: 'sr' }, t('signed_data'))))),
      h('tbody', {}, sessions.map((s) => h('tr', { 'data-session': s.id },
        installation ? h('td', { 'data-label': cols[0], 'data-test': 'station' }, s.station_id || s.member) : null,
        cell(0, { 'data-test': 'start' }, dateTime(s.start)),
        cell(1, {}, s.stop ? duration(Date.parse(s.stop) - Date.parse(s.start)) : t('running')),
        cell(2, { class: 'num' }, s.connector),
        cell(3, {}, s.user || '—'),
        cell(4, { class: 'mono' }, s.badge || '—'),
        cell(5, { class: 'num' }, kwh(s.energy_wh)),
        cell(6, { class: 'num', 'data-test': 'offpeak' }, typeof s.energy_offpeak_wh === 'number' ? kwh(s.energy_offpeak_wh) : '—'),
        cell(7, { class: 'num', 'data-test': 'cost' }, s.currency ? money(s.cost, s.currency) : '—'),
        cell(8, {}, s.stop_reason ?? t('running')),
        h('td', {}, s.member ? '—' : h('button', { type: 'button', class: 'link', onclick: () => showOcmf(s) }, t('signed_data'))))))));
  }

  /* Every day from the first session's to the last one's (the newest 62 at
   * most), empty days included, so the bars are a calendar. */
  function dayChart(sessions) {
    const byDay = new Map();
    for (const s of sessions) byDay.set(dayKey(s.start), (byDay.get(dayKey(s.start)) ?? 0) + s.energy_wh);
    const keys = [...byDay.keys()].sort();
    const days = [];
    const d = new Date(`${keys[keys.length - 1]}T12:00:00Z`);
    const first = keys[0];
    while (days.length < 62) {
      const k = d.toISOString().slice(0, 10);
      days.unshift({ key: k, label: dayLabel(k), v: byDay.get(k) ?? 0 });
      if (k <= first) break;
      d.setUTCDate(d.getUTCDate() - 1);
    }
    for (const b of days) b.text = kwh(b.v);
    const best = days.reduce((a, b) => (b.v > a.v ? b : a), days[0]);
    const total = days.reduce((a, b) => a + b.v, 0);
    return h('section', { class: 'card', 'data-test': 'per-day' }, h('h2', {}, t('per_day')),
      barChart('day', days, {
        title: t('chart_day'),
        desc: t('chart_day_desc', { n: days.length, total: kwh(total), best: best.label, max: kwh(best.v) }),
        value: kwh, floor: 100,
      }).el);
  }

  async function showOcmf(s) {
    clear(detail);
    const box = h('section', { class: 'card', 'data-test': 'ocmf', tabindex: '-1' }, h('h2', {}, t('signed_data_of', { id: s.id })));
    detail.append(box);
    try {
      const [rec, key] = await Promise.all([apiOptional(`/sessions/${s.id}/ocmf`), apiOptional('/ocmf/pubkey')]);
      if (!rec) box.append(h('p', { class: 'muted' }, t('no_ocmf')));
      else box.append(h('pre', { class: 'wrap' }, typeof rec === 'string' ? rec : JSON.stringify(rec, null, 2)));
      if (key) box.append(h('h3', {}, t('public_key')), h('pre', { class: 'wrap' }, typeof key === 'string' ? key : JSON.stringify(key, null, 2)));
    } catch (e) { box.append(h('p', { class: 'error' }, e.message)); }
    box.focus();
  }

  // Apply: the focus goes to the results (the table of sessions, or the word that there are none)
  form.onsubmit = (ev) => {
    ev.preventDefault();
    load().then((shown) => { if (shown) list.querySelector('[data-test=sessions], [data-test=no-sessions]')?.focus(); })
      .catch((e) => ctx.toast(e.message, true));
  };
  await load();
  return ctx.listen((e) => { if (e.kind === 'session_stop' || e.kind === 'session_start') load().catch(() => {}); });
}
