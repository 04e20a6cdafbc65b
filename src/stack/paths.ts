// The dpkg md5sums of what goes into an image (which paths go in: deps/debian pathFilter).

/** Keeps only the lines of a .deb's md5sums (`<md5>  <path>`) whose path is in the image. */
export function filterMd5sums(md5sums: string, include: (path: string) => boolean): string {
  const lines = md5sums.split("\n").filter((l) => {
    const m = /^[0-9a-f]{32}\s+(.+)$/.exec(l);
    return m !== null && include((m[1] as string).replace(/^\.?\/+/, ""));
  });
  return lines.length ? `${lines.join("\n")}\n` : "";
}
