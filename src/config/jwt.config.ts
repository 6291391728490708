/**
 * Optional JWT bearer tokens issued by the product for its frontends. Setting a key source (JWT_JWKS_URL or
 * JWT_PUBLIC_KEY) turns them on, and then the issuer and the audience are required.
 */
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { Env, envVar, invalid, nonEmpty, parseSection, required, SectionResult, url } from './env';
import { ConfigProblem } from './problems';

const PEM_EXPECTED = 'an RSA or EC public key in PEM (SPKI, "-----BEGIN PUBLIC KEY-----"; \\n escapes allowed)';

/** Environment files rarely hold real newlines: accept `\n` escapes. Only the key type is reported on failure. */
const publicKey = envVar(PEM_EXPECTED, (raw) => {
  const pem = raw.replace(/\\n/g, '\n');
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'ec'
      ? pem
      : invalid(PEM_EXPECTED, `a ${key.asymmetricKeyType ?? 'unknown'} key`);
  } catch {
    return undefined;
  }
});

const schema = z.object({
  JWT_JWKS_URL: url(['https', 'http'], 'https://auth.example.com/.well-known/jwks.json').optional(),
  JWT_PUBLIC_KEY: publicKey.optional(),
  JWT_ISSUER: nonEmpty('the iss claim the product puts in its tokens').optional(),
  JWT_AUDIENCE: nonEmpty('the aud claim the product puts in its tokens').optional(),
  JWT_TENANTS_CLAIM: nonEmpty('a claim name').default('entra_gateway_tenants'),
  JWT_SCOPES_CLAIM: nonEmpty('a claim name').default('scope'),
});

/** The PEM is kept as text (checked here): key objects do not belong in a frozen configuration. */
export type JwtKeySource = { jwksUrl: string } | { publicKeyPem: string };

export interface JwtConfig {
  key: JwtKeySource;
  issuer: string;
  audience: string;
  /** Claim holding the tenant ids the bearer may touch: a list of ids, or "*" for all. */
  tenantsClaim: string;
  /** Claim holding the gateway scopes: space-separated or a list. */
  scopesClaim: string;
}

function rules(env: Env): ConfigProblem[] {
  const sources = ['JWT_JWKS_URL', 'JWT_PUBLIC_KEY'].filter((variable) => env[variable] !== undefined);
  if (sources.length === 2) {
    return [{ variable: 'JWT_PUBLIC_KEY', expected: 'to be unset when JWT_JWKS_URL is set (one key source)', received: 'both set' }];
  }
  const enabledBy = sources[0] ?? ['JWT_ISSUER', 'JWT_AUDIENCE'].find((variable) => env[variable] !== undefined);
  if (!enabledBy) return [];
  const because = `${enabledBy} is set`;
  return [
    ...(sources.length === 0 ? required(env, 'JWT_JWKS_URL', because, 'a JWKS URL (or JWT_PUBLIC_KEY)') : []),
    ...required(env, 'JWT_ISSUER', because, 'the expected iss claim'),
    ...required(env, 'JWT_AUDIENCE', because, 'the expected aud claim'),
  ];
}

/** Null when JWT bearer tokens are off. */
export function jwtSection(env: Env): SectionResult<JwtConfig | null> {
  const parsed = parseSection(schema, env);
  const problems = [...(parsed.ok ? [] : parsed.problems), ...rules(env)];
  if (!parsed.ok || problems.length > 0) return { ok: false, problems };
  const v = parsed.value;
  const key: JwtKeySource | undefined = v.JWT_JWKS_URL ? { jwksUrl: v.JWT_JWKS_URL } : v.JWT_PUBLIC_KEY ? { publicKeyPem: v.JWT_PUBLIC_KEY } : undefined;
  if (!key || !v.JWT_ISSUER || !v.JWT_AUDIENCE) return { ok: true, value: null };
  return {
    ok: true,
    value: { key, issuer: v.JWT_ISSUER, audience: v.JWT_AUDIENCE, tenantsClaim: v.JWT_TENANTS_CLAIM, scopesClaim: v.JWT_SCOPES_CLAIM },
  };
}
