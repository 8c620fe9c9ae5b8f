// What the back end gives the driver (OCPP 2.0.1/2.1 blocks O and I): the
// display messages a connector shows now and the back end's cost of its
// last transaction, on the dashboard's card and the public page /c/N.
import { h } from './dom.js';
import { money } from './format.js';
import { t } from './i18n.js';

// Several messages in several languages: those in the page's language (and
// those without one); all of them when none is in it.
export function pickLanguage(msgs, lang) {
  const base = (l) => (l ?? '').toLowerCase().split('-')[0];
  const mine = msgs.filter((m) => base(m.language) === base(lang));
  return mine.length ? msgs.filter((m) => !m.language || base(m.language) === base(lang)) : msgs;
}

// The messages as elements (text only: HTML is shown as its text; a URI as a
// link; a QRCODE as its QR code when the server drew it).
export function displayMessages(msgs, lang) {
  if (!msgs?.length) return null;
  return h('ul', { class: 'display-messages', 'data-test': 'display-messages' },
    pickLanguage(msgs, lang).map((m) => h('li', { class: `notice msg-${(m.priority ?? 'NormalCycle').toLowerCase()}`, 'data-test': 'display-message', 'data-id': m.id, lang: m.language || null },
      m.format === 'QRCODE' && m.qr_svg
        ? h('img', { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(m.qr_svg)}`, alt: t('display_qr_alt'), width: 200, height: 200, 'data-test': 'display-qr' })
        : m.format === 'URI' && /^https?:\/\//.test(m.content)
          ? h('a', { href: m.content, rel: 'noopener' }, m.content)
          : m.format === 'HTML' ? new DOMParser().parseFromString(m.content, 'text/html').body.textContent : m.content)));
}

// The back end's cost (CostUpdated while charging, totalCost once ended, or
// the station's own under a 2.1 tariff), its message to the driver, and the
// fallback messages: the tariff while the back end is unreachable, the
// notice when no total cost came.
export function backendCost(cost) {
  if (!cost || (cost.total == null && !cost.message && !cost.tariff_fallback && !cost.total_cost_fallback)) return null;
  return [
    cost.total != null ? [h('dt', {}, t(cost.final ? 'backend_cost_final' : 'backend_cost')),
      h('dd', { 'data-test': 'backend-cost' }, money(cost.total, cost.currency))] : null,
    cost.message ? [h('dt', {}, t('backend_message')), h('dd', { 'data-test': 'backend-cost-message' }, cost.message)] : null,
    cost.tariff_fallback ? [h('dt', {}, t('backend_message')), h('dd', { 'data-test': 'tariff-fallback' }, cost.tariff_fallback)] : null,
    cost.total_cost_fallback ? [h('dt', {}, t('backend_message')), h('dd', { 'data-test': 'total-cost-fallback' }, cost.total_cost_fallback)] : null,
  ];
}

// OCPP 2.1 ad hoc payment (C25, the connector's "web_payment"): the dynamic
// QR code of the operator's payment page, a new one-time password in it
// every few seconds (the image's address changes with it); while a driver
// pays on that page, that the payment is in progress; while the station
// cannot start a charge paid so (offline), that ad hoc payment is
// unavailable. `n`: the connector. Null when the operator set none.
export function webPayment(w, n, size = 240) {
  if (!w) return null;
  if (w.in_progress) return h('p', { class: 'notice', 'data-test': 'web-payment' }, t('web_payment_in_progress'));
  if (w.qr_url) {
    return h('figure', { class: 'qr' },
      h('img', { src: `/api/v1/public/connectors/${n}/qr.svg?u=${encodeURIComponent(w.qr_url)}`, alt: t('qr_alt'), width: size, height: size, 'data-test': 'web-payment-qr' }),
      h('figcaption', {}, t('qr_caption'), h('br'), h('a', { href: w.qr_url, rel: 'noopener', 'data-test': 'web-payment-url' }, w.qr_url)));
  }
  if (!w.available) return h('p', { class: 'muted', 'data-test': 'web-payment' }, t('web_payment_unavailable'));
  return null;
}

// When to read a connector's web payment again (ms): when its code changes,
// soon while a payment is in progress, now and then while no code is shown
// (offline, the connector busy: it comes back alone); null without one.
export function webPaymentRefreshMs(w) {
  if (!w) return null;
  if (w.qr_url && w.refresh_s) return Math.max(1, w.refresh_s) * 1000;
  return w.in_progress ? 5000 : 15000;
}
