/**
 * Markdown as GitHub renders it, for the tests that hold the docs to the code
 * (docs.test.ts, cliDocs.test.ts).
 */

/** GitHub's anchor for a heading's text: lowercase, punctuation (backticks too) dropped, spaces to hyphens. */
export function githubAnchor(title: string): string {
  return title
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
