/** Role assignments and privileged users, for security reviews. DirectoryRole itself is shared (directory-object.types.ts). */
import 'reflect-metadata';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { DirectoryMember, type Group, type ServicePrincipal, type User } from '../directory-object.types';

export type RolePrincipal = User | Group | ServicePrincipal;

export enum RoleAssignmentState {
  ACTIVE = 'ACTIVE',
  ELIGIBLE = 'ELIGIBLE',
}
registerEnumType(RoleAssignmentState, {
  name: 'RoleAssignmentState',
  description: 'ACTIVE: the role is held now. ELIGIBLE: Privileged Identity Management lets the principal activate it at any time.',
});

export enum RoleHoldingPath {
  DIRECT = 'DIRECT',
  GROUP = 'GROUP',
}
registerEnumType(RoleHoldingPath, {
  name: 'RoleHoldingPath',
  description: "DIRECT: assigned to the principal itself. GROUP: through a role-assignable group it belongs to (Graph's memberType Group).",
});

@ObjectType({ description: 'The role-assignable group through which a principal holds a role.' })
export class RoleGroupPath {
  @Field(() => ID, { description: "The group's object id." })
  id!: string;

  @Field(() => String, { nullable: true, description: "The group's display name; null when Graph did not return it." })
  displayName!: string | null;
}

@ObjectType({ description: "A directory role granted to a principal (Graph's unifiedRoleAssignment), at the tenant or a narrower scope." })
export class RoleAssignment {
  @Field(() => ID, { description: 'The assignment id.' })
  id!: string;

  @Field(() => ID, { description: 'Who holds the role: a user, a role-assignable group or a service principal.' })
  principalId!: string;

  @Field(() => DirectoryMember, { nullable: true, description: 'The holder, as Graph expanded it; null when Graph did not return it (e.g. deleted).' })
  principal!: RolePrincipal | null;

  @Field(() => ID, { description: 'The role definition id: the role TEMPLATE id for built-in roles.' })
  roleDefinitionId!: string;

  @Field(() => String, { nullable: true, description: 'The role name, e.g. Global Administrator; null for a definition the tenant does not list.' })
  roleName!: string | null;

  @Field({ description: 'Where the role applies: "/" for the whole tenant, else an administrative unit or object.' })
  directoryScopeId!: string;

  @Field({
    description:
      'True for a built-in role Microsoft labels privileged (Global Administrator, Privileged Role Administrator, User Administrator ...), or a custom role granting a permission Microsoft labels privileged (see privilegedPermissions).',
  })
  privileged!: boolean;

  @Field({ description: 'True for a custom role definition (isBuiltIn false).' })
  customRole!: boolean;

  @Field(() => [String], { description: "For a custom role: the permissions among its rolePermissions that Microsoft labels privileged, which make it privileged; empty otherwise." })
  privilegedPermissions!: string[];

  @Field(() => RoleGroupPath, { nullable: true, description: 'Set when the principal holds the role as a member of a role-assignable group (via GROUP): that group.' })
  viaGroup!: RoleGroupPath | null;

  @Field(() => RoleAssignmentState, { description: 'Held now (ACTIVE), or only activatable (ELIGIBLE, from Privileged Identity Management).' })
  state!: RoleAssignmentState;

  @Field(() => RoleHoldingPath, { description: 'Assigned directly, or through a role-assignable group (viaGroup names it).' })
  via!: RoleHoldingPath;

  @Field(() => Date, { nullable: true, description: 'When the assignment or eligibility began; null when Graph does not say.' })
  startsAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it ends; null when it is permanent.' })
  endsAt!: Date | null;

  @Field({ description: 'True when it has no end.' })
  permanent!: boolean;
}

@ObjectType({
  description:
    'A holder of one or more privileged directory roles, for security reviews: who, which roles, through which assignments. A role-assignable group is listed as itself, and each of its members as a holder via GROUP.',
})
export class PrivilegedUser {
  @Field(() => ID, { description: "The holder's object id." })
  principalId!: string;

  @Field(() => DirectoryMember, { nullable: true, description: 'The holder: usually a user, else a role-assignable group or a service principal.' })
  principal!: RolePrincipal | null;

  @Field(() => [String], { description: 'The privileged roles held or activatable, by name, sorted.' })
  roles!: string[];

  @Field(() => [String], { description: 'The privileged roles only activatable (ELIGIBLE and not also ACTIVE), by name, sorted.' })
  eligibleRoles!: string[];

  @Field(() => [RoleAssignment], { description: 'The privileged assignments that grant them, active and eligible, each saying how it holds the role.' })
  assignments!: RoleAssignment[];
}
