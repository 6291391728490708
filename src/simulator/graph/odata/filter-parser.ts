/**
 * Recursive-descent parser for Graph's $filter subset:
 *   expr     := and ('or' and)*
 *   and      := unary ('and' unary)*
 *   unary    := 'not' unary | primary
 *   primary  := '(' expr ')' | fn '(' path ',' literal ')' | path '/' 'any' '(' var ':' expr ')'
 *             | path cmp literal | path 'in' '(' literal (',' literal)* ')'
 * It only builds the tree; which properties and operators a collection allows is decided in filter-check.ts.
 */
import { filterSyntaxError, tokenize, type Token } from './filter-lexer';

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'guid'; value: string }
  | { type: 'datetime'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null'; value: null };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FunctionName = 'startsWith' | 'endsWith';

export type FilterExpr =
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; operand: FilterExpr }
  | { kind: 'compare'; op: CompareOp; path: string[]; value: Literal }
  | { kind: 'in'; path: string[]; values: Literal[] }
  | { kind: 'call'; fn: FunctionName; path: string[]; value: Literal }
  | { kind: 'any'; path: string[]; variable: string; body: FilterExpr };

const COMPARE_OPS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const FUNCTIONS: Record<string, FunctionName> = { startswith: 'startsWith', endswith: 'endsWith' };

export function parseFilter(source: string): FilterExpr {
  const parser = new Parser(source, tokenize(source));
  const expr = parser.expression();
  parser.expectEnd();
  return expr;
}

class Parser {
  private index = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  expression(): FilterExpr {
    let left = this.conjunction();
    while (this.acceptKeyword('or')) left = { kind: 'or', left, right: this.conjunction() };
    return left;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') throw this.error(token, `unexpected ${describe(token)}`);
  }

  private conjunction(): FilterExpr {
    let left = this.unary();
    while (this.acceptKeyword('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): FilterExpr {
    if (this.acceptKeyword('not')) return { kind: 'not', operand: this.unary() };
    return this.primary();
  }

  private primary(): FilterExpr {
    if (this.acceptPunct('(')) {
      const inner = this.expression();
      this.expectPunct(')');
      return inner;
    }
    const head = this.peek();
    if (head.kind !== 'ident') throw this.error(head, `expected a property or function but found ${describe(head)}`);
    const fn = FUNCTIONS[head.text.toLowerCase()];
    if (fn && this.peekAt(1).kind === 'punct' && (this.peekAt(1) as { text: string }).text === '(') {
      this.index += 2;
      const path = this.path();
      this.expectPunct(',');
      const value = this.literal();
      this.expectPunct(')');
      return { kind: 'call', fn, path, value };
    }
    const path = this.path();
    if (path[path.length - 1] === 'any' && path.length > 1 && this.acceptPunct('(')) {
      return this.lambda(path.slice(0, -1));
    }
    const op = this.peek();
    if (op.kind === 'ident' && op.text === 'in') {
      this.index++;
      return { kind: 'in', path, values: this.literalList() };
    }
    if (op.kind === 'ident' && COMPARE_OPS.includes(op.text)) {
      this.index++;
      return { kind: 'compare', op: op.text as CompareOp, path, value: this.literal() };
    }
    throw this.error(op, `expected an operator after '${path.join('/')}' but found ${describe(op)}`);
  }

  private lambda(path: string[]): FilterExpr {
    const variable = this.peek();
    if (variable.kind !== 'ident') throw this.error(variable, `expected a lambda variable but found ${describe(variable)}`);
    this.index++;
    this.expectPunct(':');
    const body = this.expression();
    this.expectPunct(')');
    return { kind: 'any', path, variable: variable.text, body };
  }

  private path(): string[] {
    const segments: string[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'ident') throw this.error(token, `expected a property name but found ${describe(token)}`);
      segments.push(token.text);
      this.index++;
      if (!this.acceptPunct('/')) return segments;
    }
  }

  private literalList(): Literal[] {
    this.expectPunct('(');
    const values = [this.literal()];
    while (this.acceptPunct(',')) values.push(this.literal());
    this.expectPunct(')');
    return values;
  }

  private literal(): Literal {
    const token = this.peek();
    this.index++;
    switch (token.kind) {
      case 'string':
      case 'guid':
      case 'datetime':
      case 'number':
        return { type: token.kind, value: token.value } as Literal;
      case 'ident':
        if (token.text === 'true' || token.text === 'false') return { type: 'boolean', value: token.text === 'true' };
        if (token.text === 'null') return { type: 'null', value: null };
    }
    throw this.error(token, `expected a literal but found ${describe(token)}`);
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private peekAt(offset: number): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  private acceptKeyword(word: string): boolean {
    const token = this.peek();
    if (token.kind === 'ident' && token.text === word) {
      this.index++;
      return true;
    }
    return false;
  }

  private acceptPunct(text: string): boolean {
    const token = this.peek();
    if (token.kind === 'punct' && token.text === text) {
      this.index++;
      return true;
    }
    return false;
  }

  private expectPunct(text: string): void {
    const token = this.peek();
    if (!this.acceptPunct(text)) throw this.error(token, `expected '${text}' but found ${describe(token)}`);
  }

  private error(token: Token, problem: string) {
    return filterSyntaxError(this.source, token.pos, problem);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the expression';
    case 'ident':
      return `'${token.text}'`;
    case 'punct':
      return `'${token.text}'`;
    case 'string':
      return `string literal '${token.value.replace(/'/g, "''")}'`;
    default:
      return `${token.kind} literal ${String(token.value)}`;
  }
}
