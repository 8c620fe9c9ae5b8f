// Settings (installer): task tabs (Installation, Meters, Load management,
// Badges, Back end, Network, Firmware; settings_labels.js says which key goes
// where, with human labels in both languages) and the raw key list as
// "Advanced". Each tab is its own form saved with PUT /api/v1/settings (all
// or nothing, but only that tab's changed keys: a wrong value elsewhere never
// blocks it). Every field is checked while typing against the key registry's
// rules (GET /web/settings-schema: type, range, allowed values, length); an
// invalid field is marked, explained beside itself and focused on Save.
// The Back end tab starts with the connection's state (station.ocpp).
import { api } from './api.js';
import { h, clear, field } from './dom.js';
import { t, lang } from './i18n.js';
import { tabs as taskTabs, tabOf, labelOf, rank } from './settings_labels.js';
import { backendCard } from './backend.js';
import * as firmware from './firmware.js';
import * as network from './network.js';
import * as selftest from './selftest.js';
import * as backup from './backup.js';

/* Sub-pages of the settings: #/settings/NAME (keys when none). */
const subpages = [
  ['', 'sub_keys', null],
  ['network', 'sub_network', network],
  ['firmware', 'sub_firmware', firmware],
  ['selftest', 'sub_selftest', selftest],
  ['backup', 'sub_backup', backup],
];

function subnav(current) {
  return h('nav', { class: 'tabs sub', 'aria-label': t('nav_settings') },
    subpages.map(([name, label]) => h('a', { class: 'tab', href: name ? `#/settings/${name}` : '#/settings', 'aria-current': name === current ? 'page' : null, 'data-sub': name || 'keys' }, t(label))));
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

/* What is wrong with a value by the registry's rules, or null. */
export function problem(d, input) {
  if (d.file_only || d.type === 'bool' || d.type === 'enum' || (d.secret && input.value === '')) return null;
  const v = input.value;
  if (d.type === 'int' || d.type === 'number') {
    if (v.trim() === '') return t('v_number');
    if (d.type === 'int' ? !/^\s*-?\d+\s*$/.test(v) : !Number.isFinite(Number(v))) return t(d.type === 'int' ? 'v_int' : 'v_number');
    const n = Number(v);
    if (typeof d.min === 'number' && typeof d.max === 'number' && d.min !== d.max && (n < d.min || n > d.max)) return t('v_range', { min: d.min, max: d.max });
  }
  if (d.choices && !d.choices.split('|').includes(String(v).trim())) return t('v_choice', { c: d.choices.split('|').join(', ') });
  if (typeof d.max_length === 'number' && v.length > d.max_length) return t('v_length', { n: d.max_length });
  return null;
}

const tabNames = [...taskTabs.map((x) => x[0]), 'advanced'];

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
  const byTab = new Map();
  for (const key of Object.keys(settings).sort()) {
    const g = tabOf(key);
    if (!byTab.has(g)) byTab.set(g, []);
    byTab.get(g).push(key);
  }
  for (const [g, keys] of byTab) if (g !== 'advanced') keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true }));
  const order = tabNames.filter((g) => byTab.has(g) || g === 'backend');
  const nav = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('groups') });
  const forms = new Map();
  const show = (g, focus) => {
    for (const [name, { form, tab }] of forms) {
      form.hidden = name !== g;
      tab.setAttribute('aria-selected', String(name === g));
      tab.tabIndex = name === g ? 0 : -1;
    }
    if (focus) forms.get(g).tab.focus();
  };
  for (const g of order) {
    const tab = h('button', { type: 'button', role: 'tab', class: 'tab', id: `tab-${g}`, 'aria-controls': `panel-${g}`, 'data-tab': g, onclick: () => show(g) }, t(`tab_${g}`));
    tab.addEventListener('keydown', (ev) => {
      const i = order.indexOf(g);
      if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') { ev.preventDefault(); show(order[(i + (ev.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length], true); }
    });
    nav.append(tab);
    const form = tabForm(g, byTab.get(g) ?? [], settings, defs, g === 'backend' ? status.station?.ocpp : null,
      g === 'badges' ? status.station?.reader : null);
    // the tab panel wraps the form (a form may not take the tabpanel role)
    const wrap = h('div', { role: 'tabpanel', id: `panel-${g}`, 'aria-labelledby': `tab-${g}` }, form);
    forms.set(g, { form: wrap, tab });
  }
  root.append(h('h1', {}, t('nav_settings')), subnav(''), nav, ...[...forms.values()].map((x) => x.form), pinForm(ctx));
  show(order[0]);
  return null;
}

/* One tab: its fields, checked while typing, and its own Save. */
/* The badge reader as the hardware back end sees it (station.reader). */
function readerCard(r) {
  const state = r.up ? t('reader_up') : `${t('reader_down')}: ${r.error ?? ''}`;
  return h('div', { class: 'card', 'data-test': 'reader-state', 'data-state': r.up ? 'up' : 'down' },
    h('h2', {}, t('reader_title')),
    h('p', { class: r.up ? 'ok' : 'error' }, `${r.type} · ${r.port} — ${state}`),
    h('p', { class: 'hint' }, t('reader_counts', { badges: r.badges, bad: r.bad_frames })));
}

function tabForm(g, keys, settings, defs, ocpp, reader) {
  const inputs = new Map();
  const advanced = g === 'advanced';
  const panel = h('fieldset', { class: 'card', 'data-group': g }, h('legend', {}, t(`tab_${g}`)));
  if (ocpp) panel.append(backendCard(ocpp, 'backend-tab-h'));
  else if (g === 'backend') panel.append(h('p', { class: 'hint', 'data-test': 'ocpp-link', 'data-state': 'disabled' }, t('ocpp_disabled_long')));
  if (reader) panel.append(readerCard(reader));
  if (advanced) panel.append(h('p', { class: 'hint' }, t('advanced_intro')));
  for (const key of keys) {
    const d = defOf(defs, key) ?? { type: 'string' };
    const v = settings[key];
    let input;
    if (d.type === 'bool') input = h('input', { type: 'checkbox', checked: v === true });
    else if (d.type === 'enum') input = h('select', {}, d.choices.split('|').map((c) => h('option', { value: c, selected: c === String(v) }, c)));
    else if (d.type === 'int' || d.type === 'number') input = h('input', { type: 'text', inputmode: d.type === 'int' ? 'numeric' : 'decimal', value: v ?? '', autocomplete: 'off' });
    // a secret is write-only: the API says only whether it is set ({set: bool})
    else if (d.secret) input = h('input', { type: 'password', value: '', autocomplete: 'new-password', placeholder: t(v?.set ? 'secret_set' : 'secret_not_set'), 'data-secret': v?.set ? 'set' : 'not-set' });
    else input = h('input', { type: 'text', value: v ?? '', autocomplete: 'off', spellcheck: 'false' });
    if (d.file_only) input.disabled = true;
    input.name = key;
    input.dataset.initial = d.type === 'bool' ? String(v === true) : d.secret ? '' : String(v ?? '');
    const human = advanced ? null : labelOf(key, lang());
    const label = human ? (human.unit ? `${human.label} (${human.unit})` : human.label) : key;
    const rules = [d.choices && d.type !== 'enum' ? t('allowed', { c: d.choices.split('|').join(', ') }) : null,
      (d.type === 'int' || d.type === 'number') && typeof d.min === 'number' && d.min !== d.max ? t('v_range', { min: d.min, max: d.max }) : null];
    const hint = [human?.help ?? d.doc, ...rules, d.file_only ? t('file_only') : d.runtime === false ? t('needs_restart') : null].filter(Boolean).join(' ');
    const id = `k-${key.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
    const f = field(id, label, input, hint || null);
    if (human) f.querySelector('small')?.append(' ', h('code', {}, key));
    const err = h('p', { class: 'error field-error', id: `${id}-err`, 'data-test': 'field-error', hidden: true });
    f.append(err);
    const base = input.getAttribute('aria-describedby');
    const mark = (why) => {
      if (why) { input.setAttribute('aria-invalid', 'true'); err.textContent = why; err.hidden = false; }
      else { input.removeAttribute('aria-invalid'); err.textContent = ''; err.hidden = true; }
      const desc = [base, why ? err.id : null].filter(Boolean).join(' ');
      if (desc) input.setAttribute('aria-describedby', desc); else input.removeAttribute('aria-describedby');
      return why;
    };
    const check = () => mark(problem(d, input));
    input.addEventListener('input', check);
    input.addEventListener('change', check);
    inputs.set(key, { input, d, check, mark });
    const per = key.match(/^connector\.(\d+)\./);
    if (per && advanced) {
      // one folding block per charge point keeps the raw list short
      let box = panel.querySelector(`details[data-connector="${per[1]}"]`);
      if (!box) panel.append(box = h('details', { 'data-connector': per[1] }, h('summary', {}, t('point', { n: per[1] }))));
      box.append(f);
    } else panel.append(f);
  }
  const result = h('p', { role: 'status', 'data-test': 'settings-result' });
  const form = h('form', { 'data-test': 'settings', 'data-tab': g, novalidate: true }, panel);
  if (keys.length) form.append(h('div', { class: 'actions sticky' }, h('button', { type: 'submit' }, t('save_tab', { tab: t(`tab_${g}`) })), result));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const changed = {};
    let firstBad = null;
    for (const [key, { input, d, check }] of inputs) {
      if (d.file_only) continue;
      const now = d.type === 'bool' ? String(input.checked) : input.value;
      if (now === input.dataset.initial) continue;
      if (check() && !firstBad) firstBad = input;
      changed[key] = d.type === 'bool' ? input.checked : (d.type === 'int' || d.type === 'number') && now.trim() !== '' ? Number(now) : now;
    }
    if (firstBad) {
      result.textContent = t('fix_marked');
      result.className = 'error';
      firstBad.focus();
      return;
    }
    if (!Object.keys(changed).length) { result.textContent = t('nothing_changed'); result.className = ''; return; }
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
      // the station's own check names the key first: mark that field and focus it
      const key = String(e.message).split(':')[0];
      const bad = inputs.get(key);
      if (bad) {
        bad.mark(e.message.slice(key.length + 1).trim());
        bad.input.focus();
      }
    }
  };
  return form;
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
