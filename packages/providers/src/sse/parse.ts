import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { SseEvent } from './types';

const LF = 10;
const CR = 13;
const BOM = 0xfeff;

/** Incremental SSE reader: feed text as it arrives, then call `end()` once the source closes. */
export interface SseParser {
  feed(chunk: string): void;
  end(): void;
}

/**
 * Splits a stream into event blocks at blank lines (LF, CRLF or CR line ends) and hands each block to
 * eventsource-parser for its fields. The framing is ours because the cache must replay the exact bytes
 * of every block, which eventsource-parser does not keep.
 *
 * Blocks that dispatch nothing under the SSE rules (comments, keep-alives, fields without `data:`) are
 * still reported, with `data: ''`, so that `raw` stays byte-faithful. Bytes left without a closing blank
 * line when `end()` is called are reported the same way: per the SSE spec an unterminated block is never
 * dispatched, so a stream cut inside its terminal event can never look complete.
 */
export function createSseParser(onEvent: (e: SseEvent) => void): SseParser {
  // `buf` holds the current line (and what follows it); earlier lines of an unfinished block wait in `parts`.
  // Keeping `buf` short matters: every search flattens it, and a block that never ends, fed in small chunks,
  // was rescanned whole on each one (1 MB in 7-byte chunks: 111 s).
  let buf = '';
  let parts: string[] = [];
  let blockStart = 0;
  let lineBegin = 0;
  let pos = 0;
  // True when `pos` begins a line, so a line terminator there is the blank line closing the block.
  let lineStart = true;
  let ended = false;
  // The SSE spec drops a byte order mark at the very start of a stream; decoded text has it as U+FEFF,
  // which eventsource-parser (it looks for the UTF-8 bytes) does not recognise.
  let atStreamStart = true;

  let message: EventSourceMessage | undefined;
  const fields = createParser({
    onEvent: (m) => {
      message = m;
    },
  });

  function emit(raw: string, dispatchable: boolean): void {
    message = undefined;
    if (dispatchable) {
      const text = atStreamStart && raw.charCodeAt(0) === BOM ? raw.slice(1) : raw;
      // A block closed by a bare CR leaves that CR pending in the parser (it could be half of a CRLF);
      // an LF after it settles the line without changing its meaning.
      fields.feed(text.charCodeAt(text.length - 1) === CR ? `${text}\n` : text);
    }
    atStreamStart = false;
    const m = message as EventSourceMessage | undefined;
    const event: SseEvent = m === undefined ? { data: '', raw } : { data: m.data, raw };
    if (m?.event !== undefined) event.event = m.event;
    if (m?.id !== undefined) event.id = m.id;
    onEvent(event);
  }

  // Next CR / LF at or after `pos`, remembered between lines: searching afresh for a character the stream
  // never uses (CR in an LF stream) would rescan the whole buffer on every line.
  let nextCr = -1;
  let nextLf = -1;
  let searched = false;

  /** The character before `buf[i]` in the current block, also when it waits in `parts`. */
  function charBefore(i: number): number {
    if (i > 0) return buf.charCodeAt(i - 1);
    const last = parts[parts.length - 1];
    return last === undefined ? NaN : last.charCodeAt(last.length - 1);
  }

  function scan(final: boolean): void {
    while (pos < buf.length) {
      if (!searched || (nextCr !== -1 && nextCr < pos)) nextCr = buf.indexOf('\r', pos);
      if (!searched || (nextLf !== -1 && nextLf < pos)) nextLf = buf.indexOf('\n', pos);
      searched = true;
      const cr = nextCr;
      const lf = nextLf;
      const t = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (t === -1) {
        lineStart = false;
        pos = buf.length;
        break;
      }
      if (t > pos) lineStart = false;
      let next = t + 1;
      if (buf.charCodeAt(t) === CR) {
        // A CR at the end of what we have may be the first half of a CRLF split across chunks. At the end
        // of the stream it counts only after another CR (a CR-only stream): a CRLF stream cut before its
        // last LF is not complete.
        if (next === buf.length && !(final && charBefore(t) === CR)) {
          pos = t;
          break;
        }
        if (buf.charCodeAt(next) === LF) next++;
      }
      if (lineStart) {
        emit(
          parts.length === 0 ? buf.slice(blockStart, next) : parts.join('') + buf.slice(blockStart, next),
          true,
        );
        parts = [];
        blockStart = next;
      }
      lineStart = true;
      pos = next;
      lineBegin = next;
    }
    if (blockStart > 0) {
      buf = buf.slice(blockStart);
      pos -= blockStart;
      lineBegin -= blockStart;
      blockStart = 0;
    }
    if (lineBegin > 0) {
      parts.push(buf.slice(0, lineBegin));
      buf = buf.slice(lineBegin);
      pos -= lineBegin;
      lineBegin = 0;
    }
    searched = false;
  }

  return {
    feed(chunk: string): void {
      if (ended) throw new Error('createSseParser: feed() called after end()');
      if (chunk.length === 0) return;
      // Mid-line, nothing pending, no line end in the chunk: nothing to search, so `buf` is not touched.
      if (pos === buf.length && chunk.indexOf('\n') === -1 && chunk.indexOf('\r') === -1) {
        buf += chunk;
        pos = buf.length;
        lineStart = false;
        return;
      }
      buf += chunk;
      scan(false);
    },
    end(): void {
      if (ended) return;
      ended = true;
      scan(true);
      const rest = parts.join('') + buf;
      if (rest.length > 0) emit(rest, false);
      buf = '';
      parts = [];
      fields.reset();
    },
  };
}

/** Parses a whole SSE text; see {@link createSseParser} for how comments and unterminated tails are kept. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  parser.feed(text);
  parser.end();
  return events;
}
