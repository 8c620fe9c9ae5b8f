// Settings → Export / import (installer): download every setting as one
// JSON file (secrets left out), and load one back: checked first (a dry run
// that lists what would change and every wrong key), applied all or nothing
// on confirmation.
import { api } from './api.js';
import { h, clear, field } from './dom.js';
import { t } from './i18n.js';

const show = (v) => (v === undefined ? '—' : JSON.stringify(v));

export async function mount(root, ctx) {
  const file = h('input', { type: 'file', accept: '.json,application/json', required: true });
  const check = h('button', { type: 'submit' }, t('import_check'));
  const apply = h('button', { type: 'button', hidden: true, 'data-test': 'import-apply' }, t('import_apply'));
  const out = h('div', { 'data-test': 'import-result', 'aria-live': 'polite' });
  let doc = null;

  function errorsList(e) {
    const list = e.body?.errors ?? [];
    return [h('p', { class: 'error' }, e.message),
      list.length ? h('ul', { 'data-test': 'import-errors' }, list.map((x) => h('li', { 'data-key': x.key ?? '' }, h('code', {}, x.key ?? t('import_together')), ': ', x.error))) : null];
  }

  function preview(r) {
    const parts = [];
    if (doc.station && doc.station !== ctx.station) parts.push(h('p', { class: 'error', 'data-test': 'other-station' }, t('import_other_station', { station: doc.station })));
    if (doc.secrets_excluded?.length) parts.push(h('p', { class: 'hint' }, t('import_secrets', { keys: doc.secrets_excluded.join(', ') })));
    if (!r.changed.length) {
      parts.push(h('p', { 'data-test': 'import-nothing' }, t('import_nothing', { n: r.unchanged })));
      return parts;
    }
    parts.push(h('p', {}, t('import_would', { n: r.changed.length, same: r.unchanged })),
      h('div', { class: 'scroll' }, h('table', { 'data-test': 'import-changes' },
        h('caption', { class: 'sr' }, t('import_changes')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('key')), h('th', { scope: 'col' }, t('now')), h('th', { scope: 'col' }, t('new')))),
        h('tbody', {}, r.changed.map((c) => h('tr', { 'data-key': c.key },
          h('td', { class: 'mono' }, c.key, c.restart ? h('small', { class: 'hint' }, ` ${t('needs_restart')}`) : null),
          h('td', { class: 'mono' }, show(c.from)), h('td', { class: 'mono' }, show(c.to))))))));
    return parts;
  }

  const form = h('form', { class: 'card', 'data-test': 'import' },
    h('h2', {}, t('import_title')), h('p', { class: 'hint' }, t('import_hint')),
    field('import-file', t('import_file'), file), h('div', { class: 'actions' }, check, apply), out);
  file.onchange = () => { apply.hidden = true; clear(out); };
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    apply.hidden = true;
    clear(out);
    try {
      doc = JSON.parse(await file.files[0].text());
    } catch {
      out.append(h('p', { class: 'error' }, t('import_not_json')));
      return;
    }
    try {
      const r = await api('POST', '/config/import?dry_run=1', doc);
      out.append(...preview(r));
      apply.hidden = r.changed.length === 0;
    } catch (e) { out.append(...errorsList(e)); }
  };
  apply.onclick = async () => {
    apply.hidden = true;
    try {
      const r = await api('POST', '/config/import', doc);
      clear(out).append(h('p', { 'data-test': 'import-done' }, t('import_done', { n: r.changed.length })),
        r.restart_required.length ? h('p', { 'data-test': 'import-restart' }, t('saved_restart', { keys: r.restart_required.join(', ') })) : null);
      ctx.toast(t('saved'));
    } catch (e) { clear(out).append(...errorsList(e)); }
  };

  root.append(
    h('section', { class: 'card' }, h('h2', {}, t('export_title')), h('p', { class: 'hint' }, t('export_hint')),
      h('a', { class: 'button', href: '/api/v1/config/export', download: `borne-config-${ctx.station ?? 'station'}.json`, 'data-test': 'export' }, t('export_download'))),
    form);
  return null;
}
