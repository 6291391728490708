/**
 * How many operations one WebSocket, and one caller across this instance's sockets, may have running at once.
 * Counted from graphql-ws's own table of a socket's operations (which already holds the one being started), so
 * nothing has to be decremented and nothing can leak.
 */
import type { Principal } from '../core/auth/principal';

export interface SubscriptionCaps {
  maxSubscriptionsPerSocket: number;
  maxSubscriptionsPerKey: number;
}

/** One caller across sockets: an API key, a JWT subject, the bootstrap key. */
export function callerKey(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}

/** Why another operation may not start (naming the limit and its setting), or null. Counts include the new one. */
export function subscriptionCapViolation(onSocket: number, ofCaller: number, caps: SubscriptionCaps): { message: string; limit: string; max: number } | null {
  if (onSocket > caps.maxSubscriptionsPerSocket) {
    return {
      message: `operations on this WebSocket: expected at most ${caps.maxSubscriptionsPerSocket} at once (WS_MAX_SUBSCRIPTIONS_PER_SOCKET), received a request for operation ${onSocket}; complete one first`,
      limit: 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET',
      max: caps.maxSubscriptionsPerSocket,
    };
  }
  if (ofCaller > caps.maxSubscriptionsPerKey) {
    return {
      message: `operations of this caller over WebSocket: expected at most ${caps.maxSubscriptionsPerKey} at once on this instance (WS_MAX_SUBSCRIPTIONS_PER_KEY), received a request for operation ${ofCaller}; complete one first`,
      limit: 'WS_MAX_SUBSCRIPTIONS_PER_KEY',
      max: caps.maxSubscriptionsPerKey,
    };
  }
  return null;
}
