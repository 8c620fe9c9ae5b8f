// mqtts:// against a real broker: Debian's mosquitto with a TLS listener that
// requires a client certificate, the certificates made here with openssl (a
// test CA, the broker's certificate for 127.0.0.1, a client certificate for
// borne, and a second CA that signed nothing of the broker's). borned with
// mqtt.ca_file, mqtt.client_cert and mqtt.client_key connects, publishes its
// availability and state and answers a command, seen by mosquitto_sub and
// sent by mosquitto_pub over TLS with their own client certificate; borned
// trusting the wrong CA does not connect (the broker's certificate is
// refused), nor does borned without a client certificate (the broker refuses
// it). Nothing is sent in clear.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBorned } from './lib/borne.mjs';
import { startBroker } from './lib/mqtt.mjs';

const dir = mkdtempSync(join(tmpdir(), 'borne-mqtt-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const f = (n) => join(dir, n);

function openssl(...args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: dir });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

function ca(name) {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

function leaf(name, caName, ext) {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
  writeFileSync(f(`${name}.ext`), ext);
  openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.pem`), '-CAkey', f(`${caName}.key`),
    '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
}

ca('test-ca');
ca('other-ca');
leaf('broker', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
// a broker whose certificate names `localhost` only (no address)
leaf('broker-name', 'test-ca', 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
leaf('borne', 'test-ca', 'extendedKeyUsage=clientAuth\n');
leaf('watcher', 'test-ca', 'extendedKeyUsage=clientAuth\n');

// mosquitto started as root drops to its own user: it must read these
// (throw-away test keys)
chmodSync(dir, 0o755);
for (const n of readdirSync(dir)) chmodSync(f(n), 0o644);

const tlsBroker = (cert) => startBroker({ tls: { cafile: f('test-ca.pem'), certfile: f(`${cert}.pem`), keyfile: f(`${cert}.key`) } });
const broker = await tlsBroker('broker');
after(() => broker.cleanup());
const named = await tlsBroker('broker-name');
after(() => named.cleanup());

const tlsArgs = ['--cafile', f('test-ca.pem'), '--cert', f('watcher.pem'), '--key', f('watcher.key')];
const url = `mqtts://127.0.0.1:${broker.port}`;

function pubTls(topic, payload) {
  const r = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-q', '1', '-t', topic,
    '-m', payload, ...tlsArgs], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mosquitto_pub ${topic}: ${r.stderr}`);
}

test('mqtts:// with a client certificate: online, state, a command and its result', async (t) => {
  const sub = await broker.sub('borne/#', tlsArgs);
  t.after(() => sub.stop());
  const st = await startBorned({
    connectors: 1,
    set: {
      'station.id': 'tls-1',
      'mqtt.url': url,
      'mqtt.ca_file': f('test-ca.pem'),
      'mqtt.client_cert': f('borne.pem'),
      'mqtt.client_key': f('borne.key'),
      'mqtt.discovery_prefix': '',
    },
  });
  t.after(async () => { await st.stop(); st.cleanup(); });
  const base = 'borne/tls-1';
  await sub.waitFor((x) => x.topic === `${base}/availability` && x.payload === 'online', { what: 'online over TLS' });
  await sub.json(`${base}/connector/1/state`, (x) => x.status === 'Available');
  const from = sub.mark();
  pubTls(`${base}/connector/1/set/current_limit_a`, '11');
  const res = await sub.json(`${base}/result`, (x) => x.topic === `${base}/connector/1/set/current_limit_a`, { from });
  assert.equal(res.ok, true);
  await sub.json(`${base}/connector/1/state`, (x) => x.current_limit_a === 11);
  // the broker saw a TLS client whose certificate it checked
  assert.match(broker.log, /New client connected from 127\.0\.0\.1:\d+ as borne-tls-1/);
});

/* Resolves once borned's log matches re (each new stderr chunk is checked). */
async function waitLog(st, re, what, timeoutMs = 30000) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}:\n${st.log.slice(-3000)}`)), timeoutMs);
  });
  try {
    while (!re.test(st.log)) await Promise.race([once(st.proc.stderr, 'data'), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function refused(t, set, what, b = broker) {
  const mark = b.log.length;
  const st = await startBorned({ connectors: 1, set: { 'station.id': 'tls-2', 'mqtt.url': url, 'mqtt.discovery_prefix': '', ...set } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  // borned keeps running (and charging) without its broker; it logs why
  await waitLog(st, /mqtt.*(unreachable|lost|refused)/, what);
  await st.status();
  // the broker never accepted it as a client
  assert.doesNotMatch(b.log.slice(mark), /New client connected from .* as borne/);
}

const client = { 'mqtt.ca_file': f('test-ca.pem'), 'mqtt.client_cert': f('borne.pem'), 'mqtt.client_key': f('borne.key') };

// A host name in mqtt.url is resolved with uv_getaddrinfo (libmosquitto's
// getaddrinfo would block the loop) and libmosquitto connects to the
// address; the certificate is still checked against the name.
test('a host name: resolved off the loop, the certificate checked against the name', async (t) => {
  const mark = named.log.length;
  const st = await startBorned({ connectors: 1, set: { 'station.id': 'tls-3', 'mqtt.url': `mqtts://localhost:${named.port}`, 'mqtt.discovery_prefix': '', ...client } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await waitLog(st, new RegExp(`mqtt: connected to localhost:${named.port}`), 'connected by name');
  assert.match(named.log.slice(mark), /New client connected from 127\.0\.0\.1:\d+ as borne-tls-3/);
  await st.status(); // the loop answers
});

test('the certificate does not name the address in mqtt.url: refused', async (t) => {
  await refused(t, { ...client, 'mqtt.url': `mqtts://127.0.0.1:${named.port}` }, 'a TLS failure logged', named);
});

test('the broker\'s certificate from another CA is refused', async (t) => {
  await refused(t, { 'mqtt.ca_file': f('other-ca.pem'), 'mqtt.client_cert': f('borne.pem'), 'mqtt.client_key': f('borne.key') },
    'a TLS failure logged');
});

test('no client certificate: the broker refuses borne', async (t) => {
  await refused(t, { 'mqtt.ca_file': f('test-ca.pem') }, 'a refusal logged');
});
