// MQTT and Home Assistant discovery (issue 21, docs/mqtt.md) against a real
// broker: Debian's mosquitto started here on a free port, with mosquitto_sub
// and mosquitto_pub as independent clients. Checks availability and the last
// will, state while a simulated car charges, every command and its result,
// refusals, a broker stopped and restarted (charging goes on, borned
// reconnects and republishes), and the discovery payloads against Home
// Assistant's documented options for each entity type.
import { test } from 'node:test';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import { startBorned, tempDataDir } from './lib/borne.mjs';
import { startBroker } from './lib/mqtt.mjs';

async function withBroker(t) {
  const broker = await startBroker();
  t.after(() => broker.cleanup());
  return broker;
}

function mqttSet(broker, extra = {}) {
  return { 'mqtt.url': `mqtt://127.0.0.1:${broker.port}`, ...extra };
}

test('state, commands with their results, refusals, last will', async (t) => {
  const broker = await withBroker(t);
  const sub = await broker.sub('borne/#');
  t.after(() => sub.stop());
  // an old command left retained on the broker: not replayed when borned connects
  broker.pub('borne/mq-1/connector/1/set/enabled', 'OFF', { retain: true });
  const st = await startBorned({ connectors: 2, set: mqttSet(broker, { 'mqtt.discovery_prefix': '', 'station.id': 'mq-1' }) });
  t.after(async () => { await st.stop(); st.cleanup(); });
  const base = 'borne/mq-1';
  const c1 = `${base}/connector/1/state`;

  let m = await sub.waitFor((x) => x.topic === `${base}/availability` && x.payload === 'online', { what: 'online' });
  assert.equal(m.retain, false); // live delivery; retained copies go to later subscribers
  let s = await sub.json(c1, (x) => x.status === 'Available');
  for (const k of ['status', 'power_w', 'energy_wh', 'offered_a', 'limited_by', 'charge_mode', 'cp_state', 'session_energy_wh', 'current_a', 'enabled', 'error'])
    assert.ok(k in s, `state has ${k}`);
  assert.equal(s.charge_mode, 'normal');
  await sub.json(`${base}/connector/2/state`, (x) => x.status === 'Available');
  await sub.json(`${base}/state`, (x) => x.backend === 'none' && x.connectors === 2 && x.status === 'Available');

  // a later subscriber gets the retained state at once
  const late = await broker.sub(`${base}/connector/1/state`);
  const r = await late.waitFor(() => true, { what: 'retained state' });
  assert.equal(r.retain, true);
  await late.stop();

  async function command(topic, payload) {
    const from = sub.mark();
    broker.pub(`${base}/${topic}`, payload);
    return sub.json(`${base}/result`, (x) => x.topic === `${base}/${topic}`, { from });
  }

  // the first result is the one of the first live command: the retained one was ignored
  let res = await command('connector/2/set/enabled', 'ON');
  assert.equal(sub.messages.filter((x) => x.topic === `${base}/result`).length, 1);
  assert.equal((await st.connector(1)).operative, true);
  broker.pub('borne/mq-1/connector/1/set/enabled', '', { retain: true });

  // the car plugs in and waits for authorization: MQTT starts it
  let mk = sub.mark();
  const plug = st.ctl('plug', '1', '--ev-max-current', '32');
  assert.equal(plug.code, 0, plug.stderr);
  await sub.json(c1, (x) => x.status === 'Preparing' && x.cp_state === 'B');
  // the station's status follows its connectors'
  await sub.json(`${base}/state`, (x) => x.status === 'Occupied', { from: mk, what: 'station Occupied' });
  mk = sub.mark();
  res = await command('connector/1/set/start', 'PRESS');
  assert.deepEqual(res, { topic: `${base}/connector/1/set/start`, command: 'start', connector: 1, ok: true });
  s = await sub.json(c1, (x) => x.status === 'Charging' && x.power_w > 1000 && x.session === true);
  await sub.json(`${base}/state`, (x) => x.status === 'Charging', { from: mk, what: 'station Charging' });
  const e0 = s.energy_wh;
  s = await sub.json(c1, (x) => x.energy_wh > e0 && x.session_energy_wh > 0, { what: 'energy going up' });

  // current limit: shown in offered_a and limited_by, on MQTT and in the API
  res = await command('connector/1/set/current_limit_a', '10');
  assert.equal(res.ok, true);
  s = await sub.json(c1, (x) => x.offered_a === 10 && x.limited_by === 'mqtt' && x.current_limit_a === 10);
  assert.equal((await st.connector(1)).limited_by, 'mqtt');
  res = await command('connector/1/set/current_limit_a', '');
  assert.equal(res.ok, true);
  s = await sub.json(c1, (x) => x.offered_a > 10 && x.limited_by !== 'mqtt' && x.current_limit_a === null);

  // charging mode: the key connector.1.charge_mode, shown in the state and the API's settings
  res = await command('connector/1/set/charge_mode', 'solar_min');
  assert.equal(res.ok, true);
  s = await sub.json(c1, (x) => x.charge_mode === 'solar_min', { what: 'charge_mode solar_min' });
  assert.equal((await st.connector(1)).charge_mode, 'solar_min');
  assert.equal((await command('connector/1/set/charge_mode', 'normal')).ok, true);
  s = await sub.json(c1, (x) => x.charge_mode === 'normal', { what: 'charge_mode normal' });

  // bad commands: a clear refusal each, nothing changes
  res = await command('connector/9/set/stop', 'PRESS');
  assert.equal(res.ok, false);
  assert.match(res.error, /no connector 9/);
  res = await command('connector/1/set/fly', '1');
  assert.equal(res.ok, false);
  assert.match(res.error, /unknown command `fly`/);
  res = await command('connector/1/set/current_limit_a', 'lots');
  assert.equal(res.ok, false);
  assert.match(res.error, /current_limit_a: `lots`/);
  res = await command('connector/1/set/charge_mode', 'turbo');
  assert.equal(res.ok, false);
  res = await command('set/reboot', '1');
  assert.equal(res.ok, false);
  assert.equal((await st.connector(1)).status, 'Charging');

  // stop, then stop again: refused (no session)
  mk = sub.mark();
  res = await command('connector/1/set/stop', 'PRESS');
  assert.equal(res.ok, true);
  await sub.json(c1, (x) => x.status !== 'Charging' && x.session === false);
  await sub.json(`${base}/state`, (x) => x.status === 'Occupied', { from: mk, what: 'station Occupied (car still plugged in)' });
  res = await command('connector/1/set/stop', 'PRESS');
  assert.equal(res.ok, false);
  assert.match(res.error, /no session/);

  // enable / disable
  res = await command('connector/2/set/enabled', 'OFF');
  assert.equal(res.ok, true);
  await sub.json(`${base}/connector/2/state`, (x) => x.enabled === false && x.status === 'Unavailable');
  assert.equal((await st.connector(2)).operative, false);
  assert.equal((await command('connector/2/set/enabled', 'ON')).ok, true);
  await sub.json(`${base}/connector/2/state`, (x) => x.enabled === true && x.status === 'Available');
  res = await command('connector/2/set/enabled', 'perhaps');
  assert.equal(res.ok, false);

  // the site limit: a run-time setting, saved like PUT /api/v1/settings does
  res = await command('set/site_limit_a', '40');
  assert.deepEqual(res, { topic: `${base}/set/site_limit_a`, command: 'site_limit_a', ok: true });
  await sub.json(`${base}/state`, (x) => x.site_limit_a === 40);
  const settings = await st.ok('GET', '/api/v1/settings');
  assert.equal(Number(settings['site.limit_a'] ?? settings.values?.['site.limit_a'] ?? settings.settings?.['site.limit_a']?.value ?? 40), 40);
  res = await command('set/site_limit_a', '3');
  assert.equal(res.ok, false); // below the key's range
  assert.match(res.error, /site\.limit_a/);
  assert.equal((await command('set/site_limit_a', '')).ok, true);
  await sub.json(`${base}/state`, (x) => x.site_limit_a === null);

  // killed: the broker publishes the last will
  const from = sub.mark();
  await st.kill();
  m = await sub.waitFor((x) => x.topic === `${base}/availability` && x.payload === 'offline', { from, what: 'last will' });
});

test('broker stopped and restarted: charging goes on, borned reconnects and republishes', async (t) => {
  const broker = await withBroker(t);
  const st = await startBorned({ connectors: 1, auth: 'free', set: mqttSet(broker, { 'mqtt.discovery_prefix': '' }) });
  t.after(async () => { await st.stop(); st.cleanup(); });
  const id = (await st.status()).station.id;
  const base = `borne/${id}`;
  let sub = await broker.sub('borne/#');
  await sub.waitFor((x) => x.topic === `${base}/availability` && x.payload === 'online', { what: 'online' });
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await sub.json(`${base}/connector/1/state`, (x) => x.status === 'Charging' && x.power_w > 0);
  await sub.stop();

  await broker.stop();
  // borned keeps charging without its broker
  const before = (await st.connector(1)).energy_wh;
  await st.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].energy_wh > before + 1, { what: 'energy while the broker is down' });
  assert.match(st.log, /mqtt: connection to 127\.0\.0\.1:\d+ lost/);
  // reconnection with back-off: 1 s, then 2, then 4 between attempts (log lines, waited for)
  const backoff = /broker 127\.0\.0\.1:\d+ unreachable, next try in (\d+) s/g;
  for (;;) {
    const tries = [...st.log.matchAll(backoff)].map((m) => Number(m[1]));
    if (tries.length >= 3) {
      assert.deepEqual(tries.slice(0, 3), [1, 2, 4]);
      break;
    }
    await once(st.proc.stderr, 'data');
  }

  // the broker comes back (empty: no persistence): borned reconnects and publishes everything again
  const atReturn = (await st.connector(1)).energy_wh;
  await broker.start();
  sub = await broker.sub('borne/#');
  t.after(() => sub.stop());
  await sub.waitFor((x) => x.topic === `${base}/availability` && x.payload === 'online', { what: 'online again', timeoutMs: 30000 });
  const s = await sub.json(`${base}/connector/1/state`, (x) => x.status === 'Charging', { timeoutMs: 30000 });
  assert.ok(s.energy_wh > before);
  // no backlog of the outage: the first state after it is the current one, not a queued old one
  const firstState = sub.messages.find((m) => m.topic === `${base}/connector/1/state`);
  assert.ok(JSON.parse(firstState.payload).energy_wh >= atReturn - 0.1,
    `first state after the outage: ${firstState.payload}, energy at the return ${atReturn}`);
  await sub.json(`${base}/state`, () => true);
  assert.match(st.log, /mqtt: connected to/);
});

test('the state is published again every mqtt.publish_interval_s, changed or not', async (t) => {
  const broker = await withBroker(t);
  const sub = await broker.sub('borne/#');
  t.after(() => sub.stop());
  const st = await startBorned({ connectors: 1, set: mqttSet(broker, { 'mqtt.discovery_prefix': '', 'mqtt.publish_interval_s': 5 }) });
  t.after(async () => { await st.stop(); st.cleanup(); });
  const base = `borne/${(await st.status()).station.id}`;
  // nothing changes (no car): the station's state comes again, the same, at each period
  await sub.waitFor(() => sub.messages.filter((m) => m.topic === `${base}/state`).length >= 3,
    { what: 'three publications of the station state', timeoutMs: 30000 });
  const states = sub.messages.filter((m) => m.topic === `${base}/state`).map((m) => m.payload);
  assert.equal(new Set(states).size, 1, states.join(' | '));
  const conn = sub.messages.filter((m) => m.topic === `${base}/connector/1/state`);
  assert.ok(conn.length >= 2, `connector state republished too (${conn.length})`);
});

// Home Assistant's MQTT integration docs: the options each entity type requires
const REQUIRED = {
  sensor: ['state_topic'],
  binary_sensor: ['state_topic'],
  number: ['command_topic'],
  select: ['command_topic', 'options'],
  button: ['command_topic'],
  switch: ['command_topic'],
};
// device classes and units the docs list for the sensors we make
const SENSOR_UNITS = { power: ['W', 'kW'], energy: ['Wh', 'kWh'], current: ['A', 'mA'] };
const BINARY_CLASSES = ['battery_charging', 'plug', 'problem'];
// Every option Home Assistant's MQTT documentation lists for each entity
// type (home-assistant.io/integrations/<type>.mqtt/, "Configuration
// Variables"): a key outside these is not part of the schema. The options
// common to all MQTT entities first, then each type's own.
const COMMON = ['availability', 'availability_mode', 'availability_template', 'availability_topic',
  'payload_available', 'payload_not_available', 'device', 'enabled_by_default', 'encoding',
  'entity_category', 'entity_picture', 'icon', 'json_attributes_template', 'json_attributes_topic',
  'name', 'object_id', 'default_entity_id', 'unique_id', 'qos', 'platform'];
const OPTIONS = {
  sensor: ['state_topic', 'value_template', 'device_class', 'state_class', 'unit_of_measurement',
    'expire_after', 'force_update', 'last_reset_value_template', 'suggested_display_precision', 'options'],
  binary_sensor: ['state_topic', 'value_template', 'device_class', 'payload_on', 'payload_off',
    'expire_after', 'force_update', 'off_delay'],
  number: ['command_topic', 'command_template', 'state_topic', 'value_template', 'min', 'max', 'step',
    'mode', 'device_class', 'unit_of_measurement', 'optimistic', 'retain', 'payload_reset'],
  select: ['command_topic', 'command_template', 'state_topic', 'value_template', 'options',
    'optimistic', 'retain'],
  button: ['command_topic', 'command_template', 'payload_press', 'device_class', 'retain'],
  switch: ['command_topic', 'command_template', 'state_topic', 'value_template', 'payload_on',
    'payload_off', 'state_on', 'state_off', 'device_class', 'optimistic', 'retain'],
};
const DEVICE = ['identifiers', 'connections', 'name', 'manufacturer', 'model', 'model_id',
  'sw_version', 'hw_version', 'serial_number', 'suggested_area', 'via_device', 'configuration_url'];
const STRINGS = ['name', 'unique_id', 'availability_topic', 'payload_available', 'payload_not_available',
  'state_topic', 'command_topic', 'value_template', 'device_class', 'state_class',
  'unit_of_measurement', 'payload_on', 'payload_off', 'state_on', 'state_off', 'payload_press', 'mode'];

test('Home Assistant discovery: documented schema, names in French, removed when disabled', async (t) => {
  const broker = await withBroker(t);
  const dataDir = tempDataDir();
  const disc = await broker.sub('homeassistant/#');
  t.after(() => disc.stop());
  let st = await startBorned({ dataDir, connectors: 1, set: mqttSet(broker, { 'mqtt.language': 'fr' }) });
  const id = (await st.status()).station.id;
  const base = `borne/${id}`;
  const N = 3 + 19; // station entities + one connector's
  await disc.waitFor(() => disc.messages.length >= N, { what: `${N} discovery messages` });
  const msgs = disc.messages.slice(0, N);
  const uids = new Set();
  const per = {};
  for (const m of msgs) {
    const [, component, node, object, last] = m.topic.split('/');
    assert.equal(last, 'config', m.topic);
    assert.match(node, /^[a-zA-Z0-9_-]+$/);
    assert.match(object, /^[a-zA-Z0-9_-]+$/);
    assert.ok(REQUIRED[component], `known entity type ${component}`);
    per[component] = (per[component] ?? 0) + 1;
    const p = JSON.parse(m.payload);
    for (const k of REQUIRED[component]) assert.ok(p[k] !== undefined, `${m.topic}: ${k} is required`);
    assert.ok(p.unique_id && !uids.has(p.unique_id), `${m.topic}: unique unique_id`);
    uids.add(p.unique_id);
    assert.equal(p.availability_topic, `${base}/availability`);
    assert.equal(p.payload_available, 'online');
    assert.equal(p.payload_not_available, 'offline');
    assert.ok(Array.isArray(p.device.identifiers) && p.device.identifiers.length === 1);
    assert.ok(p.device.name && p.device.manufacturer && p.device.sw_version);
    assert.equal(typeof p.name, 'string');
    if (p.state_topic) assert.ok(p.state_topic === `${base}/connector/1/state` || p.state_topic === `${base}/state`, p.state_topic);
    if (p.command_topic) assert.ok(p.command_topic.startsWith(`${base}/`), p.command_topic);
    if (component === 'sensor' && p.device_class) {
      assert.ok(SENSOR_UNITS[p.device_class].includes(p.unit_of_measurement), `${m.topic}: unit ${p.unit_of_measurement}`);
      assert.ok(['measurement', 'total', 'total_increasing'].includes(p.state_class));
    }
    if (component === 'binary_sensor') assert.ok(BINARY_CLASSES.includes(p.device_class));
    if (component === 'number') assert.ok(p.min < p.max && p.step > 0);
    if (component === 'select') assert.deepEqual(p.options, ['normal', 'solar', 'solar_min', 'offpeak_or_solar']);
    // the whole payload within the documented schema of its type
    for (const k of Object.keys(p))
      assert.ok(COMMON.includes(k) || OPTIONS[component].includes(k), `${m.topic}: ${k} is not an option of ${component}.mqtt`);
    for (const k of Object.keys(p.device)) assert.ok(DEVICE.includes(k), `${m.topic}: device.${k}`);
    for (const k of STRINGS) if (k in p) assert.equal(typeof p[k], 'string', `${m.topic}: ${k} is a string`);
    if ('qos' in p) assert.ok([0, 1, 2].includes(p.qos));
    if (p.command_topic) assert.equal(p.qos, 1, `${m.topic}: commands at QoS 1`);
    if (component === 'number') {
      assert.ok(['auto', 'box', 'slider'].includes(p.mode));
      for (const k of ['min', 'max', 'step']) assert.equal(typeof p[k], 'number');
    }
    if (component === 'sensor' && p.device_class === 'energy') assert.ok(['total', 'total_increasing'].includes(p.state_class));
    if (component === 'sensor' && ['power', 'current'].includes(p.device_class)) assert.equal(p.state_class, 'measurement');
    if (component === 'button') assert.ok(!('state_topic' in p) && !('value_template' in p));
    if (component === 'switch') assert.ok(p.state_topic && p.payload_on === 'ON' && p.payload_off === 'OFF');
    // a value template reads fields that the state on its topic has
    if (p.value_template) {
      const fields = [...p.value_template.matchAll(/value_json\.([a-z_0-9]+)/g)].map((x) => x[1]);
      assert.ok(fields.length > 0, `${m.topic}: ${p.value_template}`);
    }
  }
  assert.deepEqual(per, { sensor: 13, binary_sensor: 3, number: 2, select: 1, button: 2, switch: 1 });
  const power = JSON.parse(msgs.find((m) => m.topic.endsWith('/c1_power/config')).payload);
  assert.equal(power.name, 'Puissance 1');
  assert.equal(power.device_class, 'power');
  const status = JSON.parse(msgs.find((m) => m.topic.endsWith(`/sensor/borne_${id.replace(/[^a-zA-Z0-9_-]/g, '_')}/status/config`)).payload);
  assert.equal(status.name, 'État');
  assert.equal(status.state_topic, `${base}/state`);
  // every command topic a discovered entity names is answered
  const state = await broker.sub(`${base}/#`);
  t.after(() => state.stop());
  const states = {
    [`${base}/state`]: await state.json(`${base}/state`, () => true),
    [`${base}/connector/1/state`]: await state.json(`${base}/connector/1/state`, () => true),
  };
  for (const m of msgs) {
    const p = JSON.parse(m.payload);
    if (!p.value_template) continue;
    for (const f of [...p.value_template.matchAll(/value_json\.([a-z_0-9]+)/g)].map((x) => x[1]))
      assert.ok(f in states[p.state_topic], `${m.topic}: ${f} is not in ${p.state_topic}`);
    // a number's state is within its range, or None (unknown) when unset
    if (m.topic.includes('/number/')) {
      const v = p.value_template.includes('site_limit_a') ? states[p.state_topic].site_limit_a
        : states[p.state_topic].current_limit_a;
      if (v !== null) assert.ok(v >= p.min && v <= p.max, `${m.topic}: ${v} in ${p.min}..${p.max}`);
      assert.match(p.value_template, /else (None|'None'|\d+) \}\}$/);
      if (/else (\d+) \}\}$/.test(p.value_template)) {
        const dflt = Number(p.value_template.match(/else (\d+) \}\}$/)[1]);
        assert.ok(dflt >= p.min && dflt <= p.max, `${m.topic}: the default ${dflt} in ${p.min}..${p.max}`);
      }
    }
  }
  const sw = JSON.parse(msgs.find((m) => m.topic.includes('/switch/')).payload);
  const from = state.mark();
  broker.pub(sw.command_topic, 'OFF');
  const res = await state.json(`${base}/result`, (x) => x.topic === sw.command_topic, { from });
  assert.equal(res.ok, true);
  await st.stop();

  // discovery turned off: the next start removes the entities (empty retained configs)
  const mark = disc.mark();
  st = await startBorned({ dataDir, connectors: 1, set: mqttSet(broker, { 'mqtt.discovery_prefix': '' }) });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await disc.waitFor(() => disc.messages.slice(mark).filter((m) => m.length === 0).length >= N, { what: 'removals' });
  const removed = new Set(disc.messages.slice(mark).filter((m) => m.length === 0).map((m) => m.topic));
  for (const m of msgs) assert.ok(removed.has(m.topic), `${m.topic} removed`);
  // and nothing is left retained for a new subscriber: its first message is our probe
  broker.pub('homeassistant/zz_probe', 'x');
  const fresh = await broker.sub('homeassistant/#');
  t.after(() => fresh.stop());
  broker.pub('homeassistant/zz_probe2', 'y');
  const first = await fresh.waitFor(() => true, { what: 'first message' });
  assert.equal(first.topic, 'homeassistant/zz_probe2');
});

test('a current limit set over MQTT outlives a restart; clearing it is saved too', async (t) => {
  const broker = await withBroker(t);
  const dataDir = tempDataDir();
  const sub = await broker.sub('borne/#');
  t.after(() => sub.stop());
  const set = mqttSet(broker, { 'mqtt.discovery_prefix': '', 'station.id': 'mq-keep' });
  const base = 'borne/mq-keep';
  const c1 = `${base}/connector/1/state`;
  let st = await startBorned({ dataDir, connectors: 2, auth: 'free', set });
  await sub.waitFor((x) => x.topic === `${base}/availability` && x.payload === 'online', { what: 'online' });
  let from = sub.mark();
  broker.pub(`${base}/connector/1/set/current_limit_a`, '9');
  assert.equal((await sub.json(`${base}/result`, (x) => x.command === 'current_limit_a', { from })).ok, true);
  await sub.json(c1, (x) => x.current_limit_a === 9, { from });
  await st.stop();

  // restarted on the same data: the limit is back before any command
  from = sub.mark();
  st = await startBorned({ dataDir, connectors: 2, auth: 'free', set });
  let s = await sub.json(c1, (x) => x.status === 'Available', { from });
  assert.equal(s.current_limit_a, 9);
  assert.equal((await sub.json(`${base}/connector/2/state`, () => true, { from })).current_limit_a, null);
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
  s = await st.waitFor((x) => x.connectors[0].status === 'Charging', { what: 'charging' });
  assert.equal(s.connectors[0].offered_a, 9);
  assert.equal(s.connectors[0].limited_by, 'mqtt');

  // cleared, and restarted again: no limit
  from = sub.mark();
  broker.pub(`${base}/connector/1/set/current_limit_a`, '');
  assert.equal((await sub.json(`${base}/result`, (x) => x.command === 'current_limit_a', { from })).ok, true);
  await st.stop();
  from = sub.mark();
  st = await startBorned({ dataDir, connectors: 2, auth: 'free', set });
  t.after(async () => { await st.stop(); st.cleanup(); });
  s = await sub.json(c1, (x) => x.status === 'Available', { from });
  assert.equal(s.current_limit_a, null);
});
