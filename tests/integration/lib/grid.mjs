// Serial lines for the grid input tests: a socat pty pair whose link names
// stay the same across restarts (so "unplugging" is killing socat and
// "plugging back" is starting it again), and a writer for the test's end.
// Waits on socat's own "starting data transfer loop" line, never sleeps.
import { spawnPeer, stopPeer } from './peers.mjs';
import { mkdtempSync, openSync, closeSync, writeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const DATA = join(here, '..', '..', 'data');

export function fixture(kind, name) {
  return readFileSync(join(DATA, kind, name));
}

export class PtyLine {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'borne-grid-'));
    this.device = join(this.dir, 'meter'); // borned's end
    this.feed = join(this.dir, 'feed'); // the test's end
    this.proc = null;
    this.fd = null;
  }

  /** Start socat (again); resolves once it moves data. */
  async plug() {
    const proc = spawnPeer('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.device}`, `pty,raw,echo=0,link=${this.feed}`],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let log = '';
    await new Promise((resolve, reject) => {
      proc.stderr.on('data', (d) => {
        log += d.toString();
        if (/starting data transfer loop/.test(log)) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`socat exited (${code}):\n${log}`)));
    });
    this.fd = openSync(this.feed, 'w');
  }

  /** Write bytes as the meter would (all at once, or in pieces of `chunk`). */
  write(bytes, chunk = 0) {
    const buf = Buffer.from(bytes);
    const step = chunk || buf.length;
    for (let i = 0; i < buf.length; i += step) writeSync(this.fd, buf.subarray(i, i + step));
  }

  /** Kill socat: borned's end of the line disappears. */
  async unplug() {
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
    if (this.proc) await stopPeer(this.proc);
    this.proc = null;
  }

  async close() {
    await this.unplug();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
