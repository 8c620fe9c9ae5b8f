// The public page of one charge point (/c/N, no login): what a driver sees —
// its state, the price (tariff.*, shown before charging as AFIR asks), the
// owner's price notice, and the ad hoc payment QR code (payment.qr_url's, or
// under OCPP 2.1 the operator's dynamic one, read again as it changes).
import { h, clear } from './dom.js';
import { money } from './format.js';
import { t, tOr, lang, setLang, otherLang, onLangChange } from './i18n.js';
import { displayMessages, backendCost, webPayment, webPaymentRefreshMs } from './display.js';

const main = document.getElementById('main');
const n = Number(location.pathname.split('/')[2]);
let again = null; // the next read of a dynamic QR code (OCPP 2.1)

async function render() {
  clearTimeout(again);
  document.documentElement.lang = lang();
  const b = document.getElementById('lang');
  b.textContent = t('switch_lang');
  b.lang = otherLang();
  clear(main);
  const res = await fetch(`/api/v1/public/connectors/${n}`);
  const c = await res.json().catch(() => ({}));
  if (!res.ok) {
    main.append(h('p', { class: 'error' }, c.error ?? `HTTP ${res.status}`));
    return;
  }
  document.title = `${t('point', { n })} · ${c.station}`;
  document.getElementById('brand').textContent = c.station;
  main.append(h('section', { class: `card narrow conn led-${c.led ?? 'off'}`, 'data-status': c.status },
    h('header', {}, h('h1', {}, t('point', { n })),
      h('span', { class: 'pill', 'data-test': 'status' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), tOr(`st_${c.status}`, c.status))),
    c.tariff ? h('p', { class: 'notice', 'data-test': 'price' }, priceText(c.tariff)) : null,
    c.notice ? h('p', { class: 'notice', 'data-test': 'notice' }, c.notice) : null,
    displayMessages(c.display_messages, lang()),
    c.ocpp_cost ? h('dl', {}, backendCost(c.ocpp_cost)) : null,
    c.web_payment ? webPayment(c.web_payment, n) : c.qr ? h('figure', { class: 'qr' },
      h('img', { src: `/api/v1/public/connectors/${n}/qr.svg`, alt: t('qr_alt'), width: 240, height: 240, 'data-test': 'qr' }),
      h('figcaption', {}, t('qr_caption'), h('br'), h('a', { href: c.qr_url, rel: 'noopener' }, c.qr_url))) : null));
  const ms = webPaymentRefreshMs(c.web_payment);
  if (ms) again = setTimeout(() => render().catch(() => {}), ms);
}

function priceText(p) {
  const parts = [];
  if (p.price_kwh > 0) parts.push(t('price_kwh', { p: money(p.price_kwh, p.currency) }));
  if (p.price_hour > 0) parts.push(t('price_hour', { p: money(p.price_hour, p.currency) }));
  return `${t('price')} ${parts.join(' + ')}`;
}

document.getElementById('lang').onclick = () => setLang(otherLang());
onLangChange(render);
render();
