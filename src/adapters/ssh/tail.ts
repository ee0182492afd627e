// A bounded tail of a stream: however much a node prints, only the last `limit` bytes stay.
// Redaction must see a secret whole: the tail keeps a margin beyond `limit`, the redactor
// runs over all of it, and only then is the text cut to `limit`, so a token that straddles
// the cut is replaced before it could be halved. Should the margin's own start (cut mid-line,
// maybe mid-token) reach the text kept, its partial first line is dropped.
export class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;
  private readonly keep: number;

  constructor(
    private readonly limit: number,
    /** Bytes kept beyond `limit` for redaction to see across the cut (a private key block fits). */
    margin = Math.max(limit, 16_384),
  ) {
    this.keep = limit + margin;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > this.keep * 2) this.compact();
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const keep = all.subarray(Math.max(0, all.length - this.keep));
    this.dropped += all.length - keep.length;
    this.chunks = [Buffer.from(keep)];
    this.size = keep.length;
  }

  /** The last `limit` bytes (at most), redacted before they were cut. */
  text(redact: (text: string) => string = (text) => text): string {
    this.compact();
    const window = Buffer.concat(this.chunks).toString('utf8');
    const redacted = redact(window);
    const bytes = Buffer.from(redacted, 'utf8');
    const cut = Math.max(0, bytes.length - this.limit);
    let body = cut > 0 ? bytes.subarray(cut).toString('utf8') : redacted;
    // The window starts mid-stream, so maybe mid-token: that partial line is not shown.
    if (cut === 0 && this.dropped > 0) body = afterFirstBreak(body);
    const before = this.dropped + cut;
    return before > 0 ? `[… ${before} bytes before this were dropped]\n${body}` : body;
  }
}

/** The text after its first line break (or, with none, its first whitespace). */
function afterFirstBreak(text: string): string {
  const newline = text.indexOf('\n');
  if (newline >= 0) return text.slice(newline + 1);
  const space = text.search(/\s/);
  return space >= 0 ? text.slice(space + 1) : text;
}
