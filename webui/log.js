// The dashboard's log (issue 19): what happened and why, newest first, from
// the station's event log (GET /events) and live from the SSE stream. A badge
// refusal says the reason the station recorded (the event's `reason`); an
// older event without one gets it from the badge list (unknown or disabled).
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, tOr } from './i18n.js';
import { dateTime } from './format.js';

export const logKinds = new Set(['auth_refused', 'auth_expired', 'auth_accepted', 'error', 'error_cleared', 'session_start',
  'session_stop', 'limit', 'meter_fault', 'meter_recovered', 'meter_error', 'firmware', 'selftest', 'boot', 'reconnected',
  'ocpp_connected', 'ocpp_disconnected', 'ocpp_call', 'tamper', 'shunt_trip']);
const SHOWN = 30;

function detailText(e, badges) {
  let d = e.detail ?? '';
  if (e.kind === 'limit' && e.reason) {
    try {
      const o = JSON.parse(d);
      return t('lim_why', { a: Number(o.current_a).toFixed(1), by: tOr(`limit_${e.reason}`, e.reason) });
    } catch { /* text as it is */ }
  }
  if (d.startsWith('{')) {
    try {
      const o = JSON.parse(d);
      d = Object.entries(o).filter(([, v]) => v !== null && v !== '' && typeof v !== 'object').map(([k, v]) => `${k}: ${v}`).join(', ');
    } catch { /* text as it is */ }
  }
  if (e.kind === 'auth_refused' && e.reason) {
    const uid = d.split(':')[0];
    return `${/^[0-9A-Fa-f]+$/.test(uid) ? uid : d}: ${tOr(`why_${e.reason}`, e.reason)}`;
  }
  if (e.kind === 'auth_refused' && /^[0-9A-Fa-f:]+$/.test(d)) {
    const uid = d.replace(/:/g, '').toUpperCase();
    const b = badges.find((x) => x.uid === uid);
    return `${uid}: ${t(!b ? 'why_unknown_badge' : b.enabled === false ? 'why_disabled_badge' : 'why_refused')}`;
  }
  return d;
}

export function eventLog() {
  const list = h('ol', { class: 'log', 'data-test': 'log' });
  const el = h('section', { class: 'card logcard', 'aria-labelledby': 'log-h' }, h('h2', { id: 'log-h' }, t('log')), list);
  let badges = [];
  const add = (e, top) => {
    if (!logKinds.has(e.kind) || list.querySelector(`[data-id="${e.id}"]`)) return;
    // a remote start without a badge has an empty badge: no dash before nothing
    const why = detailText(e, badges);
    const li = h('li', { 'data-id': e.id, 'data-kind': e.kind, class: /refused|error|fault/.test(e.kind) ? 'bad' : null },
      h('time', { datetime: e.time }, dateTime(e.time)), ' ',
      h('strong', {}, tOr(`ev_${e.kind}`, e.kind)), e.connector ? ` · ${t('point', { n: e.connector })}` : '', why ? ' — ' : '',
      h('span', { 'data-test': 'why' }, why));
    if (top) list.prepend(li); else list.append(li);
    while (list.children.length > SHOWN) list.lastChild.remove();
  };
  return {
    el,
    async load() {
      try { badges = (await api('GET', '/badges')).badges; } catch { badges = []; }
      const { last_id: last } = await api('GET', '/events?limit=1&after=9007199254740991');
      const { events } = await api('GET', `/events?after=${Math.max(0, last - 200)}&limit=200`);
      clear(list);
      for (const e of events.reverse()) add(e, false);
    },
    async event(e) {
      if (!logKinds.has(e.kind)) return;
      if (e.kind === 'auth_refused') { try { badges = (await api('GET', '/badges')).badges; } catch { /* keep */ } }
      add(e, true);
    },
  };
}
