/** Reads a Cookie header (`a=1; session=abc`) into a name → value map. */
export function parseCookies(_header: string): Map<string, string> {
  // TODO(authentication-on-websockets): split the header on ";", split each part at its first "=", trim the
  // name and the value, and keep the first value of each name (decodeURIComponent it when
  // that works). Parts without "=" or with an empty name are skipped.
  return new Map();
}

/** The Set-Cookie value that stores a session id in the browser. */
export function sessionCookie(sessionId: string, maxAgeSeconds = 86_400): string {
  // TODO(authentication-on-websockets): add the attributes HttpOnly (no JavaScript access), SameSite=Lax
  // (not sent with cross-site subrequests) and Path=/ (sent with every path, /ws included).
  return `session=${sessionId}; Max-Age=${maxAgeSeconds}`;
}

/** The Set-Cookie value that makes the browser forget the session cookie. */
export function clearedSessionCookie(): string {
  return "session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0";
}
