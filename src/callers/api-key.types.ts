/** GraphQL types for API keys. The stored hash never appears here; the whole key only in CreatedApiKey, once. */
import 'reflect-metadata';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { ApiKeyRecord } from './api-key.entity';
import { ApiScope } from '../core/auth/principal';

registerEnumType(ApiScope, {
  name: 'ApiScope',
  description: 'What a caller of the gateway may do.',
  valuesConfig: {
    TENANTS_ADMIN: { description: 'Connect and manage tenants, and manage API keys.' },
    DIRECTORY_READ: { description: 'Read users, groups, roles, policies and apps of the allowed tenants.' },
    DIRECTORY_WRITE: { description: 'Provision users and group memberships in the allowed tenants.' },
    EVENTS_READ: { description: 'Subscribe to change events of the allowed tenants.' },
  },
});

@ObjectType('ApiKey', { description: 'A key a program uses to call the gateway. Its secret is shown only once, at creation.' })
export class ApiKeyObject {
  @Field(() => ID, { description: 'The key id: the middle part of egk_<id>_<secret>.' })
  id!: string;

  @Field({ description: 'What the key is for, as its creator named it.' })
  name!: string;

  @Field(() => [ApiScope], { description: 'What the key may do.' })
  scopes!: ApiScope[];

  @Field(() => [ID], { nullable: true, description: 'The tenants the key may touch; null means every tenant.' })
  tenantIds!: string[] | null;

  @Field({ description: 'When the key was created.' })
  createdAt!: Date;

  @Field({ description: 'Who created it: api_key:<id>, jwt:<subject>, bootstrap or cli.' })
  createdBy!: string;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked; null while it is valid.' })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was last used, to the minute; null if never.' })
  lastUsedAt!: Date | null;
}

export function toApiKeyObject(record: ApiKeyRecord): ApiKeyObject {
  const { id, name, scopes, tenantIds, createdAt, createdBy, revokedAt, lastUsedAt } = record;
  return { id, name, scopes, tenantIds, createdAt, createdBy, revokedAt, lastUsedAt };
}

@InputType({ description: 'A new API key. It may not have more rights than the caller creating it.' })
export class CreateApiKeyInput {
  @Field({ description: 'What the key is for (1 to 100 characters).' })
  name!: string;

  @Field(() => [ApiScope], { description: 'What the key may do; at least one scope.' })
  scopes!: ApiScope[];

  @Field(() => [ID], { nullable: true, description: 'The tenants the key may touch; leave out for every tenant.' })
  tenantIds?: string[] | null;
}

@InputType({ description: 'Changes to an API key; fields left out stay as they are. It may not get more rights than the caller has.' })
export class UpdateApiKeyInput {
  @Field(() => String, { nullable: true, description: 'A new name (1 to 100 characters).' })
  name?: string | null;

  @Field(() => [ApiScope], { nullable: true, description: 'The new scopes (replacing the old ones); at least one.' })
  scopes?: ApiScope[] | null;

  @Field(() => [ID], { nullable: true, description: 'The new tenants (replacing the old ones); null for every tenant; leave out to keep them.' })
  tenantIds?: string[] | null;
}

@ObjectType({ description: 'A freshly created API key and its secret.' })
export class CreatedApiKey {
  @Field(() => ApiKeyObject, { description: 'The key as listed from now on.' })
  apiKey!: ApiKeyObject;

  @Field({ description: 'The whole key (egk_<id>_<secret>) to send as "Authorization: Bearer ...". Shown only this once.' })
  secret!: string;
}

@ObjectType({ description: 'One page of API keys, oldest first.' })
export class ApiKeyPage {
  @Field(() => [ApiKeyObject], { description: 'The keys of this page.' })
  nodes!: ApiKeyObject[];

  @Field({ description: 'True when more keys follow: ask again with after = endCursor.' })
  hasNextPage!: boolean;

  @Field(() => ID, { nullable: true, description: 'The cursor of the last key of this page; null for an empty page.' })
  endCursor!: string | null;
}
