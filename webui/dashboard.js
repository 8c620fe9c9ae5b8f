// Dashboard: one card per charge point (state with the LED colour, power,
// current and voltage per phase, session energy and duration, badge/user, why
// the current is limited, remote start/stop, the charging mode), the site block when the
// status has one, and the installation of many stations (GET /site: the
// leader's members and their links, or who leads this follower). Live: meter readings update the numbers, every other event
// re-reads the status once. Below the cards: the back end's state
// (backend.js) and the log of what happened and why (log.js), newest first.
// Each card charts its power over the last two hours: the stored samples
// (GET /samples, downsampled by the station) then the live readings.
import { api } from './api.js';
import { h, clear, field } from './dom.js';
import { t, tOr } from './i18n.js';
import { kw, kwh, amps, volts, duration, byUnit, clock, money } from './format.js';
import { lineChart } from './chart.js';
import { backendCard } from './backend.js';
import { eventLog } from './log.js';
import { displayMessages, backendCost, webPayment, webPaymentRefreshMs } from './display.js';

const refreshKinds = new Set(['status', 'session_start', 'session_stop', 'session_resume', 'error', 'error_cleared',
  'auth_accepted', 'auth_refused', 'auth_expired', 'meter_error', 'meter_ok', 'setting', 'reconnected', 'limit', 'site',
  'ocpp_connected', 'ocpp_disconnected', 'ocpp_reconfigured', 'ocpp_boot', 'site_member_up', 'site_member_down', 'tamper',
  'ocpp_display', 'ocpp_cost', 'web_payment']);

export async function mount(root, ctx) {
  const grid = h('div', { class: 'cards', 'aria-live': 'off' });
  const site = h('div');
  const inst = h('div');
  const backend = h('div', { 'data-test': 'dashboard-backend' });
  const log = eventLog();
  root.append(h('h1', {}, t('nav_dashboard')), site, inst, grid, backend, log.el);
  let status = null;
  let installation = null;
  let cards = new Map();
  let badges = [];
  let pending = null;
  const chosen = new Map(); // badge picked per connector, kept across re-renders
  const series = new Map(); // connector -> [{t, v}] power over the chart's span, kept across re-renders
  const SPAN = 2 * 3600 * 1000;
  const SITE_SPAN = 6 * 3600 * 1000; // the site's chart: the station keeps 48 h, the page shows 6
  let gap = 3 * 60 * 1000; // no sample for this long: no charge, the line breaks
  let stationNow = () => Date.now();

  async function loadSeries() {
    await Promise.all(status.connectors.map(async (c) => {
      const r = await api('GET', `/samples?connector=${c.id}&points=120`);
      gap = Math.max(gap, 3 * r.step_s * 1000);
      const live = series.get(c.id) ?? [];
      const stored = r.points.map((p) => ({ t: Date.parse(p.time), v: p.power_w }));
      const end = stored.length ? stored[stored.length - 1].t : -Infinity;
      series.set(c.id, [...stored, ...live.filter((p) => p.t > end)]);
    }));
  }

  function addPoint(id, t, v) {
    const pts = series.get(id) ?? [];
    const last = pts[pts.length - 1];
    if (last && t - last.t < 10000) last.v = v; // live readings come every second: one point per 10 s
    else pts.push({ t, v });
    while (pts.length && pts[0].t < t - SPAN) pts.shift();
    series.set(id, pts);
  }

  const charts = new Map(); // connector -> its chart, kept across re-renders (uPlot draws it once)
  function powerChart(id) {
    const all = series.get(id) ?? [];
    // the station's clock (a simulated one runs faster than ours): the newest reading's time
    const to = Math.max(stationNow(), all.length ? all[all.length - 1].t : 0), from = to - SPAN;
    const pts = all.filter((p) => p.t >= from);
    const top = Math.max(0, ...pts.map((p) => p.v));
    if (!charts.has(id)) charts.set(id, lineChart('power', { value: kw, clock, floor: 1000 }));
    return charts.get(id).update(pts, {
      from, to, gap,
      title: t('chart_power', { n: id }),
      desc: pts.length ? t('chart_power_desc', { max: kw(top), now: kw(pts[pts.length - 1].v) }) : t('chart_power_none'),
    }).el;
  }

  /* One status read at a time; events during a read cause one more read. */
  let again = false;
  let qrAgain = null;
  function refresh() {
    if (pending) { again = true; return pending; }
    pending = (async () => {
      try {
        do {
          again = false;
          status = await api('GET', '/status');
          const skew = Date.parse(status.station.time) - Date.now();
          stationNow = () => Date.now() + skew;
          try { installation = await api('GET', '/site'); } catch { installation = null; }
          render();
        } while (again);
      } finally { pending = null; }
    })();
    return pending;
  }

  function render() {
    clear(site);
    // energy management's view of the building (GET /status: station.site)
    const siteInfo = status.station?.site ?? status.site;
    if (siteInfo && typeof siteInfo === 'object' && siteInfo.load_management !== false) site.append(siteCard(siteInfo));
    clear(inst);
    if (installation && installation.role && installation.role !== 'standalone') inst.append(installationCard(installation));
    clear(backend);
    if (status.station?.ocpp) backend.append(backendCard(status.station.ocpp));
    const before = cards;
    clear(grid);
    cards = new Map();
    for (const c of status.connectors) {
      const card = connectorCard(c, before.get(c.id));
      cards.set(c.id, card);
      grid.append(card.el);
    }
    // OCPP 2.1 dynamic QR codes change alone: read again when the first does
    clearTimeout(qrAgain);
    const ms = Math.min(...status.connectors.map((c) => webPaymentRefreshMs(c.web_payment) ?? Infinity));
    if (Number.isFinite(ms)) qrAgain = setTimeout(() => refresh().catch(() => {}), ms);
  }

  /* `prev`: the card this one replaces; its buttons are kept when they would
   * be the same, so a click landing during a live re-render is not lost. */
  function connectorCard(c, prev) {
    const power = h('span', { class: 'big', 'data-test': 'power' }, kw(c.power_w));
    const energy = h('dd', { 'data-test': 'session-energy' }, c.session ? kwh(c.session.energy_wh) : '—');
    const dur = h('dd', { 'data-test': 'duration' }, c.session?.start ? duration(Date.parse(status.station.time) - Date.parse(c.session.start)) : '—');
    const meterTotal = h('dd', { 'data-test': 'meter' }, kwh(c.energy_wh));
    // the running session's cost so far, at the tariff it started under (tariff.*)
    const tariff = c.session?.tariff;
    const costOf = (wh, ms) => Math.round((wh / 1000 * tariff.price_kwh + ms / 3600000 * tariff.price_hour) * 100 + 1e-9) / 100;
    const cost = tariff ? h('dd', { 'data-test': 'session-cost' }, money(costOf(c.session.energy_wh, Date.parse(status.station.time) - Date.parse(c.session.start)), tariff.currency)) : null;
    const chartBox = h('div', { class: 'chart-box', 'data-test': 'power-chart' }, powerChart(c.id));
    const phases = h('tbody');
    const fillPhases = (cur, volt) => {
      clear(phases);
      const n = c.phases === 1 ? 1 : 3;
      for (let i = 0; i < n; i++) phases.append(h('tr', {}, h('th', { scope: 'row' }, `L${i + 1}`), h('td', {}, amps(cur[i])), h('td', {}, volts(volt[i]))));
    };
    fillPhases(c.current_a ?? [0, 0, 0], c.voltage_v ?? [0, 0, 0]);
    const led = c.led?.colour ?? 'off';
    const who = c.session ? [c.session.user, c.session.badge].filter(Boolean).join(' · ') || t('free_session') : '—';
    const limit = c.limited_by ? t('limited', { a: amps(c.offered_a), by: tOr(`limit_${c.limited_by}`, c.limited_by) }) : (c.offered_a ? amps(c.offered_a) : '—');
    // OCPP 2.1 priority charging (K22): offered while the back end installed a PriorityCharging profile
    const prio = c.session && c.ocpp_priority?.available ? c.ocpp_priority : null;
    const actionsKey = c.session ? `stop:${prio ? prio.active : '-'}` : c.operative !== false ? `start:${badges.map((b) => `${b.uid}/${b.user}/${b.enabled}`).join()}` : 'none';
    const keep = prev && prev.actionsKey === actionsKey && prev.lang === document.documentElement.lang;
    const actions = keep ? prev.actions : h('div', { class: 'actions' });
    if (keep) { /* as it was */ } else if (c.session) {
      // Stop ends a guest's charge: asked twice, in the card (no modal)
      const ask = () => {
        clear(actions);
        const yes = h('button', { type: 'button', class: 'danger', 'data-test': 'stop-confirm', onclick: () => act(c.id, 'stop') }, t('stop_yes'));
        actions.append(h('p', { role: 'alert', 'data-test': 'stop-question' }, t('stop_sure', { n: c.id })), yes,
          h('button', { type: 'button', 'data-test': 'stop-cancel', onclick: () => { clear(actions); actions.append(stopBtn); stopBtn.focus(); } }, t('cancel')));
        yes.focus();
      };
      const stopBtn = h('button', { type: 'button', class: 'danger', 'data-test': 'stop', onclick: ask }, t('stop'));
      actions.append(stopBtn);
      if (prio) {
        actions.append(h('button', { type: 'button', 'data-test': 'priority', 'aria-pressed': String(prio.active),
          onclick: () => act(c.id, 'priority', { activate: !prio.active }) }, t(prio.active ? 'priority_off' : 'priority_on')));
      }
    } else if (c.operative !== false) {
      const pick = chosen.get(c.id) ?? '';
      const sel = h('select', { onchange: (ev) => chosen.set(c.id, ev.target.value) }, h('option', { value: '' }, t('no_badge')),
        badges.filter((b) => b.enabled).map((b) => h('option', { value: b.uid, selected: b.uid === pick }, b.user ? `${b.user} (${b.uid})` : b.uid)));
      actions.append(field(`start-badge-${c.id}`, t('start_with'), sel),
        h('button', { type: 'button', 'data-test': 'start', onclick: () => act(c.id, 'start', sel.value ? { badge: sel.value } : {}) }, t('start')));
    }
    const el = h('section', { class: `card conn led-${led}`, 'data-connector': c.id, 'data-status': c.status, 'aria-labelledby': `conn-${c.id}` },
      h('header', {},
        h('h2', { id: `conn-${c.id}`, tabindex: '-1' }, t('point', { n: c.id })),
        h('span', { class: 'pill', 'data-test': 'status' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), tOr(`st_${c.status}`, c.status))),
      power,
      h('dl', {},
        h('dt', {}, t('session_energy')), energy,
        h('dt', {}, t('duration')), dur,
        cost ? [h('dt', {}, t('cost_so_far')), cost] : null,
        backendCost(c.ocpp_cost),
        h('dt', {}, t('user_badge')), h('dd', { 'data-test': 'who' }, who),
        h('dt', {}, t('offered')), h('dd', { 'data-test': 'limit' }, limit),
        h('dt', {}, t('meter_total')), meterTotal),
      chartBox,
      h('div', { class: 'scroll' }, h('table', { class: 'phases' },
        h('caption', { class: 'sr' }, t('per_phase')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('phase')), h('th', { scope: 'col' }, t('current')), h('th', { scope: 'col' }, t('voltage')))),
        phases)),
      displayMessages(c.display_messages, document.documentElement.lang),
      webPayment(c.web_payment, c.id, 160),
      c.error ? h('p', { class: 'error', 'data-test': 'error' }, `${c.error.code} — ${c.error.text}`) : null,
      c.meter_error ? h('p', { class: 'error' }, t('meter_error', { e: c.meter_error })) : null,
      c.operative === false ? h('p', { class: 'muted' }, t('inoperative')) : null,
      c.charge_mode ? modeField(c) : null,
      actions);
    const start = c.session?.start ? Date.parse(c.session.start) : null;
    const clockSkew = Date.parse(status.station.time) - Date.now();
    return {
      el,
      actions,
      actionsKey,
      lang: document.documentElement.lang,
      meter(m) {
        power.textContent = kw(m.power_w);
        meterTotal.textContent = kwh(m.energy_wh);
        if (typeof m.session_energy_wh === 'number') energy.textContent = kwh(m.session_energy_wh);
        if (start) dur.textContent = duration((m.time ? Date.parse(m.time) : Date.now() + clockSkew) - start);
        if (cost && start && typeof m.session_energy_wh === 'number') {
          cost.textContent = money(costOf(m.session_energy_wh, (m.time ? Date.parse(m.time) : Date.now() + clockSkew) - start), tariff.currency);
        }
        fillPhases(m.current_a, m.voltage_v);
        addPoint(c.id, m.time ? Date.parse(m.time) : Date.now() + clockSkew, m.power_w ?? 0);
        powerChart(c.id);
      },
    };
  }

  /* The building's highest phase against the site limit over the last six
   * hours: the station's record of them (GET /site/readings, the highest of
   * each minute, kept across restarts), then live (grid readings of the SSE
   * stream, one point per 10 s). */
  const siteSeries = [];
  let siteLimit = null;
  let siteChartBox = null;
  let siteLine = null;
  function siteChart() {
    const to = siteSeries.length ? siteSeries[siteSeries.length - 1].t : stationNow();
    const from = to - SITE_SPAN;
    while (siteSeries.length && siteSeries[0].t < from) siteSeries.shift();
    const last = siteSeries[siteSeries.length - 1];
    const top = Math.max(0, ...siteSeries.map((p) => p.v));
    siteLine ??= lineChart('site', { value: amps, clock, floor: 10 });
    return siteLine.update(siteSeries, {
      from, to, gap: 5 * 60 * 1000, limit: siteLimit,
      title: t('chart_site'),
      desc: last ? t('chart_site_desc', { now: amps(last.v), max: amps(top), limit: siteLimit ? amps(siteLimit) : '—' }) : t('chart_site_none'),
    }).el;
  }
  function siteReading(e) {
    const v = Math.max(...e.current_a);
    const ts = Date.parse(e.time);
    const lastPt = siteSeries[siteSeries.length - 1];
    if (lastPt && ts - lastPt.t < 10000) lastPt.v = Math.max(lastPt.v, v); // the highest of 10 s
    else siteSeries.push({ t: ts, v });
    siteLimit = e.limit_a;
    if (siteChartBox) siteChart();
  }

  /* One connector of a member: its state, what limits it, its priority on the leader and whose
   * charging windows hold its session (the user's own or the station's; none without a session). */
  function memberConnector(c) {
    const text = `${c.id}: ${tOr(`st_${c.status}`, c.status)} ${amps(c.offered_a)}`
      + (c.limited_by ? ` (${tOr(`limit_${c.limited_by}`, c.limited_by)})` : '')
      + (Number.isInteger(c.priority) ? `, ${t('inst_priority', { p: c.priority })}` : '')
      + (c.windows ? `, ${tOr(`inst_windows_${c.windows}`, c.windows)}` : '');
    return h('span', { 'data-test': 'member-connector', 'data-connector': c.id, 'data-priority': c.priority,
      'data-windows': c.windows }, text);
  }

  function installationCard(x) {
    const body = [];
    if (x.role === 'follower') {
      body.push(h('p', { 'data-test': 'installation-leader' }, x.leader ? t('inst_follower', { leader: x.leader }) : t('inst_follower_alone')));
    } else {
      body.push(h('p', {}, t('inst_leader')));
      const rows = x.members.map((m) => h('tr', { 'data-link': m.link },
        h('th', { scope: 'row' }, m.station_id ?? '—'),
        h('td', {}, m.address),
        h('td', {}, t(m.link === 'up' ? 'inst_up' : 'inst_down')),
        h('td', {}, m.connectors.map((c, i) => [i ? ' · ' : null, memberConnector(c)]))));
      body.push(h('div', { class: 'scroll' }, h('table', { 'data-test': 'installation-members' },
        h('thead', {}, h('tr', {}, ['inst_member', 'inst_address', 'inst_link', 'inst_connectors'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows))));
    }
    return h('section', { class: 'card site', 'aria-labelledby': 'inst-h', 'data-test': 'installation' }, h('h2', { id: 'inst-h' }, t('installation')), ...body);
  }

  function siteCard(s) {
    const dl = h('dl');
    for (const [k, v] of Object.entries(s)) {
      if (Array.isArray(v) && v.every((x) => x === null || typeof x === 'number')) {
        // per grid phase L1 / L2 / L3
        dl.append(h('dt', {}, tOr(`site_${k}`, k.replace(/_/g, ' '))), h('dd', { 'data-test': `site-${k}` }, v.map((x) => (x === null ? '—' : byUnit(k, x))).join(' / ')));
        continue;
      }
      if (v !== null && typeof v === 'object') continue;
      dl.append(h('dt', {}, tOr(`site_${k}`, k.replace(/_/g, ' '))), h('dd', {}, byUnit(k, v)));
    }
    if (typeof s.limit_a === 'number') siteLimit = s.limit_a;
    siteChartBox = h('div', { class: 'chart-box', 'data-test': 'site-chart' }, siteChart());
    return h('section', { class: 'card site', 'aria-labelledby': 'site-h', 'data-test': 'site' }, h('h2', { id: 'site-h' }, t('site')), siteChartBox, dl);
  }

  /* The charging mode (connector.N.charge_mode, docs/energy.md "Solar
   * surplus"), set at run time through PUT /owner-settings (the owner may). */
  const MODES = ['normal', 'solar', 'solar_min', 'offpeak_or_solar'];
  function modeField(c) {
    const sel = h('select', { 'data-test': 'charge-mode', onchange: (ev) => setMode(c.id, ev.target.value) },
      MODES.map((m) => h('option', { value: m, selected: m === c.charge_mode }, t(`mode_${m}`))));
    return field(`charge-mode-${c.id}`, t('charge_mode'), sel);
  }

  async function setMode(id, mode) {
    try {
      await api('PUT', '/owner-settings', { [`connector.${id}.charge_mode`]: mode });
      ctx.toast(t('mode_set', { n: id, m: t(`mode_${mode}`) }));
    } catch (e) { ctx.toast(e.message, true); }
    refresh().catch(() => {});
  }

  async function act(id, what, body) {
    let done = false;
    try {
      await api('POST', `/connectors/${id}/${what}`, body ?? {});
      const said = what === 'priority' ? (body.activate ? 'priority_set' : 'priority_unset') : what === 'start' ? 'started' : 'stopped';
      ctx.toast(t(said, { n: id }));
      done = true;
    } catch (e) { ctx.toast(e.message, true); }
    // offline: the banner says so, the stream's return re-reads
    await refresh().catch(() => {});
    // the focus goes to the card's new state: its title (the card re-rendered, its old button gone)
    if (done) document.getElementById(`conn-${id}`)?.focus();
  }

  try { badges = (await api('GET', '/badges')).badges; } catch { badges = []; }
  await refresh();
  try {
    const r = await api('GET', '/site/readings?hours=6');
    const kept = r.readings.map((p) => ({ t: Date.parse(p.time), v: p.current_a }));
    const since = kept.length ? kept[kept.length - 1].t : -Infinity;
    siteSeries.splice(0, siteSeries.length, ...kept, ...siteSeries.filter((p) => p.t > since));
    const l = r.readings.at(-1)?.limit_a;
    if (typeof l === 'number' && siteLimit === null) siteLimit = l;
    if (siteChartBox) siteChart();
  } catch { /* the chart fills from the live readings */ }
  try { await loadSeries(); render(); } catch { /* the chart fills from the live readings */ }
  try { await log.load(); } catch { /* the log is a help, not the page */ }
  const off = ctx.listen((e) => {
    log.event(e);
    if (e.kind === 'meter') cards.get(e.connector)?.meter(e);
    else if (e.kind === 'site_reading') siteReading(e);
    else if (refreshKinds.has(e.kind)) refresh().catch(() => {});
    else if (e.kind === 'badge_added' || e.kind === 'badge_removed') api('GET', '/badges').then((b) => { badges = b.badges; render(); }).catch(() => {});
  });
  // the loads above take a while: what changed before the listener was there is read now
  refresh().catch(() => {});
  return () => { clearTimeout(qrAgain); off(); };
}
