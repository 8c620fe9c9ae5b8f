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
  'tariff.price_kwh_offpeak': ['Off-peak price per kWh', 'Prix du kWh en heures creuses', '/kWh'],
  'tariff.price_hour': ['Price per hour plugged in', 'Prix par heure branchée', '/h', 'Added for the time a session lasts, charging or not. 0: none.', 'Ajouté pour la durée d\'une session, en charge ou non. 0 : aucun.'],
  'tariff.currency': ['Currency', 'Devise', '', 'ISO 4217 code: EUR, CHF, GBP…', 'Code ISO 4217 : EUR, CHF, GBP…'],
  'tariff.fallback_message': ['Tariff shown while the back end is unreachable', 'Tarif affiché quand le système central est injoignable', ''],
  'tariff.total_cost_fallback_message': ['Message when the back end gives no total cost', 'Message quand le système central ne donne pas le coût total', ''],
  'payment.notice': ['Price notice on the public page', 'Tarif affiché sur la page publique', ''],
  'payment.qr_url': ['Payment QR code address', 'Adresse du QR code de paiement', ''],
  'web.https': ['HTTPS', 'HTTPS', ''],
  'web.session_minutes': ['Login lasts', 'Durée d\'une connexion', 'min'],
  'web.lockout_s': ['Lock-out after wrong PINs', 'Blocage après codes erronés', 's'],
  'firmware.ca_file': ['Firmware signing CA', 'AC de signature du micrologiciel', ''],
  'firmware.allow_unsigned': ['Allow unsigned firmware', 'Autoriser un micrologiciel non signé', ''],
  'reader.type': ['Badge reader', 'Lecteur de badges', '', 'em4100: a 125 kHz serial reader (RDM6300 type); pn532: an NXP PN532 NFC reader on a serial port, I²C or SPI; pcsc: a PC/SC reader (pcscd).', 'em4100 : un lecteur série 125 kHz (type RDM6300) ; pn532 : un lecteur NFC NXP PN532 sur un port série, en I²C ou en SPI ; pcsc : un lecteur PC/SC (pcscd).'],
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

/* The other keys of the task tabs: English and French labels, the French
 * help (the English one is the registry's). */
const more = {
  'firmware.installer': ['Firmware installer', 'Installation du micrologiciel', '', 'command : la commande firmware.install_command ; rauc : RAUC sur deux emplacements A/B, la nouvelle version n’est validée qu’une fois la borne disponible, sinon retour à l’ancienne. Fichier de configuration seulement.'],
  'firmware.rauc_conf': ['RAUC configuration', 'Configuration RAUC', '', 'Le system.conf de RAUC (rauc --conf) ; vide : /etc/rauc/system.conf.'],
  'firmware.confirm_backend': ['Confirm with the back end', 'Confirmer avec le système central', '', 'Avec RAUC : une nouvelle version n’est bonne qu’une fois acceptée aussi par le système central (BootNotification).'],
  'firmware.confirm_timeout_s': ['Confirmation delay', 'Délai de confirmation', 's', 'Avec RAUC : secondes laissées à une nouvelle version pour faire ses preuves avant le retour à la précédente.'],
  'firmware.reboot_command': ['Reboot command', 'Commande de redémarrage', '', 'Avec RAUC : commande qui redémarre sur l’autre emplacement après une installation ou un retour en arrière ; vide : la borne redémarre seulement son logiciel.'],
  'network.backend': ['Network manager', 'Gestion du réseau', '', 'none : la configuration du système ; sim : réseaux simulés (PC, tests) ; nm : NetworkManager (Ethernet, Wi-Fi, cellulaire, point d’accès de mise en service).'],
  'network.setup_ap_s': ['Setup access point', 'Point d’accès de mise en service', 's', 'Secondes d’ouverture du point d’accès Wi-Fi de mise en service après le démarrage (et sur demande) ; 0 : pas au démarrage.'],
  'network.setup_ap_ssid': ['Setup access point name', 'Nom du point d’accès', '', 'Nom (SSID) du point d’accès de mise en service.'],
  'network.setup_ap_psk': ['Setup access point key', 'Clé du point d’accès', '', 'Clé WPA2 du point d’accès de mise en service (par ex. imprimée sur l’étiquette) ; vide : point d’accès ouvert.'],
  'network.ap_button': ['Setup access point button', 'Bouton du point d’accès', '', 'Ligne GPIO du bouton qui ouvre le point d’accès de mise en service pour la durée réglée (carte Linux : [!]gpiochipN:LIGNE, 1 = appuyé) ; simulateur : toute valeur ; vide : pas de bouton.'],
  'ocpp.NetworkConfigurationPriority': ['Back-end slots in order', 'Ordre des emplacements de connexion', '', 'OCPP 2.0.1 : les emplacements de connexion (1 : l’adresse ci-dessus ; 2 à 4 : ceux du système central, SetNetworkProfile) essayés dans cet ordre, séparés par des virgules.'],
  'ocpp.NetworkProfileConnectionAttempts': ['Attempts before the next slot', 'Essais avant l’emplacement suivant', '', 'OCPP 2.0.1 : connexions échouées de suite sur un emplacement avant de passer au suivant.'],
  'ocpp.AdditionalRootCertificateCheck': ['Additional root certificate check', 'Contrôle supplémentaire du certificat racine', '', 'One back-end root at a time: a new one must be signed by the installed one, which is kept as a fallback until the station has connected with the new one.', 'Un seul certificat racine du système central à la fois : le nouveau doit être signé par celui installé, gardé en secours jusqu’à ce que la borne se soit connectée avec le nouveau.'],
  'ocpp.CertSigningWaitMinimum': ['Certificate signing wait', 'Attente de la signature du certificat', 's', 'OCPP 2.0.1 : secondes d’attente du certificat signé avant de redemander (l’attente double à chaque essai).'],
  'ocpp.CertSigningRepeatTimes': ['Certificate signing attempts', 'Demandes de signature du certificat', '', 'OCPP 2.0.1 : nombre de nouvelles demandes quand le certificat signé n’arrive pas.'],
  'ocpp.AlignedDataSendDuringIdle': ['Clock-aligned values only when idle', 'Valeurs horaires seulement au repos', '', 'OCPP 2.0.1 : un point en charge n’envoie pas les valeurs alignées sur l’horloge (les points au repos continuent).'],
  'ocpp.AlignedDataTxEndedInterval': ['Clock-aligned values kept for the end of a charge', 'Valeurs horaires gardées pour la fin de charge', 's', 'OCPP 2.0.1 : pendant une charge, aux instants alignés sur l’horloge (depuis minuit UTC) tous les N secondes, la borne garde les mesures de fin de transaction alignées et les envoie toutes avec la fin de la transaction. 0 : aucune.'],
  'ocpp.SampledDataTxEndedInterval': ['Periodic values kept for the end of a charge', 'Valeurs périodiques gardées pour la fin de charge', 's', 'OCPP 2.0.1 : pendant une charge, toutes les N secondes depuis son début, la borne garde les mesures de fin de transaction et les envoie toutes avec la fin de la transaction. 0 : seulement les valeurs de fin.'],
  'ocpp.OfflineQueuingSeverity': ['Monitor events kept offline', 'Événements de surveillance gardés hors ligne', '', 'OCPP 2.0.1 : hors ligne, les événements des surveillances de cette gravité ou plus graves (0 danger … 4 erreur … 9 débogage) sont gardés et envoyés au retour du système central ; les autres sont perdus.'],
  'ocpp.MasterPassGroupId': ['Master pass group', 'Groupe des badges maîtres', '', 'OCPP 2.0.1 : un badge de ce groupe arrête n’importe quelle charge et n’en démarre aucune. Vide : aucun.'],
  'ocpp.AuthCacheLifeTime': ['Authorization cache lifetime', 'Durée de vie du cache des badges', 's', 'OCPP 2.0.1 (et 1.6, un seul cache) : une réponse du système central gardée en cache et ni renouvelée ni utilisée pendant cette durée est effacée. 0 : sans limite.'],
  'ocpp.OfflineThreshold': ['Offline threshold', 'Seuil hors ligne', 's', 'OCPP 2.0.1 : après une coupure plus longue, la borne renvoie l’état de chaque point de charge ; après une plus courte, seulement ceux qui ont changé. 0 : toujours tous.'],
  'ocpp.AllowSecurityProfileDowngrade': ['Allow security profile downgrade', 'Baisse du profil de sécurité permise', '', 'OCPP 2.0.1 : en profil 3, le système central peut imposer un profil de connexion en profil 2 (jamais 1).'],
  'ocpp.TxStartPoint': ['Transaction start point', 'Début de la transaction', '', 'OCPP 2.0.1 : quand une transaction commence, une liste parmi EVConnected, Authorized, PowerPathClosed, EnergyTransfer (le premier point atteint). La session de la borne commence quand la voiture est branchée et le conducteur autorisé : les trois premiers y commencent la transaction, EnergyTransfer seul au premier passage de courant.'],
  'ocpp.TxStopPoint': ['Transaction stop point', 'Fin de la transaction', '', 'OCPP 2.0.1 : quand une transaction finit, une liste parmi EVConnected, Authorized, PowerPathClosed, EnergyTransfer (le premier qui cesse). Avec EVConnected seul, la transaction continue après un arrêt jusqu’au départ de la voiture ; avec EnergyTransfer, elle finit quand le courant cesse.'],
  'ocpp.WebPaymentsEnabled': ['Dynamic payment QR code', 'QR code de paiement dynamique', '', 'OCPP 2.1 : quand la borne parle OCPP 2.1, la page publique /c/N et le tableau de bord montrent le QR code de paiement dynamique (un nouveau mot de passe à usage unique à chaque période de validité) à la place de celui de payment.qr_url.'],
  'ocpp.WebPaymentsURLTemplate': ['Dynamic QR code address', 'Adresse du QR code dynamique', '', 'OCPP 2.1 : adresse du QR code dynamique ; {chargingStationId}, {evse}, {totp} et {version} sont remplacés (majuscules ou minuscules). Doit contenir {totp}. Vide : aucune.'],
  'ocpp.WebPaymentsSharedSecret': ['Dynamic QR code secret', 'Secret du QR code dynamique', '', 'OCPP 2.1 : clé des mots de passe à usage unique, partagée avec la page de paiement (jamais affichée). 8 à 255 caractères sans espace. Vide : pas de QR code dynamique.'],
  'ocpp.WebPaymentsTOTPVersion': ['One-time password version', 'Version du mot de passe à usage unique', '', 'OCPP 2.1 : algorithme du mot de passe à usage unique (v1 : HMAC-SHA256 en base 62).'],
  'ocpp.WebPaymentsLength': ['One-time password length', 'Longueur du mot de passe à usage unique', '', 'OCPP 2.1 : nombre de caractères du mot de passe à usage unique du QR code.'],
  'ocpp.WebPaymentsValidityTime': ['QR code validity', 'Validité d’un QR code', 's', 'OCPP 2.1 : secondes pendant lesquelles un mot de passe à usage unique (et son QR code) reste valable.'],
  'ocpp.LimitChangeSignificance': ['Limit change significance', 'Écart significatif d’une limite', '%', 'OCPP 2.0.1 : une limite propre à la borne (gestion de charge, Modbus, MQTT, site) est annoncée à nouveau au système central quand elle s’écarte d’au moins ce pourcentage de la dernière valeur annoncée. 0 : à chaque changement.'],
  'ocpp.SampledDataSignReadings': ['Signed periodic readings', 'Relevés périodiques signés', '', 'OCPP 2.0.1 : avec la signature OCMF active (ocmf.enabled), chaque relevé périodique du compteur pendant une transaction porte un enregistrement OCMF intermédiaire signé (une signature par relevé : coût en calcul). Les relevés de début et de fin sont toujours signés quand OCMF est actif.'],
  'ocpp.AlignedDataSignReadings': ['Signed clock-aligned readings', 'Relevés horaires signés', '', 'OCPP 2.0.1 : avec la signature OCMF active (ocmf.enabled), chaque relevé aligné sur l’horloge pendant une transaction porte un enregistrement OCMF intermédiaire signé (une signature par relevé).'],
  'ocpp.PublicKeyWithSignedMeterValue': ['Public key with signed values', 'Clé publique avec les valeurs signées', '', 'OCPP 2.0.1 : quelles valeurs signées portent la clé publique OCMF : toutes (EveryMeterValue), la première de chaque transaction (OncePerTransaction) ou aucune (Never : le système central connaît déjà la clé).'],
  'station.serial': ['Serial number', 'Numéro de série', '', 'Numéro de série annoncé au système central ; vide s’il est inconnu.'],
  'http.listen': ['Web and API address', 'Adresse de la page et de l’API', '', 'Adresse et port de l’API et de la page ; le port 0 en choisit un libre.'],
  'auth.timeout_s': ['Badge and plug wait', 'Attente entre badge et prise', 's', 'Secondes pendant lesquelles un badge accepté attend qu’on branche (et une prise branchée attend un badge).'],
  'meter.sample_interval_s': ['Stored reading interval', 'Intervalle des relevés enregistrés', 's', 'Secondes entre deux relevés de compteur enregistrés pendant une charge.'],
  'site.grid_type': ['Earthing system', 'Schéma de liaison à la terre', '', 'Régime de neutre de l’alimentation (TT, TN, IT) ; enregistré, affiché et utilisé par la gestion de charge.'],
  'site.phase_rotation': ['Phase order', 'Ordre des phases', '', 'Ordre dans lequel les phases du réseau arrivent sur L1 L2 L3 de la borne ; la gestion de charge s’en sert pour associer les phases.'],
  'ocpp.version': ['OCPP version', 'Version OCPP', '', 'Version du protocole parlée au système central (1.6 ou 2.0.1) ; prise en compte au redémarrage.'],
  'ocpp.ca_file': ['Back end CA file', 'Fichier CA du système central', '', 'Fichier PEM des autorités qui signent le certificat du système central (profils 2 et 3). Vide : celles du système. Chaque certificat du fichier est une autorité de confiance, racine ou intermédiaire.'],
  'ocpp.cert_file': ['Station certificate', 'Certificat de la borne', '', 'Certificat client PEM de la borne (profil 3).'],
  'ocpp.key_file': ['Station private key', 'Clé privée de la borne', '', 'Clé privée PEM du certificat client (profil 3).'],
  'ocpp.call_timeout_s': ['Answer timeout', 'Délai de réponse', 's', 'Secondes d’attente de la réponse à un message de la borne avant de le compter comme échoué.'],
  'ocpp.reconnect_max_s': ['Longest reconnection wait', 'Attente maximale de reconnexion', 's', 'Plus longue attente entre deux tentatives de connexion (l’attente double depuis 1 s jusqu’à cette valeur, plus jusqu’à 50 % de hasard).'],
  'meter.maps_dir': ['Meter maps folder', 'Dossier des tables de compteurs', '', 'Dossier des tables de registres des compteurs (MODELE.map) ; vide : celui de l’installation.'],
  'meter.failures_before_fault': ['Failed readings before a fault', 'Lectures échouées avant défaut', '', 'Lectures ratées de suite (délai, erreur CRC, exception, valeur absurde) après lesquelles le compteur d’un point est en défaut.'],
  'grid.meter': ['Grid meter', 'Compteur du réseau', '', 'Le compteur Modbus (un meter.NOM) au point de livraison du bâtiment, pour la gestion de charge.'],
  'ocmf.enabled': ['Signed meter data (OCMF)', 'Données de comptage signées (OCMF)', '', 'Signer les relevés de chaque charge (début, fin, à la demande) en enregistrements OCMF avec la clé de la borne.'],
  'ocmf.key_file': ['Signing key', 'Clé de signature', '', 'Clé privée PEM (EC secp256r1) fournie par l’installateur ; vide : une clé créée au premier démarrage dans le dossier de données.'],
  'ocmf.gateway_id': ['Signing gateway name', 'Nom de la passerelle de signature', '', 'Identifiant de la passerelle écrit dans chaque enregistrement OCMF ; pris en compte au redémarrage.'],
  'ocmf.gateway_serial': ['Signing gateway serial', 'Numéro de série de la passerelle', '', 'Numéro de série de la passerelle écrit dans chaque enregistrement OCMF ; pris en compte au redémarrage.'],
  'grid.stale_s': ['Grid data too old after', 'Données réseau périmées après', 's', 'Au-delà de ce nombre de secondes, les données du réseau sont périmées : le repli (grid.fallback_a) s’applique jusqu’à des données fraîches.'],
  'grid.contact_limit_w': ['Power while the contact is closed', 'Puissance pendant le contact', 'W', 'Tant que le contact de pilotage du gestionnaire de réseau (EnWG 14a) est fermé : la puissance totale de charge de la borne, en watts.'],
  'energy.min_on_s': ['Shortest charge', 'Charge minimale', 's', 'Une charge démarrée par la gestion de charge n’est pas mise en pause avant ce nombre de secondes, sauf pour rester sous les limites.'],
  'energy.min_off_s': ['Shortest pause', 'Pause minimale', 's', 'Une charge mise en pause par la gestion de charge ne reprend pas avant ce nombre de secondes.'],
  'energy.hysteresis_s': ['Wait before an increase', 'Attente avant une hausse', 's', 'Une hausse du courant d’une charge n’a lieu qu’après avoir été possible ce nombre de secondes ; les baisses sont immédiates.'],
  'energy.hysteresis_a': ['Smallest increase', 'Hausse minimale', 'A', 'Les hausses plus petites que ce nombre d’ampères ne sont pas faites (pas de poursuite du bruit de mesure).'],
  'solar.start_threshold_w': ['Solar: start surplus', 'Solaire : surplus de démarrage', 'W', 'Solaire : surplus en watts, au-delà de la puissance minimale de charge (6 A sur les phases utilisées), nécessaire pour démarrer.'],
  'solar.stop_threshold_w': ['Solar: tolerated import', 'Solaire : soutirage toléré', 'W', 'Solaire : soutirage au réseau en watts toléré en charge au courant minimal avant que la minuterie d’arrêt ne démarre.'],
  'solar.smoothing_s': ['Solar: smoothing', 'Solaire : lissage', 's', 'Solaire : constante de temps de la moyenne glissante du surplus, en secondes (0 : aucune).'],
  'solar.inverter': ['Solar: PV inverter meter', 'Solaire : compteur de l’onduleur', '', 'Solaire : le compteur Modbus (un meter.NOM, par exemple le modèle sunspec-inverter) qui est l’onduleur photovoltaïque. Sans mesure récente du réseau, le surplus est sa production moins la consommation de la maison supposée.'],
  'solar.house_load_w': ['Solar: assumed house load', 'Solaire : consommation de la maison supposée', 'W', 'Solaire : consommation de la maison en watts supposée quand le surplus vient de l’onduleur (aucun compteur réseau ne voit la maison).'],
  'solar.phase_switch_pause_s': ['Solar: pause for a phase switch', 'Solaire : pause de commutation', 's', 'Solaire : secondes sans courant avant que le contacteur de phases bascule (la voiture doit être en pause) ; la charge reprend 5 s après.'],
  'grid.tic_mode': ['Linky TIC mode', 'Mode TIC du Linky', '', 'historique (1200 bauds), standard (9600 bauds) ou auto (essaie les deux vitesses).'],
  'grid.p1_baud': ['P1 speed', 'Vitesse du P1', 'baud', 'Vitesse de la ligne P1 (DSMR 4 et 5 : 115200, 8N1).'],
  'grid.p1_offpeak_tariff': ['P1 off-peak tariff number', 'Numéro du tarif creux P1', '', 'Indicateur de tarif P1 qui signifie heures creuses : 1 aux Pays-Bas, 2 en Belgique ; 0 : le P1 ne dit rien des heures creuses.'],
  'grid.contact': ['Grid operator contact', 'Contact du gestionnaire de réseau', '', 'Lire le contact de pilotage (EnWG 14a, fermé quand le gestionnaire demande une puissance réduite) en plus de la mesure du réseau.'],
  'grid.contact_gpio': ['Contact input', 'Entrée du contact', '', 'Entrée GPIO du contact de pilotage sur la borne réelle.'],
  'grid.ct_interval_ms': ['Clamp reading interval', 'Intervalle de lecture des pinces', 'ms', 'Millisecondes entre deux lectures des pinces ampèremétriques (100 ms de mesure par pince).'],
  'web.cert_file': ['HTTPS certificate', 'Certificat HTTPS', '', 'Certificat PEM (avec sa chaîne) fourni par l’installateur ; vide : le certificat auto-signé.'],
  'web.key_file': ['HTTPS private key', 'Clé privée HTTPS', '', 'Clé privée PEM du certificat HTTPS.'],
  'web.firmware_max_mb': ['Largest firmware upload', 'Taille maximale d’un micrologiciel', 'MiB', 'Plus grande image que l’installateur peut envoyer depuis la page, en Mio (il faut autant de place libre dans le dossier de données).'],
  'site.role': ['Role in the installation', 'Rôle dans l’installation', '', 'standalone : seule ; leader : pilote les bornes de site.members par Modbus TCP avec la limite du site ; follower : suit un leader.'],
  'site.members': ['Installation members', 'Bornes de l’installation', '', 'Sur le leader : les serveurs Modbus TCP des bornes suiveuses, 64 au plus (port 502 par défaut).'],
  'site.member_priorities': ['Member priorities', 'Priorités des bornes', '', 'Sur le leader : HÔTE[:PORT]=P,… donne à une borne de site.members une priorité de 0 à 9 dans le partage du courant (la plus haute servie d’abord, les égales se partagent ; absente : 0) ; HÔTE[:PORT]/C=P donne au point de charge C (1 à 8) de cette borne sa propre priorité, à la place de celle de la borne.'],
  'site.secret': ['Installation secret', 'Secret de l’installation', '', 'Le même secret sur le leader et chaque suiveuse : il signe la copie des utilisateurs et badges que le leader leur envoie (HMAC-SHA256) et ses demandes d’historique. 16 à 128 caractères. Vide : chaque borne garde ses propres utilisateurs. Jamais affiché.'],
  'mqtt.url': ['MQTT broker', 'Serveur MQTT', '', 'Serveur MQTT (mqtt:// en clair, port 1883 ; mqtts:// chiffré, port 8883). Vide : pas de MQTT.'],
  'mqtt.username': ['MQTT user', 'Utilisateur MQTT', '', 'Nom d’utilisateur donné au serveur.'],
  'mqtt.password': ['MQTT password', 'Mot de passe MQTT', '', 'Mot de passe donné au serveur (avec le nom d’utilisateur).'],
  'mqtt.ca_file': ['MQTT CA file', 'Fichier CA MQTT', '', 'mqtts:// : fichier PEM des autorités qui signent le certificat du serveur (vide : celles du système).'],
  'mqtt.client_cert': ['MQTT client certificate', 'Certificat client MQTT', '', 'mqtts:// : certificat client PEM présenté au serveur (avec sa clé).'],
  'mqtt.client_key': ['MQTT client key', 'Clé client MQTT', '', 'mqtts:// : clé privée PEM du certificat client.'],
  'mqtt.topic_prefix': ['MQTT topic prefix', 'Préfixe des sujets MQTT', '', 'Premiers niveaux de tout ce que la borne publie et écoute : <préfixe>/<nom de la borne>/…'],
  'mqtt.discovery_prefix': ['Home Assistant discovery prefix', 'Préfixe de découverte Home Assistant', '', 'Préfixe de découverte de Home Assistant ; vide : pas de découverte (les configurations publiées sont retirées).'],
  'mqtt.language': ['Home Assistant language', 'Langue pour Home Assistant', '', 'Langue des noms des entités dans la découverte Home Assistant.'],
  'meter.*.model': ['Model of meter {n}', 'Modèle du compteur {n}', '', 'Table de registres du compteur : un nom du dossier des tables sans .map (sdm630, sdm72dm, abb-b23, pac2200, em340…).'],
  'meter.*.port': ['Bus of meter {n}', 'Bus du compteur {n}', '', 'tcp://HÔTE:PORT (Modbus TCP, port 502 par défaut) ou un port série (Modbus RTU) ; les compteurs d’un même port se partagent le bus.'],
  'meter.*.serial': ['Serial settings of meter {n}', 'Paramètres série du compteur {n}', '', 'Réglages de la ligne série en RTU : vitesse, bits de données, parité, bits de stop (par ex. 9600 8N1).'],
  'meter.*.unit_id': ['Modbus address of meter {n}', 'Adresse Modbus du compteur {n}', '', 'Numéro d’esclave Modbus du compteur.'],
  'meter.*.timeout_ms': ['Answer timeout of meter {n}', 'Délai de réponse du compteur {n}', 'ms', 'Millisecondes que le compteur peut mettre à répondre avant que la lecture compte comme ratée.'],
  'meter.*.serial_number': ['Serial number of meter {n}', 'Numéro de série du compteur {n}', '', 'Numéro de série du compteur, écrit dans les données signées ; pris en compte au redémarrage.'],
  'meter.*.firmware': ['Firmware of meter {n}', 'Micrologiciel du compteur {n}', '', 'Version du micrologiciel du compteur, écrite dans les données signées ; prise en compte au redémarrage.'],
  'grid.ct.*.adc': ['Clamp input, {n}', 'Entrée de la pince, {n}', '', 'Voie du convertisseur analogique de la pince de cette phase sur la borne réelle ; une phase sans pince lit 0.'],
  'grid.ct.*.rated_a': ['Clamp rated current, {n}', 'Courant nominal de la pince, {n}', 'A', 'Courant primaire efficace auquel la pince donne sa sortie nominale.'],
  'grid.ct.*.rated_v': ['Clamp rated output, {n}', 'Sortie nominale de la pince, {n}', 'V', 'Tension de sortie efficace de la pince à son courant nominal.'],
  'grid.ct.*.gain': ['Clamp calibration, {n}', 'Étalonnage de la pince, {n}', '', 'Facteur d’étalonnage de la pince (courant de référence / courant mesuré).'],
  'mqtt.publish_interval_s': ['MQTT full publication interval', 'Intervalle de publication complète MQTT', 's', 'Secondes entre deux publications complètes de l’état (en plus de chaque changement).'],
};
for (const [k, [en, fr, unit, helpFrText]] of Object.entries(more)) {
  if (!L[k]) L[k] = [en, fr, unit, '', helpFrText];
}

/* French help of the labelled keys whose English help is the registry's own
 * (docs/configuration.md): shown on the French page instead of the English. */
const helpFr = {
  'station.connectors': 'Nombre de points de charge de la borne.',
  'station.vendor': 'Nom du fabricant annoncé au système central (OCPP BootNotification).',
  'station.model': 'Nom du modèle annoncé au système central (OCPP BootNotification).',
  'reader.port': 'Port série du lecteur de badges (/dev/ttyAMA0, /dev/ttyUSB0, un lien udev) ; rouvert chaque seconde tant qu’il manque. PN532 en I²C : /dev/i2c-1 (adresse 0x24) ; en SPI : /dev/spidev0.0.',
  'site.voltage_v': 'Tension nominale phase-neutre, pour convertir les ampères en watts.',
  'connector.N.phases': 'Phases câblées jusqu’au point de charge : 1 ou 3.',
  'ocpp.free_id_tag': 'Identifiant annoncé au système central pour une charge sans badge (charge libre, démarrage à distance sans badge) ; 20 caractères au plus.',
  'auth.offline_local_badges': 'Avec un système central (auth.mode = ocpp) : la liste de badges de la borne autorise aussi quand il est injoignable (ignorée tant qu’il répond).',
  'meter.poll_interval_ms': 'Millisecondes entre deux lectures de tous les compteurs d’un bus.',
  'meter.required': 'Comptage de facturation : un point dont le compteur ne répond plus passe en défaut et ne charge plus jusqu’à son retour ; false pour un site privé (la charge continue sans comptage).',
  'connector.N.meter': 'Le compteur Modbus (un meter.NOM) qui mesure ce point ; vide : le compteur du simulateur en simulation, aucun sur la borne réelle.',
  'connector.N.meter_phases': 'Les phases du compteur qui mesurent ce point, dans l’ordre L1 L2 L3 (par ex. L1L2L3, L2L3L1).',
  'site.limit_kva': 'Puissance apparente souscrite (par ex. un contrat Linky de 12 kVA) : la somme des courants des phases reste en dessous à la tension nominale. La renseigner active la gestion de charge.',
  'site.margin_a': 'Ampères gardés libres sous la limite du site (et du circuit de charge) sur chaque phase.',
  'site.circuit_limit_a': 'Limite par phase du circuit qui alimente les points de charge, pour la seule consommation de la borne ; vide : seulement la limite du site.',
  'grid.port': 'Où lire l’entrée réseau choisie : port série de la TIC ou du P1, ou l’entrée des pinces ou du contact.',
  'grid.fallback_a': 'Repli : ampères par phase que les points se partagent quand les données du réseau sont trop anciennes. Vide : la limite du site moins la marge et la plus forte charge du bâtiment mesurée depuis le démarrage ; 6 A avant toute mesure.',
  'energy.min_current_a': 'Courant minimal donné à une charge : en dessous, elle attend de la puissance. 6 A est le minimum de la norme IEC 61851-1 ; certaines voitures chargent mal près de ce seuil.',
  'energy.rotation_s': 'Tour de rôle : quand des charges attendent de la puissance, celle qui a chargé ce temps cède sa place à celle qui attend depuis le plus longtemps.',
  'energy.step_a': 'Hausse maximale du courant d’une charge en une fois, en ampères.',
  'connector.N.priority': 'Priorité pour la gestion de charge : les plus hautes sont servies d’abord, les égales partagent équitablement.',
  'connector.N.phase_rotation': 'Phases du réseau câblées sur L1 L2 L3 de ce point : site (comme site.phase_rotation) ou une rotation propre (bornes qui décalent les phases d’un point à l’autre).',
  'solar.start_delay_s': 'Solaire : le surplus doit rester au-dessus du seuil de démarrage ce temps avant qu’une charge démarre (ou passe d’une à trois phases).',
  'solar.stop_delay_s': 'Solaire : le surplus doit rester sous le seuil d’arrêt ce temps avant qu’une charge s’arrête (ou passe de trois phases à une).',
  'solar.min_charge_s': 'Solaire : une charge démarrée sur le surplus n’est pas arrêtée faute de soleil avant ce nombre de secondes.',
  'solar.min_pause_s': 'Solaire : une charge arrêtée faute de soleil ne redémarre pas avant ce nombre de secondes.',
  'solar.max_switches_per_hour': 'Solaire : nombre maximal de changements de phases d’un point par heure (0 : jamais).',
  'schedule.follow_offpeak': 'Les heures creuses suivent le compteur : quand une entrée réseau donne la période tarifaire (Linky, P1), la charge n’a lieu qu’en heures creuses ; les plages de charge s’appliquent quand elle est inconnue.',
  'web.session_minutes': 'Durée d’une connexion à la page sans activité (chaque requête la prolonge).',
  'web.lockout_s': 'Premier blocage après 3 codes faux de suite d’un rôle depuis une même adresse (cette adresse seulement), en secondes ; il double à chaque nouvel essai faux ou pendant le blocage (une heure au plus).',
  'web.https': 'Servir l’API et la page en HTTPS (même adresse). Sans certificat fourni, un certificat auto-signé est créé au premier démarrage ; son empreinte SHA-256 est dans bornectl status.',
  'payment.qr_url': 'Adresse de paiement montrée en QR code sur la page publique /c/N ; {station} et {connector} sont remplacés. Vide : pas de QR code. Sous OCPP 2.1, le QR code dynamique du système central la remplace une fois réglé (ocpp.WebPaymentsEnabled).',
  'payment.notice': 'Texte sur les prix montré aux conducteurs sur la page publique du point de charge.',
  'firmware.install_command': 'Commande qui installe une image de micrologiciel téléchargée ({file} : son chemin, par ex. rauc install {file}). Seul le fichier de configuration la règle, jamais la page.',
  'firmware.ca_file': 'Fichier PEM du ou des certificats racine du fabricant qui doivent avoir émis le certificat de signature d’une mise à jour. Vide : aucune image n’est installée, sauf si firmware.allow_unsigned.',
  'firmware.allow_unsigned': 'Installer des images dont l’origine n’est pas vérifiée (non signées, ou signées sans certificat racine configuré). false : seules les images signées par un certificat issu de la racine du fabricant sont installées.',
  'tariff.fallback_message': 'OCPP 2.0.1 (TariffCostCtrlr.TariffFallbackMessage) : tarif montré aux conducteurs sur la page publique /c/N et le tableau de bord tant que la borne ne joint pas son système central. Vide : aucun.',
  'tariff.total_cost_fallback_message': 'OCPP 2.0.1 (TariffCostCtrlr.TotalCostFallbackMessage) : montré au conducteur une fois sa charge finie tant que le coût total du système central n’est pas venu (hors ligne, ou réponse sans coût). Vide : aucun.',
  'tariff.price_kwh_offpeak': 'Prix du kWh pris en heures creuses, pendant les plages de charge (schedule.windows) ; 0 : chaque kWh au prix normal.',
};

/* {label, unit, help} for a key in a language, or null. */
export function labelOf(key, lang) {
  // connector.2.phases -> connector.N.phases; meter.main.port -> meter.*.port; grid.ct.l1.gain -> grid.ct.*.gain
  const m = key.match(/^connector\.(\d+)\.(.+)$/) ?? key.match(/^meter\.([^.]+)\.(model|port|serial|unit_id|timeout_ms|serial_number|firmware)$/)
    ?? key.match(/^grid\.ct\.(l[123])\.(adc|rated_a|rated_v|gain)$/);
  const k = !m ? key : key.startsWith('connector.') ? `connector.N.${m[2]}` : key.startsWith('meter.') ? `meter.*.${m[2]}` : `grid.ct.*.${m[2]}`;
  const e = L[k];
  if (!e) return null;
  const fr = lang === 'fr';
  const sub = (s) => (s ?? '').replace('{n}', m ? m[1] : '');
  return { label: sub(fr ? e[1] : e[0]), unit: e[2], help: sub(fr ? e[4] ?? helpFr[k] : e[3]) || null };
}
