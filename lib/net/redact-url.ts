/** Query parameters whose values are secrets a client might put in a URL, however they are cased. */
const SECRET_PARAM = /^(access_?token|token|api_?key|key|secret|password|passwd|pwd|auth|authorization|sig|signature)$/i;

/**
 * A URL as it may be logged: the value of every query parameter that looks like a secret
 * (`?token=...`, `?access_token=...`) replaced. Our API takes tokens only in the Authorization
 * header, but a client that puts one in the query string must not have it written to the log.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed escape: judge the name as written.
      }
      return SECRET_PARAM.test(decoded) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}
