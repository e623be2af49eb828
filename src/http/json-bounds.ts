/**
 * Bounds on the shape of a JSON body, checked on the raw text as it arrives, before anything parses,
 * copies or walks it recursively: a body nested deeper than MAX_JSON_DEPTH (a recursive walk would run
 * out of stack) or with an array longer than MAX_JSON_ARRAY_ITEMS (the largest any schema accepts:
 * /score/batch's 10,000 requests) is refused at the first byte that breaks the rule, so a 64 MiB batch
 * of 21 million empty items costs a few kilobytes of scanning, not a parse of the whole body.
 *
 * The scanner only tracks strings, brackets and commas; whether the text is valid JSON is left to
 * JSON.parse afterwards.
 */

/** Deeper than any schema needs (the deepest route body is 4 levels; /generate's free `context` gets 60). */
export const MAX_JSON_DEPTH = 64;
/** The most items any route accepts in one array (/score/batch requests, /agents history). */
export const MAX_JSON_ARRAY_ITEMS = 10_000;

export interface JsonBoundsProblem {
  readonly kind: 'too_deep' | 'too_many_items';
  readonly message: string;
  /** Where it happened, as far as the scanner knows: object keys and array indices from the root. */
  readonly path: (string | number)[];
}

interface Frame {
  readonly array: boolean;
  /** Arrays: items seen so far. */
  items: number;
  /** Objects: the last key read (cut at 64 characters); used only to report where. */
  key: string;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * Where the items of an array that is a value of the top-level object lie in the text (char offsets):
 * a large body's big array (/score/batch's `requests`) can then be parsed item by item, with turns of
 * the event loop in between, instead of in one long JSON.parse.
 */
export interface TopLevelArray {
  /** The key whose value the array is (cut at 64 characters). */
  readonly key: string;
  /** Offset of `[`. */
  readonly open: number;
  /** Offsets of the commas between items. */
  readonly commas: number[];
  /** Offset of `]`; -1 until seen. */
  close: number;
}

export class JsonBoundsScanner {
  private readonly stack: Frame[] = [];
  /** Chars scanned before the current piece. */
  private offset = 0;
  /** Arrays opened directly in the top-level object, in order. */
  readonly topLevelArrays: TopLevelArray[] = [];
  private inString = false;
  private escaped = false;
  /** The string being read is an object key (only keys are kept, for the report). */
  private readingKey = false;
  private keyText = '';
  /** In an object, between `{`/`,` and `:`: the next string is a key. */
  private expectKey = false;

  constructor(
    private readonly maxDepth = MAX_JSON_DEPTH,
    private readonly maxItems = MAX_JSON_ARRAY_ITEMS,
  ) {}

  /** Scans the next piece of text; returns the first broken bound, or null. */
  feed(text: string): JsonBoundsProblem | null {
    const problem = this.scan(text);
    this.offset += text.length;
    return problem;
  }

  private scan(text: string): JsonBoundsProblem | null {
    const stack = this.stack;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.readingKey) {
            stack[stack.length - 1]!.key = this.keyText;
            this.readingKey = false;
          }
        }
        if (this.readingKey && this.inString && this.keyText.length < 64) this.keyText += text[i];
        continue;
      }
      if (isSpace(c)) continue;
      const top = stack[stack.length - 1];
      // The first character of an array's item counts it; commas count the rest.
      if (top?.array && top.items === 0 && c !== CLOSE_ARRAY) top.items = 1;
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (this.expectKey) {
            this.readingKey = true;
            this.keyText = '';
            this.expectKey = false;
          }
          break;
        case OPEN_ARRAY:
        case OPEN_OBJECT:
          if (stack.length >= this.maxDepth) {
            return {
              kind: 'too_deep',
              message: `JSON nested deeper than ${this.maxDepth} levels`,
              path: this.path(),
            };
          }
          if (c === OPEN_ARRAY && stack.length === 1 && !stack[0]!.array) {
            this.topLevelArrays.push({ key: stack[0]!.key, open: this.offset + i, commas: [], close: -1 });
          }
          stack.push({ array: c === OPEN_ARRAY, items: 0, key: '' });
          this.expectKey = c === OPEN_OBJECT;
          break;
        case CLOSE_ARRAY:
        case CLOSE_OBJECT:
          if (c === CLOSE_ARRAY && stack.length === 2 && !stack[0]!.array) {
            const last = this.topLevelArrays[this.topLevelArrays.length - 1];
            if (last) last.close = this.offset + i;
          }
          stack.pop();
          this.expectKey = false;
          break;
        case COMMA:
          if (top?.array) {
            if (stack.length === 2 && !stack[0]!.array) {
              this.topLevelArrays[this.topLevelArrays.length - 1]?.commas.push(this.offset + i);
            }
            top.items += 1;
            if (top.items > this.maxItems) {
              return {
                kind: 'too_many_items',
                message: `an array holds more than ${this.maxItems} items`,
                path: this.path().slice(0, -1),
              };
            }
          } else if (top) this.expectKey = true;
          break;
        case COLON:
          this.expectKey = false;
          break;
      }
    }
    return null;
  }

  /** The first levels only: enough to say where, without echoing a hostile body's whole depth. */
  private path(): (string | number)[] {
    return this.stack.slice(0, 8).map((f) => (f.array ? Math.max(0, f.items - 1) : f.key));
  }
}
