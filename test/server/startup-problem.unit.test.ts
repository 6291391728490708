import { startupProblem } from '../../src/server/startup-problem';

function errnoError(code: string, port: number, address = '127.0.0.1'): Error {
  return Object.assign(new Error(`listen ${code}: ${address}:${port}`), { code, port, address, syscall: 'listen' });
}
class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

describe('startupProblem', () => {
  const ports = { gateway: 4000, simulator: 8443 };
  it.each([
    ['the gateway port taken', errnoError('EADDRINUSE', 4000), /127\.0\.0\.1:4000 is already in use .*set PORT to another port/],
    ['the simulator port taken', errnoError('EADDRINUSE', 8443), /:8443 is already in use .*set SIMULATOR_PORT/],
    ['another port taken', errnoError('EADDRINUSE', 9999), /:9999 is already in use .*choose another port/],
    ['a privileged port', errnoError('EACCES', 80, '0.0.0.0'), /not allowed to listen on 0\.0\.0\.0:80: set PORT|choose another port/],
    ['a host not on this machine', errnoError('EADDRNOTAVAIL', 4000, '10.9.9.9'), /check HOST/],
    ['the embedded database', new EmbeddedPostgresError('the data folder .data is in use: npm start (pid 7)'), /^the data folder \.data is in use/],
  ])('%s: says what to change', (_name, error, expected) => {
    expect(startupProblem(error, ports)).toMatch(expected);
  });

  it.each([
    ['an unexpected error', new Error('boom')],
    ['a non-error', 'boom'],
    ['another errno', errnoError('ECONNREFUSED', 4000)],
  ])('%s: is left to the stack trace', (_name, error) => {
    expect(startupProblem(error, ports)).toBeUndefined();
  });
});
