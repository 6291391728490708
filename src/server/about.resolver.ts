/** `Query.gateway`: a small "about" object, the first thing a developer asks in the Sandbox. */
import 'reflect-metadata';
import { Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { Access, ANY_CALLER } from '../core/auth/access';
import type { GatewayContext } from '../core/context';

@ObjectType({ description: 'Facts about the gateway instance that answered.' })
export class GatewayAbout {
  @Field({ description: 'The gateway version (package.json).' })
  version!: string;

  @Field({ description: "The instance's clock when it answered." })
  time!: Date;

  @Field({ description: 'True when the identity platform and Graph are the local Entra simulator.' })
  simulator!: boolean;
}

@Resolver()
export class AboutResolver {
  @Access(ANY_CALLER)
  @Query(() => GatewayAbout, { description: 'Facts about the gateway instance that answered.' })
  gateway(@Ctx() ctx: GatewayContext): GatewayAbout {
    return { version: ctx.gateway.version, time: new Date(), simulator: ctx.gateway.simulator };
  }
}
