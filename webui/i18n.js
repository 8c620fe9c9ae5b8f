// French and English. The language comes from the browser (navigator.languages)
// until the user picks the other one with the switch (kept in localStorage).
// t('key', {var}) replaces {var}; a key missing in French falls back to English.

const en = {
  skip: 'Skip to content', menu: 'Main menu', switch_lang: 'Français', logout: 'Log out',
  nav_dashboard: 'Dashboard', nav_history: 'History', nav_users: 'Users and badges', nav_settings: 'Settings',
  setup_title: 'First start: choose the PINs',
  setup_intro: 'This station has no PIN yet. Choose one for the reception (owner: dashboard, history, badges) and one for the installer (everything, settings included). Write them down: they are not shown again.',
  setup_remote: 'This station has no PIN yet. Set them from the local network, or on the station with: bornectl pin set owner, bornectl pin set installer.',
  setup_code: 'Setup code', setup_code_hint: 'Only the installer has it: on the station, run bornectl setup-code (e.g. ABCDE-FGHJK).',
  owner_pin: 'Owner (reception) PIN', installer_pin: 'Installer PIN', pin_hint: '4 to 12 digits.', pins_saved: 'PIN saved.',
  login_title: 'Log in', role: 'Who are you?', role_owner: 'Reception (owner)', role_installer: 'Installer', pin: 'PIN', login: 'Log in',
  wrong_pin_left: 'Wrong PIN. {n} tries left: a wrong PIN at the last one locks the login for a while.', wrong_pin_last: 'Wrong PIN. Last try: one more wrong PIN locks the login for a while.',
  locked: 'Too many wrong PINs: locked for {s} s. Each new try makes the wait longer.',
  needs_installer: 'This page needs the installer PIN.',
  point: 'Charge point {n}', point_label: 'Charge point', session_energy: 'Energy this session', duration: 'Duration',
  user_badge: 'User / badge', offered: 'Current offered', meter_total: 'Meter reading', per_phase: 'Current and voltage per phase',
  phase: 'Phase', current: 'Current', voltage: 'Voltage', limited: '{a}, limited by {by}', free_session: 'free charging',
  meter_error: 'Meter: {e}', inoperative: 'Out of service.', start: 'Start', stop: 'Stop charging', start_with: 'Badge',
  site_load_management: 'Load management', site_limit_a: 'Site limit per phase', site_limit_kva: 'Subscribed power', site_phases: 'Supply phases', site_available_total_a: 'Available in total (all phases)', site_margin_a: 'Safety margin', site_circuit_limit_a: 'Charging circuit limit', site_source: 'Grid measurement', site_grid_age_s: 'Grid data age', site_failsafe: 'Failsafe (no grid data)', site_building_a: 'Building load (L1 / L2 / L3)', site_own_a: 'Charging draw (L1 / L2 / L3)', site_available_a: 'Available for charging', site_allocated_a: 'Given to charging', site_charging: 'Charging', site_waiting: 'Waiting for power',
  no_badge: 'No badge (free)', started: 'Charge point {n}: start sent.', stopped: 'Charge point {n}: stop sent.', site: 'Site',
  limit_cable: 'the cable', limit_selector: 'the current selector', limit_installation: 'the installation', limit_thermal: 'temperature',
  limit_load_management: 'load management', limit_schedule: 'a charging window', limit_ocpp_profile: 'the operator (OCPP)', limit_api: 'a remote limit', limit_mqtt: 'home automation (MQTT)',
  st_Available: 'Available', st_Preparing: 'Plugged in, waiting', st_Charging: 'Charging', st_SuspendedEV: 'Paused by the car',
  st_SuspendedEVSE: 'Paused by the station', st_Finishing: 'Finishing', st_Reserved: 'Reserved', st_Unavailable: 'Out of service', st_Faulted: 'Fault',
  all: 'All', from: 'From', to: 'To', user: 'User', badge: 'Badge', apply: 'Show', export_csv: 'Export CSV', filters: 'Filters',
  no_sessions: 'No session matches.', per_user: 'Energy per user', per_month: 'Energy per month', start_col: 'Start',
  energy: 'Energy', reason: 'End', running: 'running', signed_data: 'Signed data', signed_data_of: 'Signed meter data of session {id}',
  no_ocmf: 'No signed (OCMF) records for this session.', public_key: 'Station public key',
  add_user: 'New user', name: 'Name', add: 'Add', add_badge: 'New badge', uid: 'Badge UID', uid_hint: 'Hexadecimal, e.g. 04A1B2C3; or press Learn and tap the card on the station.',
  learn: 'Learn', learn_cancel: 'Stop learning', learn_wait: 'Tap the card on the station’s reader now…', learn_got: 'Card {uid} read.',
  users: 'Users', badges: 'Badges', enabled: 'Enabled', actions: 'Actions', nobody: '(nobody)', none: 'None yet.', remove: 'Remove',
  enable_user: 'Enable user {name}', enable_badge: 'Enable badge {uid}', confirm_remove: 'Remove {what}?', saved: 'Saved.',
  tab_installation: 'Installation', tab_meters: 'Meters', tab_load: 'Load management and charging windows', tab_badges: 'Badges and readers', tab_backend: 'Back end (OCPP)', tab_network: 'Network, web page and payment', tab_firmware: 'Firmware and maintenance', tab_advanced: 'Advanced (all keys)',
  save_tab: 'Save {tab}', fix_marked: 'Fix the marked field first: nothing was saved.', allowed: 'Allowed: {c}.',
  v_int: 'A whole number is needed.', v_number: 'A number is needed.', v_range: 'From {min} to {max}.', v_choice: 'One of: {c}.', v_length: 'At most {n} characters.',
  advanced_intro: 'Every configuration key by its name, as in the configuration file (docs/configuration.md).',
  ocpp_state: 'State', ocpp_since: 'Since', ocpp_version: 'Protocol', ocpp_registration: 'Registration', ocpp_queue: 'Messages waiting', ocpp_disabled_long: 'No back end is configured: set its address below.',
  stop_sure: 'End the charge on charge point {n}? The guest\'s car stops charging.', stop_yes: 'Yes, stop charging', cancel: 'Cancel',
  log: 'What happened', why_unknown_badge: 'unknown badge (not in the list)', why_disabled_badge: 'badge disabled (Users and badges)', why_refused: 'refused',
  why_badge_unknown: 'unknown badge (not in the list)', why_badge_disabled: 'badge disabled (Users and badges)', why_user_disabled: 'its user is disabled (Users and badges)',
  why_connector_not_allowed: 'its user may not charge on this point (Users and badges)', why_back_end_blocked: 'blocked by the back end', why_back_end_expired: 'expired (back end)',
  why_back_end_invalid: 'unknown to the back end', why_back_end_concurrent_tx: 'already charging elsewhere (back end)', why_back_end_refused: 'refused by the back end',
  why_offline_refused: 'refused offline (back end unreachable, offline rules)',
  lim_why: '{a} A, set by {by}', limit_none: 'no limit any more',
  ev_auth_refused: 'Badge refused', ev_auth_expired: 'Badge expired', ev_auth_accepted: 'Badge accepted', ev_error: 'Fault', ev_error_cleared: 'Fault cleared', ev_session_start: 'Charge started', ev_session_stop: 'Charge ended', ev_limit: 'Limit applied', ev_meter_fault: 'Meter fault', ev_meter_recovered: 'Meter back', ev_meter_error: 'Meter error', ev_firmware: 'Firmware', ev_selftest: 'Self-test', ev_boot: 'Station started', ev_reconnected: 'Back end reconnected', ev_ocpp_connected: 'Back end connected', ev_ocpp_disconnected: 'Back end lost', ev_ocpp_call: 'Back-end command',
  groups: 'Groups of settings', grp_installation: 'Installation', grp_rfid: 'RFID and access', grp_ocpp: 'OCPP', grp_energy: 'Energy and charging windows',
  grp_payment: 'Payment and web page', grp_firmware: 'Firmware', grp_other: 'Other', save: 'Save', nothing_changed: 'Nothing changed.',
  saved_restart: 'Saved. Takes effect after a restart: {keys}.', needs_restart: '(after a restart)', secret_set: 'set (hidden); type a new value to replace it', secret_not_set: 'not set', file_only: 'Set in the configuration file only.', change_pin: 'Change a PIN', new_pin: 'New PIN',
  sub_keys: 'Settings', sub_firmware: 'Firmware',
  ocpp_link: 'Back end (OCPP)', ocpp_connected: 'connected', ocpp_connecting: 'connecting', ocpp_waiting: 'waiting to reconnect', ocpp_disabled: 'not configured', ocpp_last_error: 'Last error',
  fw_title: 'This station', fw_version: 'Version running', fw_state: 'Updater', fw_upload: 'Install a signed image',
  fw_upload_hint: 'The image (at most {mb} MB), its signature and the manufacturer’s signing certificate, as for an OCPP signed update. Charging stops while the station restarts into the new version.',
  fw_no_root: 'No manufacturer root is set (firmware.ca_file): every image is refused, since a signature by a self-made certificate proves nothing. Set the root to install the manufacturer’s images.',
  fw_unsigned_allowed: 'Unsigned images are accepted (firmware.allow_unsigned, set by the installer): anyone who reaches the back end or this page can install firmware.',
  fw_unsigned_allowed_no_root: 'Unchecked images are accepted (firmware.allow_unsigned, set by the installer) and no manufacturer root is set (firmware.ca_file): unsigned images and any valid signature are installed.',
  fw_image: 'Firmware image', fw_signature: 'Signature', fw_signature_hint: 'SHA-256 signature of the image, base64 text or binary.',
  fw_cert: 'Signing certificate', fw_cert_hint: 'PEM file (-----BEGIN CERTIFICATE-----).', fw_install: 'Upload and install',
  fw_progress: 'Upload progress', fw_uploading: 'Uploading…', fw_uploaded: 'Uploaded: {bytes} bytes, SHA-256 {sha}. Checking…',
  fw_restarting: 'Installed. The station restarts into the new version; log in again in a minute.',
  fw_failed: 'The image was not installed (see the steps below).', fw_log: 'Steps',
  fw_Idle: 'Idle', fw_Downloaded: 'Image received', fw_SignatureVerified: 'Signature verified', fw_InvalidSignature: 'Invalid signature',
  fw_Installing: 'Installing', fw_InstallRebooting: 'Installed, restarting', fw_Installed: 'Installed', fw_InstallationFailed: 'Installation failed',
  fw_Downloading: 'Downloading', fw_DownloadScheduled: 'Download scheduled', fw_DownloadFailed: 'Download failed',
  sub_selftest: 'Self-test and errors', faults_now: 'Faults now', no_fault: 'No fault: every charge point is fine.', code: 'code',
  what: 'What', todo: 'What to do', station_wide: 'Station', selftest_last: 'Latest self-test', selftest_none: 'No self-test recorded yet.',
  check: 'Check', result: 'Result', when: 'When', check_ok: 'OK', check_failed: 'Failed', check_rcd: 'Residual current monitor',
  check_contactor: 'Power relay', check_cp: 'Pilot signal', check_meter: 'Energy meter', selftest_run: 'Run the self-test again',
  selftest_running: 'The self-test is running…', selftest_done: 'Done at start-up or on request.', selftest_pending: 'Not run yet.',
  selftest_started: 'Self-test started: the results appear below.', error_log: 'Error log', older: 'Older entries',
  error_log_hint: 'Faults, their end, meter failures, self-tests, tamper alarms and breaker trips, newest first.',
  kind_error: 'Fault', kind_error_cleared: 'Fault cleared', kind_meter_error: 'Meter failure', kind_meter_ok: 'Meter back', kind_selftest: 'Self-test', kind_tamper: 'Tamper alarm', ev_tamper: 'Tamper alarm', kind_shunt_trip: 'Breaker tripped', ev_shunt_trip: 'Breaker tripped',
  reader_title: 'Badge reader', reader_up: 'connected', reader_down: 'not connected', reader_counts: '{badges} badges read since start, {bad} unreadable frames.',
  tamper_ack: 'Acknowledge the tamper alarm (cover closed, station checked)', tamper_acked: 'Acknowledged: the charge points are back in service.',
  sub_backup: 'Export / import', export_title: 'Export the configuration', export_download: 'Download (JSON)',
  export_hint: 'Every setting of this station in one file, to keep or to set up another station. Secrets (the OCPP password) are left out, and so are the PINs.',
  import_title: 'Import a configuration', import_file: 'Configuration file (JSON)', import_check: 'Check', import_apply: 'Apply these changes',
  import_hint: 'The file is checked first: nothing changes until you apply, and then all or nothing.',
  import_not_json: 'This file is not JSON: choose a file exported from a station.', import_together: '(together)',
  import_other_station: 'This file comes from station {station}: importing it also copies that station’s identity settings (station.id…) where the file has them.',
  import_secrets: 'Left out of the file and kept as they are here: {keys}.', import_nothing: 'Nothing to change: the {n} settings are already the same.',
  import_would: '{n} settings would change ({same} are already the same):', import_changes: 'Changes', key: 'Setting', now: 'Now', new: 'From the file',
  import_done: 'Applied: {n} settings changed.',
  station_windows: 'Charging windows of the station', station_windows_label: 'When charging is allowed', station_windows_hint: 'e.g. Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00; 2026-12-25 off. Empty: at any time.',
  user_windows: 'Charging windows', user_windows_of: 'Charging windows of {name} (empty: the station\'s)', user_windows_any: 'any time',
  user_points: 'Charge points', user_point: '{name} may charge on point {n}', user_points_none: 'Keep at least one charge point; to block a user, untick Enabled.',
  qr_alt: 'QR code to pay for this charge', live_lost: 'Live updates interrupted; retrying…', qr_caption: 'Scan to pay by card:',
};

const fr = {
  skip: 'Aller au contenu', menu: 'Menu principal', switch_lang: 'English', logout: 'Se déconnecter',
  nav_dashboard: 'Tableau de bord', nav_history: 'Historique', nav_users: 'Utilisateurs et badges', nav_settings: 'Réglages',
  setup_title: 'Premier démarrage : choisir les codes',
  setup_intro: 'Cette borne n’a pas encore de code. Choisissez-en un pour l’accueil (propriétaire : tableau de bord, historique, badges) et un pour l’installateur (tout, réglages compris). Notez-les : ils ne seront plus affichés.',
  setup_remote: 'Cette borne n’a pas encore de code. Définissez-les depuis le réseau local, ou sur la borne avec : bornectl pin set owner, bornectl pin set installer.',
  setup_code: 'Code d’installation', setup_code_hint: 'Seul l’installateur l’a : sur la borne, lancez bornectl setup-code (par ex. ABCDE-FGHJK).',
  owner_pin: 'Code accueil (propriétaire)', installer_pin: 'Code installateur', pin_hint: '4 à 12 chiffres.', pins_saved: 'Code enregistré.',
  login_title: 'Connexion', role: 'Qui êtes-vous ?', role_owner: 'Accueil (propriétaire)', role_installer: 'Installateur', pin: 'Code', login: 'Se connecter',
  wrong_pin_left: 'Code erroné. Encore {n} essais : un code erroné au dernier bloque la connexion un moment.', wrong_pin_last: 'Code erroné. Dernier essai : un code erroné de plus bloque la connexion un moment.',
  locked: 'Trop de codes erronés : bloqué pendant {s} s. Chaque nouvel essai allonge l’attente.',
  needs_installer: 'Cette page demande le code installateur.',
  point: 'Point de charge {n}', point_label: 'Point de charge', session_energy: 'Énergie de la session', duration: 'Durée',
  user_badge: 'Utilisateur / badge', offered: 'Courant proposé', meter_total: 'Index compteur', per_phase: 'Courant et tension par phase',
  phase: 'Phase', current: 'Courant', voltage: 'Tension', limited: '{a}, limité par {by}', free_session: 'charge libre',
  meter_error: 'Compteur : {e}', inoperative: 'Hors service.', start: 'Démarrer', stop: 'Arrêter la charge', start_with: 'Badge',
  site_load_management: 'Gestion de charge', site_limit_a: 'Limite du site par phase', site_limit_kva: 'Puissance souscrite', site_phases: 'Phases de l’alimentation', site_available_total_a: 'Disponible au total (toutes phases)', site_margin_a: 'Marge de sécurité', site_circuit_limit_a: 'Limite du circuit de charge', site_source: 'Mesure du réseau', site_grid_age_s: 'Âge de la mesure', site_failsafe: 'Mode dégradé (pas de mesure)', site_building_a: 'Consommation du bâtiment (L1 / L2 / L3)', site_own_a: 'Courant de charge (L1 / L2 / L3)', site_available_a: 'Disponible pour la charge', site_allocated_a: 'Attribué à la charge', site_charging: 'En charge', site_waiting: 'En attente de puissance',
  no_badge: 'Sans badge (libre)', started: 'Point {n} : démarrage envoyé.', stopped: 'Point {n} : arrêt envoyé.', site: 'Site',
  limit_cable: 'le câble', limit_selector: 'le sélecteur de courant', limit_installation: 'l’installation', limit_thermal: 'la température',
  limit_load_management: 'la gestion de charge', limit_schedule: 'une plage horaire', limit_ocpp_profile: 'l’opérateur (OCPP)', limit_api: 'une limite à distance', limit_mqtt: 'la domotique (MQTT)',
  st_Available: 'Disponible', st_Preparing: 'Branché, en attente', st_Charging: 'En charge', st_SuspendedEV: 'En pause (véhicule)',
  st_SuspendedEVSE: 'En pause (borne)', st_Finishing: 'Fin de charge', st_Reserved: 'Réservé', st_Unavailable: 'Hors service', st_Faulted: 'En défaut',
  all: 'Tous', from: 'Du', to: 'Au', user: 'Utilisateur', badge: 'Badge', apply: 'Afficher', export_csv: 'Exporter en CSV', filters: 'Filtres',
  no_sessions: 'Aucune session ne correspond.', per_user: 'Énergie par utilisateur', per_month: 'Énergie par mois', start_col: 'Début',
  energy: 'Énergie', reason: 'Fin', running: 'en cours', signed_data: 'Données signées', signed_data_of: 'Données de comptage signées de la session {id}',
  no_ocmf: 'Pas d’enregistrement signé (OCMF) pour cette session.', public_key: 'Clé publique de la borne',
  add_user: 'Nouvel utilisateur', name: 'Nom', add: 'Ajouter', add_badge: 'Nouveau badge', uid: 'UID du badge', uid_hint: 'Hexadécimal, ex. 04A1B2C3 ; ou appuyez sur Apprendre et passez la carte sur la borne.',
  learn: 'Apprendre', learn_cancel: 'Arrêter l’apprentissage', learn_wait: 'Passez la carte sur le lecteur de la borne…', learn_got: 'Carte {uid} lue.',
  users: 'Utilisateurs', badges: 'Badges', enabled: 'Actif', actions: 'Actions', nobody: '(personne)', none: 'Aucun pour l’instant.', remove: 'Supprimer',
  enable_user: 'Activer l’utilisateur {name}', enable_badge: 'Activer le badge {uid}', confirm_remove: 'Supprimer {what} ?', saved: 'Enregistré.',
  tab_installation: 'Installation', tab_meters: 'Compteurs', tab_load: 'Gestion de charge et plages horaires', tab_badges: 'Badges et lecteurs', tab_backend: 'Système central (OCPP)', tab_network: 'Réseau, page web et paiement', tab_firmware: 'Micrologiciel et maintenance', tab_advanced: 'Avancé (toutes les clés)',
  save_tab: 'Enregistrer : {tab}', fix_marked: 'Corrigez d’abord le champ signalé : rien n’a été enregistré.', allowed: 'Valeurs permises : {c}.',
  v_int: 'Un nombre entier est attendu.', v_number: 'Un nombre est attendu.', v_range: 'De {min} à {max}.', v_choice: 'Une de ces valeurs : {c}.', v_length: '{n} caractères au plus.',
  advanced_intro: 'Toutes les clés de configuration par leur nom, comme dans le fichier de configuration (docs/configuration.md).',
  ocpp_state: 'État', ocpp_since: 'Depuis', ocpp_version: 'Protocole', ocpp_registration: 'Enregistrement', ocpp_queue: 'Messages en attente', ocpp_disabled_long: 'Aucun système central n’est configuré : saisissez son adresse ci-dessous.',
  stop_sure: 'Arrêter la charge du point {n} ? La voiture du client cesse de charger.', stop_yes: 'Oui, arrêter la charge', cancel: 'Annuler',
  log: 'Ce qui s’est passé', why_unknown_badge: 'badge inconnu (absent de la liste)', why_disabled_badge: 'badge désactivé (Utilisateurs et badges)', why_refused: 'refusé',
  why_badge_unknown: 'badge inconnu (absent de la liste)', why_badge_disabled: 'badge désactivé (Utilisateurs et badges)', why_user_disabled: 'son utilisateur est désactivé (Utilisateurs et badges)',
  why_connector_not_allowed: 'son utilisateur ne peut pas charger sur ce point (Utilisateurs et badges)', why_back_end_blocked: 'bloqué par le système central', why_back_end_expired: 'expiré (système central)',
  why_back_end_invalid: 'inconnu du système central', why_back_end_concurrent_tx: 'déjà en charge ailleurs (système central)', why_back_end_refused: 'refusé par le système central',
  why_offline_refused: 'refusé hors ligne (système central injoignable, règles hors ligne)',
  lim_why: '{a} A, fixé par {by}', limit_none: 'plus aucune limite',
  ev_auth_refused: 'Badge refusé', ev_auth_expired: 'Badge expiré', ev_auth_accepted: 'Badge accepté', ev_error: 'Défaut', ev_error_cleared: 'Défaut levé', ev_session_start: 'Charge démarrée', ev_session_stop: 'Charge terminée', ev_limit: 'Limite appliquée', ev_meter_fault: 'Défaut compteur', ev_meter_recovered: 'Compteur rétabli', ev_meter_error: 'Erreur compteur', ev_firmware: 'Micrologiciel', ev_selftest: 'Autotest', ev_boot: 'Borne démarrée', ev_reconnected: 'Système central reconnecté', ev_ocpp_connected: 'Système central connecté', ev_ocpp_disconnected: 'Système central perdu', ev_ocpp_call: 'Commande du système central',
  groups: 'Groupes de réglages', grp_installation: 'Installation', grp_rfid: 'RFID et accès', grp_ocpp: 'OCPP', grp_energy: 'Énergie et plages horaires',
  grp_payment: 'Paiement et page web', grp_firmware: 'Micrologiciel', grp_other: 'Autres', save: 'Enregistrer', nothing_changed: 'Rien n’a changé.',
  saved_restart: 'Enregistré. Pris en compte après un redémarrage : {keys}.', needs_restart: '(après redémarrage)', secret_set: 'défini (masqué) ; saisir une nouvelle valeur pour le remplacer', secret_not_set: 'non défini', file_only: 'Se règle dans le fichier de configuration uniquement.', change_pin: 'Changer un code', new_pin: 'Nouveau code',
  sub_keys: 'Réglages', sub_firmware: 'Micrologiciel',
  ocpp_link: 'Système central (OCPP)', ocpp_connected: 'connecté', ocpp_connecting: 'connexion en cours', ocpp_waiting: 'en attente de reconnexion', ocpp_disabled: 'non configuré', ocpp_last_error: 'Dernière erreur',
  fw_title: 'Cette borne', fw_version: 'Version en service', fw_state: 'Mise à jour', fw_upload: 'Installer une image signée',
  fw_upload_hint: 'L’image (au plus {mb} Mo), sa signature et le certificat de signature du fabricant, comme pour une mise à jour signée OCPP. La charge s’arrête pendant le redémarrage sur la nouvelle version.',
  fw_no_root: 'Aucune racine du fabricant n’est réglée (firmware.ca_file) : toute image est refusée, car une signature par un certificat fait maison ne prouve rien. Réglez la racine pour installer les images du fabricant.',
  fw_unsigned_allowed: 'Les images non signées sont acceptées (firmware.allow_unsigned, réglé par l’installateur) : quiconque atteint le système central ou cette page peut installer un micrologiciel.',
  fw_unsigned_allowed_no_root: 'Les images non vérifiées sont acceptées (firmware.allow_unsigned, réglé par l’installateur) et aucune racine du fabricant n’est réglée (firmware.ca_file) : images non signées et toute signature valide sont installées.',
  fw_image: 'Image du micrologiciel', fw_signature: 'Signature', fw_signature_hint: 'Signature SHA-256 de l’image, en base64 ou binaire.',
  fw_cert: 'Certificat de signature', fw_cert_hint: 'Fichier PEM (-----BEGIN CERTIFICATE-----).', fw_install: 'Envoyer et installer',
  fw_progress: 'Progression de l’envoi', fw_uploading: 'Envoi…', fw_uploaded: 'Reçue : {bytes} octets, SHA-256 {sha}. Vérification…',
  fw_restarting: 'Installée. La borne redémarre sur la nouvelle version ; reconnectez-vous dans une minute.',
  fw_failed: 'L’image n’a pas été installée (voir les étapes ci-dessous).', fw_log: 'Étapes',
  fw_Idle: 'Au repos', fw_Downloaded: 'Image reçue', fw_SignatureVerified: 'Signature vérifiée', fw_InvalidSignature: 'Signature invalide',
  fw_Installing: 'Installation', fw_InstallRebooting: 'Installée, redémarrage', fw_Installed: 'Installée', fw_InstallationFailed: 'Échec de l’installation',
  fw_Downloading: 'Téléchargement', fw_DownloadScheduled: 'Téléchargement programmé', fw_DownloadFailed: 'Échec du téléchargement',
  sub_selftest: 'Autotest et erreurs', faults_now: 'Défauts en cours', no_fault: 'Aucun défaut : tous les points de charge vont bien.', code: 'code',
  what: 'Quoi', todo: 'Que faire', station_wide: 'Borne', selftest_last: 'Dernier autotest', selftest_none: 'Aucun autotest enregistré.',
  check: 'Contrôle', result: 'Résultat', when: 'Quand', check_ok: 'OK', check_failed: 'Échec', check_rcd: 'Contrôleur de courant différentiel',
  check_contactor: 'Contacteur de puissance', check_cp: 'Signal pilote', check_meter: 'Compteur d’énergie', selftest_run: 'Relancer l’autotest',
  selftest_running: 'Autotest en cours…', selftest_done: 'Fait au démarrage ou sur demande.', selftest_pending: 'Pas encore fait.',
  selftest_started: 'Autotest lancé : les résultats s’affichent ci-dessous.', error_log: 'Journal des erreurs', older: 'Entrées plus anciennes',
  error_log_hint: 'Défauts, leur fin, pannes de compteur, autotests, alarmes d’effraction et déclenchements du disjoncteur, les plus récents en premier.',
  kind_error: 'Défaut', kind_error_cleared: 'Défaut levé', kind_meter_error: 'Panne du compteur', kind_meter_ok: 'Compteur rétabli', kind_selftest: 'Autotest', kind_tamper: 'Alarme d’effraction', ev_tamper: 'Alarme d’effraction', kind_shunt_trip: 'Disjoncteur déclenché', ev_shunt_trip: 'Disjoncteur déclenché',
  reader_title: 'Lecteur de badges', reader_up: 'connecté', reader_down: 'non connecté', reader_counts: '{badges} badges lus depuis le démarrage, {bad} trames illisibles.',
  tamper_ack: 'Acquitter l’alarme d’effraction (capot fermé, borne vérifiée)', tamper_acked: 'Acquittée : les points de charge sont de nouveau en service.',
  sub_backup: 'Export / import', export_title: 'Exporter la configuration', export_download: 'Télécharger (JSON)',
  export_hint: 'Tous les réglages de cette borne dans un fichier, à garder ou pour préparer une autre borne. Les secrets (mot de passe OCPP) n’y sont pas, les codes non plus.',
  import_title: 'Importer une configuration', import_file: 'Fichier de configuration (JSON)', import_check: 'Vérifier', import_apply: 'Appliquer ces changements',
  import_hint: 'Le fichier est d’abord vérifié : rien ne change avant d’appliquer, puis tout ou rien.',
  import_not_json: 'Ce fichier n’est pas du JSON : choisissez un fichier exporté d’une borne.', import_together: '(ensemble)',
  import_other_station: 'Ce fichier vient de la borne {station} : l’importer copie aussi les réglages d’identité de cette borne (station.id…) s’il les contient.',
  import_secrets: 'Absents du fichier, gardés tels quels ici : {keys}.', import_nothing: 'Rien à changer : les {n} réglages sont déjà identiques.',
  import_would: '{n} réglages changeraient ({same} sont déjà identiques) :', import_changes: 'Changements', key: 'Réglage', now: 'Actuel', new: 'Du fichier',
  import_done: 'Appliqué : {n} réglages modifiés.',
  station_windows: 'Plages de charge de la borne', station_windows_label: 'Quand la charge est permise', station_windows_hint: 'ex. Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00; 2026-12-25 off. Vide : à toute heure.',
  user_windows: 'Plages de charge', user_windows_of: 'Plages de charge de {name} (vide : celles de la borne)', user_windows_any: 'à toute heure',
  user_points: 'Points de charge', user_point: '{name} peut charger au point {n}', user_points_none: 'Gardez au moins un point de charge ; pour bloquer un utilisateur, décochez Actif.',
  qr_alt: 'QR code pour payer cette charge', live_lost: 'Mises à jour en direct interrompues ; nouvel essai…', qr_caption: 'Scannez pour payer par carte :',
};

const dicts = { en, fr };
const listeners = new Set();

function initial() {
  try {
    const saved = localStorage.getItem('borne.lang');
    if (saved && dicts[saved]) return saved;
  } catch { /* storage disabled */ }
  for (const l of navigator.languages ?? [navigator.language ?? 'en']) {
    const base = String(l).slice(0, 2).toLowerCase();
    if (dicts[base]) return base;
  }
  return 'en';
}

let current = initial();

export const lang = () => current;
export const otherLang = () => (current === 'fr' ? 'en' : 'fr');
export function onLangChange(fn) { listeners.add(fn); }
export function setLang(l) {
  if (!dicts[l]) return;
  current = l;
  try { localStorage.setItem('borne.lang', l); } catch { /* storage disabled */ }
  for (const fn of listeners) fn(l);
}

export function t(key, vars) {
  const s = dicts[current][key] ?? en[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}

/* Like t, but `fallback` when no dictionary has the key (values from the API). */
export function tOr(key, fallback, vars) {
  return key in dicts[current] || key in en ? t(key, vars) : fallback;
}
