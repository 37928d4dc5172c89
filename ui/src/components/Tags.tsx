/** The tags; with `limit`, the first few and how many more (a list row stays one or two lines high). */
export function Tags({ tags, limit }: { tags: string[]; limit?: number }) {
  if (tags.length === 0) return <span className="muted">—</span>;
  const shown = limit === undefined ? tags : tags.slice(0, limit);
  const more = tags.length - shown.length;
  return (
    <ul className="tags" aria-label="tags" title={more > 0 ? tags.join(", ") : undefined}>
      {shown.map((tag) => (
        <li key={tag} className="tag">
          {tag}
        </li>
      ))}
      {more > 0 && <li className="tag tag-more">+{more}</li>}
    </ul>
  );
}
