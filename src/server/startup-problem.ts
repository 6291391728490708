/**
 * Start-up failures a person can fix, as one sentence that says what to change; anything else is unexpected and
 * keeps its stack. A pure function of the error and the ports configured.
 */
export interface ConfiguredPorts {
  /** PORT */
  gateway: number;
  /** SIMULATOR_PORT, when the simulator runs */
  simulator?: number;
}

export function startupProblem(error: unknown, ports: ConfiguredPorts): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'EmbeddedPostgresError') return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  const { port, address } = error as { port?: number; address?: string };
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const variable = port === ports.gateway ? 'PORT' : port !== undefined && port === ports.simulator ? 'SIMULATOR_PORT' : undefined;
    const where = `${address ?? 'the address'}:${port ?? '?'}`;
    const fix = variable ? `set ${variable} to another port` : 'choose another port';
    if (code === 'EADDRINUSE') return `${where} is already in use (is another gateway running?): stop that program, or ${fix}.`;
    if (code === 'EACCES') return `not allowed to listen on ${where}: ${fix} (above 1023).`;
    return `cannot listen on ${where}: the address is not on this machine; check HOST.`;
  }
  return undefined;
}
