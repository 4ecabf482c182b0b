import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { route } from "@hectoday/http";

/** The folder of the browser page's files: `public/` in the folder the server was started from. */
const PUBLIC_DIR = join(process.cwd(), "public");

/** Answers with a file of `public/`, read on every request so that an edit shows on the next reload. */
async function sendFile(name: string, contentType: string): Promise<Response> {
  const body = await readFile(join(PUBLIC_DIR, name));
  return new Response(body, {
    headers: { "Content-Type": contentType, "Cache-Control": "no-cache" },
  });
}

const boardPage = () => sendFile("board.html", "text/html; charset=utf-8");

/** The Live Task Board page and its script. */
export const pageRoutes = [
  route.get("/", { resolve: boardPage }),
  route.get("/board.html", { resolve: boardPage }),
  route.get("/board.js", {
    resolve: () => sendFile("board.js", "text/javascript; charset=utf-8"),
  }),
];
