// Dashboard: one card per charge point (state with the LED colour, power,
// current and voltage per phase, session energy and duration, badge/user, why
// the current is limited, remote start/stop) and the site block when the
// status has one. Live: meter readings update the numbers, every other event
// re-reads the status once. Below the cards: the back end's state
// (backend.js) and the log of what happened and why (log.js), newest first.
import { api } from './api.js';
import { h, clear, field } from './dom.js';
import { t, tOr } from './i18n.js';
import { kw, kwh, amps, volts, duration, byUnit } from './format.js';
import { backendCard } from './backend.js';
import { eventLog } from './log.js';

const refreshKinds = new Set(['status', 'session_start', 'session_stop', 'session_resume', 'error', 'error_cleared',
  'auth_accepted', 'auth_refused', 'auth_expired', 'meter_error', 'meter_ok', 'setting', 'reconnected', 'limit', 'site',
  'ocpp_connected', 'ocpp_disconnected', 'ocpp_reconfigured', 'ocpp_boot', 'tamper']);

export async function mount(root, ctx) {
  const grid = h('div', { class: 'cards', 'aria-live': 'off' });
  const site = h('div');
  const backend = h('div', { 'data-test': 'dashboard-backend' });
  const log = eventLog();
  root.append(h('h1', {}, t('nav_dashboard')), site, grid, backend, log.el);
  let status = null;
  let cards = new Map();
  let badges = [];
  let pending = null;
  const chosen = new Map(); // badge picked per connector, kept across re-renders

  /* One status read at a time; events during a read cause one more read. */
  let again = false;
  function refresh() {
    if (pending) { again = true; return pending; }
    pending = (async () => {
      try {
        do {
          again = false;
          status = await api('GET', '/status');
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
  }

  /* `prev`: the card this one replaces; its buttons are kept when they would
   * be the same, so a click landing during a live re-render is not lost. */
  function connectorCard(c, prev) {
    const power = h('span', { class: 'big', 'data-test': 'power' }, kw(c.power_w));
    const energy = h('dd', { 'data-test': 'session-energy' }, c.session ? kwh(c.session.energy_wh) : '—');
    const dur = h('dd', { 'data-test': 'duration' }, c.session?.start ? duration(Date.parse(status.station.time) - Date.parse(c.session.start)) : '—');
    const meterTotal = h('dd', { 'data-test': 'meter' }, kwh(c.energy_wh));
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
    const actionsKey = c.session ? 'stop' : c.operative !== false ? `start:${badges.map((b) => `${b.uid}/${b.user}/${b.enabled}`).join()}` : 'none';
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
    } else if (c.operative !== false) {
      const pick = chosen.get(c.id) ?? '';
      const sel = h('select', { onchange: (ev) => chosen.set(c.id, ev.target.value) }, h('option', { value: '' }, t('no_badge')),
        badges.filter((b) => b.enabled).map((b) => h('option', { value: b.uid, selected: b.uid === pick }, b.user ? `${b.user} (${b.uid})` : b.uid)));
      actions.append(field(`start-badge-${c.id}`, t('start_with'), sel),
        h('button', { type: 'button', 'data-test': 'start', onclick: () => act(c.id, 'start', sel.value ? { badge: sel.value } : {}) }, t('start')));
    }
    const el = h('section', { class: `card conn led-${led}`, 'data-connector': c.id, 'data-status': c.status, 'aria-labelledby': `conn-${c.id}` },
      h('header', {},
        h('h2', { id: `conn-${c.id}` }, t('point', { n: c.id })),
        h('span', { class: 'pill', 'data-test': 'status' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), tOr(`st_${c.status}`, c.status))),
      power,
      h('dl', {},
        h('dt', {}, t('session_energy')), energy,
        h('dt', {}, t('duration')), dur,
        h('dt', {}, t('user_badge')), h('dd', { 'data-test': 'who' }, who),
        h('dt', {}, t('offered')), h('dd', { 'data-test': 'limit' }, limit),
        h('dt', {}, t('meter_total')), meterTotal),
      h('div', { class: 'scroll' }, h('table', { class: 'phases' },
        h('caption', { class: 'sr' }, t('per_phase')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('phase')), h('th', { scope: 'col' }, t('current')), h('th', { scope: 'col' }, t('voltage')))),
        phases)),
      c.error ? h('p', { class: 'error', 'data-test': 'error' }, `${c.error.code} — ${c.error.text}`) : null,
      c.meter_error ? h('p', { class: 'error' }, t('meter_error', { e: c.meter_error })) : null,
      c.operative === false ? h('p', { class: 'muted' }, t('inoperative')) : null,
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
        fillPhases(m.current_a, m.voltage_v);
      },
    };
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
    return h('section', { class: 'card site', 'aria-labelledby': 'site-h', 'data-test': 'site' }, h('h2', { id: 'site-h' }, t('site')), dl);
  }

  async function act(id, what, body) {
    try {
      await api('POST', `/connectors/${id}/${what}`, body ?? {});
      ctx.toast(t(what === 'start' ? 'started' : 'stopped', { n: id }));
    } catch (e) { ctx.toast(e.message, true); }
    refresh();
  }

  try { badges = (await api('GET', '/badges')).badges; } catch { badges = []; }
  await refresh();
  try { await log.load(); } catch { /* the log is a help, not the page */ }
  const off = ctx.listen((e) => {
    log.event(e);
    if (e.kind === 'meter') cards.get(e.connector)?.meter(e);
    else if (refreshKinds.has(e.kind)) refresh();
    else if (e.kind === 'badge_added' || e.kind === 'badge_removed') api('GET', '/badges').then((b) => { badges = b.badges; render(); }).catch(() => {});
  });
  return off;
}
