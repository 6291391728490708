/** Role assignments and privileged users, for security reviews. DirectoryRole itself is shared (directory-object.types.ts). */
import 'reflect-metadata';
import { Field, ID, ObjectType } from 'type-graphql';
import { DirectoryMember, type Group, type ServicePrincipal, type User } from '../directory-object.types';

export type RolePrincipal = User | Group | ServicePrincipal;

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

  @Field({ description: 'True for a role Microsoft labels privileged (Global Administrator, Privileged Role Administrator, User Administrator ...).' })
  privileged!: boolean;
}

@ObjectType({
  description:
    'A holder of one or more privileged directory roles, for security reviews: who, which roles, through which assignments. A role-assignable group is listed as itself; its members hold the roles too.',
})
export class PrivilegedUser {
  @Field(() => ID, { description: "The holder's object id." })
  principalId!: string;

  @Field(() => DirectoryMember, { nullable: true, description: 'The holder: usually a user, else a role-assignable group or a service principal.' })
  principal!: RolePrincipal | null;

  @Field(() => [String], { description: 'The privileged roles held, by name, sorted.' })
  roles!: string[];

  @Field(() => [RoleAssignment], { description: 'The privileged assignments that grant them.' })
  assignments!: RoleAssignment[];
}
