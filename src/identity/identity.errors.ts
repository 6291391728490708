/**
 * Typed failures of the token path. Messages and properties hold codes and our own wording only: never a token,
 * secret, authorization code, verifier or the identity platform's raw response, so any of them may be logged.
 */

export abstract class IdentityError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The customer must consent again (refresh token revoked/expired, consent withdrawn, app removed). */
export class ReconsentRequiredError extends IdentityError {
  readonly code = 'RECONSENT_REQUIRED';

  constructor(
    readonly tenantId: string,
    readonly reason: string,
    readonly aadsts?: number,
  ) {
    super(`Tenant ${tenantId} needs consent again: ${reason}${aadsts === undefined ? '' : ` (AADSTS${aadsts})`}`);
  }
}

/** The identity platform could not be reached or failed on its side, after our bounded retries. */
export class TransientIdentityError extends IdentityError {
  readonly code = 'IDENTITY_TRANSIENT';

  constructor(
    readonly reason: string,
    readonly attempts: number,
    readonly aadsts?: number,
  ) {
    super(`Identity platform unavailable after ${attempts} attempt(s): ${reason}`);
  }
}

/** Our own setup is wrong (client secret invalid or expired, bad cloud, bad key): an operator must act. */
export class IdentityConfigurationError extends IdentityError {
  readonly code = 'IDENTITY_CONFIGURATION';

  constructor(
    readonly reason: string,
    readonly aadsts?: number,
  ) {
    super(`Identity configuration problem: ${reason}${aadsts === undefined ? '' : ` (AADSTS${aadsts})`}`);
  }
}

/** A token failure none of the rules above recognise; carries only the platform's error code. */
export class UnexpectedIdentityError extends IdentityError {
  readonly code = 'IDENTITY_UNEXPECTED';

  constructor(
    readonly reason: string,
    readonly aadsts?: number,
  ) {
    super(`Unexpected identity platform failure: ${reason}${aadsts === undefined ? '' : ` (AADSTS${aadsts})`}`);
  }
}

/** A ciphertext failed authentication: tampered, truncated, or bound to another tenant or purpose. */
export class DecryptionError extends IdentityError {
  readonly code = 'DECRYPTION_FAILED';
}

/** A ciphertext names a key version this process was not given. */
export class UnknownKeyVersionError extends IdentityError {
  readonly code = 'UNKNOWN_KEY_VERSION';

  constructor(
    readonly keyVersion: number,
    readonly knownVersions: number[],
  ) {
    super(`Encryption key version ${keyVersion} is not configured (configured versions: ${knownVersions.join(', ')})`);
  }
}

/** A tenant's stored token cache cannot be read back; the cause (a DecryptionError, bad JSON) is attached. */
export class TokenCacheCorruptError extends IdentityError {
  readonly code = 'TOKEN_CACHE_CORRUPT';

  constructor(
    readonly tenantId: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Token cache of tenant ${tenantId} is unreadable: ${reason}`);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
