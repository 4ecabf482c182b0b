import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import http from "highlight.js/lib/languages/http";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import plaintext from "highlight.js/lib/languages/plaintext";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import { Marked } from "marked";
import { markedHighlight } from "marked-highlight";
import { escapeMarkup as esc } from "../report/escape.ts";

for (const [name, language] of Object.entries({
  bash,
  http,
  javascript,
  json,
  plaintext,
  typescript,
  xml,
})) {
  hljs.registerLanguage(name, language);
}
hljs.registerAliases(["sh", "shell", "console"], { languageName: "bash" });
hljs.registerAliases(["ts"], { languageName: "typescript" });
hljs.registerAliases(["js", "mjs"], { languageName: "javascript" });
hljs.registerAliases(["html", "svg"], { languageName: "xml" });
hljs.registerAliases(["text", "txt", "sse"], { languageName: "plaintext" });

const marked = new Marked(
  markedHighlight({
    emptyLangClass: "hljs",
    langPrefix: "hljs language-",
    highlight(code, lang) {
      const language = hljs.getLanguage(lang) ? lang : "plaintext";
      return hljs.highlight(code, { language }).value;
    },
  }),
  {
    // Raw HTML in a lesson text is shown as text: the page runs no markup it did not make.
    renderer: {
      html: ({ text }) => esc(text),
    },
  },
);

/** A lesson text (Markdown, its lesson references already rendered) as HTML, code highlighted. */
export function lessonHtml(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
