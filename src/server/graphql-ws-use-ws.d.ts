/**
 * Types for the `graphql-ws/use/ws` entry point. The package declares it only in its "exports" map, which
 * TypeScript's node10 module resolution (this project's) does not read; node and jest resolve it at runtime.
 */
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
