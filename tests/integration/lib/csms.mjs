// A scripted OCPP 1.6J central system for the integration tests: npm
// `ocpp-rpc`'s RPCServer in strict mode, so every message borne sends (and
// every answer it gives) is validated against the official OCPP 1.6 JSON
// schemas. Any strict-validation failure is recorded and fails the test
// through assertNoViolations(). Waits on events, never sleeps.
import assert from 'node:assert/strict';
import { RPCServer, createRPCError, createValidator } from 'ocpp-rpc';
import { EventEmitter, once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';

export { createRPCError };

/* ocpp-rpc's own 1.6 copy lacks part of the OCA's errata (the unit Hertz, minItems 1 on
 * sampledValue): the peer validates with the OCA's text, schemas/ocpp/ocpp1_6.json
 * (schemas/ocpp/ORIGIN.md lists the differences). */
const OCPP16_OCA = createValidator('ocpp1.6', JSON.parse(readFileSync(new URL('../../../schemas/ocpp/ocpp1_6.json', import.meta.url), 'utf8')));

/* OCPP 2.1: the OCA's 2.1 Edition 1 schemas (schemas/ocpp/v2.1, ORIGIN.md), under the ids
 * ocpp-rpc looks up (urn:<Action>.req / .conf), so the peer validates with the OCA's text. */
function oca21Validator() {
  const dir = new URL('../../../schemas/ocpp/v2.1/', import.meta.url);
  const list = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const s = JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
    const m = /^(.*)(Request|Response)\.json$/.exec(f);
    if (!m) continue;
    delete s.$schema;
    s.$id = `urn:${m[1]}.${m[2] === 'Request' ? 'req' : 'conf'}`;
    list.push(s);
  }
  return createValidator('ocpp2.1', list);
}

/** Station-initiated 1.6 actions the CSMS answers by default. */
const DEFAULT_HANDLERS = {
  BootNotification: (csms) => ({
    status: csms.bootStatus,
    currentTime: new Date(Date.now() + csms.clockOffsetMs).toISOString(),
    interval: csms.bootInterval,
  }),
  Heartbeat: (csms) => ({ currentTime: new Date(Date.now() + csms.clockOffsetMs).toISOString() }),
  StatusNotification: () => ({}),
  Authorize: (csms, p) => ({ idTagInfo: csms.idTagInfo(p.idTag) }),
  StartTransaction: (csms, p) => ({ transactionId: csms.nextTransactionId++, idTagInfo: csms.idTagInfo(p.idTag) }),
  StopTransaction: (csms, p) => (p.idTag ? { idTagInfo: csms.idTagInfo(p.idTag) } : {}),
  MeterValues: () => ({}),
  DataTransfer: () => ({ status: 'UnknownVendorId' }),
  DiagnosticsStatusNotification: () => ({}),
  FirmwareStatusNotification: () => ({}),
  SecurityEventNotification: () => ({}),
  SignedFirmwareStatusNotification: () => ({}),
  LogStatusNotification: () => ({}),
  SignCertificate: () => ({ status: 'Accepted' }),
};

/** Station-initiated 2.0.1 actions the CSMS answers by default (protocol 'ocpp2.0.1'). */
const DEFAULT_HANDLERS_201 = {
  BootNotification: (csms) => ({
    status: csms.bootStatus,
    currentTime: new Date(Date.now() + csms.clockOffsetMs).toISOString(),
    interval: csms.bootInterval,
  }),
  Heartbeat: (csms) => ({ currentTime: new Date(Date.now() + csms.clockOffsetMs).toISOString() }),
  StatusNotification: () => ({}),
  Authorize: (csms, p) => ({ idTokenInfo: csms.idTagInfo(p.idToken.idToken) }),
  TransactionEvent: (csms, p) => (p.idToken ? { idTokenInfo: csms.idTagInfo(p.idToken.idToken) } : {}),
  MeterValues: () => ({}),
  SecurityEventNotification: () => ({}),
  ReservationStatusUpdate: () => ({}),
  FirmwareStatusNotification: () => ({}),
  LogStatusNotification: () => ({}),
  NotifyCustomerInformation: () => ({}),
  NotifyEvent: () => ({}),
  ReportChargingProfiles: () => ({}),
  NotifyChargingLimit: () => ({}),
  ClearedChargingLimit: () => ({}),
};

export class Csms extends EventEmitter {
  constructor(opts = {}) {
    super();
    this.bootStatus = opts.bootStatus ?? 'Accepted';
    this.bootInterval = opts.bootInterval ?? 300;
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
    this.nextTransactionId = opts.firstTransactionId ?? 1000;
    /** idTag -> status ('Accepted', 'Blocked', 'Invalid', ...); unknown tags are 'Invalid'. */
    this.tags = new Map(Object.entries(opts.tags ?? {}));
    this.password = opts.password; /* security profile 1/2: required Basic password */
    this.calls = []; /* every station-initiated call: { action, params, at, identity } */
    this.violations = []; /* strict-validation failures and bad messages */
    /* 'ocpp1.6' (default), 'ocpp2.0.1' (ocpp-rpc validates it with the schemas it ships) or
     * 'ocpp2.1' (the OCA's schemas); `protocols` accepts several, the first the station offers
     * among them is picked (this.client.protocol) */
    this.protocol = opts.protocol ?? 'ocpp1.6';
    const protocols = opts.protocols ?? [this.protocol];
    const v201 = this.protocol !== 'ocpp1.6';
    this.handlers = { ...(v201 ? DEFAULT_HANDLERS_201 : DEFAULT_HANDLERS), ...(opts.handlers ?? {}) };
    this.handlersByProtocol = { 'ocpp1.6': { ...DEFAULT_HANDLERS, ...(opts.handlers16 ?? {}) } };
    for (const p of ['ocpp2.0.1', 'ocpp2.1'])
      this.handlersByProtocol[p] = { ...DEFAULT_HANDLERS_201, ...(opts.handlers201 ?? {}) };
    this.client = null;
    const validators = [OCPP16_OCA];
    if (protocols.includes('ocpp2.1')) validators.push(oca21Validator());
    this.server = new RPCServer({ protocols, strictMode: true, strictModeValidators: validators });
    this.server.auth((accept, reject, handshake) => {
      if (this.password !== undefined) {
        const got = handshake.password ? handshake.password.toString() : undefined;
        if (got !== this.password) return reject(401, 'bad password');
      }
      this.lastHandshake = handshake;
      accept({ identity: handshake.identity });
    });
    this.server.on('client', (client) => this.#attach(client));
  }

  idTagInfo(idTag) {
    const status = this.tags.get(idTag) ?? 'Invalid';
    return { status };
  }

  #attach(client) {
    this.client = client;
    client.on('strictValidationFailure', (e) =>
      this.violations.push({ kind: 'strict', method: e.method, outbound: e.outbound, isCall: e.isCall, error: String(e.error?.message ?? e.error), params: e.params, result: e.result }));
    client.on('badMessage', (e) => this.violations.push({ kind: 'bad', payload: String(e.buffer), error: String(e.error?.message ?? e.error) }));
    client.on('close', () => { if (this.client === client) this.client = null; this.emit('disconnect', client); });
    client.handle(({ method, params }) => {
      const entry = { action: method, params, at: Date.now(), identity: client.identity, protocol: client.protocol };
      this.calls.push(entry);
      this.emit('call', entry);
      /* this.handlers (which a test may replace) for the main protocol, the defaults for another */
      const table = !client.protocol || client.protocol === this.protocol ? this.handlers : this.handlersByProtocol[client.protocol];
      const h = table[method];
      if (!h) throw createRPCError('NotImplemented', `${method} not scripted`);
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

  /**
   * Listen over TLS (security profiles 2 and 3): tls = { key, cert, ca,
   * requestCert } as node:https takes them (PEM text). With requestCert the
   * station must present a certificate issued by `ca`.
   */
  async listenTls(tls, port = 0, host = '127.0.0.1') {
    this.https = createHttpsServer({ ...tls, rejectUnauthorized: !!tls.requestCert });
    this.https.on('upgrade', this.server.handleUpgrade);
    await new Promise((resolve, reject) => this.https.listen(port, host, (e) => (e ? reject(e) : resolve())));
    this.port = this.https.address().port;
    this.url = `wss://${host}:${this.port}/ocpp`;
    return this;
  }

  /** Resolves with the client once the station is connected. */
  async connected({ timeoutMs = 20000 } = {}) {
    if (this.client) return this.client;
    return withTimeout(once(this, 'connect').then(([c]) => c), timeoutMs, 'station connection');
  }

  /**
   * Resolves with the first call (recorded at index >= from) of `action`
   * matching `match(params)`. An aborted `signal` (AbortSignal) rejects it at
   * once: a wait that lost a race holds no timer that keeps the test running.
   */
  async waitCall(action, { match = () => true, from = 0, timeoutMs = 20000, signal } = {}) {
    const found = this.calls.slice(from).find((c) => c.action === action && match(c.params));
    if (found) return found;
    let on;
    return withTimeout(new Promise((resolve) => {
      on = (c) => {
        if (c.action === action && match(c.params)) resolve(c);
      };
      this.on('call', on);
    }), timeoutMs, `${action} call`, signal).finally(() => this.off('call', on));
  }

  callsOf(action) { return this.calls.filter((c) => c.action === action); }

  /** CSMS-initiated call to the station; resolves with its answer. */
  async call(action, params, opts = {}) {
    const client = await this.connected();
    return client.call(action, params, opts);
  }

  assertNoViolations() {
    if (this.violations.length) throw new Error(`OCPP schema violations:\n${JSON.stringify(this.violations, null, 2)}`);
  }

  async close() {
    if (this.https) {
      this.https.closeAllConnections?.();
      await new Promise((resolve) => this.https.close(resolve));
    }
    await this.server.close({ force: true, awaitPending: false });
  }
}

export async function startCsms(opts = {}) {
  return new Csms(opts).listen(opts.port ?? 0);
}

function withTimeout(promise, ms, what, signal) {
  let t;
  let onAbort;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    onAbort = () => reject(new Error(`no longer waiting for ${what}`));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(t);
    signal?.removeEventListener('abort', onAbort);
  });
}

/**
 * OCPP-J (1.6 5.4, 2.0.1 part 4 5.3, 2.1 part 4 5.4 Reconnecting): a reconnection to the CSMS
 * that accepted this run's BootNotification, nothing it carries changed, sends none. Resolves
 * once st is connected and registered again with csms (either peer class), asserting csms got no BootNotification from call
 * index `from` on (the registration of a booting station is Accepted only once its
 * BootNotification was answered, so recorded).
 */
export async function resumed(st, csms, { from = 0, what = 'registered again without a BootNotification', timeoutMs = 20000 } = {}) {
  await csms.connected({ timeoutMs });
  await st.waitFor((x) => x.station.ocpp?.state === 'connected' && x.station.ocpp.registration === 'Accepted', { what, timeoutMs });
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'BootNotification').length, 0,
    'no BootNotification on a reconnection');
}
