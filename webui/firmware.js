// Settings → Firmware (installer): the version running, the updater's state
// followed live (`firmware` events), and a signed image uploaded from the
// browser: PUT /firmware/image streams it to the station (progress from the
// upload), then POST /firmware/install hands it to the updater, which checks
// the signature exactly as for OCPP SignedUpdateFirmware.
import { api, upload } from './api.js';
import { h, field } from './dom.js';
import { t, tOr } from './i18n.js';

/* A signature file as the API wants it: base64 text as is, binary (e.g. the
 * DER output of `openssl dgst -sha256 -sign`) encoded here. */
async function signatureText(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder().decode(bytes).trim();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text.replace(/\s+/g, ''))) return text.replace(/\s+/g, '');
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function statusText(status, detail) {
  const name = tOr(`fw_${status}`, status);
  return detail ? `${name} — ${detail}` : name;
}

export async function mount(root, ctx) {
  const fw = await api('GET', '/firmware');
  const status = h('dd', { 'data-test': 'fw-status' }, statusText(fw.status, fw.detail));
  const log = h('ol', { class: 'log', 'data-test': 'fw-log', 'aria-live': 'polite' });
  const image = h('input', { type: 'file', required: true });
  const sig = h('input', { type: 'file', required: true });
  const cert = h('input', { type: 'file', accept: '.pem,.crt,.cer,text/plain', required: true });
  const progress = h('progress', { max: 100, value: 0, hidden: true, 'data-test': 'fw-progress', 'aria-label': t('fw_progress') });
  const result = h('p', { role: 'status', 'data-test': 'fw-result' });
  const button = h('button', { type: 'submit' }, t('fw_install'));
  const form = h('form', { class: 'card', 'data-test': 'fw-upload' },
    h('h2', {}, t('fw_upload')),
    h('p', { class: 'hint' }, t('fw_upload_hint', { mb: Math.round(fw.max_bytes / 1048576) })),
    fw.allow_unsigned ? h('p', { class: 'error', 'data-test': 'fw-unsigned-allowed' }, t(fw.manufacturer_root ? 'fw_unsigned_allowed' : 'fw_unsigned_allowed_no_root'))
      : fw.manufacturer_root ? null : h('p', { class: 'error', 'data-test': 'fw-no-root' }, t('fw_no_root')),
    field('fw-image', t('fw_image'), image),
    field('fw-signature', t('fw_signature'), sig, t('fw_signature_hint')),
    field('fw-cert', t('fw_cert'), cert, t('fw_cert_hint')),
    progress, h('div', { class: 'actions' }, button), result);
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    result.className = '';
    try {
      const [signature, certificate] = await Promise.all([signatureText(sig.files[0]), cert.files[0].text()]);
      progress.hidden = false;
      progress.value = 0;
      result.textContent = t('fw_uploading');
      const up = await upload('/firmware/image', image.files[0], (f) => { progress.value = Math.round(f * 100); });
      progress.value = 100;
      result.textContent = t('fw_uploaded', { bytes: up.bytes, sha: up.sha256 });
      await api('POST', '/firmware/install', { signature, signing_certificate: certificate });
    } catch (e) {
      result.textContent = e.message;
      result.className = 'error';
      button.disabled = false;
    }
  };
  const off = ctx.listen((e) => {
    if (e.kind === 'security' && /Firmware/.test(e.detail ?? '')) log.append(h('li', {}, e.detail));
    if (e.kind !== 'firmware') return;
    log.append(h('li', { 'data-test': 'fw-step' }, e.detail));
    const [name, ...rest] = e.detail.split(': ');
    if (name === 'Uploaded') return;
    status.textContent = statusText(name, rest.join(': '));
    if (name === 'InstallRebooting') result.textContent = t('fw_restarting');
    if (['InvalidSignature', 'InstallationFailed', 'DownloadFailed'].includes(name)) {
      result.textContent = t('fw_failed');
      result.className = 'error';
      button.disabled = false;
    }
  });
  root.append(
    h('section', { class: 'card' }, h('h2', {}, t('fw_title')),
      h('dl', {}, h('dt', {}, t('fw_version')), h('dd', { 'data-test': 'fw-version' }, fw.version),
        h('dt', {}, t('fw_state')), status)),
    form,
    h('section', { class: 'card' }, h('h2', {}, t('fw_log')), log));
  return off;
}
