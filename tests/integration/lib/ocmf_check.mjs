// An OCMF record ("OCMF|{payload}|{signature}", as borne signs its meter
// readings) checked with Node's own crypto under the station's public key.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';

const RECORD = /^OCMF\|(\{.*\})\|\{"SA":"ECDSA-secp256r1-SHA256","SD":"([0-9A-Fa-f]+)"\}$/;

/**
 * Asserts that `record`'s ECDSA P-256 / SHA-256 signature verifies under
 * `pubDer` (the SPKI DER key of GET /api/v1/ocmf/pubkey) and that the same
 * record with one digit of its reading changed does not; returns the payload.
 */
export function verifyOcmf(record, pubDer) {
  const m = RECORD.exec(record);
  assert.ok(m, record);
  const key = createPublicKey({ key: pubDer, format: 'der', type: 'spki' });
  const signature = Buffer.from(m[2], 'hex');
  assert.equal(verify('sha256', Buffer.from(m[1], 'utf8'), key, signature), true, 'the signature verifies');
  const forged = m[1].replace(/"RV":(\d)/, (_, d) => `"RV":${(Number(d) + 1) % 10}`);
  assert.notEqual(forged, m[1]);
  assert.equal(verify('sha256', Buffer.from(forged, 'utf8'), key, signature), false, 'a changed record does not');
  return JSON.parse(m[1]);
}
