/** The SSRF guard's decisions as tables: address classes, URL forms, and what a resolved host may connect to. */
import { checkEndpointUrl, chooseAddress, classifyAddress } from '../../src/webhooks/ssrf';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['not-an-ip', 'reserved'],
  ])('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });
});

describe('checkEndpointUrl', () => {
  it.each([
    ['https://hooks.example.com/x', false, true],
    ['http://hooks.example.com/x', false, false],
    ['http://localhost:8080/x', false, false],
    ['http://localhost:8080/x', true, true],
    ['http://127.0.0.1:8080/x', true, true],
    ['http://[::1]:8080/x', true, true],
    ['http://10.0.0.5/x', true, false],
    ['https://user:pw@hooks.example.com/', false, false],
    ['https://hooks.example.com/#frag', false, false],
    ['ftp://hooks.example.com/', true, false],
    ['hooks.example.com/x', false, false],
  ])('%s (development %s) accepted: %s', (url, development, ok) => {
    expect(checkEndpointUrl(url, { development }).ok).toBe(ok);
  });

  it('says what was expected and what arrived', () => {
    expect(checkEndpointUrl('http://hooks.example.com/x', { development: false })).toEqual({ ok: false, reason: 'url: expected https, got http://hooks.example.com' });
  });
});

describe('chooseAddress (what a host resolved to)', () => {
  const v4 = (address: string) => ({ address, family: 4 });
  const v6 = (address: string) => ({ address, family: 6 });
  it.each([
    ['public only', [v4('93.184.216.34')], false, '93.184.216.34'],
    ['a name resolving to a private address', [v4('10.0.0.7')], false, null],
    ['a name resolving to the metadata service', [v4('169.254.169.254')], false, null],
    ['public and private together (refused: the private one could be dialled)', [v4('93.184.216.34'), v4('192.168.0.10')], false, null],
    ['an IPv6 unique-local answer', [v6('fd00::5')], false, null],
    ['an IPv4-mapped loopback answer', [v6('::ffff:127.0.0.1')], false, null],
    ['public IPv6', [v6('2606:4700:4700::1111')], false, '2606:4700:4700::1111'],
    ['loopback in development', [v4('127.0.0.1')], true, '127.0.0.1'],
    ['no address at all', [], true, null],
  ])('%s', (_what, addresses, development, pinned) => {
    const decision = chooseAddress('hooks.example.com', addresses, { development });
    expect(decision.ok ? decision.address : null).toBe(pinned);
    if (!decision.ok) expect(decision.reason).toMatch(/^url: hooks\.example\.com resolves to /);
  });
});
