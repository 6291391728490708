/**
 * Tokenizer for the OData $filter subset Graph's directory supports (graph-facts §2). Literal forms follow
 * OData ABNF: strings in single quotes with '' as the escaped quote, bare GUIDs, bare datetimes, numbers,
 * true/false/null. Every token keeps its position so syntax errors can name where they happened.
 */
import { SimGraphError } from '../../errors';

export type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'guid'; value: string; pos: number }
  | { kind: 'datetime'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | ':' | '/'; pos: number }
  | { kind: 'end'; pos: number };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z_-])/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})/;
const NUMBER = /^-?\d+(\.\d+)?(?![0-9A-Za-z_])/;
const IDENT = /^[A-Za-z_@][A-Za-z0-9_.@]*/;

/** Graph answers malformed filters with 400 BadRequest and the position of the problem. */
export function filterSyntaxError(source: string, pos: number, problem: string): SimGraphError {
  return new SimGraphError(400, 'BadRequest', `Invalid filter clause: ${problem} at position ${pos} in '${source}'.`);
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const ch = source[pos];
    if (ch === ' ' || ch === '\t') {
      pos++;
      continue;
    }
    if (ch === "'") {
      const { value, next } = readString(source, pos);
      tokens.push({ kind: 'string', value, pos });
      pos = next;
      continue;
    }
    if ('(),:/'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch as '(' | ')' | ',' | ':' | '/', pos });
      pos++;
      continue;
    }
    const rest = source.slice(pos);
    const literal = matchLiteral(rest, pos);
    if (literal) {
      tokens.push(literal.token);
      pos += literal.length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (!ident) throw filterSyntaxError(source, pos, `unexpected character '${ch}'`);
    tokens.push({ kind: 'ident', text: ident[0], pos });
    pos += ident[0].length;
  }
  tokens.push({ kind: 'end', pos });
  return tokens;
}

/** GUIDs are tried first: a GUID such as 12345678-... would otherwise lex as a number followed by junk. */
function matchLiteral(rest: string, pos: number): { token: Token; length: number } | undefined {
  const guid = GUID.exec(rest);
  if (guid) return { token: { kind: 'guid', value: guid[0].toLowerCase(), pos }, length: guid[0].length };
  const dt = DATETIME.exec(rest);
  if (dt) return { token: { kind: 'datetime', value: dt[0], pos }, length: dt[0].length };
  const num = NUMBER.exec(rest);
  if (num) return { token: { kind: 'number', value: Number(num[0]), pos }, length: num[0].length };
  return undefined;
}

function readString(source: string, start: number): { value: string; next: number } {
  let value = '';
  let pos = start + 1;
  while (pos < source.length) {
    if (source[pos] === "'") {
      // A doubled quote is an escaped quote inside the literal, not its end.
      if (source[pos + 1] === "'") {
        value += "'";
        pos += 2;
        continue;
      }
      return { value, next: pos + 1 };
    }
    value += source[pos];
    pos++;
  }
  throw filterSyntaxError(source, start, 'unterminated string literal');
}
