import { route } from "@hectoday/http";
import { errorResponse } from "../responses.js";

/** Answers 501 until the route is written. */
const todo = (what: string) => () =>
  errorResponse(501, "NOT_IMPLEMENTED", `TODO(capstone): serve ${what} from public/.`);

/** The Live Task Board page and its script. */
export const pageRoutes = [
  // TODO(capstone): answer GET / and GET /board.html with public/board.html
  // (Content-Type: text/html; charset=utf-8) and GET /board.js with public/board.js
  // (Content-Type: text/javascript; charset=utf-8), both with Cache-Control: no-cache.
  // Read the files from join(process.cwd(), "public") on every request.
  route.get("/", { resolve: todo("the board page") }),
  route.get("/board.html", { resolve: todo("the board page") }),
  route.get("/board.js", { resolve: todo("the board script") }),
];
