/*
 * The error-code table (data): what the owner reads, what the installer
 * does, and the OCPP 1.6 ChargePointErrorCode reported for it. Mirrored in
 * docs/error-codes.md; texts contain no quotes (they travel in JSON and logs).
 */
#include "core/errors.h"

static const error_info table[] = {
    {ERR_RCD_TRIP, "Residual current detected: charging stopped for safety",
     "Check the vehicle and cable for insulation faults; unplug to reset", "GroundFailure",
     "borne.RcdTrip"},
    {ERR_RCD_SELFTEST, "Safety test of the residual current monitor failed",
     "Replace or rewire the RCD module; the point stays out of service", "GroundFailure",
     "borne.RcdSelfTest"},
    {ERR_CONTACTOR_WELDED, "Power relay stuck closed: point out of service",
     "Isolate the point, replace the contactor, then clear the fault", "OtherError",
     "borne.ContactorWelded"},
    {ERR_CONTACTOR_STUCK_OPEN, "Power relay does not close",
     "Check the contactor coil, its supply and the feedback wiring", "OtherError",
     "borne.ContactorStuckOpen"},
    {ERR_LOCK_FAILURE, "Cable could not be locked",
     "Check the lock actuator and its feedback switch", "ConnectorLockFailure",
     "borne.LockFailure"},
    {ERR_UNLOCK_FAILURE, "Cable could not be unlocked", "Check the lock actuator; release manually",
     "ConnectorLockFailure", "borne.UnlockFailure"},
    {ERR_CP_SHORT, "Vehicle connection fault (pilot short circuit)",
     "Check the cable and the vehicle inlet for a CP to PE short", "EVCommunicationError",
     "borne.PilotShort"},
    {ERR_DIODE, "Vehicle connection fault (pilot diode missing)",
     "The vehicle or adapter lacks the pilot diode; try another cable", "EVCommunicationError",
     "borne.PilotDiode"},
    {ERR_CP_INVALID, "Vehicle connection fault (pilot level out of range)",
     "Check the CP wiring and the CP measurement calibration", "EVCommunicationError",
     "borne.PilotLevel"},
    {ERR_CP_GENERATOR, "Pilot signal generator failed its self-test",
     "Check the CP driver board and the PWM wiring", "InternalError", "borne.PilotGenerator"},
    {ERR_PP_INVALID, "Cable not recognised",
     "Use a cable with a valid coding resistor (IEC 61851-1 B.2)", "OtherError",
     "borne.CableCoding"},
    {ERR_OVERTEMP, "Too hot: charging paused until it cools down",
     "Check ventilation, terminal tightness and the temperature sensor", "HighTemperature",
     "borne.OverTemperature"},
    {ERR_OVERCURRENT, "Vehicle drew more current than allowed: charging stopped",
     "Check the vehicle; if repeated, check the current measurement", "OverCurrentFailure",
     "borne.OverCurrent"},
    {ERR_VENTILATION, "Vehicle requires ventilation, which this point does not provide",
     "Charge this vehicle at a ventilated point or outdoors", "EVCommunicationError",
     "borne.VentilationRequired"},
    {ERR_METER_MISSING, "Energy meter does not answer",
     "Check the meter wiring, address and configuration", "PowerMeterFailure",
     "borne.MeterMissing"},
    {ERR_METER_FAILURE, "Energy meter failed: charging paused until it answers again",
     "Check the meter's bus wiring, address and power; see the meter counters in the status",
     "PowerMeterFailure", "borne.MeterFailure"},
    {ERR_READER, "Badge reader does not answer", "Check the RFID reader connection",
     "ReaderFailure", "borne.ReaderMissing"},
    {ERR_TAMPER, "Station opened (tamper alarm): out of service until an operator checks it",
     "Close the cover, check the station for tampering, then acknowledge (bornectl tamper ack)",
     "OtherError", "borne.Tamper"},
};

static const error_info unknown = {ERR_NONE, "Unknown error", "Read the event log", "OtherError",
                                   "borne.Unknown"};

const error_info *error_info_of(error_code code) {
  for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
    if (table[i].code == code) return &table[i];
  return &unknown;
}

const error_info *error_table(int *count) {
  *count = (int)(sizeof table / sizeof table[0]);
  return table;
}
