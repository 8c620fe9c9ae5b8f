// The OCPP 2.0.1 (or 2.1) station of the ocpp201_devmodel, _smart, _monitoring, _tx, _display
// and ocpp21_tariff tests (and their _ws_io twins): a borned (auth ocpp, sim speed 20)
// registered with a strict CSMS, npm ocpp-rpc, or npm ocpp-ws-io when BORNE_OCPP_PEER=ocpp-ws-io.
import { startBorned, tempDataDir } from './borne.mjs';
import { Csms } from './csms.mjs';

export { resumed } from './csms.mjs';

/** The strict 2.0.1 peer of this run (the _ws_io twins set BORNE_OCPP_PEER=ocpp-ws-io; the
 * other peer's library, a second or so to load, is not loaded). */
export const Peer201 = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io' ? (await import('./csms_ws_io.mjs')).CsmsWsIo : Csms;

/**
 * rig(id, { peer, set, connectors, speed }): peer(port) listens a new strict 2.0.1 CSMS (options `peer`
 * added, e.g. tags, handlers, protocol 'ocpp2.1'; port 0: a free one), start(url, more) starts
 * the station `id` (`connectors`, 2 unless told; simulation `speed`, 20 unless told) on the rig's data directory (settings `set` and
 * `more` added), registered(st, what) resolves once st is registered under the rig's
 * ocpp.version, up() does both and resolves { csms, st } once the station is registered,
 * restart(st, csms) stops st and resolves the station started again (same data directory),
 * booted and registered, down(st, csms) ends both (either may be left out).
 */
export function ocpp201Rig(id, { peer = {}, set = {}, connectors = 2, speed = 20 } = {}) {
  const version = set['ocpp.version'] ?? '2.0.1';
  const rig = {
    dataDir: tempDataDir(),
    peer: (port = 0) => new Peer201({ protocol: 'ocpp2.0.1', bootInterval: 300, ...peer }).listen(port),
    start: (url, more = {}) => startBorned({
      dataDir: rig.dataDir, connectors, auth: 'ocpp', speed, args: ['--csms', url],
      set: { 'station.id': id, 'ocpp.version': '2.0.1', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2', ...set, ...more },
    }),
    registered: (st, what = 'registered') =>
      st.waitFor((x) => x.station.ocpp?.version === version && x.station.ocpp.registration === 'Accepted', { what: `${what} (${version})` }),
    async up() {
      const csms = await rig.peer();
      const st = await rig.start(csms.url);
      await csms.waitCall('BootNotification');
      await rig.registered(st);
      return { csms, st };
    },
    async restart(st, csms) {
      const from = csms.calls.length;
      await st.stop();
      const again = await rig.start(csms.url);
      await csms.waitCall('BootNotification', { from }); // a start boots, always
      await rig.registered(again, 'registered again');
      return again;
    },
    async down(st, csms) {
      await st?.stop();
      st?.cleanup();
      await csms?.close();
    },
  };
  return rig;
}

/**
 * The pages of a paged report (NotifyReport, NotifyMonitoringReport, ReportChargingProfiles)
 * of requestId that `csms` got after call number `from`, once the last (tbc not true) came.
 */
export async function reportPages(csms, action, requestId, from) {
  await csms.waitCall(action, { from, match: (p) => p.requestId === requestId && !p.tbc });
  return csms.calls.slice(from).filter((c) => c.action === action && c.params.requestId === requestId).map((c) => c.params);
}

/** A device-model component as SetVariables / GetVariables name it: a string is its name. */
const componentOf = (component) => (typeof component === 'string' ? { name: component } : component);

/** SetVariables of `list` ([component, variable, value] each) sent by `peer`: each one's attributeStatus. */
export async function setVariables(peer, list) {
  const setVariableData = list.map(([component, variable, attributeValue]) => ({ component: componentOf(component), variable: { name: variable }, attributeValue }));
  return (await peer.call('SetVariables', { setVariableData })).setVariableResult.map((r) => r.attributeStatus);
}

/** GetVariables of `list` ([component, variable, attributeType?] each) sent by `peer`: each one's whole result. */
export async function getVariableResults(peer, list) {
  const getVariableData = list.map(([component, variable, attributeType]) => ({ component: componentOf(component), variable: { name: variable }, ...(attributeType ? { attributeType } : {}) }));
  return (await peer.call('GetVariables', { getVariableData })).getVariableResult;
}

/** One variable set by `peer`: its attributeStatus. */
export const setVariable = async (peer, component, variable, value) => (await setVariables(peer, [[component, variable, value]]))[0];

/** One variable's Actual value read by `peer` (undefined when refused). */
export const getVariable = async (peer, component, variable) => (await getVariableResults(peer, [[component, variable]]))[0].attributeValue;
