/** GraphQL types of the hosted admin portal: links, the portal session as its page sees it, the branding. */
import 'reflect-metadata';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PortalStep } from '../core/auth/principal';
import { Feature } from '../tenants/features';
import { AuthModeValue, TenantObject } from '../tenants/tenant.types';

registerEnumType(PortalStep, {
  name: 'PortalStep',
  description: 'A step of the hosted admin portal that a portal link may allow.',
  valuesConfig: {
    CONNECT: { description: "Connect: what will be asked for, then Microsoft's consent screen (and re-consent)." },
    MAP_GROUPS: { description: "Map groups: search the tenant's groups, pick groups per access tier, preview, save." },
    STATUS: { description: "Status: connection state and history, sync lag, open drift findings, MFA for the product's app, expiring credentials." },
  },
});

@InputType({ description: 'A portal link for an existing tenant.' })
export class CreatePortalLinkInput {
  @Field(() => ID, { description: 'The tenant the session will be limited to.' })
  tenantId!: string;

  @Field(() => [PortalStep], { description: 'The steps the session may use (at least one).' })
  steps!: PortalStep[];

  @Field({ description: 'Where "Back to the application" leads (an origin in ALLOWED_RETURN_ORIGINS).' })
  returnUrl!: string;

  @Field(() => Int, { nullable: true, description: 'Seconds until the link expires, at most PORTAL_LINK_TTL_SECONDS (the default).' })
  expiresInSeconds?: number | null;
}

@InputType({ description: 'A portal link for a tenant not connected yet: the tenant is stored as PENDING_CONSENT and the portal asks for consent.' })
export class CreatePortalLinkForNewConnectionInput {
  @Field({ description: 'A name for people (1 to 200 characters).' })
  displayName!: string;

  @Field(() => AuthModeValue, { description: 'Delegated or application permissions.' })
  authMode!: AuthModeValue;

  @Field(() => [Feature], { description: 'What the connection is for (at least one); the Connect step explains the permissions they need.' })
  features!: Feature[];

  @Field(() => [PortalStep], { description: 'The steps the session may use (CONNECT is added: a new connection starts there).' })
  steps!: PortalStep[];

  @Field({ description: 'Where "Back to the application" leads (an origin in ALLOWED_RETURN_ORIGINS).' })
  returnUrl!: string;

  @Field(() => Int, { nullable: true, description: 'Seconds until the link expires, at most PORTAL_LINK_TTL_SECONDS (the default).' })
  expiresInSeconds?: number | null;
}

@ObjectType('PortalLink', { description: 'A short-lived, single-use link to the hosted admin portal. Hand it to the customer\'s administrator; do not log it.' })
export class PortalLinkObject {
  @Field({ description: 'Opens the portal once, before expiresAt; the browser then holds a session cookie, never an API key.' })
  url!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field(() => [PortalStep])
  steps!: PortalStep[];

  @Field()
  expiresAt!: Date;
}

@ObjectType('PortalBranding', { description: 'How the portal presents the product (PORTAL_PRODUCT_NAME, PORTAL_LOGO_URL, PORTAL_ACCENT_COLOR).' })
export class PortalBrandingObject {
  @Field()
  productName!: string;

  @Field(() => String, { nullable: true })
  logoUrl!: string | null;

  @Field({ description: '#rrggbb' })
  accentColor!: string;
}

@ObjectType('PortalPermission', { description: 'A Microsoft Graph permission the connection asks for, and what it lets the product do.' })
export class PortalPermissionObject {
  @Field()
  permission!: string;

  @Field()
  meaning!: string;
}

@ObjectType('PortalSession', { description: 'The portal session of the calling browser.' })
export class PortalSessionObject {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  tenantId!: string;

  @Field(() => TenantObject, { nullable: true, description: 'The tenant the session is limited to.' })
  tenant?: TenantObject | null;

  @Field(() => [PortalStep])
  steps!: PortalStep[];

  @Field({ description: 'Where "Back to the application" leads.' })
  returnUrl!: string;

  @Field()
  expiresAt!: Date;

  @Field(() => PortalBrandingObject)
  branding!: PortalBrandingObject;

  @Field(() => [PortalPermissionObject], { description: "The permissions the tenant's features need, with their meaning (the Connect step)." })
  permissions!: PortalPermissionObject[];

  @Field(() => String, { nullable: true, description: "The product's application (client) id: the app whose MFA enforcement the Status step shows." })
  productAppId!: string | null;
}
