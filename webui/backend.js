// The OCPP back end's state as GET /status reports it (station.ocpp), shown on
// the dashboard and on the settings' Back end tab: connected or not, since
// when, protocol version, registration, messages waiting, and the last error.
import { h } from './dom.js';
import { t, tOr } from './i18n.js';
import { dateTime } from './format.js';

export function backendCard(o, headingId = 'backend-h') {
  const up = o.state === 'connected';
  const dl = h('dl', {},
    h('dt', {}, t('ocpp_state')), h('dd', { 'data-test': 'ocpp-state', 'data-state': o.state }, tOr(`ocpp_${o.state}`, o.state)),
    o.since ? [h('dt', {}, t('ocpp_since')), h('dd', { 'data-test': 'ocpp-since' }, dateTime(o.since))] : null,
    h('dt', {}, t('ocpp_version')), h('dd', {}, `OCPP ${o.version ?? '—'}`),
    o.registration ? [h('dt', {}, t('ocpp_registration')), h('dd', {}, o.registration)] : null,
    h('dt', {}, t('ocpp_queue')), h('dd', { 'data-test': 'ocpp-queue' }, String(o.queue_length ?? 0)),
    o.last_error ? [h('dt', {}, t('ocpp_last_error')), h('dd', { class: 'error', 'data-test': 'ocpp-error' }, o.last_error)] : null);
  return h('section', { class: `card backend ${up ? 'up' : o.state === 'disabled' ? 'off' : 'down'}`, 'aria-labelledby': headingId, 'data-test': 'ocpp-link', 'data-state': o.state },
    h('h2', { id: headingId }, t('ocpp_link')), o.url ? h('p', { class: 'hint url' }, o.url) : null, dl);
}
