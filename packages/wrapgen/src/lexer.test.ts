import { describe, expect, it } from 'vitest';
import { tokenize } from './lexer.js';

describe('lexer', () => {
  it('tracks lines and columns across comments and line splices', () => {
    const toks = tokenize('f.h', '/* a\n b */ int x; // c\n#define A \\\n  1\nlong y;');
    const brief = toks.map((t) => `${t.kind}:${t.text}@${t.loc.line}:${t.loc.column}`);
    expect(brief).toEqual([
      'ident:int@2:7',
      'ident:x@2:11',
      'punct:;@2:12',
      'hash:#@3:1',
      'ident:define@3:2',
      'ident:A@3:9',
      'number:1@4:3',
      'eol:@4:4',
      'ident:long@5:1',
      'ident:y@5:6',
      'punct:;@5:7',
      'eof:@5:8',
    ]);
  });

  it('reads the longest punctuator', () => {
    expect(tokenize('f.h', 'a<<b>>c...').map((t) => t.text)).toEqual(['a', '<<', 'b', '>>', 'c', '...', '']);
  });

  it('ends a directive at the end of the file', () => {
    expect(tokenize('f.h', '#define A 1').map((t) => t.kind)).toEqual(['hash', 'ident', 'ident', 'number', 'eol', 'eof']);
  });
});
