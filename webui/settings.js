// Settings (installer): every configuration key the station knows, grouped
// by what it is about (keys of modules merged later land in their group by
// their prefix, or under "Other"), typed inputs from the key registry, saved
// with PUT /api/v1/settings (all or nothing). Also the PINs of both roles.
// The OCPP group starts with the back-end connection: its state and, when
// it failed, why (last_error, e.g. "TLS: certificate expired: …").
import { api } from './api.js';
import { h, clear, field } from './dom.js';
import { t, tOr } from './i18n.js';
import * as firmware from './firmware.js';
import * as selftest from './selftest.js';
import * as backup from './backup.js';

/* Sub-pages of the settings: #/settings/NAME (keys when none). */
const subpages = [
  ['', 'sub_keys', null],
  ['firmware', 'sub_firmware', firmware],
  ['selftest', 'sub_selftest', selftest],
  ['backup', 'sub_backup', backup],
];

function subnav(current) {
  return h('nav', { class: 'tabs sub', 'aria-label': t('nav_settings') },
    subpages.map(([name, label]) => h('a', { class: 'tab', href: name ? `#/settings/${name}` : '#/settings', 'aria-current': name === current ? 'page' : null, 'data-sub': name || 'keys' }, t(label))));
}

/* First matching prefix wins. */
const groups = [
  ['installation', ['station.', 'site.', 'grid.', 'connector.', 'hal.', 'meter.', 'http.', 'tic.', 'p1.', 'ct.']],
  ['rfid', ['auth.', 'rfid.', 'badge.']],
  ['ocpp', ['ocpp.']],
  ['energy', ['energy.', 'window.', 'windows.', 'schedule.', 'load.']],
  ['payment', ['payment.', 'web.']],
  ['firmware', ['firmware.', 'diagnostics.']],
];

function groupOf(key) {
  for (const [g, prefixes] of groups) if (prefixes.some((p) => key.startsWith(p))) return g;
  return 'other';
}

function defOf(defs, key) {
  for (const d of defs) {
    if (d.key === key) return d;
    if (d.key.includes('*')) {
      const re = new RegExp(`^${d.key.split('.').map((s) => (s === '*' ? '[^.]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('\\.')}$`);
      if (re.test(key)) return d;
    }
  }
  return null;
}

export async function mount(root, ctx) {
  if (ctx.role !== 'installer') {
    root.append(h('p', { class: 'error', 'data-test': 'forbidden' }, t('needs_installer')));
    return null;
  }
  const sub = location.hash.replace(/^#\/?/, '').split('/')[1] ?? '';
  const page = subpages.find(([name]) => name === sub);
  if (page?.[2]) {
    root.append(h('h1', {}, t(page[1])), subnav(sub));
    return page[2].mount(root, ctx);
  }
  const [{ settings }, { keys: defs }, status] = await Promise.all([api('GET', '/settings'), api('GET', '/web/settings-schema'), api('GET', '/status')]);
  const inputs = new Map();
  const byGroup = new Map();
  for (const key of Object.keys(settings).sort()) {
    const g = groupOf(key);
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g).push(key);
  }
  const form = h('form', { 'data-test': 'settings' });
  const order = [...groups.map((g) => g[0]), 'other'].filter((g) => byGroup.has(g));
  const tabs = h('nav', { class: 'tabs', 'aria-label': t('groups') });
  const panels = [];
  for (const g of order) {
    const panel = h('fieldset', { id: `panel-${g}`, class: 'card', 'data-group': g }, h('legend', {}, tOr(`grp_${g}`, g)));
    if (g === 'ocpp' && status.station?.ocpp) panel.append(ocppLink(status.station.ocpp));
    for (const key of byGroup.get(g)) {
      const d = defOf(defs, key) ?? { type: 'string' };
      const v = settings[key];
      let input;
      if (d.type === 'bool') input = h('input', { type: 'checkbox', checked: v === true });
      else if (d.type === 'enum') input = h('select', {}, d.choices.split('|').map((c) => h('option', { value: c, selected: c === String(v) }, c)));
      else if (d.type === 'int' || d.type === 'number') input = h('input', { type: 'number', step: d.type === 'int' ? '1' : 'any', min: d.min ?? null, max: d.max ?? null, value: v ?? '' });
      // a secret is write-only: the API says only whether it is set ({set: bool})
      else if (d.secret) input = h('input', { type: 'password', value: '', autocomplete: 'new-password', maxlength: d.max_length ?? null, placeholder: t(v?.set ? 'secret_set' : 'secret_not_set'), 'data-secret': v?.set ? 'set' : 'not-set' });
      else input = h('input', { type: 'text', value: v ?? '', autocomplete: 'off', spellcheck: 'false', maxlength: d.max_length ?? null });
      if (d.file_only) input.disabled = true;
      input.name = key;
      input.dataset.initial = d.type === 'bool' ? String(v === true) : d.secret ? '' : String(v ?? '');
      inputs.set(key, { input, d });
      const hint = [d.doc, d.file_only ? t('file_only') : d.runtime === false ? t('needs_restart') : null].filter(Boolean).join(' ');
      const f = field(`k-${key.replace(/[^a-zA-Z0-9_-]/g, '-')}`, key, input, hint || null);
      const per = key.match(/^connector\.(\d+)\./);
      if (per) {
        // one folding block per charge point keeps the Installation group short
        let box = panel.querySelector(`details[data-connector="${per[1]}"]`);
        if (!box) panel.append(box = h('details', { 'data-connector': per[1] }, h('summary', {}, t('point', { n: per[1] }))));
        box.append(f);
      } else panel.append(f);
    }
    panels.push(panel);
    tabs.append(h('a', { href: `#panel-${g}`, class: 'tab', onclick: (ev) => { ev.preventDefault(); panel.scrollIntoView(); panel.querySelector('input,select')?.focus(); } }, tOr(`grp_${g}`, g)));
  }
  const result = h('p', { role: 'status', 'data-test': 'settings-result' });
  form.append(...panels, h('div', { class: 'actions sticky' }, h('button', { type: 'submit' }, t('save')), result));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const changed = {};
    for (const [key, { input, d }] of inputs) {
      if (d.file_only) continue;
      const now = d.type === 'bool' ? String(input.checked) : input.value;
      if (now === input.dataset.initial) continue;
      changed[key] = d.type === 'bool' ? input.checked : (d.type === 'int' || d.type === 'number') && now !== '' ? Number(now) : now;
    }
    if (!Object.keys(changed).length) { result.textContent = t('nothing_changed'); return; }
    try {
      const r = await api('PUT', '/settings', changed);
      for (const key of Object.keys(r.applied)) {
        const { input, d } = inputs.get(key);
        if (d.secret) { // written, never shown back
          input.value = '';
          input.placeholder = t(r.applied[key]?.set ? 'secret_set' : 'secret_not_set');
          input.dataset.secret = r.applied[key]?.set ? 'set' : 'not-set';
        } else input.dataset.initial = String(r.applied[key]);
      }
      result.textContent = r.restart_required.length ? t('saved_restart', { keys: r.restart_required.join(', ') }) : t('saved');
      result.className = '';
    } catch (e) {
      result.textContent = e.message;
      result.className = 'error';
    }
  };
  root.append(h('h1', {}, t('nav_settings')), subnav(''), tabs, form, pinForm(ctx));
  return null;
}

/* The back-end connection as GET /status reports it (station.ocpp). */
function ocppLink(o) {
  return h('p', { 'data-test': 'ocpp-link' }, h('strong', {}, t('ocpp_link')), ' ', tOr(`ocpp_${o.state}`, o.state),
    o.last_error ? [h('br'), t('ocpp_last_error'), ' ', h('span', { class: 'error', 'data-test': 'ocpp-error' }, o.last_error)] : null);
}

function pinForm(ctx) {
  const role = h('select', {}, h('option', { value: 'owner' }, t('role_owner')), h('option', { value: 'installer' }, t('role_installer')));
  const pin = h('input', { type: 'password', inputmode: 'numeric', pattern: '[0-9]{4,12}', required: true, autocomplete: 'new-password' });
  const f = h('form', { class: 'card', 'data-test': 'pin' }, h('h2', {}, t('change_pin')),
    field('pin-role', t('role'), role), field('pin-new', t('new_pin'), pin, t('pin_hint')), h('button', { type: 'submit' }, t('save')));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    try { await api('POST', '/web/pin', { role: role.value, pin: pin.value }); pin.value = ''; ctx.toast(t('pins_saved')); } catch (e) { ctx.toast(e.message, true); }
  };
  return f;
}
