// The utility control contact (EnWG §14a) end to end on the simulator:
// POST /api/v1/sim/grid drives the simulated dry contact; borned publishes
// every change at once (grid_sample "contact"), shows it in
// station.grid_input.contact and records it in the event log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

test('control contact: asserted and released, shown in status and events', async (t) => {
  const st = await startBorned({ set: { 'grid.source': 'contact' } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  let s = await st.waitFor((x) => x.station.grid_input?.contact?.asserted === false, { what: 'contact level at start' });
  assert.equal(s.station.grid_input.source, 'contact');
  assert.equal(s.station.grid_input.contact.changes, 0);
  assert.equal(s.station.grid_input.port, undefined, 'no serial line with grid.source = contact');

  let after = await st.lastEventId();
  const r = await st.ok('POST', '/api/v1/sim/grid', { contact: true });
  assert.equal(r.contact, true);
  await st.waitEvent('grid', { after, match: (e) => /control contact asserted/.test(e.detail) });
  s = await st.status();
  const c = s.station.grid_input.contact;
  assert.equal(c.asserted, true);
  assert.equal(c.changes, 1);
  assert.ok(c.since);

  // setting the same level again is not a change
  after = await st.lastEventId();
  await st.ok('POST', '/api/v1/sim/grid', { contact: true });
  await st.ok('POST', '/api/v1/sim/grid', { contact: false });
  const ev = await st.waitEvent('grid', { after, match: (e) => /control contact/.test(e.detail) });
  assert.match(ev.detail, /control contact released/);
  s = await st.status();
  assert.equal(s.station.grid_input.contact.asserted, false);
  assert.equal(s.station.grid_input.contact.changes, 2);

  // bad bodies are refused with a reason
  let bad = await st.api('POST', '/api/v1/sim/grid', { contact: 'yes' });
  assert.equal(bad.status, 400);
  bad = await st.api('POST', '/api/v1/sim/grid', { ct_current_a: [1, 2] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /ct_current_a/);
  bad = await st.api('POST', '/api/v1/sim/grid', { relay: true });
  assert.equal(bad.status, 400);
});

test('control contact beside another source (grid.contact = true)', async (t) => {
  const st = await startBorned({ set: { 'grid.contact': 'true' } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  const after = await st.lastEventId();
  await st.ok('POST', '/api/v1/sim/grid', { contact: true });
  await st.waitEvent('grid', { after, match: (e) => /control contact asserted/.test(e.detail) });
  const s = await st.status();
  assert.equal(s.station.grid_input.source, 'none');
  assert.equal(s.station.grid_input.contact.asserted, true);
});

test('the control contact from the HAL caps charging power (EnWG §14a) and the cap lifts when it is released', async () => {
  const st = await startBorned({ connectors: 1, auth: 'free', set: { 'grid.source': 'contact', 'grid.contact_limit_w': '4200' } });
  try {
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
    await st.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].offered_a > 20, { what: 'charging at full current' });
    await st.ok('POST', '/api/v1/sim/grid', { contact: true });
    const capped = await st.waitFor((x) => x.station.site?.contact?.asserted === true && x.connectors[0].offered_a <= 6.1, { what: 'capped by the contact' });
    // 4200 W over three phases at the site voltage is about 6 A
    assert.ok(capped.connectors[0].offered_a >= 6 && capped.connectors[0].offered_a <= 6.1, `offered ${capped.connectors[0].offered_a} A`);
    await st.ok('POST', '/api/v1/sim/grid', { contact: false });
    await st.waitFor((x) => x.station.site?.contact?.asserted === false && x.connectors[0].offered_a > 20, { what: 'cap lifted' });
  } finally { await st.stop(); st.cleanup(); }
});
