import { createLogCapture, createLogger, REDACTED, runWithRequestContext } from '../../src/logging';

function setup() {
  const logs = createLogCapture();
  return { logs, logger: createLogger({ level: 'debug', destination: logs.destination }) };
}

describe('logger', () => {
  it('writes JSON lines with a level label and the service name', () => {
    const { logs, logger } = setup();
    logger.info({ tenant: 't1' }, 'hello');
    expect(logs.entries()).toEqual([expect.objectContaining({ level: 'info', msg: 'hello', tenant: 't1', service: 'entra-gateway' })]);
  });

  it('stamps the request id on every line written inside a request context, across awaits', async () => {
    const { logs, logger } = setup();
    await runWithRequestContext({ requestId: 'req-1' }, async () => {
      logger.info('first');
      await new Promise((resolve) => setImmediate(resolve));
      logger.child({ component: 'x' }).warn('second');
    });
    logger.info('outside');
    expect(logs.entries().map((e) => [e.msg, e.requestId])).toEqual([
      ['first', 'req-1'],
      ['second', 'req-1'],
      ['outside', undefined],
    ]);
  });

  it('redacts secret-looking keys at any depth, in bindings and in errors', () => {
    const { logs, logger } = setup();
    const error = Object.assign(new Error('token refresh failed'), { response: { body: { refresh_token: 'rt-SECRET-1' } } });
    logger.child({ clientSecret: 'cs-SECRET-2' }).error(
      {
        req: { headers: { authorization: 'Bearer at-SECRET-3', cookie: 'sid=SECRET-4', 'x-api-key': 'SECRET-5' } },
        deep: { a: { b: { c: { d: { password: 'pw-SECRET-6', code_verifier: 'SECRET-7', apiKey: 'SECRET-8' } } } } },
        list: [{ access_token: 'SECRET-9', id_token: 'SECRET-10' }],
        err: error,
      },
      'failure',
    );
    expect(logs.text()).not.toMatch(/SECRET/);
    const [entry] = logs.entries();
    expect(entry).toMatchObject({
      clientSecret: REDACTED,
      req: { headers: { authorization: REDACTED, cookie: REDACTED, 'x-api-key': REDACTED } },
      deep: { a: { b: { c: { d: { password: REDACTED, code_verifier: REDACTED, apiKey: REDACTED } } } } },
      list: [{ access_token: REDACTED, id_token: REDACTED }],
      err: { message: 'token refresh failed', response: { body: { refresh_token: REDACTED } } },
    });
    expect(entry.err).toHaveProperty('stack');
  });

  it('survives cycles', () => {
    const { logs, logger } = setup();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    logger.info({ loop }, 'cyclic');
    expect(logs.entries()[0]).toMatchObject({ loop: { name: 'loop', self: '[Circular]' } });
  });
});
