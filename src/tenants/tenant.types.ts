/**
 * GraphQL types of tenant connections. Resolvers return the entities (tenant.entity.ts): their property names
 * and stored values are what these types expose.
 */
import 'reflect-metadata';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Feature } from './features';
import { TenantStatus } from './status';
import { Tenant } from './tenant.entity';
import { PageInfo } from '../core/page-info';

export { PageInfo };

/** The GraphQL names of the clouds; the values are what the gateway stores and ENTRA_CLOUD takes. */
export enum CloudValue {
  GLOBAL = 'global',
  USGOV_L4 = 'usgov-l4',
  USGOV_L5 = 'usgov-l5',
  CHINA = 'china',
  CUSTOM = 'custom',
}

export enum AuthModeValue {
  DELEGATED = 'DELEGATED',
  APPLICATION = 'APPLICATION',
}

registerEnumType(CloudValue, {
  name: 'Cloud',
  description: 'A Microsoft cloud: its identity platform and Graph hosts. Tokens never cross clouds.',
  valuesConfig: {
    GLOBAL: { description: 'login.microsoftonline.com and graph.microsoft.com.' },
    USGOV_L4: { description: 'US Government L4 (GCC High): login.microsoftonline.us and graph.microsoft.us.' },
    USGOV_L5: { description: 'US Government L5 (DoD): login.microsoftonline.us and dod-graph.microsoft.us.' },
    CHINA: { description: 'China (21Vianet): login.partner.microsoftonline.cn and microsoftgraph.chinacloudapi.cn.' },
    CUSTOM: { description: 'Endpoints set by configuration (the local Entra simulator).' },
  },
});

registerEnumType(AuthModeValue, {
  name: 'AuthMode',
  description: 'How the gateway acts in a tenant.',
  valuesConfig: {
    DELEGATED: { description: 'As the administrator who consented (authorization code with PKCE; a refresh token is kept, encrypted).' },
    APPLICATION: { description: 'As the application itself (admin consent, then client credentials; nothing secret is stored).' },
  },
});

registerEnumType(TenantStatus, {
  name: 'TenantStatus',
  description: "Where a tenant connection is in its life.",
  valuesConfig: {
    PENDING_CONSENT: { description: 'Waiting for an administrator to consent at Microsoft.' },
    ACTIVE: { description: 'Consented; the gateway can get tokens for it.' },
    RECONSENT_REQUIRED: { description: 'Consent was lost (revoked, expired or missing permissions): an administrator must consent again.' },
    DISCONNECTED: { description: 'Disconnected; its stored tokens are deleted.' },
  },
});

registerEnumType(Feature, {
  name: 'Feature',
  description: 'What a tenant connection is for; each feature decides the least-privileged Graph permissions asked for.',
  valuesConfig: {
    READ_DIRECTORY: { description: 'Users, groups and memberships (User.Read.All, GroupMember.Read.All).' },
    READ_ROLES: { description: 'Directory roles and role assignments (RoleManagement.Read.Directory).' },
    READ_POLICIES: { description: 'Conditional-access policies (Policy.Read.All).' },
    READ_APPS: { description: 'Applications, service principals and grants (Application.Read.All).' },
    PROVISIONING: { description: 'Create and update users, manage group members (User.ReadWrite.All, GroupMember.ReadWrite.All).' },
    CHANGE_NOTIFICATIONS: {
      description: 'Near-real-time changes: Graph change notifications on users and groups trigger the delta round (User.Read.All, Group.Read.All; Graph needs Group.Read.All to subscribe to groups).',
    },
  },
});

@ObjectType('Tenant', { description: "A customer's Microsoft Entra tenant connected to the gateway." })
export class TenantObject {
  @Field(() => ID, { description: "The gateway's id for the tenant connection." })
  id!: string;

  @Field({ description: 'A name for people.' })
  displayName!: string;

  @Field(() => String, { nullable: true, description: "The customer's Entra tenant id (GUID), learned from a token at consent; null before." })
  entraTenantId!: string | null;

  @Field(() => CloudValue, { description: 'The cloud the tenant lives in.' })
  cloud!: CloudValue;

  @Field(() => AuthModeValue, { description: 'Delegated or application permissions.' })
  authMode!: AuthModeValue;

  @Field(() => TenantStatus, { description: 'Where the connection is in its life.' })
  status!: TenantStatus;

  @Field(() => [Feature], { description: 'What the connection is for.' })
  features!: Feature[];

  @Field(() => [String], { description: 'Graph permissions the last consent granted (delegated scopes or application roles).' })
  grantedScopes!: string[];

  @Field(() => Int, { description: 'Seconds between two directory syncs.' })
  syncIntervalSeconds!: number;

  @Field({ description: 'When the connection was requested.' })
  createdAt!: Date;

  @Field({ description: 'When the record last changed.' })
  updatedAt!: Date;
}

@ObjectType('TenantStatusChange', { description: "One change of a tenant's status." })
export class TenantStatusChangeObject {
  @Field(() => TenantStatus, { nullable: true, description: 'The status before; null for the first status.' })
  from!: TenantStatus | null;

  @Field(() => TenantStatus, { description: 'The status after.' })
  to!: TenantStatus;

  @Field({ description: 'Why it changed (an AADSTS code where Microsoft gave one).' })
  reason!: string;

  @Field({ description: 'When it changed.' })
  at!: Date;
}

@ObjectType({ description: 'A tenant in a page of tenants.' })
export class TenantEdge {
  @Field({ description: 'Pass as `after` to get the tenants that follow this one.' })
  cursor!: string;

  @Field(() => TenantObject, { description: 'The tenant.' })
  node!: Tenant;
}

@ObjectType({ description: 'A page of the tenants the caller may see.' })
export class TenantConnection {
  @Field(() => [TenantEdge], { description: 'The tenants of this page, in a stable order.' })
  edges!: TenantEdge[];

  @Field(() => PageInfo, { description: 'Where this page ends.' })
  pageInfo!: PageInfo;
}

@InputType({ description: 'A tenant to connect: the gateway answers with the Microsoft consent URL to send its administrator to.' })
export class ConnectTenantInput {
  @Field({ description: 'A name for people (1 to 200 characters).' })
  displayName!: string;

  @Field(() => CloudValue, { description: "The tenant's cloud; it must be the cloud of the gateway's app registration (ENTRA_CLOUD)." })
  cloud!: CloudValue;

  @Field(() => AuthModeValue, { description: 'Delegated or application permissions.' })
  authMode!: AuthModeValue;

  @Field(() => [Feature], { description: 'What the connection is for (at least one); decides the permissions asked for.' })
  features!: Feature[];

  @Field({ description: 'Where the browser goes after consent (an origin in ALLOWED_RETURN_ORIGINS), with ?tenantId&status or &error&error_description.' })
  returnUrl!: string;

  @Field(() => String, { nullable: true, description: "The administrator's sign-in name, pre-filled on Microsoft's page (delegated only)." })
  loginHint?: string | null;
}

@InputType({ description: 'Changes to a tenant connection; fields left out stay as they are.' })
export class UpdateTenantInput {
  @Field(() => String, { nullable: true, description: 'A name for people (1 to 200 characters).' })
  displayName?: string | null;

  @Field(() => [Feature], { nullable: true, description: 'What the connection is for; permissions not yet granted show in missingScopes.' })
  features?: Feature[] | null;

  @Field(() => Int, { nullable: true, description: 'Seconds between two directory syncs (60 to 86400).' })
  syncIntervalSeconds?: number | null;
}

@ObjectType({ description: 'A new tenant connection and where to send its administrator.' })
export class ConnectTenantPayload {
  @Field(() => TenantObject, { description: 'The tenant, PENDING_CONSENT until the administrator consents.' })
  tenant!: Tenant;

  @Field({ description: "Microsoft's consent URL; single-use and valid for 10 minutes." })
  consentUrl!: string;
}

@ObjectType({ description: 'The result of asking Microsoft for a token for a tenant now.' })
export class TenantConnectionCheck {
  @Field(() => TenantObject, { description: 'The tenant, with the status the check left it in.' })
  tenant!: Tenant;

  @Field({ description: 'True when Microsoft issued a token.' })
  tokenAcquired!: boolean;

  @Field(() => String, { nullable: true, description: 'Why no token was issued; null when one was.' })
  problem!: string | null;
}
