// The charting library the page embeds (issue 19) is upstream's own
// distributed file, byte for byte: webui/vendor/uplot/ holds uPlot's
// dist/uPlot.iife.min.js, dist/uPlot.min.css and LICENSE of the version pinned
// in tests/package.json (installed by `make deps`), the version docs/web.md
// and docs/dependencies.md name, and borned serves exactly those bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBorned } from './lib/borne.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = join(root, 'tests', 'node_modules', 'uplot');
const FILES = [['uPlot.iife.min.js', 'dist/uPlot.iife.min.js'], ['uPlot.min.css', 'dist/uPlot.min.css'], ['LICENSE', 'LICENSE']];

test('webui/vendor/uplot is the npm package\'s files of the pinned version, served as they are', async () => {
  const pinned = JSON.parse(readFileSync(join(root, 'tests', 'package.json'), 'utf8')).devDependencies.uplot;
  assert.match(pinned, /^\d+\.\d+\.\d+$/, 'an exact version, not a range');
  assert.equal(JSON.parse(readFileSync(join(npm, 'package.json'), 'utf8')).version, pinned, 'tests/node_modules is the pinned one (make deps)');
  for (const doc of ['docs/web.md', 'docs/dependencies.md'])
    assert.ok(readFileSync(join(root, doc), 'utf8').includes(`uPlot ${pinned}`), `${doc} names uPlot ${pinned}`);
  for (const [mine, theirs] of FILES)
    assert.ok(readFileSync(join(root, 'webui', 'vendor', 'uplot', mine)).equals(readFileSync(join(npm, theirs))), `${mine} is byte-identical to uplot@${pinned}'s ${theirs}`);
  const st = await startBorned({ connectors: 1 });
  try {
    for (const [mine, theirs] of FILES) {
      const r = await fetch(`${st.url}/vendor/uplot/${mine}`);
      assert.equal(r.status, 200, mine);
      assert.ok(Buffer.from(await r.arrayBuffer()).equals(readFileSync(join(npm, theirs))), `served ${mine}`);
    }
    const index = await (await fetch(`${st.url}/`)).text();
    assert.match(index, /<script defer src="\/vendor\/uplot\/uPlot\.iife\.min\.js"><\/script>/);
  } finally { await st.stop(); st.cleanup(); }
});
