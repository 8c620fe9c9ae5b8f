// Settings → Network (installer; docs/network.md): the interfaces and their
// addresses, the Wi-Fi networks in range (Scan), and forms to join a Wi-Fi
// network, set Ethernet to DHCP or a fixed address, set the cellular APN (with
// its credentials, the SIM's PIN, a forced network) and
// open or close the setup access point. Every action answers with the new
// network view, shown at once. With network.backend = none only says so.
import { api } from './api.js';
import { h, clear, field } from './dom.js';
import { t } from './i18n.js';

function interfacesTable(net) {
  return h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': t('net_interfaces') },
    h('table', { 'data-test': 'net-interfaces' },
      h('caption', { class: 'sr' }, t('net_interfaces')),
      h('thead', {}, h('tr', {}, [t('net_interface'), t('net_type'), t('net_state'), t('net_addresses'), t('net_connection')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, net.interfaces.map((i) => h('tr', { 'data-iface': i.name },
        h('td', {}, i.name), h('td', {}, i.type), h('td', {}, i.state),
        h('td', { class: 'mono' }, (i.addresses ?? []).join(' ') || '–'),
        h('td', {}, i.connection ?? '–', i.type === 'cellular' && (i.apn || i.operator)
          ? h('span', { class: 'hint', 'data-test': 'net-cellular-info' }, ` · APN ${i.apn ?? '–'} · ${t('net_operator')} ${i.operator ?? '–'}`) : []))))));
}

/* One form: its fields, a submit button and a result line; `body()` makes the request. */
function actionForm(title, test, fields, label, action, body, show) {
  const result = h('p', { role: 'status' });
  const button = h('button', { type: 'submit' }, label);
  const form = h('form', { class: 'card', 'data-test': test }, h('h2', {}, title), fields, h('div', { class: 'actions' }, button), result);
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    result.className = '';
    result.textContent = t('net_working');
    try {
      show(await api('POST', `/network/${action}`, body()));
      result.textContent = t('net_done');
    } catch (e) {
      result.textContent = e.message;
      result.className = 'error';
    }
    button.disabled = false;
  };
  return form;
}

export async function mount(root) {
  const net = await api('GET', '/network');
  if (net.backend === 'none') {
    root.append(h('section', { class: 'card', 'data-test': 'net-none' }, h('h2', {}, t('net_title')), h('p', { class: 'hint' }, t('net_none'))));
    return () => {};
  }
  const stateLine = h('p', { 'data-test': 'net-state' });
  const ifaces = h('div');
  const wifiList = h('ul', { class: 'plain', 'data-test': 'net-wifi' });
  const ssids = h('datalist', { id: 'net-ssids' });
  const show = (v) => {
    stateLine.textContent = `${t('net_state')}: ${v.state} · ${t('net_setup_ap')}: ${v.setup_ap?.on ? t('net_ap_on') : t('net_ap_off')}`;
    clear(ifaces).append(interfacesTable(v));
    clear(wifiList).append(...v.wifi.map((w) => h('li', { 'data-ssid': w.ssid }, `${w.ssid} — ${w.strength} %${w.secured ? ' 🔒' : ''}${w.active ? ` (${t('net_joined')})` : ''}`)));
    clear(ssids).append(...v.wifi.map((w) => h('option', { value: w.ssid })));
  };
  show(net);

  const ssid = h('input', { type: 'text', required: true, maxlength: 32, list: 'net-ssids', autocomplete: 'off' });
  const psk = h('input', { type: 'password', minlength: 8, maxlength: 64, autocomplete: 'new-password' });
  const method = h('select', {}, h('option', { value: 'dhcp' }, t('net_dhcp')), h('option', { value: 'static' }, t('net_static')));
  const address = h('input', { type: 'text', placeholder: '192.168.1.20/24', class: 'mono' });
  const gateway = h('input', { type: 'text', placeholder: '192.168.1.1', class: 'mono' });
  const dns = h('input', { type: 'text', placeholder: '192.168.1.1, 9.9.9.9', class: 'mono' });
  const apn = h('input', { type: 'text', required: true, maxlength: 63 });
  const apnUser = h('input', { type: 'text', maxlength: 64, autocomplete: 'off' });
  const apnPassword = h('input', { type: 'password', maxlength: 64, autocomplete: 'new-password' });
  const simPin = h('input', { type: 'password', inputmode: 'numeric', pattern: '[0-9]{4,8}', maxlength: 8, autocomplete: 'off' });
  const plmn = h('input', { type: 'text', inputmode: 'numeric', pattern: '[0-9]{5,6}', maxlength: 6, class: 'mono' });
  const auth = h('select', {}, ['auto', 'pap', 'chap', 'none'].map((a) => h('option', { value: a }, a === 'auto' ? t('net_auth_auto') : a.toUpperCase())));
  const ap = h('select', {}, h('option', { value: 'on' }, t('net_ap_open')), h('option', { value: 'off' }, t('net_ap_close')));

  root.append(
    h('section', { class: 'card' }, h('h2', {}, t('net_title')), stateLine, ifaces),
    actionForm(t('net_wifi'), 'net-scan', [wifiList, ssids], t('net_scan'), 'scan', () => ({}), show),
    actionForm(t('net_join'), 'net-join', [field('net-ssid', t('net_ssid'), ssid), field('net-psk', t('net_psk'), psk, t('net_psk_hint'))],
      t('net_join_button'), 'join', () => (psk.value ? { ssid: ssid.value, psk: psk.value } : { ssid: ssid.value }), show),
    actionForm(t('net_ethernet'), 'net-ethernet', [field('net-method', t('net_method'), method), field('net-address', t('net_address'), address),
      field('net-gateway', t('net_gateway'), gateway), field('net-dns', t('net_dns'), dns)], t('save'), 'ethernet', () => {
      if (method.value === 'dhcp') return { method: 'dhcp' };
      const b = { method: 'static', address: address.value.trim() };
      if (gateway.value.trim()) b.gateway = gateway.value.trim();
      const d = dns.value.split(/[\s,]+/).filter(Boolean);
      if (d.length) b.dns = d;
      return b;
    }, show),
    actionForm(t('net_cellular'), 'net-cellular', [field('net-apn', t('net_apn'), apn), field('net-apn-user', t('net_apn_user'), apnUser),
      field('net-apn-password', t('net_apn_password'), apnPassword), field('net-sim-pin', t('net_sim_pin'), simPin, t('net_sim_pin_hint')),
      field('net-plmn', t('net_network'), plmn, t('net_network_hint')), field('net-apn-auth', t('net_apn_auth'), auth)], t('save'), 'cellular', () => {
      const b = { apn: apn.value.trim(), auth: auth.value };
      if (apnUser.value) b.username = apnUser.value;
      if (apnPassword.value) b.password = apnPassword.value;
      if (simPin.value) b.pin = simPin.value;
      if (plmn.value.trim()) b.network = plmn.value.trim();
      return b;
    }, show),
    actionForm(t('net_setup_ap'), 'net-ap', [h('p', { class: 'hint' }, t('net_ap_hint')), field('net-ap-on', t('net_setup_ap'), ap)], t('save'), 'setup_ap',
      () => ({ on: ap.value === 'on' }), show));
  return () => {};
}
