// A web page's view of borned for the tests: a client that keeps the session
// cookie and CSRF token like the browser does, and a Server-Sent Events
// reader over fetch. No sleeps: reads wait on the stream.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';

export class WebClient {
  /** from: a local address to send from (e.g. '127.0.0.2': another client
   *  of a station on 127.0.0.1, for what is counted per client address). */
  constructor(station, { from } = {}) {
    this.st = station;
    this.from = from;
    this.cookie = null;
    this.csrf = null;
  }

  /** { status, body, headers, setCookie }; csrf:false leaves the token out. */
  async req(method, path, body, { csrf = true, headers = {}, raw } = {}) {
    const h = { ...headers };
    if (this.cookie) h.Cookie = this.cookie;
    if (csrf && this.csrf && method !== 'GET' && method !== 'HEAD') h['X-CSRF-Token'] = this.csrf;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (method !== 'GET' && method !== 'HEAD') {
      payload = JSON.stringify(body ?? {});
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
    }
    const res = this.from ? await requestFrom(this.from, this.st.url + path, method, h, payload)
      : await fetch(this.st.url + path, { method, headers: h, body: payload });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const m = setCookie.match(/borne_session=([^;]*)/);
      if (m) this.cookie = m[1] ? `borne_session=${m[1]}` : null;
    }
    const text = await res.text();
    let parsed = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed, headers: res.headers, setCookie };
  }

  async login(role, pin) {
    const r = await this.req('POST', '/api/v1/web/login', { role, pin });
    if (r.status === 200) this.csrf = r.body.csrf;
    return r;
  }
}

/* A plain-HTTP request bound to a local address, answered like fetch's
 * Response (status, headers.get, text). */
function requestFrom(localAddress, url, method, headers, body) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, localAddress }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        const get = (name) => {
          const v = res.headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        };
        resolve({ status: res.statusCode, headers: { get }, text: async () => text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The setup code borned wrote in its data directory at the first start
 *  (what `bornectl setup-code` prints). */
export function setupCode(station) {
  return readFileSync(join(station.dataDir, 'setup-code'), 'utf8').trim();
}

/** Sets both PINs through the first-start endpoint (must succeed). */
export async function setupPins(station, owner = '1234', installer = '567890') {
  const c = new WebClient(station);
  const r = await c.req('POST', '/api/v1/web/setup', { setup_code: setupCode(station), owner, installer });
  if (r.status !== 200) throw new Error(`setup -> ${r.status} ${JSON.stringify(r.body)}`);
  return { owner, installer };
}

/**
 * Opens GET path as text/event-stream. next(pred) resolves with the first
 * message ({id, event, data}) after the ones already read that satisfies pred.
 */
export async function openSse(url, headers = {}) {
  const ctl = new AbortController();
  const res = await fetch(url, { headers, signal: ctl.signal });
  const out = { status: res.status, headers: res.headers, messages: [], close: () => ctl.abort() };
  if (res.status !== 200) {
    out.body = await res.text();
    return out;
  }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let read = 0;
  out.next = async (pred = () => true, { timeoutMs = 20000 } = {}) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (read < out.messages.length) {
        const m = out.messages[read++];
        if (pred(m)) return m;
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for an SSE message');
      let timer;
      const chunk = await Promise.race([
        reader.read(),
        new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('timed out waiting for an SSE message')), deadline - Date.now()); }),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error('event stream ended');
      buf += dec.decode(chunk.value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const m = { id: null, event: 'message', data: '' , comment: false };
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) { m.comment = true; continue; }
          const [k, ...rest] = line.split(':');
          const v = rest.join(':').replace(/^ /, '');
          if (k === 'id') m.id = Number(v);
          else if (k === 'event') m.event = v;
          else if (k === 'data') data.push(v);
          else if (k === 'retry') m.retry = Number(v);
        }
        m.data = data.join('\n');
        if (m.data && (m.event === 'message' || m.event === 'meter')) { try { m.json = JSON.parse(m.data); } catch { /* text */ } }
        out.messages.push(m);
      }
    }
  };
  return out;
}
