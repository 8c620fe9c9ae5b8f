// The second, independent strict OCPP 1.6J central system of the
// integration tests: npm `ocpp-ws-io`'s OCPPServer in strict mode (its own
// AJV validators of the 1.6, 2.0.1 and 2.1 schemas, not ocpp-rpc's), with
// the interface of lib/csms.mjs the tests use (calls, waitCall, callsOf,
// call, connected, assertNoViolations, close, handlers, bootStatus...), so a
// scenario runs unchanged against either peer. Every frame is validated both
// ways: what borne sends (CALLs and its answers) fails through
// `strictValidationFailure`, an error the server answers borne with and a
// frame it cannot read are recorded too; assertNoViolations() fails on any.
import { OCPPServer, createRPCError, createValidator } from 'ocpp-ws-io';
import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { Csms } from './csms.mjs';

export { createRPCError };

/* ocpp-ws-io's own 1.6 copy, like ocpp-rpc's, lacks part of the OCA's errata (the unit Hertz,
 * minItems 1 on sampledValue): its validator runs on the OCA's text, schemas/ocpp/ocpp1_6.json
 * (schemas/ocpp/ORIGIN.md); the validation engine and everything else stay the library's. */
const OCPP16_OCA = createValidator('ocpp1.6', JSON.parse(readFileSync(new URL('../../../schemas/ocpp/ocpp1_6.json', import.meta.url), 'utf8')));

/** ocpp-ws-io keeps the lib/csms.mjs state and waits; only the peer differs. */
export class CsmsWsIo extends EventEmitter {
  constructor(opts = {}) {
    super();
    const base = new Csms({ ...opts, handlers: opts.handlers }); /* the default handlers and state */
    base.server.close?.({ force: true, awaitPending: false }).catch?.(() => {});
    Object.assign(this, {
      bootStatus: base.bootStatus, bootInterval: base.bootInterval, clockOffsetMs: base.clockOffsetMs,
      nextTransactionId: base.nextTransactionId, tags: base.tags, password: base.password,
      calls: [], violations: [], handlers: base.handlers, client: null, unscripted: new Set(),
    });
    this.peer = 'ocpp-ws-io';
    /* 'ocpp1.6' (default), 'ocpp2.0.1' or 'ocpp2.1': 2.0.1 and 2.1 are validated with the library's own schemas */
    this.protocol = base.protocol;
    this.server = new OCPPServer(this.protocol === 'ocpp2.0.1' || this.protocol === 'ocpp2.1'
      ? { protocols: [this.protocol], strictMode: true, logging: false }
      : { protocols: ['ocpp1.6'], strictMode: true, strictModeValidators: [OCPP16_OCA], logging: false });
    this.server.auth((ctx) => {
      const h = ctx.handshake;
      if (this.password !== undefined) {
        const got = h.password ? h.password.toString() : undefined;
        if (got !== this.password) return ctx.reject(401, 'bad password');
      }
      this.lastHandshake = h;
      ctx.accept({ session: {} });
    });
    this.server.on('client', (client) => this.#attach(client));
  }

  idTagInfo(idTag) { return { status: this.tags.get(idTag) ?? 'Invalid' }; }

  #attach(client) {
    this.client = client;
    client.on('strictValidationFailure', (e) =>
      this.violations.push({ kind: 'strict', message: e.message, error: String(e.error?.message ?? e.error) }));
    client.on('badMessage', (e) => this.violations.push({ kind: 'bad', error: String(e?.error?.message ?? e?.error ?? e) }));
    client.on('message', ({ ctx }) => {
      /* the server answered borne's CALL with an error: borne sent something it could not take */
      /* a call no handler scripts is answered NotImplemented on purpose (as lib/csms.mjs does); the
         library rewrites that error's text, so it is told apart by its method, not its words */
      if (ctx?.type === 'outgoing_error' && !(ctx.errorCode === 'NotImplemented' && this.unscripted.has(ctx.method)))
        this.violations.push({ kind: 'answered-error', method: ctx.method, code: ctx.errorCode, text: ctx.errorDescription });
    });
    client.on('close', () => { if (this.client === client) this.client = null; this.emit('disconnect', client); });
    client.handle((method, { params }) => {
      const entry = { action: method, params, at: Date.now(), identity: client.identity };
      this.calls.push(entry);
      this.emit('call', entry);
      const h = this.handlers[method];
      if (!h) {
        this.unscripted.add(method);
        throw createRPCError('NotImplemented', `${method} not scripted`);
      }
      return h(this, params, client);
    });
    this.emit('connect', client);
  }

  async listen(port = 0, host = '127.0.0.1') {
    this.http = await this.server.listen(port, host);
    this.port = this.http.address().port;
    this.url = `ws://${host}:${this.port}/ocpp`;
    return this;
  }

  /** Over TLS (security profiles 2 and 3), as lib/csms.mjs's listenTls. */
  async listenTls(tls, port = 0, host = '127.0.0.1') {
    this.https = createHttpsServer({ ...tls, rejectUnauthorized: !!tls.requestCert });
    this.https.on('upgrade', this.server.handleUpgrade);
    await new Promise((resolve, reject) => this.https.listen(port, host, (e) => (e ? reject(e) : resolve())));
    this.port = this.https.address().port;
    this.url = `wss://${host}:${this.port}/ocpp`;
    return this;
  }

  async connected({ timeoutMs = 20000 } = {}) {
    if (this.client) return this.client;
    return withTimeout(once(this, 'connect').then(([c]) => c), timeoutMs, 'station connection');
  }

  async call(action, params, opts = {}) {
    const client = await this.connected();
    return client.call(action, params, opts);
  }

  async close() {
    if (this.https) {
      this.https.closeAllConnections?.();
      await new Promise((resolve) => this.https.close(resolve));
    }
    await this.server.close({ force: true });
  }
}
/* the waits and checks are lib/csms.mjs's own, on the same state */
for (const name of ['waitCall', 'callsOf', 'assertNoViolations'])
  CsmsWsIo.prototype[name] = Csms.prototype[name];

export async function startCsmsWsIo(opts = {}) {
  return new CsmsWsIo(opts).listen(opts.port ?? 0);
}

function withTimeout(promise, ms, what) {
  let t;
  const timeout = new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}
