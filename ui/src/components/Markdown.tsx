import DOMPurify from "dompurify";
import { marked } from "marked";

// Descriptions come from upstream descriptor files: anyone who can write to a source can write them. They are
// rendered as Markdown, then sanitised: no scripts, no event handlers, no styles, no frames or forms, and no
// remote loads (images and links keep their text only; clicking a link must never navigate the app window).
const ALLOWED_TAGS = ["p", "br", "strong", "em", "b", "i", "code", "pre", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "del", "hr"];

export function sanitizeMarkdown(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true });
  return DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR: ["title"], ALLOW_DATA_ATTR: false });
}

export function Markdown({ text, className }: { text: string; className?: string }) {
  return <div className={className ?? "prose"} dangerouslySetInnerHTML={{ __html: sanitizeMarkdown(text) }} />;
}
