import { route } from "@hectoday/http";
import { z } from "zod";
import { clearedSessionCookie, parseCookies, sessionCookie } from "../cookies.js";
import { errorResponse, readBody } from "../responses.js";
import { createSession, deleteSession } from "../sessions.js";
import { findUserByEmail } from "../users.js";

const LoginBody = z.object({
  email: z.string().trim().min(3).max(200),
});

/** Log in by e-mail (the seed users; no passwords in this course) and log out. */
export const authRoutes = [
  route.post("/login", {
    resolve: async (c) => {
      const body = await readBody(c.request, LoginBody);
      if (!body.ok) return body.response;

      const user = findUserByEmail(body.data.email);
      if (!user) return errorResponse(401, "UNAUTHORIZED", "No user has this e-mail address.");

      const sessionId = createSession({ userId: user.id, email: user.email });
      return Response.json({ user }, { headers: { "Set-Cookie": sessionCookie(sessionId) } });
    },
  }),

  route.post("/logout", {
    resolve: (c) => {
      const sessionId = parseCookies(c.request.headers.get("cookie") ?? "").get("session");
      if (sessionId) deleteSession(sessionId);
      return Response.json({ ok: true }, { headers: { "Set-Cookie": clearedSessionCookie() } });
    },
  }),
];
