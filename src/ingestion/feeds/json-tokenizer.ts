import { FeedSyntaxError } from './feed-item';

/** What the tokenizer reports, in document order. `line` is where the token starts (1-based). */
export interface JsonTokenHandler {
  startObject(line: number): void;
  endObject(): void;
  startArray(line: number): void;
  endArray(): void;
  key(name: string): void;
  value(value: string | number | boolean | null, line: number): void;
}

// Lexer states. "After a value" states are derived from the container stack.
const VALUE = 0; // a value is expected (start of document, after ':' or after ',' in an array)
const VALUE_OR_END = 1; // just after '[': a value or ']'
const KEY_OR_END = 2; // just after '{': a key or '}'
const KEY = 3; // after ',' in an object
const COLON = 4;
const COMMA_OR_END = 5; // after a value inside a container
const DONE = 6; // the root value is complete: only white space may follow
const STRING = 7;
const NUMBER = 8;
const LITERAL = 9;

const OBJECT = 1;
const ARRAY = 2;

const NUMBER_SYNTAX = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Digits, sign, decimal point, exponent: what a number token is made of (validated when it ends). */
function isNumberChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2d || code === 0x2b || code === 0x65 || code === 0x45;
}

function describe(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${ch}'`;
}

/**
 * A streaming JSON tokenizer (RFC 8259, the grammar JSON.parse accepts) that knows where it is:
 * every syntax error is a FeedSyntaxError with its line and column, which is what a partner needs
 * to fix a 500 MB feed. Feed it text in pieces of any size (`write`), then call `end`. Memory is
 * bounded by the longest single string or number, never by the document.
 */
export class JsonTokenizer {
  private state = VALUE;
  private readonly stack: number[] = [];
  /** Absolute offset (UTF-16 units) of the current chunk's first character. */
  private offset = 0;
  private line = 1;
  /** Absolute offset of the current line's first character. */
  private lineStart = 0;
  private started = false;

  // String being read.
  private parts: string[] = [];
  private stringIsKey = false;
  private escape: 'none' | 'backslash' | 'unicode' = 'none';
  private unicodeDigits = '';
  // Number or literal being read.
  private scalar = '';
  private literal = '';
  private tokenLine = 1;
  private tokenColumn = 1;

  constructor(private readonly handler: JsonTokenHandler) {}

  write(text: string): void {
    let i = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1; // byte order mark
    }
    const n = text.length;
    while (i < n) {
      switch (this.state) {
        case STRING:
          i = this.readString(text, i);
          continue;
        case NUMBER: {
          const start = i;
          while (i < n && isNumberChar(text.charCodeAt(i))) i++;
          this.scalar += text.slice(start, i);
          if (i < n) this.finishNumber();
          continue;
        }
        case LITERAL: {
          const ch = text[i];
          if (ch !== this.literal[this.scalar.length]) {
            this.fail(`Unexpected ${describe(ch)}: expected "${this.literal}"`, i);
          }
          this.scalar += ch;
          i++;
          if (this.scalar === this.literal) {
            this.handler.value(this.literal === 'null' ? null : this.literal === 'true', this.tokenLine);
            this.afterValue();
          }
          continue;
        }
      }

      const ch = text[i];
      if (ch === ' ' || ch === '\t' || ch === '\r') {
        i++;
        continue;
      }
      if (ch === '\n') {
        this.line++;
        this.lineStart = this.offset + i + 1;
        i++;
        continue;
      }

      switch (this.state) {
        case VALUE:
        case VALUE_OR_END:
          if (ch === ']' && this.state === VALUE_OR_END) {
            this.closeContainer(ARRAY);
          } else if (ch === ']' && this.stack[this.stack.length - 1] === ARRAY) {
            this.fail(`Unexpected ']': a trailing comma is not allowed in JSON`, i);
          } else {
            this.startValue(ch, i);
          }
          i++;
          break;
        case KEY_OR_END:
        case KEY:
          if (ch === '"') {
            this.beginString(true, i);
          } else if (ch === '}' && this.state === KEY_OR_END) {
            this.closeContainer(OBJECT);
          } else if (ch === '}') {
            this.fail(`Unexpected '}': a trailing comma is not allowed in JSON`, i);
          } else {
            this.fail(
              `Unexpected ${describe(ch)}: expected a key (a string in double quotes)${this.state === KEY_OR_END ? " or '}'" : ''}`,
              i,
            );
          }
          i++;
          break;
        case COLON:
          if (ch !== ':') this.fail(`Unexpected ${describe(ch)}: expected ':' after the key`, i);
          this.state = VALUE;
          i++;
          break;
        case COMMA_OR_END: {
          const top = this.stack[this.stack.length - 1];
          if (ch === ',') this.state = top === OBJECT ? KEY : VALUE;
          else if (ch === '}' && top === OBJECT) this.closeContainer(OBJECT);
          else if (ch === ']' && top === ARRAY) this.closeContainer(ARRAY);
          else this.fail(`Unexpected ${describe(ch)}: expected ',' or '${top === OBJECT ? '}' : ']'}'`, i);
          i++;
          break;
        }
        case DONE:
          this.fail(`Unexpected ${describe(ch)} after the end of the JSON document`, i);
      }
    }
    this.offset += n;
  }

  /** The input is over: anything still open means the feed was cut short. */
  end(): void {
    if (this.state === NUMBER) this.finishNumber();
    if (this.state === DONE) return;
    const at = { line: this.line, column: this.offset - this.lineStart + 1 };
    if (!this.started || (this.state === VALUE && this.stack.length === 0)) {
      throw new FeedSyntaxError('Unexpected end of input: the feed is empty', at.line, at.column);
    }
    const open = this.stack.length;
    const inside =
      this.state === STRING
        ? 'inside a string'
        : this.state === LITERAL
          ? `inside "${this.literal}"`
          : `with ${open} array${open === 1 ? '' : 's'}/object${open === 1 ? '' : 's'} left open`;
    throw new FeedSyntaxError(`Unexpected end of input ${inside}: the feed is truncated`, at.line, at.column);
  }

  private fail(reason: string, index: number): never {
    throw new FeedSyntaxError(reason, this.line, this.offset + index - this.lineStart + 1);
  }

  private startValue(ch: string, i: number): void {
    const line = this.line;
    switch (ch) {
      case '{':
        this.stack.push(OBJECT);
        this.state = KEY_OR_END;
        this.handler.startObject(line);
        return;
      case '[':
        this.stack.push(ARRAY);
        this.state = VALUE_OR_END;
        this.handler.startArray(line);
        return;
      case '"':
        this.beginString(false, i);
        return;
      case 't':
      case 'f':
      case 'n':
        this.literal = ch === 't' ? 'true' : ch === 'f' ? 'false' : 'null';
        this.scalar = ch;
        this.tokenLine = line;
        this.state = LITERAL;
        return;
      default:
        if (ch === '-' || (ch >= '0' && ch <= '9')) {
          this.scalar = ch;
          this.tokenLine = line;
          this.tokenColumn = this.offset + i - this.lineStart + 1;
          this.state = NUMBER;
          return;
        }
        this.fail(`Unexpected ${describe(ch)}: expected a value`, i);
    }
  }

  private finishNumber(): void {
    if (!NUMBER_SYNTAX.test(this.scalar)) {
      throw new FeedSyntaxError(`Invalid number ${JSON.stringify(this.scalar)}`, this.tokenLine, this.tokenColumn);
    }
    this.handler.value(Number(this.scalar), this.tokenLine);
    this.afterValue();
  }

  private closeContainer(kind: number): void {
    this.stack.pop();
    if (kind === OBJECT) this.handler.endObject();
    else this.handler.endArray();
    this.afterValue();
  }

  private afterValue(): void {
    this.state = this.stack.length === 0 ? DONE : COMMA_OR_END;
  }

  private beginString(isKey: boolean, i: number): void {
    this.stringIsKey = isKey;
    this.parts = [];
    this.escape = 'none';
    this.tokenLine = this.line;
    this.tokenColumn = this.offset + i - this.lineStart + 1;
    this.state = STRING;
  }

  /** Reads string content from `i`; returns the index of the first character not consumed. */
  private readString(text: string, i: number): number {
    const n = text.length;
    while (i < n) {
      if (this.escape === 'backslash') {
        const ch = text[i];
        if (ch === 'u') {
          this.escape = 'unicode';
          this.unicodeDigits = '';
        } else {
          const decoded = ESCAPES[ch];
          if (decoded === undefined) this.fail(`Invalid escape sequence "\\${ch}" in a string`, i);
          this.parts.push(decoded);
          this.escape = 'none';
        }
        i++;
        continue;
      }
      if (this.escape === 'unicode') {
        const ch = text[i];
        if (!/[0-9a-fA-F]/.test(ch)) this.fail(`Invalid \\u escape in a string: ${describe(ch)} is not a hexadecimal digit`, i);
        this.unicodeDigits += ch;
        i++;
        if (this.unicodeDigits.length === 4) {
          // One UTF-16 unit; a surrogate pair arrives as two escapes and joins back up in the string.
          this.parts.push(String.fromCharCode(parseInt(this.unicodeDigits, 16)));
          this.escape = 'none';
        }
        continue;
      }
      // Plain run up to the next quote, backslash or control character.
      const start = i;
      let code = 0;
      while (i < n) {
        code = text.charCodeAt(i);
        if (code === 0x22 || code === 0x5c || code < 0x20) break;
        i++;
      }
      if (i > start) this.parts.push(text.slice(start, i));
      if (i === n) break;
      if (code === 0x22) {
        const value = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
        this.parts = [];
        if (this.stringIsKey) {
          this.handler.key(value);
          this.state = COLON;
        } else {
          this.handler.value(value, this.tokenLine);
          this.afterValue();
        }
        return i + 1;
      }
      if (code === 0x5c) {
        this.escape = 'backslash';
        i++;
        continue;
      }
      this.fail(
        code === 0x0a
          ? `Unexpected line break inside a string (the string opened at line ${this.tokenLine}, column ${this.tokenColumn} is not closed)`
          : `Unexpected ${describe(text[i])} inside a string: control characters must be escaped`,
        i,
      );
    }
    return i;
  }
}
