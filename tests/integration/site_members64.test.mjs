// Issue 17: site.members holds 64 members written out in full (a.b.c.d:port,
// 21 characters each: 1470 characters with ", " between them) in a
// configuration file line; the leader starts with them, GET /api/v1/settings
// returns the value whole and GET /api/v1/site lists the 64 members in order.
// The members are closed ports on the loopback (127.0.0.0/8): every one is
// refused at once and shows `down`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBorned, tempDataDir } from './lib/borne.mjs';

test('a leader with 64 members written out in full: loaded, returned by the API, all listed', async () => {
  const addresses = [];
  for (let i = 0; i < 64; i++) addresses.push(`127.${100 + i}.${100 + i}.${150 + i}:${50200 + i}`);
  assert.ok(addresses.every((a) => a.length === 21));
  const members = addresses.join(', ');
  assert.equal(members.length, 1470);
  const dir = tempDataDir();
  const file = join(dir, 'borne.conf');
  writeFileSync(file, `[site]\nrole = leader\nlimit_a = 63\nmembers = ${members}\n`);
  const st = await startBorned({ dataDir: dir, config: file, connectors: 1, auth: 'free' });
  try {
    const settings = (await st.ok('GET', '/api/v1/settings')).settings;
    assert.equal(settings['site.members'], members);
    assert.equal(settings['site.role'], 'leader');
    const site = await st.ok('GET', '/api/v1/site');
    assert.equal(site.role, 'leader');
    assert.deepEqual(site.members.map((m) => m.address), addresses);
    assert.ok(site.members.every((m) => m.link === 'down'), JSON.stringify(site.members[0]));
    /* the settings page's field takes its bound from the schema */
    const schema = (await st.ok('GET', '/api/v1/web/settings-schema')).keys;
    assert.equal(schema.find((k) => k.key === 'site.members').max_length, 4000);
  } finally { await st.stop(); st.cleanup(); }
});
