import { route } from "@hectoday/http";
import { errorResponse } from "../responses.js";

/** Log in by e-mail (the seed users; no passwords in this course) and log out. */
export const authRoutes = [
  route.post("/login", {
    // TODO(authentication-on-websockets): read { email } with readBody() and a zod schema; findUserByEmail()
    // (../users.js); unknown → errorResponse(401, "UNAUTHORIZED", …); known → createSession()
    // (../sessions.js) and Response.json({ user }, { headers: { "Set-Cookie": sessionCookie(id) } }).
    resolve: () => errorResponse(501, "NOT_IMPLEMENTED", "POST /login is not written yet."),
  }),

  route.post("/logout", {
    // TODO(authentication-on-websockets): parseCookies(c.request.headers.get("cookie") ?? "").get("session"),
    // deleteSession() it when there is one, and answer 200 { ok: true } with
    // "Set-Cookie": clearedSessionCookie().
    resolve: () => errorResponse(501, "NOT_IMPLEMENTED", "POST /logout is not written yet."),
  }),
];
