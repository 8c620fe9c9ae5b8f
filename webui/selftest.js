// Settings → Self-test and errors (installer): the faults now with what to
// do about them (docs/error-codes.md), the latest self-test of every charge
// point with "run again", and the event log filtered to faults, meter
// failures and self-tests, newest first. Refreshed by the live events.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, tOr } from './i18n.js';
import { dateTime } from './format.js';

const KINDS = new Set(['error', 'error_cleared', 'meter_error', 'meter_ok', 'selftest', 'tamper', 'shunt_trip']);
const TAMPER = 1001; // docs/error-codes.md: out of service until acknowledged

function where(c) { return c ? t('point', { n: c }) : t('station_wide'); }

/* The tamper alarm holds every charge point until the installer, having
 * checked the station with the cover closed, acknowledges it. */
function tamperAck() {
  const result = h('p', { role: 'status', 'data-test': 'tamper-ack-result' });
  const button = h('button', { type: 'button', 'data-test': 'tamper-ack' }, t('tamper_ack'));
  button.onclick = async () => {
    result.className = '';
    try {
      await api('POST', '/tamper/ack', {});
      result.textContent = t('tamper_acked');
      button.disabled = true;
    } catch (e) {
      result.textContent = e.message;
      result.className = 'error';
    }
  };
  return h('div', { class: 'actions' }, button, result);
}

function faultsCard(current) {
  const box = h('section', { class: 'card', 'data-test': 'faults' }, h('h2', {}, t('faults_now')));
  if (!current.length) box.append(h('p', { 'data-test': 'no-fault' }, t('no_fault')));
  if (current.some((f) => f.code === TAMPER)) box.append(tamperAck());
  for (const f of current) {
    box.append(h('div', { class: 'fault', 'data-test': 'fault', 'data-connector': f.connector },
      h('h3', {}, `${where(f.connector)} — ${t('code')} ${f.code}`),
      h('dl', {}, h('dt', {}, t('what')), h('dd', {}, f.text), h('dt', {}, t('todo')), h('dd', { 'data-test': 'action' }, f.action),
        h('dt', {}, 'OCPP'), h('dd', { class: 'mono' }, `${f.ocpp} / ${f.vendor_code ?? ''}`))));
  }
  return box;
}

function selftestTable(st) {
  if (!st.results.length) return h('p', {}, t('selftest_none'));
  // a region that may scroll sideways on a phone is reachable by the keyboard (axe: scrollable-region-focusable)
  return h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': t('selftest_last') }, h('table', { 'data-test': 'selftest-results' },
    h('caption', { class: 'sr' }, t('selftest_last')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('point_label')), h('th', { scope: 'col' }, t('check')), h('th', { scope: 'col' }, t('result')), h('th', { scope: 'col' }, t('when')))),
    h('tbody', {}, st.results.map((r) => h('tr', { 'data-check': `${r.connector}:${r.check}`, 'data-ok': String(r.ok) },
      h('td', {}, String(r.connector)), h('td', {}, tOr(`check_${r.check}`, r.check)),
      h('td', { class: r.ok ? 'ok' : 'error' }, r.ok ? t('check_ok') : `${t('check_failed')}: ${r.detail}`),
      h('td', {}, dateTime(r.time)))))));
}

function logItem(e) {
  const text = e.error ? `${e.error.code} ${e.error.text}` : e.detail;
  return h('li', { 'data-test': 'log-entry', 'data-kind': e.kind },
    h('span', { class: 'muted' }, `${dateTime(e.time)} · ${where(e.connector)} · `),
    h('strong', {}, tOr(`kind_${e.kind}`, e.kind)), ': ', text,
    e.kind === 'error' && e.error ? h('div', { class: 'hint' }, `${t('todo')}: ${e.error.action}`) : null);
}

export async function mount(root, ctx) {
  const faults = h('div');
  const selftest = h('div');
  const log = h('ol', { class: 'log plain', 'data-test': 'error-log' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('older'));
  const runResult = h('p', { role: 'status', 'data-test': 'selftest-result' });
  const run = h('button', { type: 'button', 'data-test': 'selftest-run' }, t('selftest_run'));
  let oldest = 0;

  async function load() {
    const [st, err] = await Promise.all([api('GET', '/selftest'), api('GET', '/errors?limit=50')]);
    clear(faults).append(faultsCard(err.current));
    clear(selftest).append(
      h('p', { 'data-test': 'selftest-state' }, st.running ? t('selftest_running') : st.done ? t('selftest_done') : t('selftest_pending')),
      selftestTable(st));
    run.disabled = st.running;
    clear(log).append(...(err.log.length ? err.log.map(logItem) : [h('li', {}, t('none'))]));
    oldest = err.log.at(-1)?.id ?? 0;
    more.hidden = err.log.length < 50;
  }
  more.onclick = async () => {
    const err = await api('GET', `/errors?limit=50&before=${oldest}`);
    log.append(...err.log.map(logItem));
    oldest = err.log.at(-1)?.id ?? oldest;
    more.hidden = err.log.length < 50;
  };
  run.onclick = async () => {
    runResult.className = '';
    runResult.textContent = '';
    try {
      await api('POST', '/selftest', {});
      runResult.textContent = t('selftest_started');
      run.disabled = true;
    } catch (e) {
      runResult.textContent = e.message;
      runResult.className = 'error';
    }
  };
  let pending = null;
  const off = ctx.listen((e) => {
    if (!KINDS.has(e.kind) && e.kind !== 'reconnected') return;
    clearTimeout(pending); // a self-test is a burst of events: one reload after it
    pending = setTimeout(() => load().catch((x) => ctx.toast(x.message, true)), 300);
  });
  await load();
  root.append(faults,
    h('section', { class: 'card', 'data-test': 'selftest' }, h('h2', {}, t('selftest_last')), selftest,
      h('div', { class: 'actions' }, run), runResult),
    h('section', { class: 'card' }, h('h2', {}, t('error_log')), h('p', { class: 'hint' }, t('error_log_hint')), log, more));
  return () => { off(); clearTimeout(pending); };
}
