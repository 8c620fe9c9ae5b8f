// Local reservations (issue 19): the reception holds a charge point for a
// guest (a user: any of the user's badges; or one badge) from a time until an
// expiry. POST/GET /api/v1/reservations, DELETE /api/v1/reservations/{id}.
import { api } from './api.js';
import { h, clear, field } from './dom.js';
import { t } from './i18n.js';
import { dateTime } from './format.js';

/* "2026-12-24T18:00" for a datetime-local input, in the browser's clock. */
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export function reservationsCard(ctx) {
  const point = h('select', { name: 'connector' });
  const who = h('select', { name: 'who', required: true });
  const start = h('input', { type: 'datetime-local', name: 'start' });
  const expiry = h('input', { type: 'datetime-local', name: 'expiry', required: true });
  const list = h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': t('reservations') });
  const form = h('form', { 'data-test': 'add-reservation' }, h('h2', {}, t('reservations')),
    h('p', { class: 'muted' }, t('reservation_intro')),
    field('resv-point', t('point_label'), point), field('resv-who', t('reservation_for'), who),
    field('resv-start', t('reservation_start'), start, t('reservation_start_hint')),
    field('resv-expiry', t('reservation_expiry'), expiry),
    h('button', { type: 'submit' }, t('reserve')));
  const el = h('section', { class: 'card', 'data-test': 'reservations-card' }, form, list);

  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const kind = who.value[0], name = who.value.slice(2); // u:NAME or b:UID
    const body = { connector: Number(point.value), expiry: new Date(expiry.value).toISOString() };
    if (start.value) body.start = new Date(start.value).toISOString();
    if (kind === 'u') body.user = name; else body.badge = name;
    try {
      await api('POST', '/reservations', body);
      ctx.toast(t('saved'));
      await load();
      list.focus();
    } catch (e) {
      ctx.toast(e.message, true);
      const bad = /^expiry/.test(e.message) ? expiry : /^start/.test(e.message) ? start : /connector/.test(e.message) ? point : who;
      bad.setAttribute('aria-invalid', 'true');
      bad.focus();
    }
  };
  for (const el of [point, who, start, expiry]) el.addEventListener('input', () => el.removeAttribute('aria-invalid'));

  async function load(people) {
    if (people) {
      const { points, users, badges } = people;
      const keep = [point.value, who.value];
      clear(point).append(...Array.from({ length: points }, (_, i) => h('option', { value: i + 1 }, t('point', { n: i + 1 }))));
      clear(who).append(
        h('optgroup', { label: t('users') }, users.map((u) => h('option', { value: `u:${u.name}` }, u.name))),
        h('optgroup', { label: t('badges') }, badges.map((b) => h('option', { value: `b:${b.uid}` }, b.user ? `${b.uid} (${b.user})` : b.uid))));
      if (keep[0]) point.value = keep[0];
      if (keep[1]) who.value = keep[1];
      if (!expiry.value) expiry.value = localInput(Date.now() + 12 * 3600e3);
    }
    const r = await api('GET', '/reservations');
    clear(list).append(r.reservations.length ? h('table', { 'data-test': 'reservations' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('point_label')), h('th', { scope: 'col' }, t('reservation_for')),
        h('th', { scope: 'col' }, t('reservation_start')), h('th', { scope: 'col' }, t('reservation_expiry')), h('th', { scope: 'col' }, t('reservation_state')),
        h('th', { scope: 'col' }, h('span', { class: 'sr' }, t('actions'))))),
      h('tbody', {}, r.reservations.map((x) => h('tr', { 'data-reservation': x.id },
        h('td', {}, String(x.connector)), h('td', {}, x.user ?? x.badge), h('td', {}, dateTime(x.start)), h('td', {}, dateTime(x.expiry)),
        h('td', {}, t(`reservation_${x.state}`)),
        h('td', {}, h('button', { type: 'button', class: 'link danger', onclick: () => cancel(x) }, t('reservation_cancel'))))))) : h('p', { class: 'muted' }, t('none')));
  }

  async function cancel(x) {
    if (!confirm(t('reservation_confirm_cancel', { n: x.connector, who: x.user ?? x.badge }))) return;
    try { await api('DELETE', `/reservations/${x.id}`); await load(); list.focus(); } catch (e) { ctx.toast(e.message, true); }
  }

  return { el, load };
}
