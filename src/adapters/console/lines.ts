// Lines from a pipe or a file, split on line feeds only. readline also ends a line at a lone
// carriage return, so `rollback \r ''` would reach drover as the line `rollback ` followed by
// another: here the carriage return stays inside its line, where the dispatcher refuses it.
// A CRLF line ending is a line ending (one `\r` right before `\n` is dropped).
import { StringDecoder } from 'node:string_decoder';

export async function* linesOf(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let end = pending.indexOf('\n');
    while (end >= 0) {
      yield withoutCr(pending.slice(0, end));
      pending = pending.slice(end + 1);
      end = pending.indexOf('\n');
    }
  }
  pending += decoder.end();
  if (pending !== '') yield withoutCr(pending);
}

const withoutCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
