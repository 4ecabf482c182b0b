/**
 * Escapes text for XML and HTML, in content and in quoted attribute values: the
 * five markup characters, and the control characters XML 1.0 forbids (dropped).
 * Everything a report or the web view shows from a learner's server goes through it.
 */
export function escapeMarkup(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;")
  );
}
