// The OCPP 1.6 station of the ocpp16_evside and ocpp16_octt_evt tests (and
// their _ws_io twins): one borned (auth ocpp, sim speed 20) registered with a
// strict 1.6 central system, npm ocpp-rpc, or npm ocpp-ws-io when
// BORNE_OCPP_PEER=ocpp-ws-io.
import { startBorned } from './borne.mjs';
import { startCsms } from './csms.mjs';
import { startCsmsWsIo } from './csms_ws_io.mjs';

const startPeer = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io' ? startCsmsWsIo : startCsms;

/**
 * The station `id` (`connectors`, 1 unless told; settings `set` added) with a new central
 * system knowing `tags`: resolves { csms, st } once connector 1 is told Available.
 */
export async function ocpp16Up(id, { tags = {}, connectors = 1, set = {} } = {}) {
  const csms = await startPeer({ tags, bootInterval: 60 });
  const st = await startBorned({
    connectors, auth: 'ocpp', speed: 20, args: ['--csms', csms.url],
    set: { 'station.id': id, 'ocpp.MinimumStatusDuration': '0', ...set },
  });
  await csms.connected();
  await csms.waitCall('StatusNotification', { match: (p) => p.connectorId === 1 && p.status === 'Available' });
  return { csms, st };
}

/** Ends both (either may be left out). */
export async function ocpp16Down(st, csms) {
  await st?.stop();
  st?.cleanup();
  await csms?.close();
}
