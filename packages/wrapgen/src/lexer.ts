// Tokens of the C subset. Comments and line splices (backslash-newline) are whitespace.
// A '#' that starts a line opens a directive: its tokens end with an 'eol' token, so the
// parser knows where a #define's value ends.

import { WrapgenSyntaxError } from './errors.js';
import type { SourceLocation } from './model.js';

export type TokenKind = 'ident' | 'number' | 'punct' | 'hash' | 'eol' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly loc: SourceLocation;
  /** Offsets into the file text: [start, end). */
  readonly start: number;
  readonly end: number;
}

const PUNCTUATORS = ['...', '<<', '>>', '{', '}', '(', ')', '[', ']', ';', ',', '*', '=', '+', '-', '|', '&', '~', '^', '/', '%', '!', ':', '.', '<', '>', '?'];

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

/** How a token is quoted in messages: `'int'`, `end of file`, `end of line`. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'eol':
      return 'end of line';
    default:
      return `'${t.text}'`;
  }
}

/** Splits one interface file into tokens; throws WrapgenSyntaxError at the first bad character. */
export function tokenize(file: string, text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let inDirective = false;
  // true until the first token of the current (logical) line
  let atLineStart = true;
  const n = text.length;

  const locAt = (offset: number): SourceLocation => ({ file, line, column: offset - lineStart + 1 });
  const push = (kind: TokenKind, start: number, end: number, loc: SourceLocation): void => {
    tokens.push({ kind, text: text.slice(start, end), loc, start, end });
  };
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };

  while (i < n) {
    const c = text[i] as string;
    if (c === '\n') {
      if (inDirective) {
        push('eol', i, i, locAt(i));
        inDirective = false;
      }
      newline(i);
      i++;
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      // line splice: the logical line goes on
      i += text[i + 1] === '\n' ? 1 : 2;
      newline(i);
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const loc = locAt(i);
      i += 2;
      for (;;) {
        if (i >= n) throw new WrapgenSyntaxError('UNTERMINATED_COMMENT', loc, "unterminated comment: '/*' without '*/'");
        if (text[i] === '*' && text[i + 1] === '/') {
          i += 2;
          break;
        }
        if (text[i] === '\n') newline(i);
        i++;
      }
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    const loc = locAt(i);
    if (c === '#') {
      if (!atLineStart) {
        throw new WrapgenSyntaxError('INVALID_CHARACTER', loc, "unexpected '#': a directive must start its line");
      }
      push('hash', i, i + 1, loc);
      i++;
      inDirective = true;
      atLineStart = false;
      continue;
    }
    atLineStart = false;
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(text[i] as string)) i++;
      push('ident', start, i, loc);
      continue;
    }
    if (c >= '0' && c <= '9') {
      // a pp-number: digits, letters, '_' and '.', checked by the constant evaluator
      while (i < n && (isIdentPart(text[i] as string) || text[i] === '.')) i++;
      push('number', start, i, loc);
      continue;
    }
    if (c === '"' || c === "'") {
      throw new WrapgenSyntaxError(
        'UNSUPPORTED_SYNTAX',
        loc,
        `${c === '"' ? 'string literals' : 'character constants'} are not supported in the interface`,
      );
    }
    const p = PUNCTUATORS.find((q) => text.startsWith(q, i));
    if (p === undefined) {
      throw new WrapgenSyntaxError('INVALID_CHARACTER', loc, `unexpected character '${c}'`);
    }
    i += p.length;
    push('punct', start, i, loc);
  }
  if (inDirective) push('eol', n, n, locAt(n));
  push('eof', n, n, locAt(n));
  return tokens;
}
