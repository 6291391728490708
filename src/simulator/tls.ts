/**
 * TLS material for the simulator: a private CA and a server certificate for 127.0.0.1, ::1 and localhost (plus any
 * host names asked for, such as a compose service name) signed by it. MSAL refuses http:// authorities, so the simulator must speak HTTPS, and clients trust it through the
 * CA certificate (never by turning verification off).
 *
 * Certificates are built with node-forge; the RSA keys come from node:crypto because forge's pure-JS key
 * generation takes seconds per key, which every test file would pay.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface TlsMaterial {
  caCertPem: string;
  /** Where the CA certificate lives on disk (only with a certDir). */
  caCertPath?: string;
  certPem: string;
  keyPem: string;
}

interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

const FILES = { caCert: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_DAYS = 3650;
const LEAF_LIFETIME_DAYS = 365;
/** A leaf this close to its expiry is reissued on start, so a long-lived dev CA never serves an expired cert. */
const LEAF_RENEW_MARGIN_DAYS = 7;

const inMemory = new Map<string, TlsMaterial>();

/**
 * Without certDir: one CA + leaf per process (cached). With certDir: read them from there, creating them on the
 * first run, so a restarted simulator keeps the CA a gateway already trusts; an expiring leaf is reissued from
 * the stored CA key.
 */
export function loadOrCreateTls(certDir?: string, extraNames: readonly string[] = []): TlsMaterial {
  const names = hostNames(extraNames);
  if (!certDir) {
    const key = names.join(',');
    let material = inMemory.get(key);
    if (!material) inMemory.set(key, (material = issueAll(names)));
    return material;
  }
  return loadOrCreateOnDisk(certDir, names);
}

/** localhost and the asked-for names (lower case, de-duplicated), in a stable order. */
export function hostNames(extra: readonly string[]): string[] {
  return [...new Set(['localhost', ...extra.map((n) => n.trim().toLowerCase()).filter(Boolean)])];
}

/** The DNS names and IP addresses a certificate's subjectAltName lists. */
export function subjectAltNames(certPem: string): string[] {
  const ext = forge.pki.certificateFromPem(certPem).getExtension('subjectAltName') as { altNames?: Array<{ type: number; value?: string; ip?: string }> } | null;
  return (ext?.altNames ?? []).map((n) => (n.type === 7 ? (n.ip ?? '') : (n.value ?? '')).toLowerCase());
}

function loadOrCreateOnDisk(certDir: string, names: readonly string[]): TlsMaterial {
  const path = (name: string) => join(certDir, name);
  mkdirSync(certDir, { recursive: true, mode: 0o700 });
  let ca: KeyPairPem;
  if (existsSync(path(FILES.caCert)) && existsSync(path(FILES.caKey))) {
    ca = { certPem: readFileSync(path(FILES.caCert), 'utf8'), keyPem: readFileSync(path(FILES.caKey), 'utf8') };
  } else {
    ca = issueCa();
    writeFileSync(path(FILES.caCert), ca.certPem);
    writeFileSync(path(FILES.caKey), ca.keyPem, { mode: 0o600 });
  }
  let leaf: KeyPairPem | undefined;
  if (existsSync(path(FILES.cert)) && existsSync(path(FILES.key))) {
    leaf = { certPem: readFileSync(path(FILES.cert), 'utf8'), keyPem: readFileSync(path(FILES.key), 'utf8') };
    if (!leafIsUsable(leaf.certPem, ca.certPem, names)) leaf = undefined;
  }
  if (!leaf) {
    leaf = issueLeaf(ca, names);
    writeFileSync(path(FILES.cert), leaf.certPem);
    writeFileSync(path(FILES.key), leaf.keyPem, { mode: 0o600 });
  }
  return { caCertPem: ca.certPem, caCertPath: path(FILES.caCert), certPem: leaf.certPem, keyPem: leaf.keyPem };
}

function issueAll(names: readonly string[]): TlsMaterial {
  const ca = issueCa();
  const leaf = issueLeaf(ca, names);
  return { caCertPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
}

/** Signed by this CA, naming every host asked for, and not about to expire. */
function leafIsUsable(leafPem: string, caPem: string, names: readonly string[]): boolean {
  const covered = new Set(subjectAltNames(leafPem));
  if (!names.every((n) => covered.has(n))) return false;
  const leaf = forge.pki.certificateFromPem(leafPem);
  const ca = forge.pki.certificateFromPem(caPem);
  const renewAfter = new Date(Date.now() + LEAF_RENEW_MARGIN_DAYS * DAY_MS);
  try {
    return ca.verify(leaf) && leaf.validity.notAfter > renewAfter;
  } catch {
    return false;
  }
}

function newKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, lifetimeDays: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A leading 0x01 keeps the DER integer positive, as RFC 5280 requires of serial numbers.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + lifetimeDays * DAY_MS);
  return cert;
}

function issueCa(): KeyPairPem {
  const keys = newKeyPair();
  const cert = baseCertificate(keys.publicKey, CA_LIFETIME_DAYS);
  const subject = [{ name: 'commonName', value: 'Entra Simulator Local CA' }, { name: 'organizationName', value: 'Entra Gateway (test double)' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

function issueLeaf(ca: KeyPairPem, names: readonly string[]): KeyPairPem {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = newKeyPair();
  const cert = baseCertificate(keys.publicKey, LEAF_LIFETIME_DAYS);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
        ...names.map((value) => ({ type: 2, value })),
      ],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}
