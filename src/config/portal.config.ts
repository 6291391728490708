/**
 * The hosted admin portal (src/portal): how long its links and sessions live, and the product's branding (name,
 * logo, accent colour). The accent colour carries white text on the portal's buttons: a colour too light for that
 * (WCAG contrast below 4.5:1) is refused at start rather than shipped unreadable.
 */
import { z } from 'zod';
import { Env, envVar, integer, invalid, parseSection, SectionContext, SectionResult } from './env';

/** WCAG 2 relative luminance of a #rrggbb colour. */
export function relativeLuminance(hex: string): number {
  const channel = (offset: number) => {
    const c = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The contrast ratio of white text on `hex` (1 to 21). */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (relativeLuminance(hex) + 0.05);
}

/** WCAG AA for normal text. */
export const MIN_ACCENT_CONTRAST = 4.5;

const accentColour = envVar('a colour #rrggbb dark enough for white text (contrast at least 4.5:1), such as #0f6cbd', (raw) => {
  if (!/^#[0-9a-fA-F]{6}$/.test(raw)) return undefined;
  const ratio = contrastWithWhite(raw);
  return ratio >= MIN_ACCENT_CONTRAST ? raw.toLowerCase() : invalid(`a colour #rrggbb dark enough for white text (contrast at least ${MIN_ACCENT_CONTRAST}:1)`, `${raw} (contrast ${ratio.toFixed(2)}:1)`);
});

const productName = envVar('the product name shown in the portal (1 to 80 characters, no control characters)', (raw) =>
  raw.length >= 1 && raw.length <= 80 && !/[\u0000-\u001f]/.test(raw) ? raw : undefined,
);

function logoUrl(production: boolean) {
  const schemes = production ? ['https:'] : ['https:', 'http:'];
  return envVar(`an absolute ${production ? 'https' : 'http(s)'} URL of an image, such as https://cdn.example.com/logo.svg`, (raw) => {
    if (!URL.canParse(raw)) return undefined;
    const parsed = new URL(raw);
    return schemes.includes(parsed.protocol) && !parsed.username && !parsed.password ? parsed.toString() : undefined;
  });
}

function schema(ctx: SectionContext) {
  return z.object({
    PORTAL_PRODUCT_NAME: productName.default('Your product'),
    PORTAL_LOGO_URL: logoUrl(ctx.production).optional(),
    PORTAL_ACCENT_COLOR: accentColour.default('#0f6cbd'),
    PORTAL_LINK_TTL_SECONDS: integer(60, 7 * 86_400, 'seconds').default(900),
    PORTAL_SESSION_TTL_SECONDS: integer(300, 86_400, 'seconds').default(3_600),
  });
}

export interface PortalBranding {
  productName: string;
  /** Null: the product name alone. */
  logoUrl: string | null;
  /** #rrggbb, with at least 4.5:1 contrast for white text. */
  accentColor: string;
}

export interface PortalConfig {
  branding: PortalBranding;
  /** A link's default lifetime (createPortalLink may ask for less). */
  linkTtlSeconds: number;
  /** How long a session opened from a link lasts. */
  sessionTtlSeconds: number;
  /** Cookies marked Secure (production, or a https PUBLIC_URL). */
  secureCookies: boolean;
}

export function portalSection(env: Env, ctx: SectionContext): SectionResult<PortalConfig> {
  const parsed = parseSection(schema(ctx), env);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  return {
    ok: true,
    value: {
      branding: { productName: v.PORTAL_PRODUCT_NAME, logoUrl: v.PORTAL_LOGO_URL ?? null, accentColor: v.PORTAL_ACCENT_COLOR },
      linkTtlSeconds: v.PORTAL_LINK_TTL_SECONDS,
      sessionTtlSeconds: v.PORTAL_SESSION_TTL_SECONDS,
      secureCookies: ctx.production || (env.PUBLIC_URL ?? '').startsWith('https:'),
    },
  };
}
