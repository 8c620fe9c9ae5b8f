// The page's only back end is /api/v1 (the same API as bornectl). Writes carry
// the session's CSRF token in X-CSRF-Token; the session itself is an HttpOnly
// cookie the page never sees.

let csrf = null;
let onLoggedOut = () => {};
let onOffline = () => 'offline';

export function setCsrf(token) { csrf = token; }
export function whenLoggedOut(fn) { onLoggedOut = fn; }
/* fn() is called when the station does not answer at all (restarting, network
 * down) and returns the message the failed call throws. */
export function whenOffline(fn) { onOffline = fn; }

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export async function api(method, path, body) {
  const headers = {};
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch {
    // no answer at all (fetch's "Failed to fetch"): the station is restarting or out of reach
    throw new ApiError(0, onOffline(), null);
  }
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/web/')) onLoggedOut();
    const msg = data && typeof data === 'object' && data.error ? data.error : `HTTP ${res.status}`;
    throw new ApiError(res.status, msg, data);
  }
  return data;
}

/* GET that answers null on 404 (endpoints of modules not merged yet). */
export async function apiOptional(path) {
  try {
    return await api('GET', path);
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

/* PUT a file as the raw body (a firmware image), with upload progress
 * (fetch has none): onProgress(fraction). Resolves with the JSON answer. */
export function upload(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('PUT', `/api/v1${path}`);
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    if (csrf) x.setRequestHeader('X-CSRF-Token', csrf);
    x.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch { /* not JSON */ }
      if (x.status >= 200 && x.status < 300) return resolve(data);
      if (x.status === 401) onLoggedOut();
      reject(new ApiError(x.status, data?.error ?? `HTTP ${x.status}`, data));
    };
    x.onerror = () => reject(new ApiError(0, onOffline(), null));
    x.send(file);
  });
}
