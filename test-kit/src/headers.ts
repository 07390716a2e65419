/**
 * An upstream answer's headers as the header filters meet them: mixed-case names, a cookie, hop-by-hop and
 * framing headers that must never be stored or shared, and one request id that may.
 */
export const UPSTREAM_HEADERS = {
  'Content-Type': 'application/json',
  'set-cookie': ['a=b'],
  'content-length': '10',
  'content-encoding': 'gzip',
  'transfer-encoding': 'chunked',
  connection: 'keep-alive',
  'x-request-id': 'req_1',
};
