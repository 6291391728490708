/**
 * `npm start` in a terminal: one line at once, before the gateway's modules load (a second or two, far longer on a
 * busy machine), so a start is never silent. Imported first by main.ts; nothing when stdout is not a terminal, where
 * every line is a JSON log entry.
 */
if (process.stdout.isTTY) process.stdout.write('Entra Gateway: starting (loading its modules; progress follows)\n');

export {};
