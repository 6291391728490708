/** The identity part's public surface: what the server, the Graph client and the CLI use. */
export { TokenProvider, type TokenProviderOptions } from './token-provider';
export type {
  AccessToken,
  AuthCodeRedemption,
  AuthCodeRedemptionInput,
  AuthCodeRequestInput,
  GetAccessTokenOptions,
  TenantAuthMode,
  TokenTenant,
} from './token-provider.types';
export { classifyTokenError, type TokenErrorClassification, type TokenErrorKind } from './classify-token-error';
export {
  IdentityConfigurationError,
  IdentityError,
  ReconsentRequiredError,
  TokenCacheCorruptError,
  TransientIdentityError,
  UnexpectedIdentityError,
  UnknownKeyVersionError,
} from './identity.errors';
export {
  defaultScope,
  delegatedScope,
  graphScope,
  resolveCloud,
  type Cloud,
  type CloudName,
  type CloudSpec,
} from './clouds';
export { Encryptor, encryptorFromKeys, parseEncryptionKeys } from './encryption';
export { reencryptAll, type ReencryptReport } from './reencrypt';
export { TenantTokenCache } from './token-cache.entity';
