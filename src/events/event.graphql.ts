/** The GraphQL shapes of the event log: one event, a page of events. */
import 'reflect-metadata';
import { JSONObjectResolver } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../core/page-info';
import { DirectoryEventType } from './event.types';

registerEnumType(DirectoryEventType, {
  name: 'DirectoryEventType',
  description: 'What changed; the event\'s payload holds the details of its type.',
});

@ObjectType('DirectoryEvent', { description: "One change in a tenant's directory or connection, from the gateway's event log." })
export class DirectoryEventObject {
  @Field({ description: 'Pass as `after` (to `events` or `directoryEvents`) to continue after this event. Opaque and signed.' })
  cursor!: string;

  @Field({ description: 'Position in the global log (a 64-bit integer as a string): increases with every event; never reused.' })
  sequence!: string;

  @Field(() => DirectoryEventType)
  type!: DirectoryEventType;

  @Field(() => ID)
  tenantId!: string;

  @Field(() => String, { nullable: true, description: 'The Entra object the event is about (user or group id), when there is one.' })
  subjectId!: string | null;

  @Field({ description: 'When the change was recorded.' })
  occurredAt!: Date;

  @Field(() => JSONObjectResolver, { description: 'Type-specific details.' })
  payload!: Record<string, unknown>;
}

@ObjectType({ description: 'An event in a page of events.' })
export class DirectoryEventEdge {
  @Field({ description: 'Pass as `after` to get the events that follow this one.' })
  cursor!: string;

  @Field(() => DirectoryEventObject)
  node!: DirectoryEventObject;
}

@ObjectType({ description: "A page of a tenant's events, oldest first." })
export class DirectoryEventConnection {
  @Field(() => [DirectoryEventEdge])
  edges!: DirectoryEventEdge[];

  @Field(() => PageInfo, { description: 'Where this page ends. On an empty page endCursor is the `after` that was given, so a poller can always pass it back.' })
  pageInfo!: PageInfo;
}
