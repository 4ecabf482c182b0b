import { lexer, type Token, type Tokens } from "marked";
import type { Style } from "./style.ts";

/** Renders lesson Markdown for a terminal: headings, wrapped paragraphs, lists, code blocks, tables. */
export function renderMarkdown(markdown: string, style: Style, width = 80): string {
  return `${lexer(markdown)
    .map((t) => block(t, style, width))
    .filter(Boolean)
    .join("\n\n")}\n`;
}

function block(t: Token, s: Style, width: number): string {
  switch (t.type) {
    case "heading": {
      const text = inline((t as Tokens.Heading).tokens, s);
      return t.depth === 1
        ? s.bold(s.cyan(text.toUpperCase()))
        : s.bold(t.depth === 2 ? `${text}` : `${text}`);
    }
    case "paragraph":
      return wrap(inline((t as Tokens.Paragraph).tokens, s), width);
    case "code":
      return (t as Tokens.Code).text
        .split("\n")
        .map((l) => `    ${s.dim(l)}`)
        .join("\n");
    case "list": {
      const list = t as Tokens.List;
      return list.items
        .map((item, i) => {
          const bullet = list.ordered ? `${Number(list.start || 1) + i}.` : "•";
          const body = item.tokens
            .map((x) =>
              x.type === "text"
                ? inline((x as Tokens.Text).tokens ?? [x], s)
                : block(x, s, width - 4),
            )
            .join("\n");
          return indent(wrap(body, width - 4), `  ${bullet} `, "    ");
        })
        .join("\n");
    }
    case "blockquote":
      return indent(
        (t as Tokens.Blockquote).tokens.map((x) => block(x, s, width - 4)).join("\n"),
        "  │ ",
        "  │ ",
      );
    case "table": {
      const table = t as Tokens.Table;
      const rows = [
        table.header.map((c) => inline(c.tokens, s)),
        ...table.rows.map((r) => r.map((c) => inline(c.tokens, s))),
      ];
      const widths = rows[0].map((_, i) =>
        Math.max(...rows.map((r) => visible(r[i] ?? "").length)),
      );
      return rows
        .map((r, ri) => {
          const line = r.map((c, i) => c + " ".repeat(widths[i] - visible(c).length)).join("  ");
          return ri === 0 ? `  ${s.bold(line)}` : `  ${line}`;
        })
        .join("\n");
    }
    case "hr":
      return s.dim("─".repeat(Math.min(width, 60)));
    case "space":
      return "";
    case "html":
      return "";
    default:
      return "raw" in t ? String(t.raw).trim() : "";
  }
}

function inline(tokens: Token[] | undefined, s: Style): string {
  return (tokens ?? [])
    .map((t) => {
      switch (t.type) {
        case "strong":
          return s.bold(inline((t as Tokens.Strong).tokens, s));
        case "em":
          return inline((t as Tokens.Em).tokens, s);
        case "codespan":
          return s.cyan(decode((t as Tokens.Codespan).text));
        case "link": {
          const l = t as Tokens.Link;
          const text = inline(l.tokens, s);
          return text === l.href ? l.href : `${text} (${l.href})`;
        }
        case "br":
          return "\n";
        case "text":
          return "tokens" in t && t.tokens ? inline(t.tokens, s) : decode((t as Tokens.Text).text);
        default:
          return decode("text" in t ? String(t.text) : t.raw);
      }
    })
    .join("");
}

function decode(s: string): string {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: measuring text without ANSI colour codes
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

function wrap(text: string, width: number): string {
  return text
    .split("\n")
    .map((para) => {
      const words = para.split(/ +/);
      const lines: string[] = [];
      let line = "";
      for (const w of words) {
        if (line && visible(line).length + 1 + visible(w).length > width) {
          lines.push(line);
          line = w;
        } else line = line ? `${line} ${w}` : w;
      }
      lines.push(line);
      return lines.join("\n");
    })
    .join("\n");
}

function indent(text: string, first: string, rest: string): string {
  return text
    .split("\n")
    .map((l, i) => (i === 0 ? first : rest) + l)
    .join("\n");
}
