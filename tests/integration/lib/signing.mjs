// Signed simulator firmware images for the tests, as a manufacturer would
// make them: an EC P-256 signing certificate (openssl) and the image's
// SHA-256 ECDSA signature in base64 (what OCPP SignedUpdateFirmware carries).
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new signer: { cert (PEM), sign(buffer) -> base64 }. */
export function makeSigner(cn = 'borne test signer') {
  const dir = mkdtempSync(join(tmpdir(), 'borne-sign-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-subj', `/CN=${cn}`, '-days', '2'], { stdio: 'ignore' });
    const keyPem = readFileSync(key, 'utf8');
    return { cert: readFileSync(cert, 'utf8'), sign: (buf) => sign('sha256', buf, keyPem).toString('base64') };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** A simulator image of about `size` bytes for version `version`. */
export function simImage(version, size = 1000) {
  const head = `borne-sim-firmware ${version}\n`;
  return Buffer.concat([Buffer.from(head), Buffer.alloc(Math.max(0, size - head.length), 'x')]);
}
