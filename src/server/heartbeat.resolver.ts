/**
 * `Subscription.heartbeat`: ticks a few times, then completes. It proves the WebSocket path end to end and
 * lets a client check that its connection is alive.
 */
import 'reflect-metadata';
import { Repeater } from '@graphql-yoga/subscription';
import { Arg, Field, Int, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { Access, ANY_CALLER } from '../core/auth/access';
import { ErrorCode, GatewayError } from '../core/errors';

@ObjectType({ description: 'One tick of a heartbeat subscription.' })
export class Heartbeat {
  @Field(() => Int, { description: 'Starts at 1.' })
  sequence!: number;

  @Field({ description: "The instance's clock at this tick." })
  at!: Date;
}

export const HEARTBEAT_LIMITS = {
  intervalMs: { min: 10, max: 60_000, default: 1_000 },
  count: { min: 1, max: 1_000, default: 3 },
} as const;

export interface HeartbeatArgs {
  intervalMs: number;
  count: number;
}

function checkRange(name: keyof typeof HEARTBEAT_LIMITS, value: number): void {
  const { min, max } = HEARTBEAT_LIMITS[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `${name}: expected an integer from ${min} to ${max}, received ${value}`);
  }
}

/** The first tick comes at once, then one every intervalMs; ending the subscription clears the timer at once. */
export function heartbeats({ intervalMs, count }: HeartbeatArgs): AsyncIterable<Heartbeat> {
  checkRange('intervalMs', intervalMs);
  checkRange('count', count);
  return new Repeater<Heartbeat>(async (push, stop) => {
    let sequence = 0;
    const tick = () => {
      sequence += 1;
      void push({ sequence, at: new Date() });
      if (sequence >= count) stop();
    };
    tick();
    const timer = setInterval(tick, intervalMs);
    await stop;
    clearInterval(timer);
  });
}

@Resolver()
export class HeartbeatResolver {
  @Access(ANY_CALLER)
  @Subscription(() => Heartbeat, {
    description: 'Ticks `count` times, `intervalMs` apart (the first at once), then completes.',
    subscribe: ({ args }) => heartbeats(args as HeartbeatArgs),
  })
  heartbeat(
    @Root() beat: Heartbeat,
    @Arg('intervalMs', () => Int, { defaultValue: HEARTBEAT_LIMITS.intervalMs.default }) _intervalMs: number,
    @Arg('count', () => Int, { defaultValue: HEARTBEAT_LIMITS.count.default }) _count: number,
  ): Heartbeat {
    return beat;
  }
}
