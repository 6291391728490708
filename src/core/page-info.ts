/** The end of a page of any Relay-style connection of the schema (tenants, directory lists, events, audit). */
import 'reflect-metadata';
import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Where a page of a connection ends.' })
export class PageInfo {
  @Field({ description: 'True when more items follow: ask again with after = endCursor.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the last item of this page; null for an empty page.' })
  endCursor!: string | null;
}
