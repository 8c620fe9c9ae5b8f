// The settings page's task tabs (issue 19): which tab each configuration key
// belongs to, and the human label, unit and help of the keys an installer
// sets most, in English and French. Keys without a label here show their key
// name; keys of no task tab land in "Advanced" (the raw key list).

/* Tabs in order; the first rule that matches a key wins. A rule is a string
 * prefix or a RegExp. */
export const tabs = [
  ['installation', [/^station\./, /^site\.(phases|limit_a|limit_kva|circuit_limit_a|margin_a|timezone|voltage_v)$/,
    /^connector\.\d+\.(selector_a|phases|phase_rotation|priority)$/, /^grid\.type$/]],
  ['meters', [/^meter\./, /^connector\.\d+\.meter/, /^grid\./, /^ocmf\./]],
  ['load', [/^energy\./, /^schedule\./, /^window/, /^load\./, /^site\./, /^solar\./, /^connector\.\d+\.charge_mode$/]],
  ['badges', [/^auth\./, /^rfid\./, /^badge\./, /^reader\./]],
  ['backend', [/^ocpp\./]],
  ['network', [/^web\./, /^http\./, /^network\./, /^wifi\./, /^mqtt\./, /^payment\./, /^tariff\./]],
  ['firmware', [/^firmware\./, /^diagnostics\./]],
];

export function tabOf(key) {
  for (const [name, rules] of tabs) if (rules.some((r) => r.test(key))) return name;
  return 'advanced';
}

/* key (connector number as N) → [English label, French label, unit, English help, French help] */
const L = {
  'station.id': ['Station name', 'Nom de la borne', '', 'As the back end and the public page know it.', 'Tel que le système central et la page publique le connaissent.'],
  'station.connectors': ['Number of charge points', 'Nombre de points de charge', ''],
  'station.model': ['Model', 'Modèle', ''],
  'station.vendor': ['Maker', 'Fabricant', ''],
  'site.phases': ['Supply phases', 'Phases du réseau', '', '1 (single-phase) or 3 (three-phase).', '1 (monophasé) ou 3 (triphasé).'],
  'site.limit_a': ['Main breaker (site limit)', 'Disjoncteur de tête (limite du site)', 'A', 'Per phase; load management keeps the whole building below it.', 'Par phase ; la gestion de charge maintient tout le bâtiment en dessous.'],
  'site.limit_kva': ['Subscribed power', 'Puissance souscrite', 'kVA'],
  'site.circuit_limit_a': ['Charging circuit breaker', 'Disjoncteur du circuit de charge', 'A'],
  'site.margin_a': ['Safety margin', 'Marge de sécurité', 'A'],
  'site.timezone': ['Time zone', 'Fuseau horaire', '', 'e.g. Europe/Paris', 'par ex. Europe/Paris'],
  'site.voltage_v': ['Nominal voltage', 'Tension nominale', 'V'],
  'connector.N.selector_a': ['Current selector (point {n})', 'Sélecteur de courant (point {n})', 'A', 'The installer\'s rotary switch: the most this point may offer.', 'Le sélecteur de l\'installateur : le maximum que ce point peut offrir.'],
  'connector.N.phases': ['Phases wired (point {n})', 'Phases câblées (point {n})', ''],
  'connector.N.phase_rotation': ['Phase rotation (point {n})', 'Rotation des phases (point {n})', ''],
  'connector.N.priority': ['Priority (point {n})', 'Priorité (point {n})', ''],
  'connector.N.meter': ['Meter of point {n}', 'Compteur du point {n}', ''],
  'connector.N.meter_phases': ['Phases measured (point {n})', 'Phases mesurées (point {n})', ''],
  'grid.source': ['Building load measured by', 'Mesure de la charge du bâtiment', '', 'none: only the site limit; meter, tic (Linky), p1, ct (clamps), contact, api.', 'none : seulement la limite du site ; meter, tic (Linky), p1, ct (pinces), contact, api.'],
  'grid.port': ['Grid input port', 'Port de l\'entrée réseau', ''],
  'grid.fallback_a': ['Current without grid data', 'Courant sans données réseau', 'A'],
  'meter.poll_interval_ms': ['Meter reading interval', 'Intervalle de lecture des compteurs', 'ms'],
  'meter.required': ['Meter required to charge', 'Compteur obligatoire pour charger', ''],
  'energy.min_current_a': ['Lowest charging current', 'Courant de charge minimal', 'A'],
  'energy.step_a': ['Current step', 'Pas de courant', 'A'],
  'energy.rotation_s': ['Rotation between cars', 'Rotation entre véhicules', 's'],
  'schedule.windows': ['Charging windows', 'Plages de charge', '', 'e.g. Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00', 'par ex. Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00'],
  'schedule.follow_offpeak': ['Follow the off-peak signal', 'Suivre le signal heures creuses', ''],
  'connector.N.charge_mode': ['Charging mode (point {n})', 'Mode de charge (point {n})', '', 'normal; solar: the sun\'s surplus only; solar_min: 6 A from the grid + the surplus; offpeak_or_solar: full in off-peak hours, the sun outside.', 'normal ; solar : le surplus solaire seul ; solar_min : 6 A du réseau + le surplus ; offpeak_or_solar : pleine puissance en heures creuses, le soleil en dehors.'],
  'solar.start_delay_s': ['Solar: start after', 'Solaire : démarrer après', 's'],
  'solar.stop_delay_s': ['Solar: stop after', 'Solaire : arrêter après', 's'],
  'solar.min_charge_s': ['Solar: minimum charge time', 'Solaire : durée minimale de charge', 's'],
  'solar.min_pause_s': ['Solar: minimum pause', 'Solaire : pause minimale', 's'],
  'solar.max_switches_per_hour': ['Solar: phase switches per hour', 'Solaire : commutations de phases par heure', ''],
  'auth.mode': ['Who may charge', 'Qui peut charger', '', 'free: anyone; badge: the local badge list; ocpp: the back end decides.', 'free : tout le monde ; badge : la liste locale ; ocpp : le système central décide.'],
  'auth.offline_local_badges': ['Local badges while offline', 'Badges locaux hors ligne', ''],
  'ocpp.url': ['Back-end address', 'Adresse du système central', '', 'ws:// or wss:// URL given by the operator; applied at once.', 'URL ws:// ou wss:// donnée par l\'opérateur ; appliquée aussitôt.'],
  'ocpp.security_profile': ['Security profile', 'Profil de sécurité', '', '0 none, 1 password, 2 TLS + password, 3 TLS client certificate.', '0 aucun, 1 mot de passe, 2 TLS + mot de passe, 3 certificat client TLS.'],
  'ocpp.AuthorizationKey': ['Back-end password', 'Mot de passe du système central', ''],
  'ocpp.HeartbeatInterval': ['Heartbeat interval', 'Intervalle de heartbeat', 's'],
  'ocpp.free_id_tag': ['Id tag of free charges', 'Identifiant des charges libres', ''],
  'tariff.price_kwh': ['Price per kWh', 'Prix par kWh', '/kWh', 'Each session\'s cost for re-billing guests; shown on the public page. A new price counts for the charges that start after it.', 'Coût de chaque session pour refacturer les clients ; affiché sur la page publique. Un nouveau prix vaut pour les charges qui commencent ensuite.'],
  'tariff.price_hour': ['Price per hour plugged in', 'Prix par heure branchée', '/h', 'Added for the time a session lasts, charging or not. 0: none.', 'Ajouté pour la durée d\'une session, en charge ou non. 0 : aucun.'],
  'tariff.currency': ['Currency', 'Devise', '', 'ISO 4217 code: EUR, CHF, GBP…', 'Code ISO 4217 : EUR, CHF, GBP…'],
  'payment.notice': ['Price notice on the public page', 'Tarif affiché sur la page publique', ''],
  'payment.qr_url': ['Payment QR code address', 'Adresse du QR code de paiement', ''],
  'web.https': ['HTTPS', 'HTTPS', ''],
  'web.session_minutes': ['Login lasts', 'Durée d\'une connexion', 'min'],
  'web.lockout_s': ['Lock-out after wrong PINs', 'Blocage après codes erronés', 's'],
  'firmware.ca_file': ['Firmware signing CA', 'AC de signature du micrologiciel', ''],
  'firmware.allow_unsigned': ['Allow unsigned firmware', 'Autoriser un micrologiciel non signé', ''],
  'reader.type': ['Badge reader', 'Lecteur de badges', '', 'em4100: a 125 kHz serial reader (RDM6300 type); pn532: an NXP PN532 NFC reader on a serial port; pcsc: a PC/SC reader (pcscd).', 'em4100 : un lecteur série 125 kHz (type RDM6300) ; pn532 : un lecteur NFC NXP PN532 sur un port série ; pcsc : un lecteur PC/SC (pcscd).'],
  'reader.port': ['Badge reader serial port', 'Port série du lecteur de badges', ''],
  'tamper.enabled': ['Tamper switch', 'Contact d’ouverture (anti-effraction)', ''],
  'tamper.out_of_service': ['Out of service on a tamper alarm', 'Hors service sur alarme d’effraction', ''],
  'shunt_trip.enabled': ['Shunt trip of the upstream breaker', 'Déclencheur shunt du disjoncteur amont', ''],
  'firmware.install_command': ['Install command', 'Commande d\'installation', ''],
};

/* Where a key comes in its tab: labelled keys first, in the order above. */
export function rank(key) {
  const m = key.match(/^connector\.(\d+)\.(.+)$/);
  const i = Object.keys(L).indexOf(m ? `connector.N.${m[2]}` : key);
  return i < 0 ? 1000 : i;
}

/* {label, unit, help} for a key in a language, or null. */
export function labelOf(key, lang) {
  const m = key.match(/^connector\.(\d+)\.(.+)$/);
  const k = m ? `connector.N.${m[2]}` : key;
  const e = L[k];
  if (!e) return null;
  const fr = lang === 'fr';
  const sub = (s) => (s ?? '').replace('{n}', m ? m[1] : '');
  return { label: sub(fr ? e[1] : e[0]), unit: e[2], help: sub(fr ? e[4] : e[3]) || null };
}
