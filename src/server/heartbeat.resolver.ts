/**
 * `Subscription.heartbeat`: ticks a few times, then completes. It proves the WebSocket path end to end and
 * lets a client check that its connection is alive. It needs events:read (the scope of the callers that hold
 * sockets open: event subscribers), and at least HEARTBEAT_MIN_INTERVAL_MS between ticks, so that a handful
 * of subscriptions cannot make the instance send thousands of messages a second.
 */
import 'reflect-metadata';
import { Repeater } from '@graphql-yoga/subscription';
import { Arg, Field, Int, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { Access } from '../core/auth/access';
import { ApiScope } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
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

function checkRange(name: keyof typeof HEARTBEAT_LIMITS, value: number, min: number = HEARTBEAT_LIMITS[name].min): void {
  const { max } = HEARTBEAT_LIMITS[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `${name}: expected an integer from ${min} to ${max}, received ${value}`);
  }
}

/**
 * The first tick comes at once, then one every intervalMs; ending the subscription clears the timer at once.
 * `minIntervalMs`: the configured floor (HEARTBEAT_MIN_INTERVAL_MS), never below HEARTBEAT_LIMITS' own.
 */
export function heartbeats({ intervalMs, count }: HeartbeatArgs, minIntervalMs: number = HEARTBEAT_LIMITS.intervalMs.min): AsyncIterable<Heartbeat> {
  checkRange('intervalMs', intervalMs, Math.max(HEARTBEAT_LIMITS.intervalMs.min, minIntervalMs));
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
  @Access(ApiScope.EVENTS_READ)
  @Subscription(() => Heartbeat, {
    description:
      'Ticks `count` times, `intervalMs` apart (the first at once), then completes (events:read). intervalMs is at least the ' +
      "gateway's HEARTBEAT_MIN_INTERVAL_MS (default 1000).",
    subscribe: ({ args, context }) => heartbeats(args as HeartbeatArgs, (context as GatewayContext).services.config.server.heartbeatMinIntervalMs),
  })
  heartbeat(
    @Root() beat: Heartbeat | undefined,
    @Arg('intervalMs', () => Int, { defaultValue: HEARTBEAT_LIMITS.intervalMs.default }) _intervalMs: number,
    @Arg('count', () => Int, { defaultValue: HEARTBEAT_LIMITS.count.default }) _count: number,
  ): Heartbeat {
    // Over HTTP a subscription runs through this resolver alone, with nothing to resolve (as directoryEvents).
    if (!beat) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'heartbeat: expected a subscription over WebSocket (graphql-ws) at /graphql, got a plain HTTP request');
    return beat;
  }
}
