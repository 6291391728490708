import { parseSimCommand, resolveGroup, resolveUser } from '../../src/simulator/sim-command';

const fixture = {
  users: { financeEmployee: { id: '11111111-1111-4111-8111-111111111111', userPrincipalName: 'nora.finch@verafield.com' } },
  groups: { finance: '22222222-2222-4222-8222-222222222222', engineering: '33333333-3333-4333-8333-333333333333' },
} as never;

describe('npm run sim -- <command>', () => {
  it.each([
    [['users'], { kind: 'users' }],
    [['tenants'], { kind: 'tenants' }],
    [['move', 'financeEmployee', 'finance', 'engineering'], { kind: 'move', user: 'financeEmployee', from: 'finance', to: 'engineering' }],
    [['add', 'finance', 'nora.finch@verafield.com'], { kind: 'add', group: 'finance', user: 'nora.finch@verafield.com' }],
  ])('%j parses', (argv, expected) => {
    expect(parseSimCommand(argv)).toEqual(expected);
  });

  it.each([
    [[], 'expected a command (tenants, users, groups, move, add, remove), got nothing'],
    [['fly'], 'expected a command (tenants, users, groups, move, add, remove), got "fly"'],
    [['move', 'a', 'b'], 'move: expected <user> <from group> <to group>, got "a" "b"'],
    [['users', 'x'], 'users: expected no arguments, got "x"'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseSimCommand(argv)).toThrow(message);
  });

  it.each([
    ['financeEmployee', '11111111-1111-4111-8111-111111111111'],
    ['NORA.FINCH@verafield.com', '11111111-1111-4111-8111-111111111111'],
    ['AAAAAAAA-1111-4111-8111-111111111111', 'aaaaaaaa-1111-4111-8111-111111111111'],
  ])('user %s resolves', (name, id) => expect(resolveUser(fixture, name)).toBe(id));

  it.each([
    ['Engineering', '33333333-3333-4333-8333-333333333333'],
    ['finance', '22222222-2222-4222-8222-222222222222'],
  ])('group %s resolves', (name, id) => expect(resolveGroup(fixture, name)).toBe(id));

  it('says what it expected for an unknown name', () => {
    expect(() => resolveUser(fixture, 'bob')).toThrow('user: expected an id, a fixture key or a user principal name (see npm run sim -- users), got "bob"');
    expect(() => resolveGroup(fixture, 'sales-team')).toThrow('group: expected an id or a fixture key (see npm run sim -- groups), got "sales-team"');
  });
});
