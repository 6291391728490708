/**
 * Initial passwords, as pure functions over an injected source of randomness. Entra's rules (graph-facts §8,
 * Microsoft's password policy): 8 to 256 characters, at least three of lower case, upper case, digits and
 * symbols. We generate 20 characters holding all four classes, and refuse (generated or given) any password
 * that contains a part of the user's sign-in name, which Entra's banned-password check also rejects.
 */
import { randomInt } from 'node:crypto';

export const GENERATED_PASSWORD_LENGTH = 20;
const LOWER = 'abcdefghijkmnopqrstuvwxyz'; // no l: told apart from 1 and I when read aloud
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ'; // no I, O
const DIGITS = '23456789'; // no 0, 1
/** Symbols Entra accepts that need no quoting in JSON, shells or URLs people paste them into. */
const SYMBOLS = '!#$%*+-=?@^_~';
const ALL = LOWER + UPPER + DIGITS + SYMBOLS;

/** A uniform integer in [0, max). */
export type RandomInt = (max: number) => number;

/** Parts of the sign-in name a password must not contain: the local part and its pieces of 3+ characters. */
export function upnParts(userPrincipalName: string): string[] {
  const local = userPrincipalName.split('@')[0]?.toLowerCase() ?? '';
  const pieces = local.split(/[._\-+#]/).filter((p) => p.length >= 3);
  return [...new Set([local, ...pieces].filter((p) => p.length >= 3))];
}

/** Why `password` is not acceptable for the user, or null when it is. */
export function passwordProblem(password: string, userPrincipalName: string): string | null {
  if (password.length < 8 || password.length > 256) return `expected 8 to 256 characters, got ${password.length}`;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) return `expected at least three of lower case, upper case, digits and symbols, got ${classes}`;
  const lower = password.toLowerCase();
  if (upnParts(userPrincipalName).some((part) => lower.includes(part))) return 'must not contain a part of the userPrincipalName';
  return null;
}

/** A fresh password meeting passwordProblem's rules, with every character class present. */
export function generatePassword(userPrincipalName: string, random: RandomInt = randomInt): string {
  for (;;) {
    const pick = (alphabet: string) => alphabet[random(alphabet.length)];
    const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
    while (chars.length < GENERATED_PASSWORD_LENGTH) chars.push(pick(ALL));
    // Fisher-Yates, so the guaranteed classes are not always the first four characters.
    for (let i = chars.length - 1; i > 0; i -= 1) {
      const j = random(i + 1);
      [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    const password = chars.join('');
    // A 20-character random string containing a 3+ letter piece of a name is rare; draw again when it happens.
    if (passwordProblem(password, userPrincipalName) === null) return password;
  }
}
