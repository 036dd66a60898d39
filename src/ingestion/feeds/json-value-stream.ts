import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { JsonTokenizer, type JsonTokenHandler } from './json-tokenizer';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A path inside the document: keys and array indexes from the root. */
export type JsonPath = ReadonlyArray<string | number>;

/** One value handed out by streamJsonValues. */
export interface StreamedJsonValue {
  value: JsonValue;
  /** Line where the value starts. */
  line: number;
  /** Path of the streamed array it is an element of; null for the root value itself. */
  arrayPath: JsonPath | null;
  /** Index inside that array (0 for the root). */
  index: number;
  /** True for an object or array some of whose arrays were streamed (and so left out of `value`). */
  hadStreamedArrays: boolean;
}

interface Frame {
  isArray: boolean;
  /** The container being built; null for a streamed array (its elements are handed out one by one). */
  container: JsonValue[] | JsonObject | null;
  key: string | null;
  /** Next element index (arrays). */
  index: number;
  line: number;
  /** Where this container sits in its parent. */
  segment: string | number | null;
  hadStreamedArrays: boolean;
}

/** Paths deeper than this are never streamed (keeps the path bookkeeping off the hot path). */
const MAX_STREAMED_DEPTH = 6;

/**
 * Builds JSON values from tokens, except that the elements of the arrays `isItemArray` picks are
 * handed out one at a time instead of being kept: a 500 MB `[...]` of offers costs one offer of
 * memory. Everything outside streamed arrays is assembled as usual and handed out last, as the
 * root value (without the streamed arrays).
 */
class JsonValueAssembler implements JsonTokenHandler {
  private readonly frames: Frame[] = [];

  constructor(
    private readonly isItemArray: (path: JsonPath) => boolean,
    private readonly emit: (value: StreamedJsonValue) => void,
  ) {}

  startObject(line: number): void {
    this.open(false, line);
  }

  startArray(line: number): void {
    this.open(true, line);
  }

  endObject(): void {
    this.close();
  }

  endArray(): void {
    this.close();
  }

  key(name: string): void {
    this.frames[this.frames.length - 1].key = name;
  }

  value(value: string | number | boolean | null, line: number): void {
    this.deliver(value, line, false);
  }

  private open(isArray: boolean, line: number): void {
    const parent = this.frames[this.frames.length - 1];
    const segment = parent ? (parent.isArray ? parent.index : parent.key) : null;
    let streamed = false;
    if (isArray && this.frames.length < MAX_STREAMED_DEPTH) {
      const path = this.frames.slice(1).map((f) => f.segment as string | number);
      if (parent) path.push(segment as string | number);
      streamed = this.isItemArray(path);
    }
    this.frames.push({
      isArray,
      container: streamed ? null : isArray ? [] : {},
      key: null,
      index: 0,
      line,
      segment,
      hadStreamedArrays: false,
    });
  }

  private close(): void {
    const frame = this.frames.pop()!;
    if (frame.container === null) {
      // A streamed array: its elements are gone already; the parent only learns it had one.
      const parent = this.frames[this.frames.length - 1];
      if (parent) {
        parent.hadStreamedArrays = true;
        if (parent.isArray) parent.index++;
      }
      return;
    }
    this.deliver(frame.container, frame.line, frame.hadStreamedArrays);
  }

  private deliver(value: JsonValue, line: number, hadStreamedArrays: boolean): void {
    const parent = this.frames[this.frames.length - 1];
    if (!parent) {
      this.emit({ value, line, arrayPath: null, index: 0, hadStreamedArrays });
      return;
    }
    if (parent.container === null) {
      const path = this.frames.slice(1).map((f) => f.segment as string | number);
      this.emit({ value, line, arrayPath: path, index: parent.index++, hadStreamedArrays });
    } else if (parent.isArray) {
      (parent.container as JsonValue[]).push(value);
      parent.index++;
    } else {
      const object = parent.container as JsonObject;
      const key = parent.key as string;
      // A "__proto__" key must stay an own property, as JSON.parse makes it.
      if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
    }
  }
}

/**
 * Streams a UTF-8 JSON document (a BOM is skipped), handing out the elements of the arrays
 * `isItemArray` selects as soon as each is complete, then the root value. A syntax error is thrown
 * as FeedSyntaxError (line and column) once the values before it have been handed out.
 */
export async function* streamJsonValues(stream: Readable, isItemArray: (path: JsonPath) => boolean): AsyncGenerator<StreamedJsonValue> {
  const ready: StreamedJsonValue[] = [];
  const tokenizer = new JsonTokenizer(new JsonValueAssembler(isItemArray, (v) => ready.push(v)));
  const decoder = new TextDecoder('utf-8');
  let failure: unknown = null;
  try {
    for await (const chunk of stream) {
      try {
        tokenizer.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true }));
      } catch (err) {
        failure = err;
      }
      // Hand out what is complete before reading on (or before reporting the error).
      for (const value of ready.splice(0)) yield value;
      if (failure) throw failure;
    }
    tokenizer.write(decoder.decode());
    tokenizer.end();
  } catch (err) {
    failure = err;
  }
  for (const value of ready.splice(0)) yield value;
  if (failure) throw failure;
}
