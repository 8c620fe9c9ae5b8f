import { Csms } from './integration/lib/csms.mjs';
import { spawn } from 'node:child_process';
const csms = await new Csms({ bootInterval: 60 }).listen();
const p = spawn('../build/borne-swarm', ['--csms', csms.url, '--stations', '20', '--id-prefix', 'KL', '--duration', '40s', '--progress', '3', '--scenario', '/tmp/h3k/offline.json', '--data-dir', '/tmp/h3k/st', '--set', 'ocpp.AllowOfflineTxForUnknownId=true', '--set', 'ocpp.reconnect_max_s=2', '--set', 'ocpp.TransactionMessageRetryInterval=1'], { stdio: 'inherit' });
await new Promise((r) => p.on('exit', r));
console.log(csms.calls.map(c=>c.action).join(' ').slice(0,400));
await csms.close();
