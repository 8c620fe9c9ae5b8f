// The page's shell: who is logged in (first-start PIN setup, login), the
// navigation by role, the router (#/dashboard, #/history, #/users,
// #/settings) and the one Server-Sent Events stream every page listens to.
import { api, setCsrf, whenLoggedOut, whenOffline, ApiError } from './api.js';
import { h, clear, field } from './dom.js';
import { t, lang, setLang, otherLang, onLangChange } from './i18n.js';
import { setZone } from './format.js';
import * as dashboard from './dashboard.js';
import * as history from './history.js';
import * as users from './users.js';
import * as settings from './settings.js';

const pages = {
  dashboard: { mod: dashboard, role: 'owner' },
  history: { mod: history, role: 'owner' },
  users: { mod: users, role: 'owner' },
  settings: { mod: settings, role: 'installer' },
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const state = { session: null, unmount: null, stream: null, listeners: new Set() };

export function toast(message, isError) {
  const el = document.getElementById('toast');
  el.className = isError ? 'error' : '';
  el.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.textContent = ''; }, 6000);
}

/* Subscribe to live events ({kind, detail, ...}, and kind "meter"). */
function listen(fn) {
  state.listeners.add(fn);
  return () => state.listeners.delete(fn);
}

function emit(e) { for (const fn of [...state.listeners]) fn(e); }

/* The connection to the station: on (live), off (lost: the banner says so and
 * the values shown are greyed as stale until the stream is back). */
function setLive(on) {
  const was = document.body.dataset.live;
  document.body.dataset.live = on ? 'on' : 'off';
  const banner = document.getElementById('conn');
  banner.hidden = on;
  if (!on && was !== 'off') banner.textContent = t('conn_lost');
}

function openStream() {
  if (state.stream) return;
  const es = new EventSource('/api/v1/events/stream');
  es.onmessage = (m) => { try { emit(JSON.parse(m.data)); } catch { /* ignore */ } };
  es.addEventListener('meter', (m) => { try { emit({ kind: 'meter', ...JSON.parse(m.data) }); } catch { /* ignore */ } });
  es.addEventListener('site_reading', (m) => { try { emit({ kind: 'site_reading', ...JSON.parse(m.data) }); } catch { /* ignore */ } });
  es.onopen = () => { setLive(true); emit({ kind: 'reconnected' }); };
  es.onerror = () => {
    setLive(false);
    // EventSource retries by itself (with Last-Event-ID); a closed one means the login ended.
    if (es.readyState !== EventSource.CLOSED) return;
    state.stream = null;
    // Refused (login ended, or too many pages open): back to the login if that is why,
    // else try again in a while.
    api('GET', '/web/session').then((s) => {
      if (!s.role) start();
      else { toast(t('live_lost'), true); setTimeout(() => { if (state.session?.role) openStream(); }, 10000); }
    }).catch(() => setTimeout(start, 2000));
  };
  state.stream = es;
}

function closeStream() {
  state.stream?.close();
  state.stream = null;
}

function allowed(role) {
  return role === 'owner' || state.session?.role === 'installer';
}

function renderNav() {
  clear(nav);
  const here = currentPage();
  if (!state.session?.role) return;
  const ul = h('ul');
  for (const [name, p] of Object.entries(pages)) {
    if (!allowed(p.role)) continue;
    ul.append(h('li', {}, h('a', { href: `#/${name}`, 'aria-current': name === here ? 'page' : null }, t(`nav_${name}`))));
  }
  nav.append(ul);
}

function currentPage() {
  const name = location.hash.replace(/^#\/?/, '').split('/')[0];
  return pages[name] ? name : 'dashboard';
}

async function route() {
  if (!state.session?.role) return;
  state.unmount?.();
  state.unmount = null;
  renderNav();
  const name = currentPage();
  const p = pages[name];
  clear(main);
  document.title = `${t(`nav_${name}`)} · borne ${state.session.station ?? ''}`;
  if (!allowed(p.role)) {
    main.append(h('section', { class: 'card' }, h('h1', {}, t(`nav_${name}`)), h('p', { class: 'error', 'data-test': 'forbidden' }, t('needs_installer'))));
    return;
  }
  try {
    state.unmount = await p.mod.mount(main, { role: state.session.role, listen, toast, station: state.session.station });
  } catch (e) {
    main.append(h('p', { class: 'error' }, e instanceof ApiError ? e.message : String(e)));
  }
}

function pinInput(name, autocomplete) {
  return h('input', { name, type: 'password', inputmode: 'numeric', pattern: '[0-9]{4,12}', minlength: 4, maxlength: 12, required: true, autocomplete });
}

function renderSetup(s) {
  clear(main);
  const err = h('p', { class: 'error', role: 'alert' });
  if (!s.can_setup) {
    main.append(h('section', { class: 'card narrow' }, h('h1', {}, t('setup_title')), h('p', {}, t('setup_remote'))));
    return;
  }
  const form = h('form', { class: 'card narrow', 'data-test': 'setup' },
    h('h1', {}, t('setup_title')),
    h('p', {}, t('setup_intro')),
    field('setup-code', t('setup_code'), h('input', { name: 'setup_code', type: 'text', required: true, maxlength: 16, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false' }), t('setup_code_hint')),
    s.pin_set.owner ? null : field('setup-owner', t('owner_pin'), pinInput('owner', 'new-password'), t('pin_hint')),
    s.pin_set.installer ? null : field('setup-installer', t('installer_pin'), pinInput('installer', 'new-password'), t('pin_hint')),
    err,
    h('button', { type: 'submit' }, t('save')));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const el of form.querySelectorAll('input')) body[el.name] = el.value;
    try {
      await api('POST', '/web/setup', body);
      toast(t('pins_saved'));
      start();
    } catch (e) { err.textContent = e.message; }
  };
  main.append(form);
  form.querySelector('input')?.focus();
}

function renderLogin(s) {
  clear(main);
  const err = h('p', { class: 'error', role: 'alert', 'data-test': 'login-error' });
  const role = h('select', { name: 'role' }, h('option', { value: 'owner' }, t('role_owner')), h('option', { value: 'installer' }, t('role_installer')));
  const pin = pinInput('pin', 'current-password');
  const form = h('form', { class: 'card narrow', 'data-test': 'login' },
    h('h1', {}, t('login_title')),
    h('p', { class: 'muted' }, s.station),
    field('login-role', t('role'), role),
    field('login-pin', t('pin'), pin),
    err,
    h('button', { type: 'submit' }, t('login')));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      await api('POST', '/web/login', { role: role.value, pin: pin.value });
      pin.value = '';
      start();
    } catch (e) {
      pin.value = '';
      const b = e.body ?? {};
      if (e.status === 429) err.textContent = t('locked', { s: b.locked_s ?? '?' });
      // attempts_left: wrong PINs still free of a lock-out; the tries left count the one that locks
      else if (e.status === 401) err.textContent = b.attempts_left > 0 ? t('wrong_pin_left', { n: b.attempts_left + 1 }) : t('wrong_pin_last');
      else err.textContent = e.message;
      pin.focus();
    }
  };
  main.append(form);
  pin.focus();
}

async function start() {
  closeStream();
  state.unmount?.();
  state.unmount = null;
  let s;
  try {
    s = await api('GET', '/web/session');
  } catch (e) {
    clear(main).append(h('p', { class: 'error' }, e.message));
    return;
  }
  state.session = s;
  setCsrf(s.csrf);
  setZone(s.timezone);
  document.getElementById('brand').textContent = `borne · ${s.station}`;
  const logout = document.getElementById('logout');
  logout.hidden = !s.role;
  document.body.dataset.role = s.role ?? '';
  renderNav();
  if (!s.pin_set.owner || !s.pin_set.installer) return renderSetup(s);
  if (!s.role) return renderLogin(s);
  openStream();
  route();
}

function applyLang() {
  document.documentElement.lang = lang();
  const b = document.getElementById('lang');
  b.textContent = t('switch_lang');
  b.lang = otherLang();
  document.getElementById('logout').textContent = t('logout');
  document.querySelector('.skip').textContent = t('skip');
  nav.setAttribute('aria-label', t('menu'));
  const banner = document.getElementById('conn');
  if (!banner.hidden) banner.textContent = t('conn_lost');
}

document.getElementById('lang').onclick = () => setLang(otherLang());
document.getElementById('logout').onclick = async () => {
  try { await api('POST', '/web/logout'); } catch { /* already out */ }
  state.session = null;
  start();
};
onLangChange(() => { applyLang(); if (state.session?.role) route(); else start(); });
whenLoggedOut(() => start());
whenOffline(() => {
  // the stream notices too and recovers by itself; a click meanwhile says why it did nothing
  if (state.stream) setLive(false);
  return t('conn_lost_action');
});
/* After a click in the menu the new page's title gets the focus, so that a
 * keyboard or screen-reader user starts on the new content, not on the menu. */
window.addEventListener('hashchange', async () => {
  await route();
  const title = main.querySelector('h1');
  if (!title) return;
  title.tabIndex = -1;
  title.focus();
});
applyLang();
start();
