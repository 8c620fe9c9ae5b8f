// Users and badges: create users (a hotel room, a guest), add badges by
// typing the UID or by "learn" (the next card tapped on the station's reader
// fills the UID), enable/disable, which charge points each user may use,
// remove.
import { api } from './api.js';
import { h, clear, field, append } from './dom.js';
import { t } from './i18n.js';
import { reservationsCard } from './reservations.js';

export async function mount(root, ctx) {
  const userList = h('div', { class: 'scroll' });
  const badgeList = h('div', { class: 'scroll' });
  const userSelect = h('select', { name: 'user' });
  let stopLearning = null;

  const newUser = h('input', { type: 'text', name: 'name', maxlength: 64, required: true, autocomplete: 'off' });
  const userForm = h('form', { class: 'card', 'data-test': 'add-user' }, h('h2', {}, t('add_user')),
    field('new-user', t('name'), newUser), h('button', { type: 'submit' }, t('add')));
  const uid = h('input', { type: 'text', name: 'uid', required: true, autocomplete: 'off', spellcheck: 'false', pattern: '[0-9A-Fa-f:\\- ]{2,40}' });
  const learn = h('button', { type: 'button', class: 'secondary', 'data-test': 'learn', 'aria-pressed': 'false' }, t('learn'));
  const learnNote = h('p', { class: 'muted', role: 'status' });
  const badgeForm = h('form', { class: 'card', 'data-test': 'add-badge' }, h('h2', {}, t('add_badge')),
    field('new-uid', t('uid'), uid, t('uid_hint')), h('div', { class: 'actions' }, learn), learnNote,
    field('new-badge-user', t('user'), userSelect), h('button', { type: 'submit' }, t('add')));
  // the station's charging windows (owner and installer): PUT /owner-settings
  const stationWindows = h('input', { type: 'text', name: 'schedule.windows', autocomplete: 'off', spellcheck: 'false' });
  const windowsResult = h('p', { role: 'status', 'data-test': 'windows-result' });
  const windowsForm = h('form', { class: 'card', 'data-test': 'station-windows' }, h('h2', {}, t('station_windows')),
    field('station-windows', t('station_windows_label'), stationWindows, t('station_windows_hint')),
    h('button', { type: 'submit' }, t('save')), windowsResult);
  windowsForm.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await api('PUT', '/owner-settings', { 'schedule.windows': stationWindows.value.trim() });
      windowsResult.textContent = t('saved');
      windowsResult.className = '';
    } catch (e) {
      windowsResult.textContent = e.message;
      windowsResult.className = 'error';
    }
  };
  const resv = reservationsCard(ctx);
  // on a follower of an installation the leader's copy decides (docs/site.md)
  const managedNote = h('p', { class: 'muted', role: 'status', 'data-test': 'managed-by' });
  const forms = h('div', { class: 'two' }, userForm, badgeForm);
  root.append(h('h1', {}, t('nav_users')), managedNote, forms,
    h('section', { class: 'card' }, h('h2', {}, t('users')), userList),
    h('section', { class: 'card' }, h('h2', {}, t('badges')), badgeList), resv.el, windowsForm);

  let points = 1;
  async function load() {
    const [u, b, s] = await Promise.all([api('GET', '/users'), api('GET', '/badges'), api('GET', '/status')]);
    points = s.connectors.length;
    // each user's own charging windows (energy management); null: the station's apply
    const own = new Map(await Promise.all(u.users.map(async (x) => [x.id, (await api('GET', `/users/${x.id}/windows`).catch(() => ({}))).windows ?? ''])));
    const stationWindows = s.station.site?.window?.windows ?? '';
    if (document.activeElement !== windowsForm.elements['schedule.windows']) windowsForm.elements['schedule.windows'].value = stationWindows;
    append(clear(userSelect), [h('option', { value: '' }, t('nobody')), u.users.map((x) => h('option', { value: x.name }, x.name))]);
    clear(userList).append(u.users.length ? h('table', { 'data-test': 'users' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('name')), h('th', { scope: 'col' }, t('enabled')), points > 1 ? h('th', { scope: 'col' }, t('user_points')) : null, h('th', { scope: 'col' }, h('span', { class: 'sr' }, t('actions'))))),
      h('tbody', {}, u.users.map((x) => h('tr', { 'data-user': x.id },
        h('td', {}, x.name, h('label', { class: 'windows-label', for: `user-${x.id}-windows` }, t('user_windows')), windowsInput(x, own.get(x.id), stationWindows)),
        h('td', {}, toggle(`user-${x.id}`, x.enabled, t('enable_user', { name: x.name }), (on) => api('PUT', `/users/${x.id}`, { enabled: on }))),
        points > 1 ? h('td', { 'data-test': 'user-points' }, pointBoxes(x)) : null,
        h('td', {}, h('button', { type: 'button', class: 'link danger', onclick: () => remove(`/users/${x.id}`, x.name) }, t('remove'))))))) : h('p', { class: 'muted' }, t('none')));
    clear(badgeList).append(b.badges.length ? h('table', { 'data-test': 'badges' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('uid')), h('th', { scope: 'col' }, t('user')), h('th', { scope: 'col' }, t('enabled')), h('th', { scope: 'col' }, h('span', { class: 'sr' }, t('actions'))))),
      h('tbody', {}, b.badges.map((x) => h('tr', { 'data-badge': x.uid },
        h('td', { class: 'mono' }, x.uid),
        h('td', {}, x.user ?? '—'),
        h('td', {}, toggle(`badge-${x.uid}`, x.enabled, t('enable_badge', { uid: x.uid }), (on) => api('PUT', `/badges/${encodeURIComponent(x.uid)}`, { enabled: on }))),
        h('td', {}, h('button', { type: 'button', class: 'link danger', onclick: () => remove(`/badges/${encodeURIComponent(x.uid)}`, x.uid) }, t('remove'))))))) : h('p', { class: 'muted' }, t('none')));
    const managed = b.managed_by ?? null;
    managedNote.textContent = managed ? t('managed_by', { who: managed }) : '';
    forms.hidden = !!managed;
    if (managed) for (const el of [userList, badgeList]) el.querySelectorAll('input, button').forEach((x) => { x.disabled = true; });
    await resv.load({ points, users: u.users, badges: b.badges });
  }

  /* One checkbox per charge point; all ticked = every point (null). */
  function pointBoxes(user) {
    const boxes = [];
    for (let c = 1; c <= points; c++) {
      const box = h('input', { type: 'checkbox', id: `user-${user.id}-point-${c}`, checked: !user.connectors || user.connectors.includes(c), 'data-point': c });
      boxes.push(box);
      box.onchange = async () => {
        const on = boxes.filter((b) => b.checked).map((b) => Number(b.dataset.point));
        if (!on.length) { box.checked = true; ctx.toast(t('user_points_none'), true); return; }
        try {
          await api('PUT', `/users/${user.id}`, { connectors: on.length === points ? null : on });
          ctx.toast(t('saved'));
        } catch (e) { box.checked = !box.checked; ctx.toast(e.message, true); }
      };
    }
    return h('div', { class: 'points' }, boxes.map((b) => h('label', { class: 'point', for: b.id, title: t('user_point', { name: user.name, n: b.dataset.point }) }, b, h('span', { 'aria-hidden': 'true' }, b.dataset.point), h('span', { class: 'sr' }, t('user_point', { name: user.name, n: b.dataset.point })))));
  }

  /* A user's own charging windows in the grammar of docs/energy.md; empty:
   * the station's windows. Saved when the field is left or Enter pressed. */
  function windowsInput(user, value, stationWindows) {
    const input = h('input', { type: 'text', class: 'windows-input', size: 8, id: `user-${user.id}-windows`, value, placeholder: stationWindows || t('user_windows_any'),  title: t('user_windows_of', { name: user.name }), 'data-initial': value, spellcheck: 'false' });
    const save = async () => {
      if (input.value === input.dataset.initial) return;
      try {
        const r = await api('PUT', `/users/${user.id}/windows`, { windows: input.value.trim() || null });
        input.dataset.initial = input.value = r.windows ?? '';
        input.removeAttribute('aria-invalid');
        ctx.toast(t('saved'));
      } catch (e) { input.setAttribute('aria-invalid', 'true'); ctx.toast(e.message, true); }
    };
    input.onchange = save;
    input.onkeydown = (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); save(); } };
    return input;
  }

  function toggle(id, on, label, save) {
    const box = h('input', { type: 'checkbox', id, checked: on, 'aria-label': label });
    box.onchange = async () => {
      try { await save(box.checked); ctx.toast(t('saved')); } catch (e) { box.checked = !box.checked; ctx.toast(e.message, true); }
    };
    return box;
  }

  async function remove(path, what) {
    if (!confirm(t('confirm_remove', { what }))) return;
    try { await api('DELETE', path); await load(); } catch (e) { ctx.toast(e.message, true); }
  }

  function endLearning() {
    stopLearning?.();
    stopLearning = null;
    learn.setAttribute('aria-pressed', 'false');
    learn.textContent = t('learn');
  }

  learn.onclick = () => {
    if (stopLearning) { endLearning(); learnNote.textContent = ''; return; }
    learn.setAttribute('aria-pressed', 'true');
    learn.textContent = t('learn_cancel');
    learnNote.textContent = t('learn_wait');
    stopLearning = ctx.listen((e) => {
      if (e.kind !== 'tap') return;
      uid.value = e.detail;
      learnNote.textContent = t('learn_got', { uid: e.detail });
      endLearning();
      uid.focus();
    });
  };

  userForm.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const made = await api('POST', '/users', { name: newUser.value.trim() });
      ctx.toast(t('saved'));
      newUser.value = '';
      await load();
      // the focus goes to what the action made: the new user's enable box in its row
      userList.querySelector(`tr[data-user="${made.id}"] input[type=checkbox]`)?.focus();
    } catch (e) { ctx.toast(e.message, true); }
  };

  badgeForm.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const made = await api('POST', '/badges', { uid: uid.value.trim(), user: userSelect.value || null });
      ctx.toast(t('saved'));
      uid.value = '';
      learnNote.textContent = '';
      await load();
      badgeList.querySelector(`tr[data-badge="${CSS.escape(made.uid ?? '')}"] input[type=checkbox]`)?.focus();
    } catch (e) { ctx.toast(e.message, true); }
  };

  await load();
  const off = ctx.listen((e) => {
    if (/^(badge|user)_/.test(e.kind)) load().catch(() => {});
    else if (/^reserv/.test(e.kind)) resv.load().catch(() => {});
  });
  return () => { off(); endLearning(); };
}
